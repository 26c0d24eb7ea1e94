"""The API docs page renders the OpenAPI descriptions' Markdown (issue 11, item 14)."""

from __future__ import annotations

import re


def test_descriptions_are_rendered_as_markdown(client):
    page = client.get("/api/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    # The statements feed says to follow `more`: code, not backticks.
    assert "<code>more</code>" in html
    text_between_tags = re.sub(r"<[^>]+>", "", html)
    assert "`" not in text_between_tags


def test_markdown_in_descriptions_is_sanitised(app, client, monkeypatch):
    from coursework import api_docs

    rendered = api_docs._markdown("Hi <script>alert(1)</script> [x](javascript:alert(1)) `ok`")
    assert "<script" not in rendered and 'href="javascript' not in rendered
    assert "<code>ok</code>" in rendered
    assert api_docs._markdown(None) == ""


def test_the_docs_need_no_script_and_keep_the_strict_policy(client):
    page = client.get("/api/docs")
    html = page.get_data(as_text=True)
    assert "<script" not in html.split("</main>")[0].split("<main")[-1]
    policy = page.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "cdn" not in policy.lower()


def test_the_contract_declares_security_and_its_refusals(client):
    spec = client.get("/api/v1/openapi.json").json
    schemes = spec["components"]["securitySchemes"]
    assert schemes["bearerAuth"]["scheme"] == "bearer"
    assert schemes["cookieAuth"]["in"] == "cookie"
    assert schemes["csrfToken"] == {**schemes["csrfToken"], "in": "header", "name": "X-CSRFToken"}
    change = spec["paths"]["/api/v1/organisations/{slug}/invitations"]["post"]
    assert {"bearerAuth": []} in change["security"]
    assert {"cookieAuth": [], "csrfToken": []} in change["security"]
    assert {"401", "403"} <= set(change["responses"])
    verify = spec["paths"]["/api/v1/certificates/verify"]["post"]
    assert verify["security"] == [] and "401" not in verify["responses"]


def test_x_pagination_is_documented_as_it_is_sent(client, make_user):
    import json

    from coursework.organisations import services
    from tests.support.orgkit import bearer, token_for

    boss = make_user()
    org = services.create_organisation("Paged", boss)
    spec = client.get("/api/v1/openapi.json").json
    report = spec["paths"]["/api/v1/organisations/{slug}/report"]["get"]["responses"]["200"]
    assert report["headers"]["X-Pagination"] == {"$ref": "#/components/headers/PAGINATION"}
    header = spec["components"]["headers"]["PAGINATION"]
    schema_ref = header["content"]["application/json"]["schema"]["$ref"]
    documented = set(spec["components"]["schemas"][schema_ref.rsplit("/", 1)[-1]]["properties"])
    response = client.get(
        f"/api/v1/organisations/{org.slug}/report", headers=bearer(token_for(org, boss))
    )
    assert response.status_code == 200
    sent = json.loads(response.headers["X-Pagination"])
    assert sent and set(sent) <= documented
