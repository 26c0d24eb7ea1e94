"""Submitting an attempt reads each thing it needs once: the attempt's row (locked as it is
read, for saving the last answers and submitting alike), its quiz, the learner's LTI grade
books; and the total comes from the responses just graded, not from a SUM over them."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event, func, select

from coursework.extensions import db
from quizzes import grading, services
from quizzes.models import Attempt, Response
from tests.support.quizkit import ESSAY, right_form, submitted_with_essay

# What the whole request ran on SQLite when this was written (PostgreSQL runs the same):
# the learner; the attempt, locked; its snapshot; the saved answers; the responses; one
# INSERT per unanswered question; the quiz; the summary's marks; the move; and what the
# layers above write and read (events, enrolment, deck, LTI, summary, report, LRS).
MOST = 24


class Seen(list):
    def of(self, start: str) -> list[str]:
        return [s for s in self if s.startswith(start)]


def statements(work) -> Seen:
    seen = Seen()

    def record(conn, cursor, statement, *args) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        work()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return seen


def post_submit(client, attempt_id: int, form=None):
    def work():
        data = {**(form or {}), "action": "submit", "confirm": "yes"}
        response = client.post(f"/attempts/{attempt_id}", data=data)
        assert response.status_code == 302, response.get_data(as_text=True)
        assert response.location.endswith(f"/attempts/{attempt_id}/result")

    return work


def attempt_reads(seen: Seen) -> list[str]:
    """Reads of the attempt's whole row by its id (a certificate's check reads the
    learner's attempts otherwise, and the summary's marks read two columns)."""
    return [
        s
        for s in seen.of("SELECT")
        if "quiz_attempts.version_id" in s and "quiz_attempts.id = " in s
    ]


@pytest.mark.real_commits(reason="counts statements; savepoints would add to them")
@pytest.mark.parametrize("answered", [False, True], ids=["as-the-benchmark", "passed"])
def test_a_submission_reads_the_attempt_the_quiz_and_the_grade_books_once(
    client, make_user, login, make_quiz, answered
):
    learner = make_user()
    attempt = services.start_attempt(learner, make_quiz())
    form = right_form(attempt) if answered else {}
    db.session.commit()
    attempt_id = attempt.id
    login(client, learner)
    seen = statements(post_submit(client, attempt_id, form))
    # Loaded for saving with its row locked; neither saving, nor submitting, nor the
    # conditional UPDATE (which returns what it wrote) reads it again.
    (read,) = attempt_reads(seen)
    if db.engine.dialect.name == "postgresql":
        assert "FOR UPDATE OF quiz_attempts" in read
    (move,) = seen.of("UPDATE quiz_attempts")
    assert "WHERE quiz_attempts.id = " in move and "AND quiz_attempts.state = " in move
    # The move returns what it wrote: nothing reads the attempt after it.
    assert "RETURNING" in move and not attempt_reads(Seen(seen[seen.index(move) :]))
    # A pass goes on to check the course's certificate, which reads its quizzes afresh.
    upto = len(seen) if not answered else seen.index(move) + 1
    quiz_reads = [s for s in seen[:upto] if re.search(r"FROM quizzes WHERE quizzes.id = \S+$", s)]
    assert len(quiz_reads) == 1, quiz_reads
    assert len([s for s in seen if "FROM lti_grade_targets" in s]) == 1, seen
    assert not [s for s in seen if "sum(quiz_responses.points)" in s], seen
    if not answered:  # a passed one adds the certificate's checks
        assert len(seen) <= MOST, seen
    db.session.expire_all()
    done = db.session.get(Attempt, attempt_id)
    stored = db.session.scalar(
        select(func.coalesce(func.sum(Response.points), 0.0)).where(
            Response.attempt_id == attempt_id
        )
    )
    assert done.state == "submitted" and done.passed is answered
    assert done.points == pytest.approx(stored)
    assert done.percent == grading.percent(stored, done.max_points)


@pytest.mark.real_commits(reason="counts statements; savepoints would add to them")
def test_a_lock_is_taken_once_per_transaction(make_user, make_quiz):
    attempt = services.start_attempt(make_user(), make_quiz())
    db.session.commit()

    def locks() -> int:
        return len(statements(lambda: services.lock_attempt(attempt)).of("SELECT quiz_attempts"))

    assert locks() == 1
    assert locks() == 0  # held until the transaction ends
    db.session.commit()
    assert locks() == 1  # a new transaction locks again
    db.session.rollback()
    with db.session.begin_nested() as savepoint:
        assert locks() == 1
        savepoint.rollback()  # releases the lock the savepoint took
    assert locks() == 1
    db.session.rollback()


def test_grading_the_last_essay_totals_the_stored_points(make_user, instructor, make_quiz):
    quiz = make_quiz((ESSAY,))
    attempt, (essay,) = submitted_with_essay(quiz, make_user())
    assert attempt.awaiting_grading
    seen = statements(lambda: services.grade_essay(quiz, essay.id, 1.5, "", instructor))
    # Not every response is loaded when a person grades: the total is summed as stored.
    assert [s for s in seen if "sum(quiz_responses.points)" in s], seen
    assert attempt.state == "submitted" and attempt.points == 1.5 and attempt.percent == 75.0


@pytest.mark.real_commits(reason="counts statements; savepoints would add to them")
def test_autosave_reads_the_attempt_once_locked(client, make_user, login, make_quiz):
    """The learner; the attempt, locked as it is read; the upsert; the count of answers."""
    learner = make_user()
    attempt = services.start_attempt(learner, make_quiz())
    form = right_form(attempt)
    db.session.commit()
    attempt_id = attempt.id
    login(client, learner)

    def work():
        response = client.post(f"/attempts/{attempt_id}/answers", data=form)
        assert response.status_code == 200 and response.get_json()["saved"]

    seen = statements(work)
    (read,) = attempt_reads(seen)
    if db.engine.dialect.name == "postgresql":
        assert "FOR UPDATE OF quiz_attempts" in read
    assert len(seen) <= 4, seen
