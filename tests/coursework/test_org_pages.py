"""The organisation pages: one's organisations, a manager's people and assignments, the
invitation landing page, "My learning" with assigned courses, and the demo organisation."""

from __future__ import annotations

import html
import io
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from huey.storage import MemoryStorage
from sqlalchemy import event, select

from coursework import tasks
from coursework.accounts import services as accounts
from coursework.db import utcnow
from coursework.errors import NotFound
from coursework.extensions import db
from coursework.organisations import demo, forms, report, services
from coursework.organisations.models import Assignment, Invitation, Membership, Role
from coursework.progress import services as progress
from lessons import services as lessons

TODAY = date.today()
DEFAULT_COURSE_DIR = Path(__file__).resolve().parents[2] / "lessons" / "course" / "tpm-vs-pm"


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def token_of(invited: services.Invited) -> str:
    return invited.link.rsplit("/", 1)[1]


def join(org, boss, user, role: Role = Role.MEMBER) -> None:
    services.accept_invitation(token_of(services.invite(org, boss, user.email, role=role)), user)


@pytest.fixture
def boss(make_user):
    return make_user(email="boss@example.com", name="Bea Boss")


@pytest.fixture
def org(boss):
    return services.create_organisation("Acme Training", boss)


@pytest.fixture
def staff(make_user, org, boss):
    person = make_user(email="sam@example.com", name="Sam Staff")
    join(org, boss, person)
    return person


@pytest.fixture
def as_boss(client, login, boss):
    login(client, boss)
    return client


# ---- one's organisations ----------------------------------------------------------------


def test_my_organisations_page_lists_memberships_and_starts_one(client, login, make_user):
    person = make_user(name="Pat")
    login(client, person)
    page = text(client.get("/organisations"))
    assert "<h1>Organisations</h1>" in page
    assert "You do not belong to an organisation yet" in page
    assert 'href="/organisations"' in page  # the main navigation has the link

    response = client.post("/organisations", data={"name": "  Harbour Lights  "})
    assert response.status_code == 302
    assert response.headers["Location"] == "/organisations/harbour-lights/people"
    page = text(client.get(response.headers["Location"]))
    assert "Harbour Lights is ready and you are its manager" in page

    page = text(client.get("/organisations"))
    assert "Harbour Lights" in page and "Manager" in page
    assert 'href="/organisations/harbour-lights/people"' in page


def test_a_member_sees_their_organisation_without_manager_links(client, login, org, staff):
    login(client, staff)
    page = text(client.get("/organisations"))
    assert "Acme Training" in page and "Member" in page
    assert "/organisations/acme-training/people" not in page
    assert "Your courses" in page


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Enter the organisation's name."),
        ("   ", "Enter the organisation's name."),
        ("x" * 201, "Keep the name to 200 characters or fewer."),
    ],
)
def test_starting_an_organisation_needs_a_name(client, login, make_user, name, message):
    login(client, make_user())
    response = client.post("/organisations", data={"name": name})
    assert response.status_code == 400
    page = text(response)
    assert "There is a problem" in page and '<a href="#name">' + message in page
    assert 'id="name-error"' in page and "<title>Error: " in page
    if name.strip():
        assert f'value="{name}"' in page  # nothing cleared


