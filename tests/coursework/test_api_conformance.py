"""The API does what its OpenAPI document says: 405 with Allow, X-Pagination as documented,
bodies required where documented, and who may call each operation declared."""

from __future__ import annotations

import json
import re

import pytest
from flask import Flask

from coursework.extensions import api
from coursework.organisations import services as organisations
from coursework.organisations import tokens
from coursework.policy import policy_of
from tests.support.orgkit import join

API = "/api/v1"
PARAMETER = re.compile(r"<(?:[a-zA-Z_]+(?:\([^)]*\))?:)?([a-zA-Z_]+)>")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


@pytest.fixture
def spec(app: Flask) -> dict:
    return api.spec.to_dict()


def test_every_405_says_what_is_allowed(app, client):
    answered = 0
    for rule in app.url_map.iter_rules():
        url = PARAMETER.sub("1", rule.rule)
        for method in METHODS:
            if method in (rule.methods or ()):
                continue
            response = client.open(url, method=method)
            if response.status_code != 405:
                continue  # another rule at this address takes the method
            allowed = {m.strip() for m in response.headers.get("Allow", "").split(",")}
            assert allowed >= (rule.methods or set()) - {"OPTIONS", "HEAD"}, (method, url)
            assert method not in allowed
            answered += 1
    assert answered >= 150, "the walk met too few 405s to prove anything"


def test_405_keeps_its_shape_on_pages_and_in_the_api(client):
    page = client.delete("/")
    assert page.status_code == 405 and page.mimetype == "text/html"
    assert set(page.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    api_answer = client.put(f"{API}/courses")
    assert api_answer.status_code == 405 and api_answer.json["code"] == 405
    assert "GET" in api_answer.headers["Allow"]


def test_x_pagination_is_documented_as_the_json_it_is(spec):
    header = spec["components"]["headers"]["PAGINATION"]
    assert "schema" not in header  # a bare schema would mean "a,b,c" (style: simple)
    ref = header["content"]["application/json"]["schema"]["$ref"]
    assert ref == "#/components/schemas/PaginationMetadata"
    members = spec["paths"][f"{API}/organisations/{{slug}}/members"]["get"]
    assert members["responses"]["200"]["headers"]["X-Pagination"] == {
        "$ref": "#/components/headers/PAGINATION"
    }


def test_x_pagination_matches_its_schema(client, make_user, login, spec):
    boss = make_user()
    org = organisations.create_organisation("Acme", boss)
    for n in range(3):
        join(org, boss, make_user(email=f"p{n}@example.com"))
    login(client, boss)
    schema = spec["components"]["schemas"]["PaginationMetadata"]
    for query in ("", "?page=2&page_size=2", "?page=1&page_size=10", "?page=9&page_size=2"):
        response = client.get(f"{API}/organisations/acme/members{query}")
        if response.status_code == 404:
            continue  # a page past the end
        metadata = json.loads(response.headers["X-Pagination"])
        assert set(metadata) <= set(schema["properties"]), metadata
        assert all(isinstance(value, int) for value in metadata.values())
        assert metadata["total"] == 4


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"data": "", "content_type": "application/json"},
        {"data": "   ", "content_type": "application/json"},
        {"data": "role=member", "content_type": "application/x-www-form-urlencoded"},
        {"data": '{"title": "Changed"}', "content_type": "text/plain"},
    ],
    ids=["no-body", "empty-json", "blank-json", "form", "text-plain"],
)
def test_patch_without_a_json_body_is_422_and_changes_nothing(
    client, instructor, login, course, kwargs
):
    login(client, instructor)  # the course's owner
    created = client.post(
        f"{API}/quizzes", json={"course": "kitchen-safety", "lesson": "knives", "title": "Knives"}
    )
    url = f"{API}/quizzes/{created.json['id']}"
    response = client.patch(url, **kwargs)
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.json["errors"]["json"]["_schema"]
    assert client.get(url).json["title"] == "Knives"


