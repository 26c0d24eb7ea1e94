"""The learner's path in each interface language, in real Chromium: switched with the
footer's switcher, with no English interface text left on any page of the path, and in
Arabic laid out right to left (mirrored by the stylesheet's logical properties).

"No English left" is measured against the catalogues: a text on the page that is exactly an
English message the language translates differently fails. Course content sits in elements
marked with its own `lang` and is left out; it is never translated.
"""

from __future__ import annotations

import os
import re
from functools import cache

import pytest

if os.environ.get("COURSEWORK_REQUIRE_BROWSER") != "1":
    pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
from babel.messages.pofile import read_po
from playwright.sync_api import Page, expect

from coursework.formatting import format_number
from coursework.i18n import _, force_locale, ngettext
from quizzes.spec import Choice, Kind, Question
from tests.support.browser import answer, shown
from tests.support.quizkit import ESSAY, EVERY_KIND
from tests.support.translations import ROOT, TRANSLATED_PACKAGES

PASSWORD = "correct horse battery"
LANGUAGES = {"fr": "Français", "ar": "العربية"}

# Every text node a person reads (and the attributes read aloud), leaving out code and any
# element in another language than the page (course content, each language's own name).
VISIBLE_TEXT = """() => {
  const page = document.documentElement.lang;
  const foreign = (el) => {
    const marked = el.closest('[lang]');
    return marked && marked.lang !== page;
  };
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    if (!el || el.closest('script, style, code, pre, svg, kbd') || foreign(el)) continue;
    const text = walker.currentNode.textContent.replace(/\\s+/g, ' ').trim();
    if (text) found.push(text);
  }
  for (const el of document.body.querySelectorAll('[title], [aria-label], [placeholder]')) {
    if (foreign(el)) continue;
    for (const name of ['title', 'aria-label', 'placeholder']) {
      const value = (el.getAttribute(name) || '').trim();
      if (value) found.push(value);
    }
  }
  return found;
}"""


@cache
def english_messages(language: str) -> tuple[frozenset[str], tuple[re.Pattern, ...]]:
    """The English messages that `language` words differently: plain ones, and patterns
    for the ones with placeholders."""
    plain: set[str] = set()
    patterns: list[re.Pattern] = []
    for package in TRANSLATED_PACKAGES:
        po = ROOT / package / "translations" / language / "LC_MESSAGES" / "messages.po"
        with po.open("rb") as source:
            catalogue = read_po(source, locale=language)
        for message in catalogue:
            if not message.id:
                continue
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            for english in ids:
                english = " ".join(english.replace("%%", "%").split())
                if not re.search(r"[A-Za-z]{2}", english) or english in strings:
                    continue
                if "%(" in english:
                    pieces = re.split(r"%\(\w+\)s", english)
                    if sum(len(piece.strip()) for piece in pieces) >= 8:
                        patterns.append(re.compile(".+".join(map(re.escape, pieces))))
                else:
                    plain.add(english)
    return frozenset(plain), tuple(patterns)


def untranslated(page: Page, language: str) -> list[str]:
    plain, patterns = english_messages(language)
    texts = page.evaluate(VISIBLE_TEXT)
    return [t for t in texts if t in plain or any(p.fullmatch(t) for p in patterns)]


def check(page: Page, language: str, package: str = "coursework") -> None:
    """The page is in `language`, and none of its interface text is left in English once
    the package that serves it is among those translated (TRANSLATED_PACKAGES)."""
    expect(page.locator("html")).to_have_attribute("lang", language)
    if package in TRANSLATED_PACKAGES:
        assert untranslated(page, language) == [], f"English left on {page.url}"


def main_button(page: Page):
    return page.locator("#main form button[type=submit]")


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_the_learner_path_in_each_language(
    page: Page, app, make_user, make_course, make_quiz, language
):
    course = make_course()
    make_quiz(questions=EVERY_KIND[:1])
    learner = make_user(name="Zoë Ångström")

    # Switch with the footer's switcher (a plain form: no script needed), signed out.
    page.goto("/")
    assert "Learn what you need, one focused course at a time" in untranslated(page, language)
    page.locator("#language-switcher").select_option(language)
    page.locator(".language-switcher button").click()
    expect(page.locator("html")).to_have_attribute("lang", language)
    check(page, language)
    page.goto("/signup")
    check(page, language)

    page.goto("/login")
    check(page, language)
    page.locator("#email").fill(learner.email)
    page.locator("#password").fill(PASSWORD)
    main_button(page).click()
    expect(page).not_to_have_url(re.compile("/login"))
    check(page, language)

    # The course page and a lesson, whose content keeps its own language.
    page.goto(f"/courses/{course.slug}")
    check(page, language)
    page.locator(".task-list__name a[href*='/lessons/knives']").click()
    check(page, language)
    expect(page.locator(".prose")).to_have_attribute("lang", "en")
    main_button(page).first.click()

    # The lesson leads to its quiz: take it, pass it, read the result.
    expect(page).to_have_url(re.compile(r"/quizzes/\d+$"))
    check(page, language, "quizzes")
    main_button(page).first.click()
    check(page, language, "quizzes")
    answer(page, shown(app, page), right=True)
    page.locator("button[name=action][value=submit]").click()
    check(page, language, "quizzes")

    # The other lessons complete the course and earn the certificate.
    for slug in ("heat", "cleaning"):
        page.goto(f"/courses/{course.slug}/lessons/{slug}")
        main_button(page).first.click()
    page.goto("/my-learning")
    check(page, language)
    page.goto("/my-certificates")
    check(page, language)
    page.locator("#main a[href*='/certificates/']").first.click()
    expect(page.get_by_role("main").get_by_text("Zoë Ångström")).to_be_visible()
    check(page, language)
    page.goto("/account/preferences")
    check(page, language)


