"""Taking quizzes: the rules through the services, and the pages through the test client."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from coursework.db import utcnow
from coursework.errors import Conflict, NotFound
from coursework.extensions import db
from coursework.progress import services as progress
from coursework.progress.models import LearningEvent
from quizzes import services
from quizzes.kinds import answers_from_form
from quizzes.models import Attempt, QuizVersion
from quizzes.spec import Choice, Kind, Question
from tests.support.quizkit import SECRET_TEXTS, right_answers, right_form, wrong_answers


def form(values: dict) -> MultiDict:
    data = MultiDict()
    for key, value in values.items():
        for item in value if isinstance(value, list) else [value]:
            data.add(key, item)
    return data


def test_a_perfect_attempt_scores_100_and_passes(make_user, make_quiz):
    learner, quiz = make_user(), make_quiz()
    attempt = services.start_attempt(learner, quiz)
    assert services.save_answers(attempt, right_answers(attempt)) == 6
    result = services.submit_attempt(attempt)
    assert (result.percent, result.passed, result.points, result.max_points) == (
        100.0,
        True,
        6.0,
        6.0,
    )
    assert all(r.outcome == "correct" for r in result.responses)


def test_a_wrong_attempt_fails_and_unanswered_questions_score_nothing(make_user, make_quiz):
    learner, quiz = make_user(), make_quiz()
    attempt = services.start_attempt(learner, quiz)
    services.save_answers(attempt, wrong_answers(attempt))
    result = services.submit_attempt(attempt)
    assert result.percent == 0 and result.passed is False
    outcomes = sorted(r.outcome for r in result.responses)
    assert outcomes.count("unanswered") == 1  # matching was left blank
    assert len(outcomes) == 6


def test_starting_again_resumes_the_open_attempt(make_user, make_quiz):
    learner, quiz = make_user(), make_quiz()
    first = services.start_attempt(learner, quiz)
    assert services.start_attempt(learner, quiz).id == first.id


def test_attempt_limit_and_stop_after_pass(make_user, make_quiz):
    learner, quiz = make_user(), make_quiz(attempt_limit=2)
    for _ in range(2):
        services.submit_attempt(services.start_attempt(learner, quiz))
    with pytest.raises(Conflict, match="used every attempt"):
        services.start_attempt(learner, quiz)

    other, passing = make_user(), make_quiz(lesson_slug="heat", stop_after_pass=True)
    attempt = services.start_attempt(other, passing)
    services.save_answers(attempt, right_answers(attempt))
    services.submit_attempt(attempt)
    with pytest.raises(Conflict, match="passed"):
        services.start_attempt(other, passing)


def test_submitting_twice_grades_once(make_user, make_quiz):
    learner, quiz = make_user(), make_quiz()
    attempt = services.start_attempt(learner, quiz)
    services.save_answers(attempt, right_answers(attempt))
    first = services.submit_attempt(attempt)
    submitted_at = first.submitted_at
    second = services.submit_attempt(attempt)
    assert second.submitted_at == submitted_at and second.percent == 100
    events = db.session.scalar(
        select(func.count(LearningEvent.id)).where(LearningEvent.verb == "attempted")
    )
    assert events == 1
    with pytest.raises(Conflict, match="already been submitted"):
        services.save_answers(attempt, wrong_answers(attempt))


def test_answers_are_saved_as_the_learner_goes_and_can_be_changed(make_user, make_quiz):
    learner, quiz = make_user(), make_quiz()
    attempt = services.start_attempt(learner, quiz)
    right = right_answers(attempt)
    first_key = next(iter(right))
    assert services.save_answers(attempt, {first_key: right[first_key]}) == 1
    # A later save that mentions only another question leaves the first alone.
    second_key = list(right)[1]
    assert services.save_answers(attempt, {second_key: right[second_key]}) == 2
    # Clearing an answer (None for its key) removes it.
    assert services.save_answers(attempt, {first_key: None}) == 1


def test_bad_answer_values_are_ignored_not_crashes(make_user, make_quiz):
    learner, quiz = make_user(), make_quiz()
    attempt = services.start_attempt(learner, quiz)
    shown = services.shown_questions(attempt)
    keys = [q.key for q in shown]
    junk = {
        f"q{keys[0]}": "999999",
        f"q{keys[1]}": ["abc", "-1"],
        f"q{keys[2]}": "maybe",
        f"q{keys[5]}-0": "Not an option",
        "q424242": "1",
    }
    assert services.save_answers(attempt, answers_from_form(shown, form(junk))) == 0
    assert services.submit_attempt(attempt).percent == 0


def test_time_limit_is_kept_by_the_server_clock(make_user, make_quiz):
    learner, quiz = make_user(), make_quiz(time_limit_minutes=10)
    start = utcnow()
    attempt = services.start_attempt(learner, quiz, now=start)
    assert attempt.deadline_at == start + timedelta(minutes=10)
    services.save_answers(attempt, right_answers(attempt), now=start + timedelta(minutes=5))
    # Within the grace period a submission still counts as the learner's own.
    late = start + timedelta(minutes=10, seconds=20)
    assert services.submit_attempt(attempt, now=late).auto_submitted is False

    second = services.start_attempt(learner, quiz, now=late)
    services.save_answers(second, right_answers(second), now=late)
    with pytest.raises(Conflict, match="Time is up"):
        services.save_answers(second, wrong_answers(second), now=late + timedelta(minutes=11))
    db.session.refresh(second)
    assert second.state == "submitted" and second.auto_submitted and second.percent == 100


def test_editing_a_quiz_makes_a_new_version_and_old_attempts_keep_theirs(
    make_user, make_quiz, course, instructor
):
    learner, quiz = make_user(), make_quiz()
    attempt = services.start_attempt(learner, quiz)
    services.save_answers(attempt, right_answers(attempt))
    changed = [Question(Kind.SINGLE, "New?", choices=(Choice("Yes", 1), Choice("No", 0)))]
    services.import_quiz(
        course.id, quiz.lesson_id, changed, services.QuizSettings(title="Check"), by=instructor
    )
    assert db.session.scalar(select(func.count(QuizVersion.id))) == 1  # made at the next start
    result = services.submit_attempt(attempt)
    assert result.percent == 100 and result.max_points == 6
    again = services.start_attempt(learner, quiz)
    assert again.version.number == 2 and again.max_points == 1
    assert next(q.spec.text for q in services.shown_questions(result)) == "Which planet is largest?"


def test_shuffling_changes_the_order_shown_but_never_the_score(make_user, make_quiz):
    quiz = make_quiz(shuffle_questions=True, shuffle_choices=True)
    orders = set()
    for _ in range(6):
        learner = make_user()
        attempt = services.start_attempt(learner, quiz)
        orders.add(tuple(q.key for q in services.shown_questions(attempt)))
        services.save_answers(attempt, right_answers(attempt))
        assert services.submit_attempt(attempt).percent == 100
    assert len(orders) > 1


def test_review_policy(make_user, make_quiz):
    learner = make_user()
    quiz = make_quiz(review_when="after_passing")
    attempt = services.start_attempt(learner, quiz)
    services.submit_attempt(attempt)
    assert services.review_level(attempt, services.standing(learner, quiz)).value == "score"
    passing = services.start_attempt(learner, quiz)
    services.save_answers(passing, right_answers(passing))
    services.submit_attempt(passing)
    assert services.review_level(attempt, services.standing(learner, quiz)).value == "feedback"

    limited = make_quiz(
        lesson_slug="heat",
        review_when="after_last_attempt",
        attempt_limit=2,
        review_shows="correctness",
    )
    one = services.start_attempt(learner, limited)
    services.submit_attempt(one)
    assert services.review_level(one, services.standing(learner, limited)).value == "score"
    services.submit_attempt(services.start_attempt(learner, limited))
    assert services.review_level(one, services.standing(learner, limited)).value == "correctness"


def test_someone_elses_attempt_is_not_found(make_user, make_quiz):
    owner, other, quiz = make_user(), make_user(), make_quiz()
    attempt = services.start_attempt(owner, quiz)
    with pytest.raises(NotFound):
        services.get_attempt(attempt.id, other)


def test_passing_a_lesson_quiz_counts_toward_course_progress(make_user, make_quiz, course):
    learner, quiz = make_user(), make_quiz()
    before = progress.course_progress(learner, course).summary
    assert (before.completed, before.total) == (0, 4)  # three lessons and one quiz
    attempt = services.start_attempt(learner, quiz)
    services.save_answers(attempt, right_answers(attempt))
    services.submit_attempt(attempt)
    after = progress.course_progress(learner, course).summary
    assert (after.completed, after.total, after.percent) == (1, 4, 25)
    verbs = sorted(db.session.scalars(select(LearningEvent.verb)))
    assert verbs == ["attempted", "passed", "started"]


# ---- pages -----------------------------------------------------------------------------


def take(client, quiz_id: int) -> int:
    response = client.post(f"/quizzes/{quiz_id}/attempts")
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_the_learner_flow_through_the_pages(client, make_user, login, make_quiz):
    learner, quiz = make_user(), make_quiz()
    login(client, learner)
    overview = client.get(f"/quizzes/{quiz.id}").get_data(as_text=True)
    assert "Start the quiz" in overview and "70%" in overview
    attempt_id = take(client, quiz.id)
    page = client.get(f"/attempts/{attempt_id}")
    assert page.status_code == 200
    attempt = db.session.get(Attempt, attempt_id)
    # Submitting with unanswered questions asks for confirmation first.
    confirm = client.post(
        f"/attempts/{attempt_id}", data={"action": "submit"}, follow_redirects=True
    )
    assert confirm.status_code == 200 and "6 questions not answered" in confirm.get_data(
        as_text=True
    )
    answers = right_form(attempt)
    answers.add("action", "submit")
    done = client.post(f"/attempts/{attempt_id}", data=answers)
    assert done.headers["Location"] == f"/attempts/{attempt_id}/result"
    result = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "100%" in result and "You passed" in result
    assert "Jupiter is the largest planet." in result  # feedback, now that it is allowed
    assert client.get(f"/attempts/{attempt_id}").headers["Location"].endswith("/result")


def test_the_unanswered_confirmation_is_a_page_that_survives_a_reload(
    client, make_user, login, make_quiz
):
    learner, quiz = make_user(), make_quiz()
    login(client, learner)
    attempt_id = take(client, quiz.id)
    attempt = db.session.get(Attempt, attempt_id)
    first, *rest = list(right_form(attempt).items(multi=True))
    asked = client.post(f"/attempts/{attempt_id}", data={first[0]: first[1], "action": "submit"})
    assert asked.status_code == 302
    confirmation = asked.headers["Location"]
    assert confirmation.startswith(f"/attempts/{attempt_id}?")
    # Answers given on the confirmation page are autosaved; reloading it must keep them.
    more = MultiDict(rest)
    assert client.post(f"/attempts/{attempt_id}/answers", data=more).json["saved"] is True
    answered = services.unanswered(db.session.get(Attempt, attempt_id))
    for _ in range(2):
        page = client.get(confirmation)
        assert page.status_code == 200
        assert services.unanswered(db.session.get(Attempt, attempt_id)) == answered
    assert "not answered" not in page.get_data(as_text=True)  # nothing is missing any more
    assert 'name="confirm"' not in page.get_data(as_text=True)


def test_confirmation_lists_what_is_missing_and_submits_only_when_confirmed(
    client, make_user, login, make_quiz
):
    login(client, make_user())
    attempt_id = take(client, make_quiz().id)
    asked = client.post(f"/attempts/{attempt_id}", data={"action": "submit"})
    body = client.get(asked.headers["Location"]).get_data(as_text=True)
    assert "6 questions not answered" in body and 'name="confirm" value="yes"' in body
    assert db.session.get(Attempt, attempt_id).is_open
    plain = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert "not answered" not in plain and 'name="confirm"' not in plain
    done = client.post(f"/attempts/{attempt_id}", data={"action": "submit", "confirm": "yes"})
    assert done.headers["Location"] == f"/attempts/{attempt_id}/result"


def test_save_and_finish_later_goes_back_to_the_course_with_resume(
    client, make_user, login, make_quiz, course
):
    login(client, make_user())
    quiz = make_quiz()
    attempt_id = take(client, quiz.id)
    before = client.get(f"/courses/{course.slug}").get_data(as_text=True)
    saved = client.post(f"/attempts/{attempt_id}", data={"action": "save"})
    assert saved.headers["Location"] == f"/courses/{course.slug}"
    page = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "Your answers are saved" in page
    resume = f'href="/attempts/{attempt_id}">Resume'
    assert resume in page and resume in before
    client.post(f"/attempts/{attempt_id}", data={"action": "submit", "confirm": "yes"})
    assert "Resume" not in client.get(f"/courses/{course.slug}").get_data(as_text=True)


def test_autosave_takes_a_beacon_with_the_csrf_token_in_its_body(
    app, client, make_user, login, make_quiz, monkeypatch
):
    """navigator.sendBeacon cannot set headers: the token comes as a multipart field."""
    login(client, make_user())
    attempt_id = take(client, make_quiz().id)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    key, value = next(iter(right_form(db.session.get(Attempt, attempt_id)).items()))
    beacon = client.post(
        f"/attempts/{attempt_id}/answers",
        data={key: value, "csrf_token": token},
        content_type="multipart/form-data",
    )
    assert beacon.status_code == 200 and beacon.json == {"saved": True, "answered": 1}
    forged = client.post(
        f"/attempts/{attempt_id}/answers", data={key: value}, content_type="multipart/form-data"
    )
    assert forged.status_code == 400


def test_autosave_endpoint(client, make_user, login, make_quiz):
    learner, quiz = make_user(), make_quiz()
    login(client, learner)
    attempt_id = take(client, quiz.id)
    attempt = db.session.get(Attempt, attempt_id)
    key, value = next(iter(right_form(attempt).items()))
    response = client.post(f"/attempts/{attempt_id}/answers", data={key: value})
    assert response.json == {"saved": True, "answered": 1}
    client.post(f"/attempts/{attempt_id}", data={"action": "submit", "confirm": "yes"})
    late = client.post(f"/attempts/{attempt_id}/answers", data={key: value})
    assert late.status_code == 409 and late.json["saved"] is False


def test_answer_keys_never_reach_the_attempt_page(client, make_user, login, make_quiz):
    login(client, make_user())
    quiz = make_quiz()
    body = client.get(f"/attempts/{take(client, quiz.id)}").get_data(as_text=True)
    for secret in SECRET_TEXTS:
        assert secret not in body
    assert "weight" not in body and "is_correct" not in body
    assert "Meow" in body and "Moo" in body  # matching options are shown, unpaired


def test_score_only_review_hides_answers_and_feedback(client, make_user, login, make_quiz):
    login(client, make_user())
    quiz = make_quiz(review_shows="score")
    attempt_id = take(client, quiz.id)
    client.post(f"/attempts/{attempt_id}", data={"action": "submit", "confirm": "yes"})
    body = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "0%" in body
    for secret in (*SECRET_TEXTS, "a right answer", "Accepted:"):
        assert secret not in body


def test_other_learners_cannot_see_or_touch_an_attempt(client, make_user, login, make_quiz):
    quiz = make_quiz()
    owner = make_user()
    attempt = services.start_attempt(owner, quiz)
    login(client, make_user())
    assert client.get(f"/attempts/{attempt.id}").status_code == 404
    assert client.get(f"/attempts/{attempt.id}/result").status_code == 404
    assert client.post(f"/attempts/{attempt.id}", data={"action": "submit"}).status_code == 404
    assert client.post(f"/attempts/{attempt.id}/answers", data={}).status_code == 404


def test_unpublished_and_unknown_quizzes_are_not_found(client, make_user, login, make_quiz):
    quiz = make_quiz()
    quiz.published = False
    db.session.commit()
    login(client, make_user())
    assert client.get(f"/quizzes/{quiz.id}").status_code == 404
    assert client.post(f"/quizzes/{quiz.id}/attempts").status_code == 404
    assert client.get("/quizzes/999999").status_code == 404


def test_quiz_pages_need_sign_in(client, make_quiz):
    quiz = make_quiz()
    assert client.get(f"/quizzes/{quiz.id}").status_code == 302


def test_course_page_lists_quizzes_with_their_state(client, make_user, login, make_quiz, course):
    make_quiz()
    make_quiz(lesson_slug=None, title="Final quiz")
    login(client, make_user())
    body = client.get(f"/courses/{course.slug}").get_data(as_text=True)
    assert "Check" in body and "Final quiz" in body
    assert "required to complete the course" in body
