"""A person's own data: the export holds each kind of record about them and nothing about
anyone else; deleting the account removes what names them, keeps certificates verifiable
as issued without the name, voids their statements, and is refused while they are an
organisation's only manager or a course's owner."""

from __future__ import annotations

import io
import json
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from coursework.accounts.models import AccountToken, User
from coursework.certificates import services as certificates
from coursework.certificates.models import Certificate
from coursework.certificates.services import NAME_WITHHELD
from coursework.extensions import db
from coursework.mail import OutboxMessage
from coursework.organisations import services as organisations
from coursework.organisations.models import Membership, Role
from coursework.progress import services as progress
from lessons import services as lessons
from quizzes import services as quizzes
from tests.support.data import PASSWORD
from tests.support.orgkit import bearer, join, token_for
from tests.support.quizkit import right_answers, wrong_answers

API = "/api/v1/organisations"


def learn_everything(user, course, quiz) -> None:
    """A failed and a passed attempt, every lesson completed: a certificate."""
    for answers in (wrong_answers, right_answers):
        attempt = quizzes.start_attempt(user, quiz)
        quizzes.save_answers(attempt, answers(attempt))
        quizzes.submit_attempt(attempt)
    for lesson in lessons.current_lessons(course.id):
        progress.complete_lesson(user, lesson)


@pytest.fixture(autouse=True)
def settled(app, monkeypatch):
    monkeypatch.setitem(app.config, "XAPI_SETTLE_SECONDS", 0)


@pytest.fixture
def world(make_user, course, make_quiz):
    boss = make_user(email="boss@example.com", name="Bea Boss")
    org = organisations.create_organisation("Acme Training", boss)
    organisations.assign(org, course.id, boss)
    quiz = make_quiz()
    lena = make_user(email="lena@example.com", name="Lena Private")
    olga = make_user(email="olga@example.com", name="Olga Other")
    for person in (lena, olga):
        join(org, boss, person)
        learn_everything(person, course, quiz)
    return {"boss": boss, "org": org, "lena": lena, "olga": olga, "quiz": quiz, "course": course}


def download(client) -> dict:
    response = client.get("/account/data")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    assert "no-store" in response.headers["Cache-Control"]
    return response.get_json()


def test_the_export_holds_every_kind_of_record_about_the_person(client, login, world):
    lena = world["lena"]
    login(client, lena)
    data = download(client)
    assert data["profile"]["email"] == "lena@example.com"
    assert data["profile"]["display_name"] == "Lena Private"
    assert [m["organisation"] for m in data["memberships"]] == ["Acme Training"]
    assert [a["course_id"] for a in data["assigned_courses"]] == [world["course"].id]
    assert [e["course"] for e in data["enrolments"]] == ["Kitchen Safety"]
    assert {p["lesson_slug"] for p in data["lesson_progress"]} == {"knives", "heat", "cleaning"}
    assert all(p["completed_at"] for p in data["lesson_progress"])
    attempts = data["attempts"]
    assert [a["passed"] for a in attempts] == [False, True]
    answers = attempts[1]["answers"]
    assert answers and all(a["question"] and a["answer"] for a in answers)
    assert {a["outcome"] for a in answers} == {"correct"}  # this quiz shows the marking
    (certificate,) = data["certificates"]
    code = certificates.find_for(lena.id, world["course"].id).code
    assert certificate["verify_url"].endswith(f"/certificates/{code}")
    assert certificate["name_as_issued"] == "Lena Private" and certificate["status"] == "valid"
    verbs = {s["verb"]["id"].rsplit("/", 1)[1] for s in data["statements"]}
    assert {"completed", "passed", "failed"} <= verbs
    assert {s["actor"]["account"]["name"] for s in data["statements"]} == {str(lena.id)}
    assert data["preferences"] == {"notifications_switched_off": []}
    assert [n["subject"] for n in data["notifications"]]  # the invitation, at least
    assert all(
        set(n) == {"subject", "state", "created_at", "sent_at"} for n in data["notifications"]
    )