def test_organisation_patches_need_a_body_too(client, make_user):
    boss = make_user()
    org = organisations.create_organisation("Acme", boss)
    member = make_user()
    join(org, boss, member)
    secret = tokens.create_token(org, boss, "feed", can_write=True).secret
    headers = {"Authorization": f"Bearer {secret}"}
    url = f"{API}/organisations/acme/members/{member.id}"
    assert client.patch(url, headers=headers).status_code == 422
    assert client.patch(url, data="role=manager", headers=headers).status_code == 422
    assert client.patch(url, json={"role": "manager"}, headers=headers).status_code == 200


def test_bodiless_operations_still_take_no_body(client, instructor, login, make_quiz):
    quiz = make_quiz()
    login(client, instructor)
    assert client.post(f"{API}/quizzes/{quiz.id}/unpublish").status_code == 200
    assert client.post(f"{API}/quizzes/{quiz.id}/publish").status_code == 200


def test_security_schemes_are_declared(spec):
    schemes = spec["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schemes["bearerAuth"]["description"],
    }
    assert schemes["cookieAuth"]["in"] == "cookie" and schemes["cookieAuth"]["name"] == "session"
    assert schemes["csrfToken"]["in"] == "header"
    assert schemes["csrfToken"]["name"] == "X-CSRFToken"


def test_every_operation_declares_who_may_call_it(app, spec):
    seen = 0
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(API) or rule.endpoint == "api-docs.openapi_json":
            continue
        path = PARAMETER.sub(r"{\1}", rule.rule)
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            operation = spec["paths"][path][method.lower()]
            policy = policy_of(app, rule.endpoint, method)
            seen += 1
            if policy == "public":
                assert operation["security"] == [], path
                continue
            assert {"401", "403"} <= set(operation["responses"]), (method, path)
            schemes = [set(requirement) for requirement in operation["security"]]
            session = {"cookieAuth"} if method == "GET" else {"cookieAuth", "csrfToken"}
            assert session in schemes, (method, path, schemes)
            assert ({"bearerAuth"} in schemes) == (policy == "manager"), (method, path)
    assert seen >= 40


def test_the_docs_page_says_who_may_call_each_operation(client):
    page = client.get("/api/docs").get_data(as_text=True)
    assert "Who may call it:</strong> Anyone; no sign-in needed." in page
    assert "an organisation API token (Authorization: Bearer …) or a signed-in session" in page
    assert "a signed-in session, with the CSRF token in X-CSRFToken" in page


def test_the_document_describes_what_the_server_refuses(spec):
    """Text without NUL, object keys by their own field, null beside a nested schema:
    otherwise generated valid data is refused and the document is what is wrong."""
    assert spec["openapi"] == "3.1.0"
    schemas = spec["components"]["schemas"]
    assert schemas["NewQuiz"]["properties"]["title"]["pattern"] == "^[^\\u0000]*$"
    answers = schemas["SaveAnswers"]["properties"]["answers"]
    assert answers["additionalProperties"] == {
        "anyOf": [{"$ref": "#/components/schemas/AnswerIn"}, {"type": "null"}]
    }
    assert answers["maxProperties"] == 500 and "maxLength" not in answers
    assert answers["propertyNames"]["pattern"] == "^[^\\u0000]*$"
    pairs = schemas["AnswerIn"]["properties"]["pairs"]
    assert pairs["propertyNames"] == {"type": "string", "pattern": "^[0-9]{1,3}$"}


def test_answers_whose_keys_hold_nul_are_refused_as_documented(client, make_user, login, make_quiz):
    from quizzes import services as quizzes

    learner = make_user()
    attempt = quizzes.start_attempt(learner, make_quiz())
    login(client, learner)
    response = client.put(
        f"{API}/attempts/{attempt.id}/answers", json={"answers": {"a\u0000": None}}
    )
    assert response.status_code == 400
