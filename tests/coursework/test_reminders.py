"""Due-date reminders: each once, on the right day (a frozen clock), never after the work
is finished, and run by the queue's scheduler."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from coursework import mail, tasks
from coursework.accounts.models import User
from coursework.extensions import db
from coursework.mail import OutboxMessage
from coursework.organisations import reminders
from coursework.organisations import services as organisations
from coursework.organisations.models import Assignment, Organisation
from coursework.progress import services as progress
from lessons import services as lessons
from tests.quizzes.test_races import together

DUE = date.today() + timedelta(days=30)


@pytest.fixture
def learner(make_user, course):
    boss = make_user(email="boss@example.com")
    person = make_user(email="lea@example.com", name="Lea")
    org = organisations.create_organisation("Acme", boss)
    invited = organisations.invite(org, boss, person.email)
    organisations.accept_invitation(invited.link.rsplit("/", 1)[1], person)
    organisations.assign(org, course.id, boss, due_on=DUE, user_ids=[person.id])
    db.session.commit()
    return person


def subjects_to(address: str) -> list[str]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(OutboxMessage.subject)
            .where(OutboxMessage.to == address, OutboxMessage.subject.contains("Kitchen"))
            .order_by(OutboxMessage.id)
        )
    )


def run_days(first: date, last: date) -> dict[date, list[str]]:
    """Run the reminders once (twice, in fact: a repeat must send nothing) for each day."""
    seen: dict[date, list[str]] = {}
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        before = len(subjects_to("lea@example.com"))
        reminders.send_due_reminders(day)
        reminders.send_due_reminders(day)
        db.session.commit()
        new = subjects_to("lea@example.com")[before:]
        if new:
            seen[day] = new
    return seen


def test_each_reminder_fires_once_on_its_day(learner):
    seen = run_days(DUE - timedelta(days=10), DUE + timedelta(days=5))
    assert seen == {
        DUE - timedelta(days=7): ["Kitchen Safety is due in 7 days"],
        DUE - timedelta(days=1): ["Kitchen Safety is due tomorrow"],
        DUE + timedelta(days=1): ["Kitchen Safety is overdue"],
    }
    (overdue,) = [
        m
        for m in db.session.scalars(select(OutboxMessage).where(OutboxMessage.to == learner.email))
        if m.subject.endswith("overdue")
    ]
    assert "/courses/kitchen-safety" in overdue.body and "Hello Lea," in overdue.body


def test_finished_work_cancels_the_reminders(learner, course):
    seen = run_days(DUE - timedelta(days=8), DUE - timedelta(days=5))
    assert list(seen.values()) == [["Kitchen Safety is due in 7 days"]]
    for lesson in lessons.current_lessons(course.id):
        progress.complete_lesson(learner, lesson)
    db.session.commit()
    assert run_days(DUE - timedelta(days=4), DUE + timedelta(days=5)) == {}


def test_the_scheduler_runs_the_reminders_hourly_with_the_clock_it_reads(learner, monkeypatch):
    at = datetime.combine(DUE - timedelta(days=1), datetime.min.time(), UTC) + timedelta(
        hours=9, minutes=5
    )
    due_now = {task.name for task in tasks.huey.read_periodic(at)}
    assert "coursework.organisations.reminders.due_reminders" in due_now
    later = {task.name for task in tasks.huey.read_periodic(at + timedelta(minutes=1))}
    assert "coursework.organisations.reminders.due_reminders" not in later
    monkeypatch.setattr(reminders, "utcnow", lambda: at)
    reminders.due_reminders.call_local()
    reminders.due_reminders.call_local()
    assert subjects_to(learner.email) == ["Kitchen Safety is due tomorrow"]


@pytest.mark.postgres_only
def test_workers_running_the_reminders_at_the_same_moment_send_each_once(app, learner):
    """Every consumer's scheduler may enqueue the hourly run: they meet in the database."""
    day = DUE - timedelta(days=7)

    def run() -> int:
        sent = reminders.send_due_reminders(day)
        db.session.commit()
        return sent

    results = together(app, [run] * 8)
    assert sorted(results) == [0] * 7 + [1], results
    assert subjects_to(learner.email) == ["Kitchen Safety is due in 7 days"]


