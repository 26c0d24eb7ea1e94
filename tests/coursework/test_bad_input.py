"""Bad input answers 4xx, never 500: NUL characters in any kind of form, JSON nested too
deeply on every JSON endpoint."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from coursework.accounts.models import User
from coursework.app import MAX_JSON_DEPTH, json_depth
from coursework.extensions import db
from tests.support.data import PASSWORD


def _csrf_token(client, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def _signup(client, token: str, name: str, field: str = "display_name"):
    fields = {
        "csrf_token": token,
        "display_name": "Ada",
        "email": "ada@example.com",
        "password": PASSWORD,
        field: name,
    }
    # The test client sends multipart/form-data when asked to, as a browser with a file
    # input (or a script) may.
    return client.post("/signup", data=fields, content_type="multipart/form-data")


def test_nul_in_a_multipart_field_is_refused_before_the_database(client, csrf_on):
    token = _csrf_token(client, "/signup")
    response = _signup(client, token, "Ada\x00Lovelace")
    assert response.status_code == 400
    assert "may not contain NUL characters" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(User.id))) == 0
    # The same form without the NUL character goes through: it is the NUL that was refused.
    assert _signup(client, token, "Ada Lovelace").status_code == 302
    assert db.session.scalar(select(func.count(User.id))) == 1


def test_nul_in_a_field_name_or_a_repeated_value_is_refused(client):
    response = client.post(
        "/signup",
        data={"display_name": ["Ada", "Ada\x00"], "email\x00": "x"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    response = client.post("/signup", data={"display_name": ["Ada", "Ada\x00"]})
    assert response.status_code == 400


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def _json_routes(app):
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        for method in sorted(rule.methods & {"POST", "PUT", "PATCH"}):
            url = re.sub(r"<(?:\w+:)?\w+>", "1", rule.rule)
            yield method, url


def test_json_nested_a_thousand_deep_is_a_400_on_every_json_endpoint(app, client):
    routes = list(_json_routes(app))
    assert ("POST", "/api/v1/certificates/verify") in routes and len(routes) > 15
    for method, url in routes:
        for depth in (1000, 100_000, MAX_JSON_DEPTH + 1):
            response = client.open(
                url, method=method, data=_nested(depth), content_type="application/json"
            )
            assert response.status_code == 400, (method, url, depth, response.status_code)
            assert response.json["code"] == 400
            assert "nest more than" in response.json["message"]


def test_the_public_verify_still_reads_ordinary_json(client):
    response = client.post("/api/v1/certificates/verify", json={"credential": "not.a.jwt"})
    assert response.status_code == 200 and response.json["valid"] is False
    deep_but_allowed = {"credential": "x", "extra": _nested(MAX_JSON_DEPTH - 1)}
    assert client.post("/api/v1/certificates/verify", json=deep_but_allowed).status_code == 422


@pytest.mark.parametrize(
    ("value", "depth"),
    [(1, 0), ("[[[", 0), ([], 1), ({"a": [1, {"b": []}]}, 4), ([[[[]]], []], 4)],
)
def test_json_depth_counts_arrays_and_objects(value, depth):
    assert json_depth(value) == depth


def test_nul_in_imported_files_is_refused_with_a_message(
    app, client, make_user, login, course, make_quiz, tmp_path
):
    import io

    from coursework.organisations import services as organisations
    from coursework.organisations.models import Invitation
    from quizzes.models import Question

    admin = make_user(is_admin=True, is_instructor=True)
    login(client, admin)
    quiz = make_quiz()
    questions_before = len(quiz.questions)
    gift = "Water is wet. {T}\n\nFire is\x00 cold. {F}\n"

    upload = {"file": (io.BytesIO(gift.encode()), "q.gift")}
    page = client.post(f"/teach/quizzes/{quiz.id}/gift", data=upload)
    assert page.status_code == 400
    # A NUL byte in a file means it is not text at all (the reader's encoding check).
    assert "the file is not text (it holds zero bytes)" in page.get_data(as_text=True)
    path = tmp_path / "q.gift"
    path.write_text(gift, encoding="utf-8")
    result = app.test_cli_runner().invoke(
        args=["quizzes", "import", str(path), "--course", course.slug]
    )
    assert result.exit_code == 1 and "the file is not text" in result.output
    assert db.session.scalar(select(func.count(Question.id))) == questions_before

    org = organisations.create_organisation("Acme", admin)
    csv = {"bulk-file": (io.BytesIO(b"email,name\nkim@example.com,K\x00m\n"), "people.csv")}
    page = client.post(f"/organisations/{org.slug}/people/bulk", data=csv)
    assert page.status_code == 400
    assert "The file is not a CSV text file." in page.get_data(as_text=True)
    with pytest.raises(organisations.RuleViolation, match="Line 2 contains a NUL"):
        organisations.bulk_invite(org, admin, "email,name\nkim@example.com,K\x00m\n")
    assert db.session.scalar(select(func.count(Invitation.id))) == 0

    document = {"document": (io.BytesIO(b"# Course\n\n## One\n\nTe\x00xt.\n"), "c.md")}
    page = client.post("/teach/courses", data=document)
    assert page.status_code == 400
    assert "looks like a binary file" in page.get_data(as_text=True)
