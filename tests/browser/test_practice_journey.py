"""A learner practises a question they missed, in Chromium: My learning offers it on the
day it is due, the answer is checked with its feedback, and the session ends."""

from __future__ import annotations

import os
from datetime import date

import pytest

if os.environ.get("COURSEWORK_REQUIRE_BROWSER") != "1":
    pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
from playwright.sync_api import Page, expect

from coursework.extensions import db
from quizzes.practice import services as practice
from tests.support.browser import log_in
from tests.support.practicekit import QUESTIONS, take


def test_practise_a_missed_question(page: Page, app, make_user, make_quiz, monkeypatch, axe_check):
    learner = make_user()
    with app.app_context():
        quiz = make_quiz(questions=QUESTIONS[:1])
        take(learner, quiz, right=set())
        db.session.commit()  # as a request would, for the server to read
    monkeypatch.setattr(practice, "today", lambda user_id=None: date(2099, 1, 1))

    log_in(page, learner.email)
    page.goto("/my-learning")
    expect(page.get_by_text("1 question to practise today.")).to_be_visible()
    page.get_by_role("link", name="Practise now").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Practice")
    axe_check(page)
    page.get_by_label("The generalist project manager").check()
    page.get_by_role("button", name="Check my answer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Right")
    expect(page.get_by_text("It comes back on 2 January 2099")).to_be_visible()
    expect(page.get_by_text("Dates are theirs to agree.")).to_be_visible()
    axe_check(page)
    page.get_by_role("link", name="Done: back to My learning").click()
    expect(page.get_by_text("to practise today")).to_have_count(0)
    page.goto("/practice")
    expect(page.get_by_role("heading", name="Done for today")).to_be_visible()
