"""The default course's quizzes in real Chromium: a learner can fail, learn why, and pass
every one of them, and the course then reaches 100%."""

from __future__ import annotations

import os
import re

import pytest

if os.environ.get("COURSEWORK_REQUIRE_BROWSER") != "1":
    pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
from playwright.sync_api import Page, expect

from quizzes.spec import Kind
from tests.support.data import PASSWORD


def shown(app, page: Page):
    """The questions of the attempt open in the page, as the server laid them out."""
    from quizzes import services
    from quizzes.models import Attempt

    attempt_id = int(re.search(r"/attempts/(\d+)", page.url).group(1))
    with app.app_context():
        from coursework.extensions import db

        return services.shown_questions(db.session.get(Attempt, attempt_id))


def answer(page: Page, questions, *, right: bool) -> None:
    """Answer through the page's own controls, as a learner would."""
    for q in questions:
        name = f"q{q.key}"
        kind = q.spec.kind
        options = list(enumerate(q.shown_choice_ids, 1))
        if kind is Kind.SINGLE:
            option = next(n for n, c in options if q.choice(c).is_correct == right)
            page.locator(f"#{name}-o{option}").check()
        elif kind is Kind.MULTIPLE:
            for option, cid in options:
                if q.choice(cid).is_correct and right:
                    page.locator(f"#{name}-o{option}").check()
            if not right:
                wrong = next(n for n, c in options if not q.choice(c).is_correct)
                page.locator(f"#{name}-o{wrong}").check()
        elif kind is Kind.TRUE_FALSE:
            value = q.spec.answer if right else not q.spec.answer
            page.locator(f"#{name}-{'true' if value else 'false'}").check()
        elif kind is Kind.SHORT_TEXT:
            best = max(q.spec.choices, key=lambda c: c.weight)
            page.locator(f"#{name}").fill(best.text if right else "no idea")
        elif kind is Kind.NUMERIC:
            page.locator(f"#{name}").fill(f"{q.spec.numbers[0].value:g}" if right else "-1")
        elif kind is Kind.MATCHING:
            for i, pair in enumerate(q.spec.pairs):
                other = next(o for o in q.shown_answer_options if o != pair.answer)
                page.locator(f"#{name}-{i}").select_option(pair.answer if right else other)


def test_every_default_quiz_can_be_failed_then_passed(
    page: Page, app, make_user, default_quizzes, axe_check
):
    learner = make_user()
    page.goto("/login")
    page.get_by_label("Email address").fill(learner.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.goto("/courses/tpm-vs-pm")
    quiz_links = page.locator(".task-list__item--quiz a, .task-list__item--final a")
    hrefs = [quiz_links.nth(i).get_attribute("href") for i in range(quiz_links.count())]
    assert len(hrefs) == 8  # seven lesson quizzes and the final quiz
    axe_check(page)

    for number, href in enumerate(hrefs):
        page.goto(href)
        first = number == 0
        if first:
            axe_check(page)
            # Fail once: wrong answers, then read why.
            page.get_by_role("button", name="Start the quiz").click()
            answer(page, shown(app, page), right=False)
            axe_check(page)
            page.get_by_role("button", name="Submit answers").click()
            expect(page.get_by_role("status").filter(has_text="Not passed")).to_be_visible()
            expect(page.locator(".feedback--general").first).to_be_visible()
            axe_check(page)
            page.get_by_role("button", name="Retake the quiz").click()
        else:
            page.get_by_role("button", name="Start the quiz").click()
        answer(page, shown(app, page), right=True)
        page.get_by_role("button", name="Submit answers").click()
        expect(page.get_by_role("status").filter(has_text="You passed")).to_be_visible()
        expect(page.get_by_text("100%", exact=True)).to_be_visible()

    page.goto("/courses/tpm-vs-pm")
    # Quizzes are passed; lessons are not yet read, so progress counts 8 of 15 steps.
    expect(page.get_by_role("progressbar", name=re.compile("8 of 15 steps"))).to_be_visible()
    expect(page.locator(".task-list__item--final").get_by_text("Passed")).to_be_visible()
