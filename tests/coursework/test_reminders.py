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
from coursework.certificates.models import Certificate
from coursework.extensions import db
from coursework.mail import OutboxMessage
from coursework.organisations import reminders
from coursework.organisations import services as organisations
from coursework.organisations.models import Assignment, Organisation
from coursework.progress import services as progress
from lessons import services as lessons
from tests.support.quizkit import together

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


def noon(day: date) -> datetime:
    """A moment of `day` for a learner in UTC (the reminders take the moment they run)."""
    return datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=12)


def run_days(first: date, last: date, send=reminders.send_due_reminders) -> dict[date, list[str]]:
    """Run the reminders once (twice, in fact: a repeat must send nothing) for each day."""
    seen: dict[date, list[str]] = {}
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        before = len(subjects_to("lea@example.com"))
        send(noon(day))
        send(noon(day))
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
@pytest.mark.real_commits(reason="threads race, each on a connection of its own")
def test_workers_running_the_reminders_at_the_same_moment_send_each_once(app, learner):
    """Every consumer's scheduler may enqueue the hourly run: they meet in the database."""
    day = DUE - timedelta(days=7)

    def run() -> int:
        sent = reminders.send_due_reminders(noon(day))
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


# ---- certificates ------------------------------------------------------------------------


EXPIRES = DUE + timedelta(days=60)


@pytest.fixture
def certificate(learner, course):
    for lesson in lessons.current_lessons(course.id):
        progress.complete_lesson(learner, lesson)
    db.session.commit()
    (issued,) = db.session.scalars(select(Certificate).where(Certificate.user_id == learner.id))
    issued.expires_at = datetime.combine(EXPIRES, datetime.min.time(), UTC) + timedelta(hours=9)
    db.session.commit()
    return issued


def run_certificate_days(first: date, last: date) -> dict[date, list[str]]:
    return run_days(first, last, send=reminders.send_certificate_reminders)


def test_certificate_reminders_fire_once_30_days_before_and_on_expiry(certificate):
    seen = run_certificate_days(EXPIRES - timedelta(days=40), EXPIRES + timedelta(days=5))
    assert seen == {
        EXPIRES - timedelta(days=30): ["Your Kitchen Safety certificate expires in 30 days"],
        EXPIRES: ["Your Kitchen Safety certificate has expired"],
    }
    (message,) = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.subject.endswith("in 30 days"))
    )
    assert "/courses/kitchen-safety" in message.body and message.unsubscribe_url


def test_a_renewed_or_revoked_certificate_is_not_reminded_of_its_old_date(certificate):
    assert run_certificate_days(EXPIRES - timedelta(days=30), EXPIRES - timedelta(days=30))
    # Renewed: the one certificate of the course now runs a year longer.
    certificate.expires_at += timedelta(days=365)
    db.session.commit()
    assert run_certificate_days(EXPIRES - timedelta(days=29), EXPIRES + timedelta(days=2)) == {}
    certificate.expires_at -= timedelta(days=365)
    certificate.revoked_at = datetime.now(UTC)
    db.session.commit()
    assert run_certificate_days(EXPIRES, EXPIRES) == {}


def test_certificate_reminders_respect_the_preferences_and_the_unsubscribe_link(
    client, certificate, csrf_on
):
    run_certificate_days(EXPIRES - timedelta(days=30), EXPIRES - timedelta(days=30))
    (message,) = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.subject.endswith("in 30 days"))
    )
    client.post(urlsplit(message.unsubscribe_url).path, data={"List-Unsubscribe": "One-Click"})
    assert mail.switched_off(certificate.user_id) == {"certificate_reminders"}
    assert run_certificate_days(EXPIRES, EXPIRES) == {}
    mail.set_switched_off(certificate.user_id, set())
    db.session.commit()
    assert run_certificate_days(EXPIRES, EXPIRES) != {}


def test_the_scheduler_runs_certificate_reminders_hourly(certificate, monkeypatch):
    at = datetime.combine(EXPIRES, datetime.min.time(), UTC) + timedelta(hours=3, minutes=10)
    assert "coursework.organisations.reminders.certificate_reminders" in {
        task.name for task in tasks.huey.read_periodic(at)
    }
    monkeypatch.setattr(reminders, "utcnow", lambda: at)
    reminders.certificate_reminders.call_local()
    reminders.certificate_reminders.call_local()
    assert subjects_to("lea@example.com") == ["Your Kitchen Safety certificate has expired"]


# ---- the managers' weekly digest ---------------------------------------------------------


def digests_to(address: str) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.to == address, OutboxMessage.subject.endswith("weekly summary")
            )
        )
    )


