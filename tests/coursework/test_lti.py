"""LTI 1.3 against a platform started inside the test (tests/coursework/lti_platform.py):
registration, login initiation, launches that sign in and open a resource, the launches
that must be refused, Deep Linking, grades through AGS (with a retry after the platform
was down), rosters through NRPS, and the frame-only cookie and CSP."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import event, func, select

from coursework import tasks
from coursework.accounts.models import User
from coursework.extensions import db
from coursework.lti import services as lti
from coursework.lti.models import Context, GradeTarget, LinkedAccount, Platform
from coursework.organisations import services as organisations
from coursework.organisations.models import Membership
from coursework.tasks import FailedJob
from lessons import services as lessons
from quizzes import services as quizzes
from tests.support.clients import RequestContextClient
from tests.support.data import PASSWORD
from tests.support.lti_platform import (
    INSTRUCTOR,
    Person,
    RunningPlatform,
    new_key,
)
from tests.support.lti_platform import Platform as FakeLms
from tests.support.nu_checker import JAR, JAVA, nu_errors
from tests.support.quizkit import right_answers

TOOL = "http://localhost"
KIM = Person("lms-user-kim", "Kim Learner", "kim@lms.example")
TEACHER = Person("lms-user-tess", "Tess Teacher", roles=(INSTRUCTOR,))


@dataclass
class Lms:
    fake: FakeLms
    row: Platform
    organisation: object
    manager: User


@pytest.fixture
def running() -> Iterator[FakeLms]:
    server = RunningPlatform(FakeLms(tool_url=TOOL))
    yield server.platform
    server.stop()


def register(running: FakeLms, organisation) -> Platform:
    row = lti.register_platform(organisation, running.registration())
    running.tool_keys = lti.tool_key_set()
    return row


@pytest.fixture
def lms(running, make_user) -> Lms:
    manager = make_user(name="Mia Manager")
    organisation = organisations.create_organisation("Acme", manager)
    return Lms(running, register(running, organisation), organisation, manager)


def start_login(client, fake: FakeLms, message: dict) -> dict[str, str]:
    """The LMS's login initiation; answers the authorisation request's parameters."""
    hint = uuid.uuid4().hex
    fake.pending[hint] = message
    response = client.post("/lti/login", data=fake.login_parameters(hint))
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assert response.location.startswith(f"{fake.base}/auth?")
    return {k: v[0] for k, v in parse_qs(urlsplit(response.location).query).items()}


def launch(client, fake: FakeLms, message: dict, **overrides):
    """Login initiation, then the id_token posted to the tool as the LMS's form does."""
    params = start_login(client, fake, message)
    key = overrides.pop("key", None)
    token = fake.id_token(message, params["nonce"], key=key, **overrides)
    return client.post("/lti/launch", data={"id_token": token, "state": params["state"]})


def signed_in(client) -> User | None:
    with client.session_transaction() as session:
        user_id = session.get("_user_id")
    return db.session.get(User, int(user_id.split(":")[0])) if user_id else None


@pytest.fixture
def fresh_client(app):
    app.test_client_class = RequestContextClient
    return app.test_client


# ---- registration ---------------------------------------------------------------------


