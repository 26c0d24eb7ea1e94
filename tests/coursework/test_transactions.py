"""One transaction per request: services flush, signal receivers write in the caller's
transaction, and the request commits once, only when it succeeds (`commit_request`); a
shell command commits once too (`one_transaction`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import click
import pytest
from click.testing import CliRunner
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from coursework.accounts import services as accounts
from coursework.accounts.models import User
from coursework.db import one_transaction, utcnow
from coursework.errors import RuleViolation
from coursework.extensions import db
from coursework.progress import signals as progress_signals
from coursework.progress.models import LearningEvent, LessonProgress
from quizzes import services as quizzes
from quizzes.models import Attempt, AttemptState
from tests.support.quizkit import right_form


def lesson_url(course, slug: str) -> str:
    return f"/courses/{course.slug}/lessons/{slug}"


@contextmanager
def commits(*, by_requests: bool = True) -> Iterator[Counter]:
    """How many times each session committed inside the block: the request's, and those
    of any job the commit queued, each a unit of work of its own (touch no loaded object
    in the block: reloading one would begin a transaction of the test's own)."""
    db.session.commit()  # the test's own work, before counting
    seen: Counter = Counter()
    # The test client ends the test's own unit of work around each request (a savepoint,
    # `tests/support/clients.py`): bookkeeping of the harness, not the request's commits.
    # A shell command runs in the test's own session, so there that session is counted.
    own = db.session() if by_requests else None

    def count(session) -> None:
        if session is not own:
            seen[id(session)] += 1

    event.listen(Session, "after_commit", count)
    try:
        yield seen
    finally:
        event.remove(Session, "after_commit", count)


def once_each(seen: Counter) -> bool:
    return bool(seen) and set(seen.values()) == {1}


def completed_in_database() -> list:
    db.session.expire_all()
    return list(db.session.scalars(select(LessonProgress.completed_at)))


def test_a_request_commits_once_whatever_its_services_and_receivers_wrote(
    client, make_user, login, course
):
    login(client, make_user())
    client.get(lesson_url(course, "knives"))
    url = lesson_url(course, "knives") + "/complete"
    with commits() as seen:
        # Completion, its learning event, the enrolment's place, the certificate check and
        # the report's summary: one service and its signal's receivers.
        response = client.post(url)
    assert response.status_code == 302
    assert once_each(seen), seen
    assert any(completed_in_database())


def test_a_receiver_that_fails_takes_the_whole_request_with_it(client, make_user, login, course):
    login(client, make_user())
    client.get(lesson_url(course, "knives"))

    def broken(sender=None, **_) -> None:
        raise RuntimeError("a receiver failed")

    progress_signals.lesson_completed.connect(broken)
    try:
        with pytest.raises(RuntimeError):
            client.post(lesson_url(course, "knives") + "/complete")
    finally:
        progress_signals.lesson_completed.disconnect(broken)
    # The completion was flushed before the signal; nothing of it was committed.
    assert completed_in_database() == [None]
    assert db.session.scalar(select(LearningEvent).where(LearningEvent.verb == "completed")) is None


def test_a_refused_request_keeps_nothing_it_wrote_before_the_refusal(app):
    with app.test_request_context("/anything", method="POST"):
        accounts.create_user("half@example.com", "Half Done", "correct horse battery")
        response = app.make_response(
            app.handle_user_exception(RuleViolation("Refused after a write."))
        )
        response = app.process_response(response)
    assert response.status_code == 422
    db.session.remove()
    assert db.session.scalar(select(User)) is None


def test_a_save_after_the_time_is_up_is_refused_but_the_submission_stands(
    client, make_user, login, make_quiz
):
    learner = make_user()
    quiz = make_quiz(time_limit_minutes=5)
    attempt = quizzes.start_attempt(learner, quiz)
    attempt.deadline_at = utcnow() - timedelta(minutes=10)
    db.session.commit()
    login(client, learner)
    response = client.put(f"/api/v1/attempts/{attempt.id}/answers", json={"answers": {}})
    assert response.status_code == 409
    assert "Time is up" in response.get_json()["message"]
    db.session.expire_all()
    assert db.session.get(Attempt, attempt.id).state == AttemptState.SUBMITTED.value


def test_a_shell_command_commits_once_and_a_failing_one_keeps_nothing(app, make_user):
    user_id = make_user().id
    db.session.commit()

    @click.command("grant")
    @click.option("--fail", is_flag=True)
    @one_transaction
    def grant(fail: bool) -> None:
        accounts.set_roles(db.session.get(User, user_id), instructor=True)
        if fail:
            raise click.ClickException("refused after the write")

    runner = CliRunner()  # the command runs in this test's context and session
    assert runner.invoke(grant, ["--fail"]).exit_code == 1
    db.session.expire_all()
    assert db.session.get(User, user_id).is_instructor is False
    with commits(by_requests=False) as seen:
        assert runner.invoke(grant, []).exit_code == 0
    assert once_each(seen), seen
    db.session.expire_all()
    assert db.session.get(User, user_id).is_instructor is True


def test_a_quiz_page_submission_is_one_transaction(client, make_user, login, make_quiz):
    learner, quiz = make_user(), make_quiz()
    attempt = quizzes.start_attempt(learner, quiz)
    form = right_form(attempt)
    login(client, learner)
    url, form["action"] = f"/attempts/{attempt.id}", "submit"
    with commits() as seen:
        response = client.post(url, data=form)
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:300]
    assert once_each(seen), seen
