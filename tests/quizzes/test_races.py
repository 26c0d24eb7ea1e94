"""Many requests at once, on PostgreSQL: limits hold and nothing is counted twice."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from coursework.errors import Conflict
from coursework.extensions import db
from coursework.progress import services as progress
from coursework.progress.models import LearningEvent
from lessons import services as lessons
from quizzes import services
from quizzes.models import Attempt, Response
from tests.support.quizkit import WORKERS, all_at_once, together

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.real_commits(reason="threads race, each on a connection of its own"),
]


def test_the_attempt_limit_holds_under_concurrent_starts_and_submits(app, make_user, make_quiz):
    learner_id = make_user().id
    quiz_id = make_quiz(attempt_limit=5).id

    def start_and_submit_until_refused() -> int:
        from coursework.accounts.models import User

        learner = db.session.get(User, learner_id)
        quiz = services.get_quiz(quiz_id)
        made = 0
        for _ in range(10):
            try:
                attempt = services.start_attempt(learner, quiz)
            except Conflict:
                return made
            services.submit_attempt(attempt)
            made += 1
        return made

    results = all_at_once(app, start_and_submit_until_refused)
    assert not [r for r in results if isinstance(r, Exception)], results
    numbers = sorted(db.session.scalars(select(Attempt.number).where(Attempt.quiz_id == quiz_id)))
    assert numbers == [1, 2, 3, 4, 5]
    assert (
        db.session.scalar(
            select(func.count(LearningEvent.id)).where(LearningEvent.verb == "attempted")
        )
        == 5
    )


def test_twenty_submissions_of_one_attempt_grade_it_once(app, make_user, make_quiz):
    from tests.support.quizkit import right_answers

    learner, quiz = make_user(), make_quiz()
    attempt = services.start_attempt(learner, quiz)
    services.save_answers(attempt, right_answers(attempt))
    attempt_id, learner_id = attempt.id, learner.id

    def submit() -> tuple:
        from coursework.accounts.models import User

        mine = services.get_attempt(attempt_id, db.session.get(User, learner_id))
        result = services.submit_attempt(mine)
        return (result.state, result.percent, result.submitted_at)

    results = all_at_once(app, submit)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len(set(results)) == 1
    assert results[0][:2] == ("submitted", 100.0)
    events = db.session.scalars(
        select(LearningEvent.verb).where(LearningEvent.object_type == "quiz")
    )
    assert sorted(events) == ["attempted", "passed"]


def test_concurrent_completions_of_a_lesson_record_one_event(app, make_user, course):
    learner_id = make_user().id
    lesson_id = lessons.current_lessons(course.id)[0].id

    def complete() -> bool:
        from coursework.accounts.models import User
        from lessons.models import Lesson

        return progress.complete_lesson(
            db.session.get(User, learner_id), db.session.get(Lesson, lesson_id)
        )

    results = all_at_once(app, complete)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert results.count(True) == 1
    verbs = sorted(db.session.scalars(select(LearningEvent.verb)))
    assert verbs.count("completed") == 1 and verbs.count("started") == 2  # course + lesson


SAVE_ROUNDS = 20


def test_a_save_racing_the_submit_is_either_graded_or_refused(app, make_user, make_quiz):
    """Autosave arriving while the attempt is being submitted: the save is graded (it went
    first) or refused with Conflict (409); the stored answer never contradicts its grade."""
    from coursework.accounts.models import User
    from tests.support.quizkit import right_answers, wrong_answers

    quiz_id = make_quiz().id
    rounds = []
    for _ in range(SAVE_ROUNDS):
        learner = make_user()
        attempt = services.start_attempt(learner, services.get_quiz(quiz_id))
        right = right_answers(attempt)
        # Half the questions answered already (the save updates them), half not (it inserts).
        first_half = dict(list(right.items())[: len(right) // 2])
        services.save_answers(attempt, first_half)
        rounds.append((learner.id, attempt.id, wrong_answers(attempt)))

    outcomes = []
    for learner_id, attempt_id, wrong in rounds:

        def save(learner_id=learner_id, attempt_id=attempt_id, wrong=wrong) -> str:
            attempt = services.get_attempt(attempt_id, db.session.get(User, learner_id))
            try:
                services.save_answers(attempt, wrong)
            except Conflict:
                return "refused"
            return "saved"

        def submit(learner_id=learner_id, attempt_id=attempt_id) -> str:
            attempt = services.get_attempt(attempt_id, db.session.get(User, learner_id))
            return services.submit_attempt(attempt).state

        saved, submitted = together(app, [save, submit])
        assert saved in ("saved", "refused") and submitted == "submitted", (saved, submitted)
        outcomes.append(saved)
        db.session.expire_all()
        attempt = services.get_attempt(attempt_id, db.session.get(User, learner_id))
        stored = {response.question_key: response for response in attempt.responses}
        for question in services.shown_questions(attempt):
            response = stored[question.key]
            regraded = question.grade(response.answer)
            assert (response.fraction, response.outcome) == (
                regraded.fraction,
                regraded.outcome.value,
            ), (saved, question.spec.kind, response.answer)
        # A save that answered "saved" is in the grade: every answer is the wrong one.
        if saved == "saved":
            assert attempt.percent == 0.0, attempt.percent
    assert len(outcomes) == SAVE_ROUNDS


def test_twenty_concurrent_first_saves_of_one_answer_store_one_response(app, make_user, make_quiz):
    from coursework.accounts.models import User
    from tests.support.quizkit import right_answers

    learner = make_user()
    attempt = services.start_attempt(learner, make_quiz())
    name, value = next(iter(right_answers(attempt).items()))
    attempt_id, learner_id = attempt.id, learner.id

    def save() -> int:
        mine = services.get_attempt(attempt_id, db.session.get(User, learner_id))
        return services.save_answers(mine, {name: value})

    results = all_at_once(app, save)
    assert results == [1] * WORKERS, results
    assert (
        db.session.scalar(select(func.count(Response.id)).where(Response.attempt_id == attempt_id))
        == 1
    )
