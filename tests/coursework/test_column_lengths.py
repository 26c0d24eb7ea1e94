"""Every String(n) column that input can reach refuses n + 1 characters at the boundary
(form, API schema, importer, command line) with a 4xx or a message, on PostgreSQL too,
where the database itself would otherwise fail with a 500. Limits come from the columns."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import String, func, select

from coursework.accounts.models import User
from coursework.extensions import db
from coursework.lengths import fit, max_length, too_long
from coursework.mail import OutboxMessage
from coursework.organisations import services as organisations
from coursework.organisations.models import ApiToken, Invitation, LrsForwarding, Organisation
from coursework.sso.models import EmailDomain, IdentityProvider
from lessons.models import Course, CourseAsset, Lesson
from quizzes.models import BankQuestion, Question, Quiz, QuizDraw
from tests.support.data import PASSWORD

# Columns no request writes as given: generated, hashed, copied from a checked column, a
# choice from a fixed list, or composed by us and fitted to the column.
NOT_FROM_INPUT = {
    "certificates.code": "generated",
    "certificates.learner_name": "copied from users.display_name",
    "certificates.course_title": "copied from courses.title",
    "certificates.subject_id": "generated",
    "report_rows.name_key": "users.display_name folded, in a column twice as long",
    "report_rows.email_key": "users.email folded, in a column wider than it",
    "report_rows.title_key": "courses.title folded, in a column twice as long",
    "lesson_progress.completed_hash": "a hash",
    "learning_events.verb": "our vocabulary",
    "learning_events.object_type": "our vocabulary",
    "organisations.slug": "derived from the name, at most 60 characters",
    "memberships.role": "one of the roles",
    "invitations.role": "one of the roles",
    "invitations.token_hash": "a hash",
    "outbox_messages.to": "copied from invitations.email or users.email",
    "outbox_messages.subject": "composed by us and fitted (test below)",
    "outbox_messages.state": "one of the mail states",
    "failed_jobs.name": "a job's name, from the code",
    "jobs.kind": "one of the registered kinds of job",
    "jobs.title": "composed by us and fitted (names an organisation, a file or a quiz)",
    "jobs.state": "one of the job states",
    "jobs.result_label": "composed by us and fitted",
    "jobs.file_name": "derived from the organisation's address and a date, fitted",
    "jobs.file_type": "one of our content types",
    "reminders_sent.kind": "one of the reminder kinds",
    "notification_opt_outs.kind": "only registered kinds are kept",
    "api_tokens.prefix": "generated",
    "api_tokens.token_hash": "a hash",
    "users.password_hash": "a hash",
    "account_tokens.purpose": "one of the purposes",
    "account_tokens.token_hash": "a hash",
    "course_staff.role": "one of the staff roles",
    "certificate_pdfs.etag": "a hash",
    "courses.slug": "slugified to at most 80 characters",
    "lessons.slug": "slugified to at most 80 characters, plus a short suffix",
    "lessons.content_hash": "a hash",
    "course_assets.content_type": "one of the image types, known by the file's first bytes",
    "course_assets.sha256": "a hash",
    "quizzes.grading_method": "one of the grading methods",
    "quizzes.review_shows": "one of the review levels",
    "quizzes.review_when": "one of the review times",
    "search_documents.kind": "lesson or question, set by the indexer",
    "search_documents.config": "a text search configuration from a fixed list",
    "quiz_questions.kind": "one of the kinds",
    "quiz_questions.text_format": "one of the formats",
    "bank_questions.kind": "one of the kinds",
    "quiz_versions.content_hash": "a hash",
    "quiz_attempts.state": "one of the states",
    "quiz_responses.outcome": "one of the outcomes",
    "users.time_zone": "only names from zoneinfo.available_timezones() (at most 32) are kept",
    "users.locale": "only keys of coursework.i18n.LANGUAGES are kept",
    "courses.language": "the course metadata's tag must match lessons.builder.LANGUAGE_TAG "
    "and be at most 35 characters",
    "organisations.time_zone": "only names from zoneinfo.available_timezones() are kept",
    "lrs_forwarding.lease_id": "generated",
    "lti_platforms.tool_key_id": "a key's thumbprint",
    "lti_resource_links.kind": "one of the resource kinds",
    "lti_launch_state.key": "composed by pylti1p3 from our ids; a longer state is refused",
    "sso_providers.discovery_error": "composed by us and fitted",
    "sso_identities.issuer": "copied from sso_providers.issuer",
    "sso_identities.subject": "an identity provider's sub claim; a longer one is refused at "
    "sign-in (tests/coursework/test_sso.py)",
}


@dataclass
class World:
    app: Flask
    admin: object
    client: object
    course: Course
    quiz_id: int
    org_slug: str
    tmp: Path

    def file(self, name: str, text: str) -> str:
        path = self.tmp / name
        path.write_text(text, encoding="utf-8")
        return str(path)


def _too_long(column) -> str:
    return "x" * (max_length(column) + 1)


def _refused(response, *codes: int) -> None:
    assert response.status_code in (codes or (400, 422)), (
        response.status_code,
        response.get_data(as_text=True)[:400],
    )


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _document(text: str) -> dict:
    return {"document": (io.BytesIO(text.encode()), "course.md")}


def _signup(w: World, **fields):
    anonymous = w.app.test_client()
    data = {"display_name": "Ada", "email": "ada@example.com", "password": PASSWORD, **fields}
    return anonymous.post("/signup", data=data)


def users_display_name(w: World) -> None:
    response = _signup(w, display_name=_too_long(User.display_name))
    _refused(response)
    assert "Use at most 120 characters." in response.get_data(as_text=True)


def users_email(w: World) -> None:
    limit = max_length(User.email)
    _refused(_signup(w, email="a" * (limit - len("@example.com") + 1) + "@example.com"))


def organisations_name(w: World) -> None:
    response = w.client.post("/organisations", data={"name": _too_long(Organisation.name)})
    _refused(response)
    assert "Keep the name to 200 characters or fewer." in response.get_data(as_text=True)
    with pytest.raises(organisations.RuleViolation):  # the service checks it too
        organisations.create_organisation(_too_long(Organisation.name), w.admin)


def lrs_forwarding_endpoint(w: World) -> None:
    endpoint = "https://lrs.example.com/" + "x" * (max_length(LrsForwarding.endpoint) - 23)
    form = {"endpoint": endpoint, "key": "k", "secret": "s", "enabled": "y"}
    response = w.client.post(f"/organisations/{w.org_slug}/lrs", data=form)
    _refused(response)
    assert "Use at most 500 characters" in response.get_data(as_text=True)
    assert _count(LrsForwarding) == 0


def invitations_email(w: World) -> None:
    email = "x" * (max_length(Invitation.email) - len("@example.com") + 1) + "@example.com"
    people = f"/organisations/{w.org_slug}/people"
    _refused(w.client.post(f"{people}/invite", data={"invite-email": email}))
    _refused(
        w.client.post(f"/api/v1/organisations/{w.org_slug}/invitations", json={"email": email})
    )
    w.client.post(f"{people}/bulk", data={"bulk-people": email})


def invitations_name(w: World) -> None:
    name = _too_long(Invitation.name)
    people = f"/organisations/{w.org_slug}/people"
    response = w.client.post(
        f"{people}/invite", data={"invite-email": "kim@example.com", "invite-name": name}
    )
    _refused(response)
    assert "Keep the name to 120 characters or fewer." in response.get_data(as_text=True)
    _refused(
        w.client.post(
            f"/api/v1/organisations/{w.org_slug}/invitations",
            json={"email": "kim@example.com", "name": name},
        )
    )
    # A pasted list and an uploaded CSV report the row; the other rows still go through.
    for data in (
        {"bulk-people": f"kim@example.com,{name}\nlee@example.com,Lee"},
        {
            "bulk-file": (io.BytesIO(f"email,name\nkim@example.com,{name}\n".encode()), "p.csv"),
        },
    ):
        page = w.client.post(f"{people}/bulk", data=data).get_data(as_text=True)
        assert "The name is too long. Use at most 120 characters" in page
    response = w.client.post(
        f"/api/v1/organisations/{w.org_slug}/invitations/bulk",
        json={"people": f"kim@example.com,{name}"},
    )
    assert response.status_code < 500
    assert "too long" in response.get_data(as_text=True)
    names = list(db.session.scalars(select(Invitation.name)))
    assert names == ["Lee"], names


def api_tokens_name(w: World) -> None:
    response = w.client.post(
        f"/organisations/{w.org_slug}/tokens",
        data={"name": _too_long(ApiToken.name), "access": "read"},
    )
    _refused(response)
    assert "Use at most 120 characters for the name." in response.get_data(as_text=True)


def _sso_settings(w: World, **changes: str) -> str:
    form = {
        "issuer": "https://login.example.com",
        "client_id": "coursework",
        "client_secret": "secret",
        "domains": "example.com",
        **changes,
    }
    response = w.client.post(f"/organisations/{w.org_slug}/sso/settings", data=form)
    _refused(response)
    assert db.session.scalar(select(func.count()).select_from(IdentityProvider)) == 0
    return response.get_data(as_text=True)


def sso_providers_issuer(w: World) -> None:
    issuer = "https://login.example.com/" + "x" * (max_length(IdentityProvider.issuer) - 25)
    assert "Use at most 255 characters" in _sso_settings(w, issuer=issuer)


def sso_providers_client_id(w: World) -> None:
    page = _sso_settings(w, client_id=_too_long(IdentityProvider.client_id))
    assert "Use at most 255 characters" in page


def sso_domains_domain(w: World) -> None:
    domain = "a" * 60 + "." + "b" * 60 + "." + "c" * 60 + "." + "d" * 60 + ".example.com"
    assert len(domain) > max_length(EmailDomain.domain)
    assert "too long" in _sso_settings(w, domains=domain)


def _import_course(w: World, text: str) -> str:
    response = w.client.post("/teach/courses", data=_document(text))
    _refused(response)
    page = response.get_data(as_text=True)
    runner = w.app.test_cli_runner()
    result = runner.invoke(args=["courses", "import", w.file("long.md", text)])
    assert result.exit_code == 1, result.output
    assert "Use at most" in result.output, result.output
    return page


def courses_title(w: World) -> None:
    page = _import_course(w, f"# {_too_long(Course.title)}\n\n## One\n\nText.\n")
    assert "the course title: Use at most 200 characters" in page


def courses_summary(w: World) -> None:
    text = f"---\nsummary: {_too_long(Course.summary)}\n---\n# Short\n\n## One\n\nText.\n"
    assert "the course summary: Use at most 300 characters" in _import_course(w, text)


def lessons_title(w: World) -> None:
    page = _import_course(
        w, f"# Short\n\n## One\n\nText.\n\n## {_too_long(Lesson.title)}\n\nMore.\n"
    )
    assert "lesson 2 (" in page and "its title: Use at most 200 characters" in page


def course_assets_name(w: World) -> None:
    # An image's path in a course folder, given at the shell: two folders deep to pass the
    # file system's own limit on one name.
    folder = w.tmp / "long-images"
    name = "d" * 100 + "/" + "e" * (max_length(CourseAsset.name) - 100 - 4) + ".png"
    (folder / name).parent.mkdir(parents=True)
    (folder / name).write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(16))
    (folder / "course.md").write_text("---\ntitle: Pictures\n---\n")
    (folder / "one.md").write_text(f"---\ntitle: One\norder: 1\n---\n![A]({name})\n")
    result = w.app.test_cli_runner().invoke(args=["courses", "import", str(folder)])
    assert result.exit_code != 0 and "too long" in result.output, result.output
    assert _count(CourseAsset) == 0


def quizzes_title(w: World) -> None:
    title = _too_long(Quiz.title)
    form = {"target": f"{w.course.id}:final", "title": title, "passing_score": "70"}
    _refused(w.client.post("/teach/quizzes/new", data=form))
    _refused(w.client.post("/api/v1/quizzes", json={"course": w.course.slug, "title": title}))
    _refused(w.client.patch(f"/api/v1/quizzes/{w.quiz_id}", json={"title": title}))
    settings = w.client.post(f"/teach/quizzes/{w.quiz_id}/settings", data={**form, "target": ""})
    _refused(settings)
    runner = w.app.test_cli_runner()
    gift = w.file("q.gift", "Water is wet. {T}\n")
    result = runner.invoke(
        args=["quizzes", "import", gift, "--course", w.course.slug, "--title", title]
    )
    assert result.exit_code == 1 and "The title is too long" in result.output, result.output


def _gift(w: World, text: str, line: int, what: str) -> None:
    response = w.client.put(f"/api/v1/quizzes/{w.quiz_id}/gift", json={"gift": text})
    _refused(response, 422)
    assert f"line {line}: The {what} is too long" in response.get_data(as_text=True)
    upload = {"file": (io.BytesIO(text.encode()), "q.gift")}
    page = w.client.post(f"/teach/quizzes/{w.quiz_id}/gift", data=upload)
    _refused(page)
    assert f"The {what} is too long" in page.get_data(as_text=True)
    runner = w.app.test_cli_runner()
    gift = w.file("q.gift", text)
    result = runner.invoke(args=["quizzes", "import", gift, "--course", w.course.slug])
    assert result.exit_code == 1 and f"line {line}: The {what} is too long" in result.output


def quiz_questions_title(w: World) -> None:
    title = _too_long(Question.title)
    question = {"kind": "true_false", "text": "Water is wet.", "answer": True, "title": title}
    _refused(w.client.post(f"/api/v1/quizzes/{w.quiz_id}/questions", json=question), 422)
    new = f"/teach/quizzes/{w.quiz_id}/questions/new?kind=true_false"
    _refused(w.client.post(new, data={"text": "Water is wet.", "answer": "true", "title": title}))
    _gift(w, f"// a comment\n::{title}::Water is wet. {{T}}\n", 2, "title")


def quiz_questions_category(w: World) -> None:
    category = _too_long(Question.category)
    question = {"kind": "true_false", "text": "Water?", "answer": True, "category": category}
    _refused(w.client.post(f"/api/v1/quizzes/{w.quiz_id}/questions", json=question), 422)
    # Checked with each question that carries it, at the question's line.
    _gift(w, f"$CATEGORY: {category}\n\nWater is wet. {{T}}\n", 3, "category")


def _bank_gift(w: World, text: str, line: int, what: str) -> None:
    """A GIFT file for the course's bank: refused by the API, the page and the shell."""
    api = w.client.put(f"/api/v1/courses/{w.course.slug}/bank/gift", json={"gift": text})
    _refused(api, 422)
    assert f"line {line}: The {what} is too long" in api.get_data(as_text=True)
    upload = {"file": (io.BytesIO(text.encode()), "bank.gift")}
    page = w.client.post(f"/teach/courses/{w.course.slug}/bank/gift", data=upload)
    _refused(page)
    assert f"The {what} is too long" in page.get_data(as_text=True)
    gift = w.file("bank.gift", text)
    result = w.app.test_cli_runner().invoke(
        args=["quizzes", "bank-import", gift, "--course", w.course.slug]
    )
    assert result.exit_code == 1 and f"line {line}: The {what} is too long" in result.output
    assert _count(BankQuestion) == 0