def test_the_export_holds_nothing_of_anyone_else_and_no_secret(client, login, world):
    lena = world["lena"]
    login(client, lena)
    text = json.dumps(download(client))
    for other in ("Olga", "olga@example.com", "Bea Boss", "boss@example.com"):
        assert other not in text
    secrets = [lena.password_hash, "$argon2"]
    secrets += [t.token_hash for t in db.session.scalars(select(AccountToken))]
    secrets += [m.link for m in db.session.scalars(select(OutboxMessage)) if m.link]
    for secret in secrets:
        assert secret not in text
    assert "password" not in text and "token" not in text


def test_the_export_hides_the_marking_the_quiz_does_not_show_yet(
    client, login, make_user, course, make_quiz
):
    quiz = make_quiz(review_shows="score", review_when="immediately")
    learner = make_user()
    attempt = quizzes.start_attempt(learner, quiz)
    quizzes.save_answers(attempt, right_answers(attempt))
    quizzes.submit_attempt(attempt)
    login(client, learner)
    (exported,) = download(client)["attempts"]
    assert exported["percent"] == 100
    assert all(set(a) == {"question", "answer", "saved_at"} for a in exported["answers"])


def test_downloading_needs_an_account(client):
    assert client.get("/account/data").status_code == 302


# ---- deleting --------------------------------------------------------------------------


def page_token(client, url: str) -> str:
    page = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def delete_own_account(client, password: str = PASSWORD):
    token = page_token(client, "/account/delete")
    return client.post("/account/delete", data={"password": password, "csrf_token": token})


def test_deleting_an_account_end_to_end(client, login, world, csrf_on):
    lena, org, boss = world["lena"], world["org"], world["boss"]
    headers = bearer(token_for(org, boss))
    feed = client.get(f"{API}/{org.slug}/statements", headers=headers).get_json()["statements"]
    lenas = [s["id"] for s in feed if s["actor"]["account"]["name"] == str(lena.id)]
    assert lenas
    code = certificates.find_for(lena.id, world["course"].id).code
    client.post(
        "/login",
        data={
            "email": lena.email,
            "password": PASSWORD,
            "csrf_token": page_token(client, "/login"),
        },
    )

    # Without the token, or with a wrong password, nothing happens.
    assert client.post("/account/delete", data={"password": PASSWORD}).status_code == 400
    wrong = delete_own_account(client, "not my password")
    assert wrong.status_code == 400
    assert "Your password is not right." in wrong.get_data(as_text=True)
    assert db.session.get(User, lena.id).email == "lena@example.com"

    done = delete_own_account(client)
    assert done.status_code == 302 and done.headers["Location"] == "/"
    # Signed out here, and the session cannot come back.
    assert client.get("/account").status_code == 302

    db.session.expire_all()
    gone = db.session.get(User, lena.id)
    assert gone.email == f"deleted-{lena.id}@deleted.invalid"
    assert gone.display_name == "Deleted account" and gone.is_disabled
    assert db.session.scalar(select(AccountToken).where(AccountToken.user_id == lena.id)) is None
    assert (
        db.session.scalar(select(OutboxMessage).where(OutboxMessage.to == "lena@example.com"))
        is None
    )

    # Cannot sign in again, by the old address or the new one.
    for email in ("lena@example.com", gone.email):
        response = client.post(
            "/login",
            data={"email": email, "password": PASSWORD, "csrf_token": page_token(client, "/login")},
        )
        assert response.status_code != 302

    # The certificate still verifies as issued, without the name.
    verify = client.get(f"/certificates/{code}").get_data(as_text=True)
    assert "Lena" not in verify and NAME_WITHHELD.replace("'", "&#39;") in verify
    status = client.get(f"/api/v1/certificates/{code}").get_json()
    assert status["status"] == "valid" and status["learner_name"] == NAME_WITHHELD
    stored = db.session.scalar(select(Certificate).where(Certificate.code == code))
    assert certificates.verify_credential(stored.credential).valid
    assert "Lena" not in certificates._credential_payload(stored.credential).__repr__()
    pdf = client.get(f"/certificates/{code}/certificate.pdf")
    assert pdf.status_code == 200
    printed = PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
    assert "Lena" not in printed and "Kitchen Safety" in printed

    # Reports no longer show her; her statements are voided in the organisation's feed.
    members = client.get(f"{API}/{org.slug}/members", headers=headers).get_json()
    assert [m["name"] for m in members] == ["Bea Boss", "Olga Other"]
    report = client.get(f"{API}/{org.slug}/report", headers=headers).get_data(as_text=True)
    assert "Olga Other" in report and "Lena" not in report and "Deleted account" not in report
    after = client.get(f"{API}/{org.slug}/statements", headers=headers).get_json()["statements"]
    voided = {s["object"]["id"] for s in after if s["verb"]["id"].endswith("/voided")}
    assert voided == set(lenas)
    assert "Lena" not in json.dumps(after)
    # Olga keeps everything.
    assert certificates.find_for(world["olga"].id, world["course"].id).learner_name == "Olga Other"