def test_a_manager_registers_a_platform_and_sees_what_to_paste(client, make_user, login):
    manager = make_user()
    organisation = organisations.create_organisation("Acme", manager)
    login(client, manager)
    page = client.get("/organisations/acme/lti")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for url in ("/lti/launch", "/lti/login", "/lti/jwks.json"):
        assert f"http://127.0.0.1:5000{url}" in text or url in text
    form = {
        "name": "Moodle",
        "issuer": "https://moodle.example.com",
        "client_id": "abc123",
        "deployment_ids": "1\n2\n1\n",
        "auth_login_url": "https://moodle.example.com/mod/lti/auth.php",
        "access_token_url": "https://moodle.example.com/mod/lti/token.php",
        "key_set_url": "https://moodle.example.com/mod/lti/certs.php",
        "frame_origin": "",
    }
    response = client.post("/organisations/acme/lti", data=form)
    assert response.status_code == 303
    platform = db.session.scalar(select(Platform))
    assert platform.organisation_id == organisation.id
    assert [d.deployment_id for d in platform.deployments] == ["1", "2"]
    assert platform.frame_origin == "https://moodle.example.com"
    assert "PRIVATE KEY" not in platform.tool_key_sealed  # sealed at rest
    checklist = client.get(response.location).get_data(as_text=True)
    assert platform.tool_key_id in checklist and "OIDC login initiation URL" in checklist
    key_set = client.get("/lti/jwks.json")
    assert key_set.mimetype == "application/jwk-set+json"
    (key,) = key_set.get_json()["keys"]
    assert key["kid"] == platform.tool_key_id and "d" not in key  # public half only
    # The same issuer and client id again: refused, with the field named.
    again = client.post("/organisations/acme/lti", data=form)
    assert again.status_code == 400 and "already registered" in again.get_data(as_text=True)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("issuer", "http://lms.example.com", "Use an https:// address."),
        ("auth_login_url", "not a url", "Enter a full address"),
        ("key_set_url", "https://evil;script-src", "plain host name"),
        ("deployment_ids", "  \n ", "at least one deployment id"),
        ("client_id", "", "Enter the client id."),
    ],
)
def test_bad_registrations_are_refused_with_the_field_named(
    client, make_user, login, field, value, message
):
    manager = make_user()
    organisations.create_organisation("Acme", manager)
    login(client, manager)
    form = {
        "name": "Moodle",
        "issuer": "https://moodle.example.com",
        "client_id": "abc123",
        "deployment_ids": "1",
        "auth_login_url": "https://moodle.example.com/auth",
        "access_token_url": "https://moodle.example.com/token",
        "key_set_url": "https://moodle.example.com/certs",
        field: value,
    }
    response = client.post("/organisations/acme/lti", data=form)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Platform.id))) == 0


def test_only_the_organisations_managers_and_admins_reach_its_registrations(
    lms, client, make_user, login, fresh_client
):
    page = f"/organisations/acme/lti/{lms.row.id}"
    other_manager = make_user()
    organisations.create_organisation("Other", other_manager)
    member = make_user()
    organisations.join_from_platform(lms.organisation.id, member)
    db.session.commit()
    for user, status in ((other_manager, 404), (member, 404)):
        browser = fresh_client()
        login(browser, user)
        assert browser.get(page).status_code == status
        assert browser.post(f"{page}/remove").status_code == status
    admin = make_user(is_admin=True)
    login(client, admin)
    assert client.get(page).status_code == 200
    assert fresh_client().get(page).status_code == 302  # to the sign-in page


# ---- login initiation and launch ------------------------------------------------------


def test_login_initiation_sends_the_browser_to_the_platform_with_state_and_nonce(lms, client):
    hint = "h"
    lms.fake.pending[hint] = {}
    response = client.get("/lti/login", query_string=lms.fake.login_parameters(hint))
    assert response.status_code == 302
    params = parse_qs(urlsplit(response.location).query)
    assert params["client_id"] == [lms.fake.client_id]
    assert params["redirect_uri"] == ["http://127.0.0.1:5000/lti/launch"] or params["redirect_uri"][
        0
    ].endswith("/lti/launch")
    assert params["response_mode"] == ["form_post"] and params["prompt"] == ["none"]
    assert params["nonce"][0] and params["state"][0].startswith("state-")
    cookie = response.headers["Set-Cookie"]
    assert "SameSite=None" in cookie and "Secure" in cookie and "Partitioned" in cookie


