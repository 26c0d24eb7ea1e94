"""Organisations: people, invitations, assignments and the status of each person."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from coursework.db import utcnow
from coursework.errors import Conflict, NotFound, RuleViolation
from coursework.organisations import report, services
from coursework.organisations.models import Role
from coursework.progress import services as progress
from lessons import services as lessons

TODAY = date(2026, 11, 26)


def test_the_creator_manages_the_new_organisation(app, make_user):
    boss = make_user()
    org = services.create_organisation("Acme Training", boss)
    assert org.slug == "acme-training"
    assert services.get_managed(boss, "acme-training").id == org.id
    assert services.create_organisation("Acme Training", make_user()).slug == "acme-training-2"
    with pytest.raises(NotFound):
        services.get_managed(make_user(), "acme-training")


def test_invitation_works_once_for_its_address(app, make_user):
    boss = make_user()
    org = services.create_organisation("Acme", boss)
    invited = services.invite(org, boss, "New.Person@Example.com", "New Person")
    token = invited.link.rsplit("/", 1)[1]
    assert invited.invitation.email == "new.person@example.com"
    assert services.outbox(org)[0].link == invited.link
    with pytest.raises(Conflict, match=r"sent to new\.person@example\.com"):
        services.accept_invitation(token, make_user(email="someone@example.com"))
    person = make_user(email="new.person@example.com")
    assert services.accept_invitation(token, person).id == org.id
    with pytest.raises(NotFound):
        services.accept_invitation(token, person)
    with pytest.raises(Conflict, match="already in"):
        services.invite(org, boss, "new.person@example.com")


def test_expired_and_revoked_invitations_do_not_work(app, make_user):
    boss = make_user()
    org = services.create_organisation("Acme", boss)
    old = services.invite(org, boss, "late@example.com", now=utcnow() - timedelta(days=15))
    with pytest.raises(NotFound):
        services.find_invitation(old.link.rsplit("/", 1)[1])
    fresh = services.invite(org, boss, "gone@example.com")
    services.revoke_invitation(org, fresh.invitation.id)
    with pytest.raises(NotFound):
        services.find_invitation(fresh.link.rsplit("/", 1)[1])


def test_bulk_invitations_report_bad_rows_and_send_the_good(app, make_user):
    boss = make_user()
    org = services.create_organisation("Acme", boss)
    text = (
        "email,name\nana@example.com,Ana\nnot-an-email,Bad\n\n"
        "bo@example.com\nana@example.com,Again\n"
    )
    results = services.bulk_invite(org, boss, text)
    assert [(r.row, r.ok) for r in results] == [(2, True), (3, False), (5, True), (6, False)]
    assert "right format" in results[1].message
    assert len(services.invitations(org)) == 2
    with pytest.raises(RuleViolation):
        services.bulk_invite(org, boss, "   \n")


def test_removing_a_member_ends_access_but_keeps_history(app, make_user, course):
    boss, staff = make_user(), make_user()
    org = services.create_organisation("Acme", boss)
    token = services.invite(org, boss, staff.email).link.rsplit("/", 1)[1]
    services.accept_invitation(token, staff)
    services.set_role(org, staff.id, Role.MANAGER, boss)
    assert services.get_managed(staff, org.slug)
    progress.complete_lesson(staff, lessons.current_lessons(course.id)[0])
    services.remove_member(org, staff.id, boss)
    with pytest.raises(NotFound):
        services.get_managed(staff, org.slug)
    with pytest.raises(Conflict):
        services.remove_member(org, boss.id, boss)
    assert progress.course_progress(staff, course).summary.completed == 1


def join(org, boss, user) -> None:
    token = services.invite(org, boss, user.email).link.rsplit("/", 1)[1]
    services.accept_invitation(token, user)


def test_status_of_each_person_on_each_assigned_course(app, make_user, course):
    boss = make_user(name="Boss")
    org = services.create_organisation("Acme", boss)
    idle, busy, done, late = (make_user(name=n) for n in ("Idle", "Busy", "Done", "Late"))
    for person in (idle, busy, done, late):
        join(org, boss, person)
    services.assign(org, course.id, boss, due_on=TODAY + timedelta(days=7))
    current = lessons.current_lessons(course.id)
    progress.open_lesson(busy, current[0])
    for lesson in current:
        progress.complete_lesson(done, lesson)
    progress.open_lesson(late, current[0])
    rows = {r.name: r for r in report.build_rows(org, TODAY)}
    assert rows["Idle"].status is report.Status.NOT_STARTED
    assert rows["Busy"].status is report.Status.IN_PROGRESS
    assert rows["Done"].status is report.Status.COMPLETED and rows["Done"].certificate_code
    assert rows["Done"].percent == 100 and rows["Done"].completed_at is not None
    later = {r.name: r for r in report.build_rows(org, TODAY + timedelta(days=8))}
    assert (
        later["Late"].status is report.Status.OVERDUE
        and later["Idle"].status is report.Status.OVERDUE
    )
    assert later["Done"].status is report.Status.COMPLETED
    page = report.report(
        org, report.Filters(status=report.Status.OVERDUE, sort="name"), TODAY + timedelta(days=8)
    )
    assert [r.name for r in page.rows] == ["Boss", "Busy", "Idle", "Late"]


def test_assignments_to_everyone_include_people_who_join_later(app, make_user, course):
    boss = make_user()
    org = services.create_organisation("Acme", boss)
    services.assign(org, course.id, boss)
    newcomer = make_user()
    join(org, boss, newcomer)
    assert [a.course_id for a in services.assigned_to(newcomer)] == [course.id]
    with pytest.raises(Conflict):
        services.assign(org, course.id, boss)


def test_assignments_to_chosen_members_only(app, make_user, course):
    boss, chosen, other = make_user(), make_user(), make_user()
    org = services.create_organisation("Acme", boss)
    join(org, boss, chosen)
    join(org, boss, other)
    services.assign(org, course.id, boss, user_ids=[chosen.id], due_on=TODAY)
    assert services.assigned_to(chosen)[0].due_on == TODAY
    assert services.assigned_to(other) == []
    with pytest.raises(RuleViolation):
        services.assign(org, course.id, boss, user_ids=[make_user().id])