def test_arabic_is_laid_out_right_to_left(page: Page, make_user, course):
    page.goto("/")
    page.locator("#language-switcher").select_option("ar")
    page.locator(".language-switcher button").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    # The new page's stylesheet (revalidated, 304) may still be on its way: measure the
    # layout once the page has loaded, not the unstyled page before it.
    page.wait_for_load_state("load")

    # The header mirrors: the brand sits at the right, the account links at the left.
    width = page.viewport_size["width"]
    brand = page.locator(".brand").bounding_box()
    account = page.locator(".account").bounding_box()
    assert brand["x"] > width / 2 > account["x"] + account["width"]

    # A field in error marks its start edge, which is the right in Arabic.
    page.goto("/signup")
    main_button(page).click()
    field = page.locator(".field--error").first
    assert field.evaluate("el => getComputedStyle(el).borderRightWidth") == "5px"
    assert field.evaluate("el => getComputedStyle(el).borderLeftWidth") == "0px"

    # English course content stays left to right inside the right-to-left page.
    learner = make_user()
    page.goto("/login")
    page.locator("#email").fill(learner.email)
    page.locator("#password").fill(PASSWORD)
    main_button(page).click()
    page.goto(f"/courses/{course.slug}/lessons/knives")
    assert page.locator("main").evaluate("el => getComputedStyle(el).direction") == "rtl"
    prose = page.locator(".prose")
    assert prose.evaluate("el => getComputedStyle(el).direction") == "ltr"
    # Mirrored navigation: the lesson's own column starts at the right.
    lesson = page.locator(".lesson").bounding_box()
    assert lesson["x"] + lesson["width"] > width * 0.6


ORDERING = Question(
    Kind.ORDERING,
    "Put the planets in order from the Sun.",
    choices=tuple(Choice(name, 1) for name in ("Mercury", "Venus", "Earth", "Mars")),
)
USED = "%(used)s of %(limit)s characters used."
USED_LEFT = "%(used)s of %(limit)s characters used (%(left)s left)."


def spaced(text: str) -> str:
    """Text with any run of spaces as one plain space (French groups digits with a narrow
    no-break space)."""
    return " ".join(text.split())


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_the_quiz_scripts_speak_the_page_language(page: Page, app, make_user, make_quiz, language):
    """What the scripts write (autosave, time left, the essay's count, the ordering buttons
    and their announcement) comes in the page's language, with its numbers and plurals."""
    quiz = make_quiz(questions=(ESSAY, ORDERING), time_limit_minutes=30)
    learner = make_user()
    page.goto("/")
    page.locator("#language-switcher").select_option(language)
    page.locator(".language-switcher button").click()
    page.goto("/login")
    page.locator("#email").fill(learner.email)
    page.locator("#password").fill(PASSWORD)
    main_button(page).click()
    expect(page).not_to_have_url(re.compile("/login"))
    page.goto(f"/quizzes/{quiz.id}")
    main_button(page).first.click()
    expect(page.locator(".ordering__move").first).to_be_visible()

    with app.test_request_context(), force_locale(language):
        saved = _("Saved: all answers so far.")
        time_left = _("%(minutes)s min %(seconds)s s left", minutes="\0", seconds="\0")
        used = _(USED, used=format_number(7), limit=format_number(10_000))
        # Two left: Arabic's dual ("two" in CLDR), a form of its own in the catalogue.
        used_left = ngettext(
            USED_LEFT,
            USED_LEFT,
            2,
            used=format_number(9_998),
            limit=format_number(10_000),
            left=format_number(2),
        )
        move_up, move_down = _("Move up"), _("Move down")
    assert saved != "Saved: all answers so far." and move_up != "Move up"
    assert "(2 left)" not in used_left and (language != "ar" or "حرفان" in used_left)

    # The time left counts down in the language, with no English around the numbers.
    pattern = r"\s*—\s*" + r"\d{1,2}".join(map(re.escape, time_left.split("\0"))) + r"\s*"
    expect(page.locator(".timer__left")).to_have_text(re.compile(pattern))

    # The essay's count as the learner types, then the form for two characters left.
    essay = page.locator("textarea[data-count]")
    essay.fill("Bonjour")
    count = page.locator(".essay-count")
    expect(count).to_have_text(used)
    expect(page.locator(".autosave-status")).to_have_text(saved)
    essay.fill("x" * 9_998)
    assert spaced(count.text_content()) == spaced(used_left)

    # The ordering buttons, their names read aloud, and the announcement of a move.
    items = page.locator(".ordering__item")
    expect(items.first.locator(".ordering__move")).to_have_text([move_up, move_down])
    # The second item (the order is shuffled) moves up to the first place.
    second = items.nth(1).locator(".ordering__text").text_content().strip()
    items.nth(1).locator(".ordering__move").first.click()
    with app.test_request_context(), force_locale(language):
        moved = _(
            "%(item)s: now in place %(place)s of %(count)s.",
            item=second,
            place=format_number(1),
            count=format_number(4),
        )
        move_second_up = _("Move up: %(item)s", item=second)
    expect(page.get_by_role("button", name=move_second_up)).to_be_focused()
    expect(page.locator(".ordering__status")).to_have_text(moved)
    check(page, language, "quizzes")