def test_the_lms_posts_without_a_csrf_token_but_our_own_forms_need_one(
    lms, client, course, csrf_on
):
    response = launch(client, lms.fake, lms.fake.deep_linking(TEACHER))
    assert response.status_code == 303  # login initiation and launch carry no token of ours
    picker = client.get(response.location).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', picker).group(1)
    choice = {"resource": f"course:{course.id}"}
    assert client.post(response.location, data=choice).status_code == 400
    chosen = client.post(response.location, data={**choice, "csrf_token": token})
    assert chosen.status_code == 200 and 'name="JWT"' in chosen.get_data(as_text=True)


def test_login_from_an_unknown_issuer_is_refused(lms, client):
    params = lms.fake.login_parameters("h")
    params["iss"] = "https://unknown.example.com"
    response = client.post("/lti/login", data=params)
    assert response.status_code == 400
    assert "not registered" in response.get_data(as_text=True)


def test_a_launch_signs_in_a_new_member_and_opens_the_linked_lesson(lms, client, course):
    lesson = lessons.get_lesson(course, "heat")
    message = lms.fake.resource_link(KIM, custom={"coursework_resource": f"lesson:{lesson.id}"})
    response = launch(client, lms.fake, message)
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    assert response.location.endswith("/courses/kitchen-safety/lessons/heat")
    user = signed_in(client)
    assert user is not None and user.display_name == "Kim Learner"
    # The LMS's word on an address is never made the account's address: whoever controls a
    # registration could otherwise plant someone's address and keep the account after its
    # owner claims it.
    assert user.email.endswith("@lti.invalid")
    assert db.session.scalar(
        select(Membership).where(
            Membership.user_id == user.id, Membership.organisation_id == lms.organisation.id
        )
    )
    # The session cookie works in the LMS's frame, and only that LMS may frame the pages.
    cookie = response.headers["Set-Cookie"]
    assert "SameSite=None" in cookie and "Secure" in cookie and "Partitioned" in cookie
    page = client.get(response.location)
    assert page.status_code == 200 and "Turn pan handles inward" in page.get_data(as_text=True)
    assert f"frame-ancestors {lms.fake.base}" in page.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in page.headers
    # The same LMS user again: the same account, not a second one.
    again = launch(client, lms.fake, message)
    assert again.status_code == 303 and signed_in(client).id == user.id
    assert db.session.scalar(select(func.count(LinkedAccount.id))) == 1
    # Logging out in the frame replaces the partitioned cookie, with the same attributes.
    gone = client.post("/logout")
    (written,) = [c for c in gone.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert "Partitioned" in written and "SameSite=None" in written
    assert signed_in(client) is None
    after = client.get(gone.location)  # still inside the LMS's frame, signed out
    assert f"frame-ancestors {lms.fake.base}" in after.headers["Content-Security-Policy"]


def test_everything_else_keeps_its_cookie_and_frame_rules(lms, client, make_user, login):
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "SameSite=Lax" in cookie and "Partitioned" not in cookie
    page = client.get("/")
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY"


def test_an_lms_address_never_links_to_an_existing_account(lms, client, make_user, course):
    owner = make_user(email="kim@lms.example")
    message = lms.fake.resource_link(KIM, custom={"coursework_resource": f"course:{course.id}"})
    assert launch(client, lms.fake, message).status_code == 303
    user = signed_in(client)
    assert user.id != owner.id
    assert user.email.endswith("@lti.invalid")  # the address belongs to someone else


def test_a_member_removed_by_the_manager_is_not_let_back_in_by_a_launch(lms, client, course):
    message = lms.fake.resource_link(KIM, custom={"coursework_resource": f"course:{course.id}"})
    assert launch(client, lms.fake, message).status_code == 303
    user = signed_in(client)
    organisations.remove_member(lms.organisation, user.id, lms.manager)
    client.post("/logout")
    refused = launch(client, lms.fake, message)
    assert refused.status_code == 403


def test_a_link_that_names_nothing_of_ours_is_a_clear_page(lms, client):
    message = lms.fake.resource_link(KIM, custom={"coursework_resource": "quiz:999999"})
    response = launch(client, lms.fake, message)
    assert response.status_code == 404
    plain = lms.fake.resource_link(KIM, link_id="never-picked")
    response = launch(client, lms.fake, plain)
    assert response.status_code == 404
    assert "content picker" in response.get_data(as_text=True)


DEPLOYMENT_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/deployment_id"
REFUSALS = {
    "expired": ({"exp": 1_000_000_000, "iat": 999_999_000}, "expired"),
    "wrongly signed": ({"key": "other"}, "refused"),
    "wrong deployment": ({DEPLOYMENT_CLAIM: "no-such-deployment"}, "deployment"),
    "wrong audience": ({"aud": "someone-else", "azp": None}, "refused"),
    "another audience besides ours": ({"aud": ["coursework-tool", "x"], "azp": "x"}, "azp"),
    "unknown issuer": ({"iss": "https://unknown.example.com"}, "refused"),
    "no nonce": ({"nonce": None}, "refused"),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_bad_launches_are_refused_and_sign_nobody_in(lms, client, course, case):
    overrides, _word = REFUSALS[case]
    overrides = dict(overrides)
    if overrides.get("key") == "other":
        impostor = new_key()
        impostor._kid = lms.fake.key.kid  # the platform's kid, another key's signature
        overrides["key"] = impostor
    message = lms.fake.resource_link(KIM, custom={"coursework_resource": f"course:{course.id}"})
    response = launch(client, lms.fake, message, **overrides)
    assert response.status_code == 400, (case, response.get_data(as_text=True)[:300])
    assert "The launch was refused" in response.get_data(as_text=True)
    assert signed_in(client) is None
    assert db.session.scalar(select(func.count(User.id))) == 2  # instructor and manager


def test_a_replayed_launch_is_refused(lms, client, fresh_client, course):
    message = lms.fake.resource_link(KIM, custom={"coursework_resource": f"course:{course.id}"})
    params = start_login(client, lms.fake, message)
    form = {"id_token": lms.fake.id_token(message, params["nonce"]), "state": params["state"]}
    assert client.post("/lti/launch", data=form).status_code == 303
    replay = client.post("/lti/launch", data=form)
    assert replay.status_code == 400 and "already used" in replay.get_data(as_text=True)
    # From another browser without the state cookie: refused before the token is read.
    elsewhere = fresh_client()
    assert elsewhere.post("/lti/launch", data=form).status_code == 400
    assert signed_in(elsewhere) is None


# ---- deep linking ---------------------------------------------------------------------


def test_a_teacher_picks_a_quiz_and_the_lms_gets_a_signed_graded_link(
    lms, client, fresh_client, make_quiz
):
    quiz = make_quiz(title="Knife check")
    response = launch(client, lms.fake, lms.fake.deep_linking(TEACHER))
    assert response.status_code == 303 and "/lti/deep-link/" in response.location
    picker = client.get(response.location)
    assert picker.status_code == 200 and "Knife check" in picker.get_data(as_text=True)
    nothing = client.post(response.location, data={"resource": "quiz:x"})
    assert nothing.status_code == 400
    reply = client.post(response.location, data={"resource": f"quiz:{quiz.id}"})
    assert reply.status_code == 200
    assert f"form-action 'self' {lms.fake.base}" in reply.headers["Content-Security-Policy"]
    page = reply.get_data(as_text=True)
    token = page.split('name="JWT" value="', 1)[1].split('"', 1)[0]
    # The LMS checks the reply with our key set and keeps the content item.
    assert requests.post(f"{lms.fake.base}/deep-link-return", data={"JWT": token}, timeout=5).ok
    (claims,) = lms.fake.deep_link_replies
    assert claims["iss"] == lms.fake.client_id and claims["aud"] == [lms.fake.issuer]
    assert claims["https://purl.imsglobal.org/spec/lti-dl/claim/data"] == "opaque-platform-data"
    (item,) = claims["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"]
    assert item["type"] == "ltiResourceLink" and item["title"] == "Knife check"
    assert item["custom"] == {"coursework_resource": f"quiz:{quiz.id}"}
    assert item["lineItem"]["scoreMaximum"] == 100
    # The picker works once; a learner then launches the link and the quiz opens.
    assert client.get(response.location).status_code == 404
    learner = fresh_client()
    opened = launch(learner, lms.fake, lms.fake.resource_link(KIM, custom=item["custom"]))
    assert opened.location.endswith(f"/quizzes/{quiz.id}")


def test_a_learner_cannot_pick_content(lms, client):
    response = launch(client, lms.fake, lms.fake.deep_linking(KIM))
    assert response.status_code == 403
    assert signed_in(client) is None


def test_another_person_cannot_use_a_teachers_picker(lms, client, fresh_client, make_user, login):
    response = launch(client, lms.fake, lms.fake.deep_linking(TEACHER))
    other = fresh_client()
    login(other, make_user())
    assert other.get(response.location).status_code == 404


# ---- grades ---------------------------------------------------------------------------


def _pass(user: User, quiz) -> None:
    attempt = quizzes.start_attempt(user, quiz)
    quizzes.save_answers(attempt, right_answers(attempt))
    quizzes.submit_attempt(attempt)
    db.session.commit()  # as the request does: the score job is queued once it commits


def test_a_passed_quiz_sends_its_score_to_the_grade_book_and_retries_when_it_is_down(
    lms, client, make_quiz
):
    quiz = make_quiz()
    lineitem = f"{lms.fake.base}/lineitems/7"
    message = lms.fake.resource_link(
        KIM, custom={"coursework_resource": f"quiz:{quiz.id}"}, lineitem=lineitem
    )
    assert launch(client, lms.fake, message).status_code == 303
    user = signed_in(client)
    lms.fake.down = True
    _pass(user, quiz)
    assert lms.fake.scores == []  # the job failed; the queue retries it
    assert db.session.scalars(select(FailedJob)).all() == []  # attempts are left
    target = db.session.scalar(select(GradeTarget))
    assert target.last_sent_at is None
    lms.fake.down = False
    tasks.huey.execute(lti.send_score.s(target.id))  # the retry
    (score,) = lms.fake.scores
    assert score["lineitem"] == "7" and score["userId"] == KIM.sub
    assert score["scoreGiven"] == 100 and score["scoreMaximum"] == 100
    assert score["activityProgress"] == "Completed"
    assert score["gradingProgress"] == "FullyGraded"
    db.session.expire_all()
    assert db.session.get(GradeTarget, target.id).last_score == 100


def test_a_completed_course_sends_its_score(lms, client, course):
    message = lms.fake.resource_link(
        KIM,
        custom={"coursework_resource": f"course:{course.id}"},
        lineitem=f"{lms.fake.base}/lineitems/course",
    )
    assert launch(client, lms.fake, message).status_code == 303
    for lesson in lessons.current_lessons(course.id):
        client.post(f"/courses/{course.slug}/lessons/{lesson.slug}/complete")
    (score,) = lms.fake.scores[-1:]
    assert score["lineitem"] == "course" and score["activityProgress"] == "Completed"


def test_a_submission_finds_its_quiz_and_course_grade_books_in_one_query(
    lms, client, course, make_quiz, monkeypatch
):
    quiz = make_quiz()
    for resource, lineitem in ((f"quiz:{quiz.id}", "7"), (f"course:{course.id}", "course")):
        message = lms.fake.resource_link(
            KIM,
            f"link-{lineitem}",
            custom={"coursework_resource": resource},
            lineitem=f"{lms.fake.base}/lineitems/{lineitem}",
        )
        assert launch(client, lms.fake, message).status_code == 303
    user = signed_in(client)
    by_kind = {
        kind: lti._targets(user.id, (kind, target_id))
        for kind, target_id in (("quiz", quiz.id), ("course", course.id))
    }
    assert [len(found) for found in by_kind.values()] == [1, 1]
    attempt = quizzes.start_attempt(user, quiz)
    quizzes.save_answers(attempt, right_answers(attempt))
    queued: list[int] = []
    monkeypatch.setattr(tasks, "enqueue_after_commit", lambda task, *args: queued.extend(args))
    seen: list[str] = []
    record = lambda conn, cursor, statement, *args: seen.append(statement)  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        quizzes.submit_attempt(attempt)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    # The quiz's grade book first, then the course's, as when they were two queries.
    assert queued == by_kind["quiz"] + by_kind["course"]
    assert len([s for s in seen if "FROM lti_grade_targets" in s]) == 1, seen


def test_no_grade_book_no_score(lms, client, make_quiz):
    quiz = make_quiz()
    message = lms.fake.resource_link(KIM, custom={"coursework_resource": f"quiz:{quiz.id}"})
    assert launch(client, lms.fake, message).status_code == 303
    _pass(signed_in(client), quiz)
    assert lms.fake.scores == [] and db.session.scalar(select(func.count(GradeTarget.id))) == 0


# ---- rosters --------------------------------------------------------------------------


def test_a_manager_fills_the_people_from_the_roster_once(lms, client, fresh_client, login, course):
    message = lms.fake.resource_link(KIM, custom={"coursework_resource": f"course:{course.id}"})
    assert launch(fresh_client(), lms.fake, message).status_code == 303  # Kim is known
    lms.fake.roster = [
        {"status": "Active", "user_id": KIM.sub, "name": KIM.name, "roles": ["Learner"]},
        {"status": "Active", "user_id": "lms-user-ola", "name": "Ola New", "roles": ["Learner"]},
        {"status": "Active", "user_id": "lms-user-tess", "name": "Tess", "roles": ["Instructor"]},
        {"status": "Inactive", "user_id": "lms-user-gone", "name": "Gone", "roles": ["Learner"]},
    ]
    login(client, lms.manager)
    page = client.get(f"/organisations/acme/lti/{lms.row.id}").get_data(as_text=True)
    assert "Onboarding 101" in page and "Fill people from the roster" in page
    context_id = db.session.scalar(select(Context.id))
    roster_url = f"/organisations/acme/lti/{lms.row.id}/contexts/{context_id}/roster"
    done = client.post(roster_url, follow_redirects=True).get_data(as_text=True)
    assert "2 new people, 0 joined, 1 already members, 1 left out" in done
    members = organisations.members(lms.organisation)
    assert len(members) == 4  # manager, Kim, Ola, Tess
    again = client.post(roster_url, follow_redirects=True).get_data(as_text=True)
    assert "0 new people, 0 joined, 3 already members" in again
    assert len(organisations.members(lms.organisation)) == 4
    assert db.session.scalar(select(func.count(LinkedAccount.id))) == 3


def test_a_roster_the_platform_cannot_send_is_a_message(lms, client, login, course):
    message = lms.fake.resource_link(KIM, custom={"coursework_resource": f"course:{course.id}"})
    launch(client, lms.fake, message)
    client.post("/logout")
    login(client, lms.manager)
    lms.fake.tool_keys = {"keys": []}  # the platform no longer trusts our key
    context_id = db.session.scalar(select(Context.id))
    url = f"/organisations/acme/lti/{lms.row.id}/contexts/{context_id}/roster"
    page = client.post(url, follow_redirects=True).get_data(as_text=True)
    assert "The LMS did not send the roster (HTTP 401)" in page


# ---- the pages ------------------------------------------------------------------------


@pytest.mark.skipif(not JAVA or JAR is None or not JAR.exists(), reason="needs Java and vnu.jar")
def test_the_lti_pages_are_valid_html(lms, client, fresh_client, login, make_quiz, tmp_path):
    quiz = make_quiz()
    teacher = fresh_client()
    picker_url = launch(teacher, lms.fake, lms.fake.deep_linking(TEACHER)).location
    pages = {
        "picker": teacher.get(picker_url),
        "picker, nothing chosen": teacher.post(picker_url, data={}),
        "return to the LMS": teacher.post(picker_url, data={"resource": f"quiz:{quiz.id}"}),
        "refused launch": fresh_client().post("/lti/launch", data={"state": "x"}),
    }
    login(client, lms.manager)
    pages["registrations"] = client.get("/organisations/acme/lti")
    pages["registration errors"] = client.post("/organisations/acme/lti", data={})
    pages["checklist"] = client.get(f"/organisations/acme/lti/{lms.row.id}")
    html = {name: response.get_data(as_text=True) for name, response in pages.items()}
    assert nu_errors(html, tmp_path) == []


def test_another_organisations_registration_with_the_same_issuer_reaches_nobody(
    lms, client, fresh_client, make_user, course
):
    """A manager types in someone else's issuer with their own client id and keys: a launch
    from it signs in a new account of theirs, never the other organisation's learner."""
    message = lms.fake.resource_link(KIM, custom={"coursework_resource": f"course:{course.id}"})
    assert launch(client, lms.fake, message).status_code == 303
    victim = signed_in(client)

    class ForgedLms(FakeLms):
        @property
        def issuer(self) -> str:
            return lms.fake.base

    server = RunningPlatform(ForgedLms(tool_url=TOOL, client_id="someone-else"))
    try:
        forged = server.platform
        mallory = make_user(name="Mallory Manager")
        other = organisations.create_organisation("Other", mallory)
        register(forged, other)
        attacker = fresh_client()
        forged_message = forged.resource_link(
            KIM, custom={"coursework_resource": f"course:{course.id}"}
        )
        assert launch(attacker, forged, forged_message).status_code == 303
        landed = signed_in(attacker)
        assert landed is not None and landed.id != victim.id
    finally:
        server.stop()


def test_someone_from_an_lms_can_delete_their_account_and_come_back_afresh(lms, client, course):
    message = lms.fake.resource_link(KIM, custom={"coursework_resource": f"course:{course.id}"})
    assert launch(client, lms.fake, message).status_code == 303
    first = signed_in(client)
    exported = json.loads(client.get("/account/data").get_data(as_text=True))
    assert exported["sign_in_links"] == [
        {"through": "LMS", "issuer": lms.fake.issuer, "subject": KIM.sub}
    ]
    page = client.get("/account/delete").get_data(as_text=True)
    assert "Type “delete my account”" in page and 'type="password"' not in page
    wrong = client.post("/account/delete", data={"phrase": "delete it"})
    assert wrong.status_code == 400 and "to confirm" in wrong.get_data(as_text=True)
    gone = client.post("/account/delete", data={"phrase": "  Delete my   ACCOUNT "})
    assert gone.status_code == 302
    assert db.session.scalar(select(func.count(LinkedAccount.id))) == 0
    # Their LMS id no longer leads to the closed account: the next launch starts afresh.
    assert launch(client, lms.fake, message).status_code == 303
    assert signed_in(client).id != first.id


def test_an_lms_on_a_private_network_is_refused_where_that_is_not_allowed(
    app, lms, client, course, monkeypatch
):
    message = lms.fake.resource_link(KIM, custom={"coursework_resource": f"course:{course.id}"})
    monkeypatch.setitem(app.config, "ALLOW_PRIVATE_NETWORK", False)
    # The LMS's key set is on 127.0.0.1: the launch cannot be checked, so nobody is let in.
    response = launch(client, lms.fake, message)
    assert response.status_code >= 400, response.status_code
    assert signed_in(client) is None
    monkeypatch.setitem(app.config, "ALLOW_PRIVATE_NETWORK", True)
    assert launch(client, lms.fake, message).status_code == 303
