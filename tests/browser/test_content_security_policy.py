"""Chromium enforces our Content-Security-Policy: our pages need nothing it refuses, and
something injected inline is refused (and reported, which the `new_page` fixture watches)."""

from __future__ import annotations

import os

import pytest

if os.environ.get("COURSEWORK_REQUIRE_BROWSER") != "1":
    pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
from playwright.sync_api import Page, expect


def test_pages_with_scripts_charts_and_docs_load_under_the_policy(
    page: Page, default_course, csp_violations
):
    for url in ("/", "/courses/tpm-vs-pm", "/api/docs", "/certificates/verify", "/login"):
        response = page.goto(url)
        assert "default-src 'self'" in response.headers["content-security-policy"]
        expect(page.locator("h1")).to_have_count(1)
    # The stylesheet really applied (a blocked one would leave the browser's defaults).
    assert page.evaluate("getComputedStyle(document.body).margin") == "0px"
    assert csp_violations == []


def test_inline_script_is_refused_and_reported(page: Page, csp_violations):
    page.goto("/login")
    page.evaluate(
        """() => {
            const s = document.createElement("script");
            s.textContent = "window.__injected = true";
            document.body.appendChild(s);
        }"""
    )
    page.wait_for_timeout(200)
    assert page.evaluate("window.__injected === undefined")
    assert any("script-src" in text or "default-src" in text for text in csp_violations)
    csp_violations.clear()  # expected here: the fixture checks every other page for none
