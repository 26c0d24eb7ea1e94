"""Checking a credential by page, file upload, API and CLI shows whom it was awarded to
and when it holds (issue 11, item 12)."""

from __future__ import annotations

import io
import re

import pytest

from coursework.certificates import credentials, services
from coursework.extensions import db
from tests.support.clients import csrf_token_of
from tests.support.progresskit import complete_every_lesson


@pytest.fixture
def issued(make_user, make_course):
    course = make_course(
        "---\ntitle: Résumé Writing\n---\n# Résumé Writing\n\n## Only\n\nOne lesson.\n",
        slug="cv",
    )
    course.certificate_valid_months = 24
    db.session.commit()
    learner = make_user(name="Zoë Ångström")
    complete_every_lesson(learner, course)
    return services.find_for(learner.id, course.id)


def _day(moment) -> str:
    return moment.strftime("%-d %B %Y")


def _post_page(client, **data):
    token = csrf_token_of(client.get("/certificates/verify").get_data(as_text=True))
    return client.post(
        "/certificates/verify",
        data={"csrf_token": token, **data},
        content_type="multipart/form-data",
    )


def test_the_page_names_the_learner_and_shows_dates(client, issued, csrf_on):
    page = _post_page(client, credential=issued.credential)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "genuine and current" in html
    assert re.search(r"<dt>Awarded to</dt><dd[^>]*>Zoë Ångström</dd>", html)
    assert "Résumé Writing" in html
    assert f">{_day(issued.issued_at)}</time>" in html
    assert f">{_day(issued.expires_at)}</time>" in html
    # Dates, not the raw timestamp of the JSON.
    assert not re.search(r">\d{4}-\d\d-\d\dT", html)


def test_the_downloaded_file_can_be_uploaded(client, issued, csrf_on):
    download = client.get(f"/certificates/{issued.code}/credential.jwt")
    page = _post_page(client, upload=(io.BytesIO(download.data), "resume-writing-credential.jwt"))
    html = page.get_data(as_text=True)
    assert page.status_code == 200, html
    assert "genuine and current" in html and "Zoë Ångström" in html


def test_a_revoked_credential_still_says_what_it_was(client, issued, make_user, csrf_on):
    services.revoke(issued, make_user(is_admin=True), "Issued in error")
    html = _post_page(client, credential=issued.credential).get_data(as_text=True)
    assert "does not check out" in html and "revoked" in html
    assert "Zoë Ångström" in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Paste a credential or choose its file to check."),
        ({"credential": "   "}, "Paste a credential or choose its file to check."),
        (
            {"credential": "a.b.c", "upload": (io.BytesIO(b"a.b.c"), "c.jwt")},
            "Paste a credential or choose a file, not both.",
        ),
        ({"upload": (io.BytesIO(b"a.b.c"), "c.pdf")}, "Choose the credential&#39;s .jwt file."),
        ({"upload": (io.BytesIO(b""), "c.jwt")}, "That file does not hold a credential."),
        (
            {"upload": (io.BytesIO(b"\xff\xfe\x00"), "c.jwt")},
            "That file does not hold a credential.",
        ),
        ({"upload": (io.BytesIO(b"x" * 20001), "c.jwt")}, "That file is too large"),
        ({"credential": "x" * 20001}, "A credential is at most 20,000 characters."),
    ],
)
def test_bad_input_is_told_beside_the_field(client, csrf_on, data, message):
    page = _post_page(client, **data)
    html = page.get_data(as_text=True)
    assert page.status_code == 400
    assert "There is a problem" in html and message in html
    assert "genuine" not in html


def test_a_form_without_its_csrf_token_is_refused(client, issued, csrf_on):
    response = client.post(
        "/certificates/verify",
        data={"upload": (io.BytesIO(issued.credential.encode()), "c.jwt")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400 and "genuine" not in response.get_data(as_text=True)


def test_the_api_works_for_a_client_without_a_session(app, issued, csrf_on):
    stranger = app.test_client(use_cookies=False)
    response = stranger.post("/api/v1/certificates/verify", json={"credential": issued.credential})
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.json
    assert body["valid"] is True
    assert body["awarded_to"] == "Zoë Ångström"
    assert body["achievement"] == "Résumé Writing"
    assert body["valid_from"].startswith(issued.issued_at.strftime("%Y-%m-%dT%H:%M:%S"))
    assert body["valid_until"].startswith(issued.expires_at.strftime("%Y-%m-%dT%H:%M:%S"))
    assert "Set-Cookie" not in response.headers
    garbage = stranger.post("/api/v1/certificates/verify", json={"credential": "a.b.c"}).json
    assert garbage["valid"] is False and garbage["awarded_to"] is None


def test_the_cli_names_the_learner_and_dates(app, issued, tmp_path):
    token = tmp_path / "credential.jwt"
    token.write_text(issued.credential)
    result = app.test_cli_runner().invoke(args=["certificates", "verify", str(token)])
    assert result.exit_code == 0, result.output
    assert "awarded to:  Zoë Ångström" in result.output
    assert "achievement: Résumé Writing" in result.output
    assert f"valid from:  {_day(issued.issued_at)}" in result.output
    assert f"valid until: {_day(issued.expires_at)}" in result.output


def test_summary_reads_only_a_plain_name_identity():
    hashed = {
        "credentialSubject": {
            "identifier": [
                {"identityType": "name", "hashed": True, "identityHash": "sha256$abc"},
                {"identityType": "emailAddress", "hashed": False, "identityHash": "a@b.c"},
            ]
        }
    }
    assert credentials.summarise(hashed).awarded_to is None
    named = {"credentialSubject": {"name": " Ada ", "identifier": "junk"}, "issuer": "x"}
    summary = credentials.summarise(named)
    assert summary.awarded_to == "Ada" and summary.issuer is None
    assert credentials.summarise({"validFrom": "not a date"}).valid_from is None
