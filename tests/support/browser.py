"""Steps the browser journeys share: signing in, authoring rows, answering a quiz."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from quizzes.spec import Kind
from tests.support.data import PASSWORD


def log_in(page: Page, email: str, password: str = PASSWORD) -> None:
    """Open the log-in page and sign in."""
    page.goto("/login")
    fill_log_in(page, email, password)


def fill_log_in(page: Page, email: str, password: str = PASSWORD) -> None:
    """Fill in and send the log-in form the page shows."""
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()


def add_question(page: Page, kind_label: str, text: str, fill) -> None:
    page.get_by_label(kind_label, exact=True).check()
    page.get_by_role("button", name="Add question").click()
    page.get_by_label("Question text").fill(text)
    fill(page)
    page.get_by_label("General feedback (optional)").fill(f"Because: {text}")
    page.get_by_role("button", name="Save question").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def rows(page: Page, group: str, values: list[dict]) -> None:
    for index, row in enumerate(values):
        for field, value in row.items():
            page.locator(f'[name="{group}-{index}-{field}"]').fill(value)


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


def notice(page: Page, text: str):
    return page.get_by_role("status").filter(has_text=text)