def test_the_digest_numbers_are_the_dashboards(app, client, certificate, make_user, login):
    from coursework.organisations import report

    org = db.session.scalar(select(Organisation))
    boss = db.session.scalar(select(User).where(User.email == "boss@example.com"))
    late = make_user(email="late@example.com")
    invited = organisations.invite(org, boss, late.email)
    organisations.accept_invitation(invited.link.rsplit("/", 1)[1], late)
    db.session.commit()
    organisations.assign(org, certificate.course_id, boss, due_on=date.today() - timedelta(days=2))
    certificate.expires_at = datetime.now(UTC) + timedelta(days=10)
    db.session.commit()
    today = date.today()
    numbers = reminders.digest(org, today)
    headline = report.report(org, report.Filters(), today)
    # The manager is a member too, so the organisation-wide assignment makes two overdue.
    assert numbers.overdue == headline.count(report.Status.OVERDUE) == 2
    assert numbers.completions == sum(report.completions(org, today - timedelta(days=7)).values())
    assert numbers.completions == 1 and numbers.expiring == 1
    # The dashboard the link opens lists exactly the overdue people the digest counts.
    login(client, boss)
    page = client.get(urlsplit(numbers.dashboard_url).path + "?status=overdue").get_data(
        as_text=True
    )
    assert "late@example.com" in page and "lea@example.com" not in page

    assert reminders.send_digests(today) == 1 and reminders.send_digests(today) == 0
    db.session.commit()
    (message,) = digests_to(boss.email)
    assert "- 1 completed in the last 7 days" in message.body
    assert "- 2 overdue" in message.body and "- 1 certificates expiring" in message.body
    assert numbers.dashboard_url in message.body and message.unsubscribe_url
    assert digests_to(late.email) == digests_to("lea@example.com") == []  # managers only
    # Next week, another; switched off on the Preferences page, none.
    assert reminders.send_digests(today + timedelta(days=7)) == 1
    mail.set_switched_off(boss.id, {"manager_digest"})
    db.session.commit()
    assert reminders.send_digests(today + timedelta(days=14)) == 0


def test_the_scheduler_sends_the_digest_on_monday_mornings(learner, monkeypatch):
    monday = date(2026, 12, 7)
    at = datetime.combine(monday, datetime.min.time(), UTC) + timedelta(hours=7, minutes=15)
    name = "coursework.organisations.reminders.weekly_digest"
    assert name in {task.name for task in tasks.huey.read_periodic(at)}
    assert name not in {task.name for task in tasks.huey.read_periodic(at + timedelta(days=1))}
    monkeypatch.setattr(reminders, "utcnow", lambda: at)
    reminders.weekly_digest.call_local()
    reminders.weekly_digest.call_local()
    assert len(digests_to("boss@example.com")) == 1


@pytest.mark.postgres_only
@pytest.mark.real_commits(reason="threads race, each on a connection of its own")
def test_workers_sending_digests_and_certificate_reminders_at_once_send_each_once(app, certificate):
    """Different jobs at the same moment: each kind still meets its own row once."""
    day = EXPIRES - timedelta(days=30)

    def digests() -> int:
        sent = reminders.send_digests(day)
        db.session.commit()
        return sent

    def expiring() -> int:
        sent = reminders.send_certificate_reminders(noon(day))
        db.session.commit()
        return sent

    results = together(app, [digests, expiring] * 4)
    assert sorted(results[0::2]) == [0, 0, 0, 1] and sorted(results[1::2]) == [0, 0, 0, 1]
    assert len(digests_to("boss@example.com")) == 1
    assert subjects_to("lea@example.com") == ["Your Kitchen Safety certificate expires in 30 days"]


def test_the_assignments_page_turns_an_assignments_reminders_off_and_on(
    app, client, learner, login, make_user, monkeypatch
):
    org = db.session.scalar(select(Organisation))
    boss = db.session.scalar(select(User).where(User.email == "boss@example.com"))
    (assignment,) = db.session.scalars(select(Assignment))
    path = f"/organisations/{org.slug}/assignments/{assignment.id}/reminders"
    # A member of the organisation, and a manager of another, cannot.
    login(client, learner)
    assert client.post(path).status_code in (403, 404)
    stranger = make_user(email="other@example.com")
    elsewhere = organisations.create_organisation("Elsewhere", stranger)
    db.session.commit()
    client.post("/logout")
    login(client, stranger)
    assert client.post(path).status_code == 404
    assert (
        client.post(
            f"/organisations/{elsewhere.slug}/assignments/{assignment.id}/reminders"
        ).status_code
        == 404
    )
    client.post("/logout")
    login(client, boss)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)  # as `csrf_on`, after sign-in
    assert client.post(path).status_code == 400  # no token
    db.session.expire_all()
    assert db.session.get(Assignment, assignment.id).reminders is True
    page = client.get(f"/organisations/{org.slug}/assignments").get_data(as_text=True)
    assert "Turn reminders off" in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post(path, data={"csrf_token": token}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Assignment, assignment.id).reminders is False
    page = client.get(f"/organisations/{org.slug}/assignments").get_data(as_text=True)
    assert "Turn reminders on" in page and "No reminders." in page
    assert run_days(DUE - timedelta(days=8), DUE + timedelta(days=2)) == {}
    assert client.post(path, data={"csrf_token": token, "on": "y"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Assignment, assignment.id).reminders is True