def test_a_person_who_switched_reminders_off_gets_none(app, client, learner, login):
    login(client, learner)
    page = client.get("/account/preferences").get_data(as_text=True)
    assert 'name="kinds" value="assignment_reminders" checked' in page
    assert client.post("/account/preferences", data={}).status_code == 302
    page = client.get("/account/preferences").get_data(as_text=True)
    assert 'value="assignment_reminders" >' in page  # no longer ticked
    assert run_days(DUE - timedelta(days=8), DUE + timedelta(days=2)) == {}
    client.post("/account/preferences", data={"kinds": [*mail.NOTIFICATIONS, "made-up"]})
    assert mail.switched_off(learner.id) == set()
    assert list(run_days(DUE + timedelta(days=3), DUE + timedelta(days=3)).values()) == [
        ["Kitchen Safety is overdue"]
    ]


def test_preferences_need_sign_in_and_a_csrf_token(app, client, learner, login, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert client.get("/account/preferences").status_code == 302
    assert client.post("/account/preferences", data={}).status_code == 302  # to sign in
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    login(client, learner)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)  # as `csrf_on`, after sign-in
    assert client.post("/account/preferences", data={}).status_code == 400
    assert mail.switched_off(learner.id) == set()
    page = client.get("/account/preferences").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post("/account/preferences", data={"csrf_token": token}).status_code == 302
    assert mail.switched_off(learner.id) == set(mail.NOTIFICATIONS) >= {"assignment_reminders"}


def test_one_click_unsubscribe_from_the_reminder_itself(app, client, learner, csrf_on):
    run_days(DUE - timedelta(days=7), DUE - timedelta(days=7))
    (message,) = db.session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.to == learner.email, OutboxMessage.unsubscribe_url != ""
        )
    )
    path = urlsplit(message.unsubscribe_url).path
    assert path.startswith("/unsubscribe/") and message.unsubscribe_url in message.body
    page = client.get(path).get_data(as_text=True)
    assert "Stop these emails" in page and mail.switched_off(learner.id) == set()
    # What a mail client does for List-Unsubscribe-Post: a POST with no session, no token.
    response = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and "no longer get these emails" in response.get_data(
        as_text=True
    )
    assert mail.switched_off(learner.id) == {"assignment_reminders"}
    assert client.post(path).status_code == 200  # again: harmless
    tampered = path[:-2] + ("AA" if not path.endswith("AA") else "BB")
    assert client.post(tampered).status_code == 404
    assert client.get("/unsubscribe/not-a-token").status_code == 404


# ---- the per-assignment switch -----------------------------------------------------------


def test_a_manager_can_switch_an_assignments_reminders_off(
    app, client, learner, login, make_course, monkeypatch
):
    boss = db.session.scalar(select(User).where(User.email == "boss@example.com"))
    org = db.session.scalar(select(Organisation))
    (assignment,) = db.session.scalars(select(Assignment))
    assignment.reminders = False
    db.session.commit()
    assert run_days(DUE - timedelta(days=8), DUE + timedelta(days=2)) == {}
    assignment.reminders = True
    db.session.commit()
    assert list(run_days(DUE + timedelta(days=3), DUE + timedelta(days=3)).values()) == [
        ["Kitchen Safety is overdue"]
    ]
    # The form's box: ticked, the new assignment sends nothing; a post without it keeps them.
    login(client, boss)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)  # as `csrf_on`, after sign-in
    page = client.get(f"/organisations/{org.slug}/assignments").get_data(as_text=True)
    assert 'name="no_reminders"' in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    other = make_course(slug="fire-drill")
    db.session.commit()
    response = client.post(
        f"/organisations/{org.slug}/assignments",
        data={"csrf_token": token, "course": other.id, "audience": "everyone", "no_reminders": "y"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.expire_all()
    made = db.session.scalar(select(Assignment).where(Assignment.course_id == other.id))
    assert made.reminders is False
    assert "No reminders." in client.get(f"/organisations/{org.slug}/assignments").get_data(
        as_text=True
    )
    assert organisations.assign(org, other.id, boss, user_ids=[learner.id]).reminders is True