def bank_questions_title(w: World) -> None:
    _bank_gift(w, f"::{_too_long(BankQuestion.title)}::Water is wet. {{T}}\n", 1, "title")


def bank_questions_category(w: World) -> None:
    category = _too_long(BankQuestion.category)
    _bank_gift(w, f"$CATEGORY: {category}\n\nWater is wet. {{T}}\n", 3, "category")


def quiz_draws_category(w: World) -> None:
    category = _too_long(QuizDraw.category)
    api = w.client.post(
        f"/api/v1/quizzes/{w.quiz_id}/draws", json={"category": category, "count": 1}
    )
    _refused(api, 422)
    assert "category" in api.json["errors"]["json"]
    page = w.client.post(
        f"/teach/quizzes/{w.quiz_id}/draws", data={"category": category, "count": "1"}
    )
    _refused(page)
    assert "Use at most 200 characters" in page.get_data(as_text=True)
    assert _count(QuizDraw) == 0


LTI_FIELDS = {
    "name": "Moodle",
    "issuer": "https://lms.example.com",
    "client_id": "abc",
    "deployment_ids": "1",
    "auth_login_url": "https://lms.example.com/auth",
    "access_token_url": "https://lms.example.com/token",
    "key_set_url": "https://lms.example.com/jwks",
    "frame_origin": "",
}