def test_signed_out_people_are_sent_to_log_in(client, org):
    for url in ("/organisations", "/organisations/acme-training/people"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")


# ---- people -----------------------------------------------------------------------------


def test_people_page_shows_members_invitations_and_the_outbox(as_boss, org, boss, staff):
    invited = services.invite(org, boss, "new@example.com", "Nia New", Role.MANAGER)
    response = as_boss.get("/organisations/acme-training/people")
    assert response.status_code == 200
    page = text(response)
    assert page.count("<h1>") == 1 and "<h1>People</h1>" in page
    assert "<caption" in page and "People in Acme Training" in page
    assert "Sam Staff" in page and "sam@example.com" in page and "Bea Boss" in page
    assert 'aria-current="page">People</a>' in page
    assert 'href="/organisations/acme-training/assignments"' in page
    # The sub-navigation links to the dashboard only when its blueprint is installed.
    assert ("/organisations/acme-training/dashboard" in page) == (
        "dashboard.overview" in as_boss.application.view_functions
    )
    # Pending invitation, with revoke; its message in the outbox with a copyable link.
    assert "Invitations not accepted yet" in page and "new@example.com" in page
    assert f"/organisations/acme-training/invitations/{invited.invitation.id}/revoke" in page
    assert "No mail server is set up, so invitations are not emailed" in page
    assert f'readonly value="{invited.link}"' in page
    assert "Invitation link for new@example.com" in page
    # The invitation accepted by Sam no longer offers its link.
    assert "This link no longer works: the invitation was accepted." in page


def test_people_page_says_when_mail_is_sent(as_boss, app, org, boss, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_URL", "smtp://127.0.0.1:1")  # nothing listens
    response = as_boss.post(
        "/organisations/acme-training/people/invite", data={"invite-email": "x@example.com"}
    )
    page = text(as_boss.get(response.headers["Location"]))
    # The message is queued when the request commits, after its answer was written: the
    # outbox, not the notice, tells how sending went.
    assert "Invitation to x@example.com created; it will be emailed shortly" in page
    assert "Invitations are emailed" in page and "Not sent" in page and "Sending failed" in page


def test_people_page_says_when_an_invitation_is_queued_to_be_emailed(
    as_boss, app, org, monkeypatch
):
    # A queue with no consumer running: the message waits in it.
    monkeypatch.setitem(app.config, "MAIL_URL", "smtp://127.0.0.1:1")
    waiting = MemoryStorage("waiting")
    monkeypatch.setitem(app.extensions, tasks.EXTENSION, waiting)
    response = as_boss.post(
        "/organisations/acme-training/people/invite", data={"invite-email": "x@example.com"}
    )
    page = text(as_boss.get(response.headers["Location"]))
    assert "Invitation to x@example.com created; it will be emailed shortly" in page
    assert "Queued to be emailed" in page and "could not be emailed" not in page
    assert waiting.queue_size() == 1  # one job waiting


def test_inviting_one_person(as_boss, org):
    response = as_boss.post(
        "/organisations/acme-training/people/invite",
        data={"invite-email": " Kim@Example.com ", "invite-name": "Kim", "invite-role": "manager"},
    )
    assert response.status_code == 302
    page = text(as_boss.get("/organisations/acme-training/people"))
    assert "Invitation for kim@example.com created" in page
    invitation = db.session.scalar(select(Invitation).where(Invitation.email == "kim@example.com"))
    assert invitation.role == "manager" and invitation.name == "Kim"


@pytest.mark.parametrize(
    ("email", "message", "status"),
    [
        ("", "Enter the email address of the person to invite.", 400),
        ("not-an-email", "Enter an email address in the right format", 400),
        ("sam@example.com", "sam@example.com is already in Acme Training.", 400),
    ],
)
def test_inviting_one_person_reports_bad_input(as_boss, staff, email, message, status):
    response = as_boss.post(
        "/organisations/acme-training/people/invite",
        data={"invite-email": email, "invite-name": "Kept Name", "invite-role": "member"},
    )
    assert response.status_code == status
    page = text(response)
    assert "There is a problem" in page and '<a href="#invite-email">' + message in page
    assert 'id="invite-email-error"' in page
    assert 'value="Kept Name"' in page  # nothing cleared
    assert not db.session.scalars(select(Invitation).where(Invitation.name == "Kept Name")).all()


def test_inviting_with_an_unknown_role_is_refused(as_boss, org):
    response = as_boss.post(
        "/organisations/acme-training/people/invite",
        data={"invite-email": "a@example.com", "invite-role": "owner"},
    )
    assert response.status_code == 400
    assert "Not a valid choice" in text(response)


def test_a_pasted_list_reports_bad_rows_and_invites_the_good(as_boss, org, staff):
    pasted = (
        "email,name\n"
        "ana@example.com,Ana López\n"
        "not-an-email,Bad Row\n"
        "bo@example.com\n"
        "sam@example.com,Sam again\n"
        "ana@example.com,Ana twice\n"
    )
    response = as_boss.post(
        "/organisations/acme-training/people/bulk", data={"bulk-people": pasted}
    )
    assert response.status_code == 200
    page = text(response)
    assert "Your list: 2 of 5 people invited" in page
    rows = re.findall(
        r'<td class="numeric">(\d+)</td>\s*'
        r'<th scope="row" class="org-email">([^<]*)</th>\s*<td>(.*?)</td>',
        page,
        re.S,
    )
    outcomes = {int(n): (email, "Not invited" not in result) for n, email, result in rows}
    assert outcomes == {
        2: ("ana@example.com", True),
        3: ("not-an-email", False),
        4: ("bo@example.com", True),
        5: ("sam@example.com", False),
        6: ("ana@example.com", False),
    }
    assert "right format" in page and "already in Acme Training" in page
    assert "appears earlier in the list" in page
    # The rows that failed are back in the box, to correct and send again.
    box = re.search(r'<textarea[^>]*id="bulk-people"[^>]*>(.*?)</textarea>', page, re.S).group(1)
    assert box.strip().splitlines() == [
        "not-an-email,Bad Row",
        "sam@example.com,Sam again",
        "ana@example.com,Ana twice",
    ]
    emails = {i.email for i in services.invitations(org) if i.accepted_at is None}
    assert emails == {"ana@example.com", "bo@example.com"}


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({}, "bulk-people", "Paste a list of email addresses, or upload a CSV file."),
        ({"bulk-people": "  \n \n"}, "bulk-people", "Paste a list of email addresses"),
        ({"bulk-people": "email,name\n"}, "bulk-people", "The list has no email addresses."),
        (
            {"bulk-people": "a@example.com", "bulk-file": (io.BytesIO(b"b@example.com"), "x.csv")},
            "bulk-people",
            "Paste a list or upload a file, not both.",
        ),
        (
            {"bulk-file": (io.BytesIO(b"PK\x03\x04\x00\x00binary"), "staff.xlsx")},
            "bulk-file",
            "The file must be a CSV file (ending in .csv).",
        ),
        (
            {"bulk-file": (io.BytesIO(b"a@example.com\x00,\x00"), "staff.csv")},
            "bulk-file",
            "The file is not a CSV text file.",
        ),
        (
            {"bulk-file": (io.BytesIO("zoë@example.com".encode("latin-1")), "staff.csv")},
            "bulk-file",
            "The file could not be read as text.",
        ),
        ({"bulk-file": (io.BytesIO(b"  \n"), "staff.csv")}, "bulk-file", "The file is empty."),
        (
            {"bulk-file": (io.BytesIO(b"email\n"), "staff.csv")},
            "bulk-file",
            "The list has no email addresses.",
        ),
    ],
)
def test_a_bad_list_or_file_is_refused_with_the_reason(as_boss, org, data, field, message):
    response = as_boss.post(
        "/organisations/acme-training/people/bulk",
        data=data,
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    page = text(response)
    assert "There is a problem" in page and f'<a href="#{field}">{message}' in page
    assert f'id="{field}-error"' in page
    assert services.invitations(org) == []


def test_a_file_too_big_is_refused(as_boss, org, monkeypatch):
    # A small limit for the test: a body over 500 KB makes the test client spool it to a
    # temporary file that it never closes.
    monkeypatch.setattr(forms, "MAX_LIST_BYTES", 2048)
    response = as_boss.post(
        "/organisations/acme-training/people/bulk",
        data={"bulk-file": (io.BytesIO(b"a@example.com\n" * 200), "big.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "The file must be smaller than 2 KB." in text(response)
    assert services.invitations(org) == []


def test_too_many_rows_are_refused(as_boss, org):
    pasted = "\n".join(f"p{n}@example.com" for n in range(501))
    response = as_boss.post(
        "/organisations/acme-training/people/bulk", data={"bulk-people": pasted}
    )
    assert response.status_code == 400
    assert "Invite at most 500 people at a time (501 given)." in text(response)


def test_an_uploaded_csv_invites_everyone_on_it(as_boss, org):
    csv_bytes = "\ufeffEmail;Name\r\nzoe@example.com;Zoë Ångström\r\nbad;Nobody\r\n".encode()
    response = as_boss.post(
        "/organisations/acme-training/people/bulk",
        data={"bulk-file": (io.BytesIO(csv_bytes), "staff.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    page = text(response)
    assert "Your list: 1 of 2 people invited" in page
    [invitation] = services.invitations(org)
    assert (invitation.email, invitation.name) == ("zoe@example.com", "Zoë Ångström")


def test_promoting_and_demoting_a_member(as_boss, org, boss, staff):
    url = f"/organisations/acme-training/people/{staff.id}/role"
    response = as_boss.post(url, data={"role": "manager"})
    assert response.status_code == 302
    assert "Sam Staff is now a manager of Acme Training." in text(
        as_boss.get("/organisations/acme-training/people")
    )
    assert services.get_managed(staff, "acme-training")
    as_boss.post(url, data={"role": "member"})
    with pytest.raises(NotFound):
        services.get_managed(staff, "acme-training")
    assert as_boss.post(url, data={"role": "owner"}).status_code == 400
    # A manager cannot step down themselves.
    as_boss.post(f"/organisations/acme-training/people/{boss.id}/role", data={"role": "member"})
    page = text(as_boss.get("/organisations/acme-training/people"))
    assert "You cannot step down yourself" in page
    assert services.get_managed(boss, "acme-training")


def test_removing_a_member_asks_first_and_keeps_their_history(
    as_boss, client, login, org, boss, staff, course
):
    progress.complete_lesson(staff, lessons.current_lessons(course.id)[0])
    url = f"/organisations/acme-training/people/{staff.id}/remove"
    page = text(as_boss.get(url))
    assert "<h1>Remove Sam Staff?</h1>" in page and "learning history" in page
    response = as_boss.post(url)
    assert response.status_code == 302
    assert "Sam Staff has been removed from Acme Training" in text(
        as_boss.get(response.headers["Location"])
    )
    assert [u.id for _, u in services.members(org)] == [boss.id]
    assert progress.course_progress(staff, course).summary.completed == 1
    # Gone already: the confirmation page is no more.
    assert as_boss.get(url).status_code == 404
    # Nobody removes themselves.
    as_boss.post(f"/organisations/acme-training/people/{boss.id}/remove")
    assert "You cannot remove yourself" in text(as_boss.get("/organisations/acme-training/people"))


def test_a_removed_manager_loses_the_manager_pages_at_once(client, login, org, boss, make_user):
    deputy = make_user()
    join(org, boss, deputy, Role.MANAGER)
    login(client, deputy)
    assert client.get("/organisations/acme-training/people").status_code == 200
    services.remove_member(org, deputy.id, boss)
    assert client.get("/organisations/acme-training/people").status_code == 404


def test_revoking_an_invitation_ends_its_link(as_boss, client, org, boss):
    invited = services.invite(org, boss, "gone@example.com")
    response = as_boss.post(
        f"/organisations/acme-training/invitations/{invited.invitation.id}/revoke"
    )
    assert response.status_code == 302
    page = text(as_boss.get("/organisations/acme-training/people"))
    assert "The invitation to gone@example.com is revoked" in page
    assert "the invitation was revoked" in page
    assert as_boss.get(f"/invitations/{token_of(invited)}").status_code == 404


def test_an_accepted_invitation_cannot_be_revoked(as_boss, org, boss, staff):
    accepted = next(i for i in services.invitations(org) if i.accepted_at is not None)
    as_boss.post(f"/organisations/acme-training/invitations/{accepted.id}/revoke")
    assert "already been accepted" in text(as_boss.get("/organisations/acme-training/people"))


def test_forms_carry_csrf_tokens_that_are_checked(app, as_boss, csrf_on, org):
    page = text(as_boss.get("/organisations/acme-training/people"))
    token = re.search(r'name="invite-csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert 'name="bulk-csrf_token"' in page
    refused = as_boss.post(
        "/organisations/acme-training/people/invite", data={"invite-email": "a@example.com"}
    )
    assert refused.status_code == 400
    accepted = as_boss.post(
        "/organisations/acme-training/people/invite",
        data={"invite-email": "a@example.com", "invite-csrf_token": token},
    )
    assert accepted.status_code == 302


# ---- assignments ------------------------------------------------------------------------


def test_assigning_a_course_to_everyone_with_a_due_date(as_boss, org, course):
    page = text(as_boss.get("/organisations/acme-training/assignments"))
    assert "<h1>Assignments</h1>" in page and "No course is assigned yet." in page
    assert f'<option value="{course.id}">Kitchen Safety</option>' in page
    assert 'type="date"' in page
    due = TODAY + timedelta(days=14)
    response = as_boss.post(
        "/organisations/acme-training/assignments",
        data={"course": course.id, "audience": "everyone", "due_on": due.isoformat()},
    )
    assert response.status_code == 302
    page = text(as_boss.get("/organisations/acme-training/assignments"))
    assert "“Kitchen Safety” is assigned." in page
    assert "Courses assigned in Acme Training" in page and "Everyone" in page
    assert f'value="{due.isoformat()}"' in page
    [assignment] = services.assignments(org)
    assert assignment.everyone and assignment.due_on == due


def test_assigning_to_chosen_people_without_a_date(as_boss, org, boss, staff, make_user, course):
    other = make_user(name="Olu Other")
    join(org, boss, other)
    response = as_boss.post(
        "/organisations/acme-training/assignments",
        data={"course": course.id, "audience": "chosen", "people": [staff.id], "due_on": ""},
    )
    assert response.status_code == 302
    [assignment] = services.assignments(org)
    assert not assignment.everyone and assignment.due_on is None
    assert [a.user_id for a in assignment.assignees] == [staff.id]
    page = text(as_boss.get("/organisations/acme-training/assignments"))
    assert "1 person:" in page and "<bdi>Sam Staff</bdi>" in page and "No due date." in page


def test_a_past_due_date_is_allowed_with_a_warning(as_boss, org, course):
    response = as_boss.post(
        "/organisations/acme-training/assignments",
        data={"course": course.id, "audience": "everyone", "due_on": "2020-01-31"},
        follow_redirects=True,
    )
    page = text(response)
    assert "Its due date has already passed" in page and "Date passed" in page
    assert services.assignments(org)[0].due_on == date(2020, 1, 31)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"audience": "everyone"}, "course", "Choose a course."),
        ({"course": "999999", "audience": "everyone"}, "course", "Choose a course from the list."),
        ({"course": "abc", "audience": "everyone"}, "course", "Choose a course from the list."),
        ({"audience": "chosen"}, "people", "Choose at least one person."),
        ({"audience": "everyone", "due_on": "2026-02-30"}, "due_on", "Enter a real date"),
        ({"audience": "everyone", "due_on": "next friday"}, "due_on", "Enter a real date"),
        ({"audience": "everyone", "due_on": "3000-01-01"}, "due_on", "Enter a due date between"),
        ({"audience": "anyone"}, "audience", "Not a valid choice"),
    ],
)
def test_assigning_reports_bad_input(as_boss, org, staff, course, data, field, message):
    data = {"course": course.id, **data} if "course" not in data and field != "course" else data
    response = as_boss.post("/organisations/acme-training/assignments", data=data)
    assert response.status_code == 400
    page = text(response)
    assert "There is a problem" in page and f'<a href="#{field}">{message}' in page
    assert f'id="{field}-error"' in page
    if data.get("due_on"):
        assert f'value="{data["due_on"]}"' in page  # nothing cleared
    assert services.assignments(org) == []


def test_every_problem_with_an_assignment_is_reported_at_once(as_boss, org, staff, course):
    response = as_boss.post(
        "/organisations/acme-training/assignments",
        data={"course": course.id, "audience": "chosen", "due_on": "1999-12-31"},
    )
    assert response.status_code == 400
    page = text(response)
    assert '<a href="#people">Choose at least one person.' in page
    assert '<a href="#due_on">Enter a due date between' in page
    assert re.search(r'<input checked[^>]* id="audience-1"', page)  # nothing cleared


def test_assigning_to_people_outside_the_organisation_is_refused(
    as_boss, org, staff, make_user, course
):
    outsider = make_user()
    for people in ([outsider.id], [staff.id, outsider.id], ["x"]):
        response = as_boss.post(
            "/organisations/acme-training/assignments",
            data={"course": course.id, "audience": "chosen", "people": people},
        )
        assert response.status_code == 400
        assert "Choose people who are in your organisation." in text(response)
    assert services.assignments(org) == []


def test_a_course_is_assigned_to_everyone_once(as_boss, org, boss, course):
    services.assign(org, course.id, boss)
    response = as_boss.post(
        "/organisations/acme-training/assignments",
        data={"course": course.id, "audience": "everyone"},
    )
    assert response.status_code == 400
    assert "already assigned to everyone. Change its due date instead." in text(response)


def test_changing_and_clearing_a_due_date(as_boss, org, boss, course):
    assignment = services.assign(org, course.id, boss)
    url = f"/organisations/acme-training/assignments/{assignment.id}/due"
    response = as_boss.post(url, data={"due_on": "2031-05-04"}, follow_redirects=True)
    assert "The due date is now 4 May 2031." in text(response)
    response = as_boss.post(url, data={"due_on": "2031-13-01"})
    assert response.status_code == 400
    page = text(response)
    assert f'<a href="#due-{assignment.id}">Enter a real date' in page
    assert 'value="2031-13-01"' in page and 'aria-invalid="true"' in page
    db.session.expire_all()
    assert db.session.get(Assignment, assignment.id).due_on == date(2031, 5, 4)
    response = as_boss.post(url, data={"due_on": ""}, follow_redirects=True)
    assert "The due date is removed." in text(response)
    db.session.expire_all()
    assert db.session.get(Assignment, assignment.id).due_on is None


def test_removing_an_assignment_asks_first(as_boss, org, boss, course):
    assignment = services.assign(org, course.id, boss, due_on=TODAY)
    url = f"/organisations/acme-training/assignments/{assignment.id}/remove"
    page = text(as_boss.get(url))
    assert "<h1>Remove this assignment?</h1>" in page and "Kitchen Safety" in page
    response = as_boss.post(url, follow_redirects=True)
    assert "“Kitchen Safety” is no longer assigned." in text(response)
    assert services.assignments(org) == []


# ---- who may use the manager pages ------------------------------------------------------


def manager_requests(slug, user_id, invitation_id, assignment_id, course_id):
    base = f"/organisations/{slug}"
    return [
        ("get", f"{base}/people", None),
        ("post", f"{base}/people/invite", {"invite-email": "z@example.com"}),
        ("post", f"{base}/people/bulk", {"bulk-people": "z@example.com"}),
        ("post", f"{base}/people/{user_id}/role", {"role": "manager"}),
        ("get", f"{base}/people/{user_id}/remove", None),
        ("post", f"{base}/people/{user_id}/remove", {}),
        ("post", f"{base}/invitations/{invitation_id}/revoke", {}),
        ("get", f"{base}/assignments", None),
        ("post", f"{base}/assignments", {"course": course_id, "audience": "everyone"}),
        ("post", f"{base}/assignments/{assignment_id}/due", {"due_on": "2030-01-01"}),
        ("get", f"{base}/assignments/{assignment_id}/remove", None),
        ("post", f"{base}/assignments/{assignment_id}/remove", {}),
    ]


@pytest.fixture
def two_organisations(make_user, org, boss, staff, course):
    pending = services.invite(org, boss, "pending@example.com").invitation
    assignment = services.assign(org, course.id, boss)
    rival = make_user(name="Rival Manager")
    other = services.create_organisation("Other Co", rival)
    return {
        "ids": (staff.id, pending.id, assignment.id, course.id),
        "rival": rival,
        "other": other,
    }


def assert_nothing_changed(org, staff):
    db.session.expire_all()
    assert {i.email for i in services.invitations(org)} == {
        "sam@example.com",
        "pending@example.com",
    }
    assert all(i.revoked_at is None for i in services.invitations(org))
    assert len(services.assignments(org)) == 1 and services.assignments(org)[0].due_on is None
    membership = db.session.scalar(select(Membership).where(Membership.user_id == staff.id))
    assert membership.role == "member" and membership.removed_at is None


def test_signed_out_visitors_are_sent_to_log_in(client, org, staff, two_organisations):
    for method, url, data in manager_requests("acme-training", *two_organisations["ids"]):
        response = getattr(client, method)(url, data=data)
        assert response.status_code == 302, (method, url)
        assert response.headers["Location"].startswith("/login?next="), url
    assert_nothing_changed(org, staff)


def test_members_and_other_managers_find_nothing(client, login, org, staff, two_organisations):
    for person in (staff, two_organisations["rival"]):
        login(client, person)
        for method, url, data in manager_requests("acme-training", *two_organisations["ids"]):
            response = getattr(client, method)(url, data=data)
            assert response.status_code == 404, (person.display_name, method, url)
        client.post("/logout")
    assert_nothing_changed(org, staff)


def test_a_manager_cannot_reach_another_organisations_records_through_their_own(
    client, login, org, staff, two_organisations
):
    """The rival manages Other Co; Acme's people, invitations and assignments are not
    found through Other Co's address either."""
    login(client, two_organisations["rival"])
    requests = manager_requests("other-co", *two_organisations["ids"])
    for method, url, data in requests:
        if url.endswith(("/people", "/people/invite", "/people/bulk", "/assignments")):
            continue  # the rival's own pages, with their own data
        response = getattr(client, method)(url, data=data)
        assert response.status_code == 404, (method, url)
    page = text(client.get("/organisations/other-co/people"))
    assert "sam@example.com" not in page and "pending@example.com" not in page
    page = text(client.get("/organisations/other-co/assignments"))
    assert "No course is assigned yet." in page and "Sam Staff" not in page
    assert_nothing_changed(org, staff)


# ---- the invitation landing page --------------------------------------------------------


def test_invitation_page_for_someone_signed_out(client, org, boss):
    invited = services.invite(org, boss, "new.person@example.com", "Nia", Role.MEMBER)
    response = client.get(f"/invitations/{token_of(invited)}")
    assert response.status_code == 200
    page = text(response)
    assert "<h1>Join Acme Training</h1>" in page
    assert "Bea Boss has invited you to join Acme Training" in page
    assert "new.person@example.com" in page and "What joining means" in page
    path = f"/invitations/{token_of(invited)}"
    assert f'href="/signup?next={path}&amp;email=new.person@example.com"' in (
        response.get_data(as_text=True)
    )
    assert f'href="/login?next={path}"' in page
    assert "Accept and join" not in page


def test_a_new_person_signs_up_through_the_link_and_accepts(client, org, boss):
    invited = services.invite(org, boss, "new.person@example.com")
    path = f"/invitations/{token_of(invited)}"
    response = client.post(
        f"/signup?next={path}",
        data={
            "display_name": "Nia New",
            "email": "new.person@example.com",
            "password": "a long new passphrase",
        },
    )
    # Sign-up answers "check your email" (the same for a taken address); the way back to
    # the invitation is kept through it and the log-in.
    assert response.headers["Location"] == f"/signup/check-email?next={path}"
    assert f'href="/login?next={path}"' in client.get(response.headers["Location"]).get_data(
        as_text=True
    )
    response = client.post(
        f"/login?next={path}",
        data={"email": "new.person@example.com", "password": "a long new passphrase"},
    )
    assert response.headers["Location"] == path
    page = text(client.get(path))
    assert "Accept and join Acme Training" in page
    response = client.post(path)
    assert response.status_code == 302 and response.headers["Location"] == "/my-learning"
    page = text(client.get("/my-learning"))
    assert "You have joined Acme Training" in page
    assert [u.email for _, u in services.members(org)] == [
        "boss@example.com",
        "new.person@example.com",
    ]
    # The link worked once.
    used = client.get(path)
    assert used.status_code == 404 and "This invitation link is not valid" in text(used)
    assert client.post(path).status_code == 404


def test_an_existing_account_logs_in_then_accepts(client, login, org, boss, make_user):
    person = make_user(email="ex@example.com")
    invited = services.invite(org, boss, "EX@example.com", role=Role.MANAGER)
    path = f"/invitations/{token_of(invited)}"
    response = client.post(
        f"/login?next={path}", data={"email": person.email, "password": "correct horse battery"}
    )
    assert response.headers["Location"] == path
    assert "as a manager" in text(client.get(path))
    assert client.post(path).status_code == 302
    assert services.get_managed(person, "acme-training")


def test_someone_signed_in_with_another_address_is_told_so(client, login, org, boss, make_user):
    invited = services.invite(org, boss, "right@example.com")
    login(client, make_user(email="wrong@example.com"))
    path = f"/invitations/{token_of(invited)}"
    page = text(client.get(path))
    assert "This invitation is for a different email address" in page
    assert re.search(r"you are logged in as <[^>]+>wrong@example\.com<", page)
    assert "Accept and join" not in page
    response = client.post(path, follow_redirects=True)
    assert "This invitation was sent to right@example.com" in text(response)
    assert services.find_invitation(token_of(invited))  # still usable by the right person


def test_accepting_needs_a_signed_in_person(client, org, boss):
    invited = services.invite(org, boss, "a@example.com")
    response = client.post(f"/invitations/{token_of(invited)}")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert services.find_invitation(token_of(invited))


@pytest.mark.parametrize("state", ["unknown", "expired", "revoked", "accepted"])
def test_every_unusable_invitation_gets_the_same_not_valid_page(
    client, login, org, boss, make_user, state
):
    person = make_user(email="late@example.com")
    if state == "unknown":
        token = "no-such-token"
    elif state == "expired":
        token = token_of(
            services.invite(org, boss, person.email, now=utcnow() - timedelta(days=15))
        )
    else:
        invited = services.invite(org, boss, person.email)
        token = token_of(invited)
        if state == "revoked":
            services.revoke_invitation(org, invited.invitation.id)
        else:
            services.accept_invitation(token, person)
    for signed_in in (False, True):
        if signed_in:
            login(client, person)
        response = client.get(f"/invitations/{token}")
        assert response.status_code == 404
        page = text(response)
        assert "<h1>This invitation link is not valid</h1>" in page
        assert "used already, revoked, or it may have expired" in page
    assert client.post(f"/invitations/{token}").status_code == 404


# ---- My learning ------------------------------------------------------------------------


def test_my_learning_lists_assigned_courses_first(client, login, org, boss, staff, make_course):
    first = make_course(slug="kitchen-safety")
    second = make_course(
        "---\ntitle: Fire Drill\n---\n# Fire Drill\n\nIntro.\n\n## Exits\n\nKnow them.\n"
    )
    own = make_course("---\ntitle: Zither Basics\n---\n# Zither\n\nIntro.\n\n## Strings\n\nTune.\n")
    progress.open_lesson(staff, lessons.current_lessons(own.id)[0])  # chosen by themselves
    progress.open_lesson(staff, lessons.current_lessons(first.id)[0])  # assigned, started
    services.assign(org, first.id, boss, due_on=TODAY - timedelta(days=3))
    services.assign(org, second.id, boss, due_on=TODAY + timedelta(days=10))
    login(client, staff)
    page = text(client.get("/my-learning"))
    assert page.index("Assigned to you") < page.index("Kitchen Safety") < page.index("Fire Drill")
    assert page.index("Fire Drill") < page.index("Your other courses") < page.index("Zither Basics")
    assert page.count("Assigned by Acme Training.") == 2
    # Overdue is said in words, not only in colour.
    kitchen = page[page.index("Kitchen Safety") : page.index("Fire Drill")]
    assert "Overdue" in kitchen and "It was due" in kitchen
    fire = page[page.index("Fire Drill") : page.index("Your other courses")]
    assert "Overdue" not in fire and "Not started" in fire and "Due" in fire
    assert 'href="/courses/' in fire and "/lessons/exits" in fire  # start at the first lesson


def test_a_completed_assigned_course_is_not_overdue(client, login, org, boss, staff, course):
    services.assign(org, course.id, boss, due_on=TODAY - timedelta(days=3))
    for lesson in lessons.current_lessons(course.id):
        progress.complete_lesson(staff, lesson)
    login(client, staff)
    page = text(client.get("/my-learning"))
    assert "Assigned to you" in page and "Course completed." in page
    assert "Overdue" not in page and "Your other courses" not in page


def test_my_learning_without_assignments_is_unchanged(client, login, make_user, course):
    person = make_user()
    progress.open_lesson(person, lessons.current_lessons(course.id)[0])
    login(client, person)
    page = text(client.get("/my-learning"))
    assert "Kitchen Safety" in page and "Assigned to you" not in page
    assert "Your other courses" not in page


def test_my_learning_runs_a_fixed_number_of_queries(client, login, org, boss, staff, make_course):
    from sqlalchemy import event

    def count_queries() -> int:
        statements = []

        def record(*args, **kwargs):
            statements.append(1)

        db.session.commit()  # the test's own work, as its request would have, before counting
        event.listen(db.engine, "before_cursor_execute", record)
        try:
            assert client.get("/my-learning").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        return len(statements)

    login(client, staff)
    courses = [
        make_course(
            f"---\ntitle: Course {n}\n---\n# C{n}\n\nIntro.\n\n## One\n\nText.\n", slug=f"c{n}"
        )
        for n in range(4)
    ]
    services.assign(org, courses[0].id, boss)
    one = count_queries()
    for course in courses[1:]:
        services.assign(org, course.id, boss)
    assert count_queries() == one


# ---- the demo organisation --------------------------------------------------------------


@pytest.mark.real_commits(reason="counts the demo's statements; savepoints would add to them")
def test_the_demo_organisation_has_people_at_every_status(app):
    from lessons.builder import read_course
    from quizzes.cli import DEFAULT_QUIZZES, load_course_quizzes

    lessons.import_course(read_course(DEFAULT_COURSE_DIR), lessons.OPERATOR)
    load_course_quizzes("tpm-vs-pm", DEFAULT_QUIZZES / "tpm-vs-pm")
    # Seeding goes through the services, step by step; bound its statements (8,931 for 30
    # people when written) rather than its wall-clock time, which failed on a busy machine.
    statements = []
    listener = lambda *args, **kwargs: statements.append(1)  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        result = demo.load_demo()
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert len(statements) < 10_000
    assert result.created and result.email == "manager@example.com" and result.staff == 30
    organisation = services.get_managed(accounts.find_by_email(result.email), demo.DEMO_SLUG)
    rows = report.build_rows(organisation, date.today())
    statuses = {row.status for row in rows}
    assert statuses == set(report.Status)
    names = {row.name for row in rows}
    assert "Zoë Ångström" in names and "ليلى حداد" in names
    done = [row for row in rows if row.status is report.Status.COMPLETED]
    assert len(done) >= 5 and all(row.certificate_code for row in done)
    assert [i.email for i in services.invitations(organisation) if i.accepted_at is None]
    # Loading again changes nothing.
    again = demo.load_demo()
    assert not again.created and len(report.build_rows(organisation, date.today())) == len(rows)


def test_no_demo_without_the_default_course(app):
    assert demo.load_demo() is None


@pytest.mark.real_commits(reason="setup migrates the database on a connection of its own")
def test_setup_prints_the_demo_manager_in_development_only(app, monkeypatch):
    runner = app.test_cli_runner()
    plain = runner.invoke(args=["setup"])
    assert plain.exit_code == 0, plain.output
    assert "manager@example.com" not in plain.output
    monkeypatch.setitem(app.config, "DEMO_ACCOUNTS", True)
    result = runner.invoke(args=["setup", "--url", "http://127.0.0.1:5999"])
    assert result.exit_code == 0, result.output
    email, _, password = demo.DEMO_MANAGER
    assert re.search(
        rf"manager\s+{re.escape(email)}\s+password: {re.escape(password)}", result.output
    )
    assert "Demo organisation: Northwind Projects, 30 people" in result.output
    assert "http://127.0.0.1:5999/organisations/northwind-projects/dashboard" in result.output
    assert accounts.authenticate(email, password) is not None
