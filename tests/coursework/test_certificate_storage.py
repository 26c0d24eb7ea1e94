"""A certificate's PDF is drawn once and served from the database with an ETag: a second
download (from any server) reads the stored bytes, a client holding them gets 304, and a
revocation or a corrected name draws a new one."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from coursework.certificates import pdf, services
from coursework.certificates.models import CertificatePdf
from coursework.extensions import db
from tests.support.progresskit import complete_every_lesson


@pytest.fixture
def drawn(monkeypatch) -> list[str]:
    """Counts the PDFs drawn (by learner name)."""
    calls: list[str] = []
    real = pdf.render_pdf

    def counting(document):
        calls.append(document.learner_name)
        return real(document)

    monkeypatch.setattr(pdf, "render_pdf", counting)
    return calls


@pytest.fixture
def certificate(app, make_user, course):
    learner = make_user(name="Zoë Ångström")
    complete_every_lesson(learner, course)
    return services.find_for(learner.id, course.id)


def url(certificate) -> str:
    return f"/certificates/{certificate.code}/certificate.pdf"


def test_drawn_once_then_served_from_storage(client, certificate, drawn):
    first = client.get(url(certificate))
    assert first.status_code == 200 and first.data.startswith(b"%PDF")
    etag = first.headers["ETag"]
    assert etag.strip('"') and drawn == ["Zoë Ångström"]
    stored = db.session.scalar(
        select(CertificatePdf).where(CertificatePdf.certificate_id == certificate.id)
    )
    assert stored.content == first.data and f'"{stored.etag}"' == etag

    second = client.get(url(certificate))
    assert second.status_code == 200 and second.data == first.data
    assert second.headers["ETag"] == etag and drawn == ["Zoë Ångström"]
    assert second.headers["Content-Disposition"].startswith("attachment")


def test_if_none_match_is_a_304_without_the_bytes(client, certificate, drawn):
    etag = client.get(url(certificate)).headers["ETag"]
    again = client.get(url(certificate), headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    stale = client.get(url(certificate), headers={"If-None-Match": '"not-this-one"'})
    assert stale.status_code == 200 and stale.data.startswith(b"%PDF")
    assert len(drawn) == 1


def test_revocation_draws_a_new_pdf(client, certificate, drawn, make_user):
    before = client.get(url(certificate))
    services.revoke(
        certificate, make_user(email="admin@example.com", is_admin=True), "Issued in error"
    )
    after = client.get(url(certificate), headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and after.headers["ETag"] != before.headers["ETag"]
    assert after.data != before.data and len(drawn) == 2
    assert db.session.scalar(select(func.count()).select_from(CertificatePdf)) == 1


def test_a_corrected_name_draws_a_new_pdf(client, certificate, drawn):
    before = client.get(url(certificate)).headers["ETag"]
    certificate.learner_name = "Zoë Ångström-Berg"
    db.session.commit()
    after = client.get(url(certificate))
    assert after.headers["ETag"] != before and drawn == ["Zoë Ångström", "Zoë Ångström-Berg"]
    assert client.get(url(certificate)).headers["ETag"] == after.headers["ETag"]
    assert len(drawn) == 2


def test_a_changed_drawing_redraws(client, certificate, drawn, monkeypatch):
    before = client.get(url(certificate)).headers["ETag"]
    monkeypatch.setattr(services, "_DRAWING", "next release")
    after = client.get(url(certificate)).headers["ETag"]
    assert after != before and len(drawn) == 2


def test_unknown_codes_stay_404(client, app):
    assert client.get("/certificates/NOSUCHCODE0000000000000000/certificate.pdf").status_code == 404
    assert db.session.scalar(select(func.count()).select_from(CertificatePdf)) == 0