def _lti_registration(field: str, column) -> Callable[[World], None]:
    def post(w: World) -> None:
        value = _too_long(column)
        if field != "name" and field != "client_id" and field != "deployment_ids":
            value = "https://" + value[8:]
        response = w.client.post(
            f"/organisations/{w.org_slug}/lti", data={**LTI_FIELDS, field: value}
        )
        _refused(response)

    return post


def _lti_inputs() -> dict[str, Callable[[World], None]]:
    from coursework.lti.models import Deployment, Platform

    inputs = {
        f"lti_platforms.{name}": _lti_registration(name, getattr(Platform, name))
        for name in LTI_FIELDS
        if name != "deployment_ids"
    }
    inputs["lti_deployments.deployment_id"] = _lti_registration(
        "deployment_ids", Deployment.deployment_id
    )
    return inputs


INPUTS: dict[str, Callable[[World], None]] = {
    **_lti_inputs(),
    "users.display_name": users_display_name,
    "users.email": users_email,
    "organisations.name": organisations_name,
    "invitations.email": invitations_email,
    "invitations.name": invitations_name,
    "api_tokens.name": api_tokens_name,
    "lrs_forwarding.endpoint": lrs_forwarding_endpoint,
    "courses.title": courses_title,
    "courses.summary": courses_summary,
    "lessons.title": lessons_title,
    "course_assets.name": course_assets_name,
    "quizzes.title": quizzes_title,
    "quiz_questions.title": quiz_questions_title,
    "quiz_questions.category": quiz_questions_category,
    "bank_questions.title": bank_questions_title,
    "bank_questions.category": bank_questions_category,
    "quiz_draws.category": quiz_draws_category,
    "sso_providers.issuer": sso_providers_issuer,
    "sso_providers.client_id": sso_providers_client_id,
    "sso_domains.domain": sso_domains_domain,
}