def test_the_only_manager_must_hand_over_first(client, login, world, make_user, csrf_on):
    boss, org = world["boss"], world["org"]
    client.post(
        "/login",
        data={
            "email": boss.email,
            "password": PASSWORD,
            "csrf_token": page_token(client, "/login"),
        },
    )
    page = client.get("/account/delete").get_data(as_text=True)
    assert "You are the only manager of Acme Training" in page
    response = client.post(
        "/account/delete", data={"password": PASSWORD, "csrf_token": page_token(client, "/account")}
    )
    assert response.status_code == 409
    assert db.session.get(User, boss.id).email == "boss@example.com"
    # With a second manager, the first may go.
    organisations.set_role(org, world["olga"].id, Role.MANAGER, boss)
    assert delete_own_account(client).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, boss.id).display_name == "Deleted account"
    assert (
        db.session.scalar(select(Membership.removed_at).where(Membership.user_id == boss.id))
        is not None
    )


def test_a_course_owner_must_hand_over_first(client, login, instructor, course):
    login(client, instructor)
    page = client.get("/account/delete").get_data(as_text=True)
    assert "You own the course Kitchen Safety. Make one of its co-instructors" in page
    assert 'name="password"' not in page
    response = client.post("/account/delete", data={"password": PASSWORD})
    assert response.status_code == 409
    assert db.session.get(User, instructor.id).email == instructor.email


def test_a_co_instructor_leaves_the_staff(client, login, make_user, course, instructor):
    helper = make_user(is_instructor=True)
    lessons.add_staff(course, helper.email, instructor)
    login(client, helper)
    assert client.post("/account/delete", data={"password": PASSWORD}).status_code == 302
    assert not lessons.can_change(course.id, db.session.get(User, helper.id))


def test_the_account_page_offers_both(client, login, make_user):
    login(client, make_user())
    page = client.get("/account").get_data(as_text=True)
    assert 'href="/account/data"' in page and "Download my data" in page
    assert 'href="/account/delete"' in page


def test_an_owner_hands_the_course_over_then_may_go(client, login, make_user, course, instructor):
    helper = make_user(name="Hana Helper", is_instructor=True)
    lessons.add_staff(course, helper.email, instructor)
    stranger = make_user(is_instructor=True)
    login(client, stranger)
    assert client.post(f"/teach/courses/{course.slug}/staff/{helper.id}/owner").status_code == 403
    client.post("/logout")

    login(client, instructor)
    page = client.get(f"/teach/courses/{course.slug}/staff").get_data(as_text=True)
    assert "Make owner" in page
    handed = client.post(f"/teach/courses/{course.slug}/staff/{helper.id}/owner")
    assert handed.status_code == 302
    assert [c.title for c in lessons.owned_courses(db.session.get(User, helper.id))] == [
        "Kitchen Safety"
    ]
    assert lessons.owned_courses(db.session.get(User, instructor.id)) == []
    assert client.post("/account/delete", data={"password": PASSWORD}).status_code == 302
    assert [person.display_name for _, person in lessons.staff_of(course)] == ["Hana Helper"]