def string_columns() -> list[str]:
    return sorted(
        f"{table.name}.{column.name}"
        for table in db.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, String) and column.type.length
    )


def test_every_bounded_column_is_either_an_input_or_never_written_from_one():
    unclassified = set(string_columns()) - set(INPUTS) - set(NOT_FROM_INPUT)
    assert not unclassified, f"say how input reaches these, or why it cannot: {unclassified}"
    assert not (set(INPUTS) | set(NOT_FROM_INPUT)) - set(string_columns())


@pytest.mark.postgres_only
@pytest.mark.parametrize("column", sorted(INPUTS))
def test_one_character_too_many_is_refused_at_every_boundary(
    app, client, make_user, login, course, make_quiz, column, tmp_path
):
    admin = make_user(is_admin=True, is_instructor=True)
    login(client, admin)
    org = organisations.create_organisation("Acme", admin)
    world = World(app, admin, client, course, make_quiz().id, org.slug, tmp_path)
    before = {model: _count(model) for model in (User, Organisation, ApiToken, Course, Quiz)}
    INPUTS[column](world)
    db.session.rollback()
    assert {model: _count(model) for model in before} == before
    assert _count(Question) == len(db.session.get(Quiz, world.quiz_id).questions)


def test_composed_text_is_fitted_and_checks_read_the_column():
    assert max_length(Organisation.name) == Organisation.__table__.c.name.type.length == 200
    assert too_long("x" * 200, Organisation.name) is None
    assert too_long("x" * 201, Organisation.name) == "Use at most 200 characters (this has 201)."
    subject = fit("Join " + "x" * 200 + " on Coursework", OutboxMessage.subject)
    assert len(subject) == max_length(OutboxMessage.subject) and subject.endswith("…")


def test_an_organisation_with_the_longest_name_can_invite(app, make_user):
    """Its invitation's subject line names it and still fits its column."""
    boss = make_user()
    org = organisations.create_organisation("n" * max_length(Organisation.name), boss)
    organisations.invite(org, boss, "kim@example.com")
    subject = db.session.scalar(select(OutboxMessage.subject))
    assert len(subject) <= max_length(OutboxMessage.subject) and subject.startswith("Join nnn")
