"""The quiz and lesson pages in French and Arabic leave no English in their interface.

Each page is rendered through the test client twice, in English and in the language asked
for by `Accept-Language`; inside `<main>` only course content (titles, questions, answers,
people's names) and a few names of formats may stay as they were. The header and footer
belong to the `coursework` package and its own catalogue.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from coursework import i18n
from coursework.extensions import db
from lessons import services as lessons
from quizzes import services
from quizzes.bank import services as bank
from quizzes.models import Attempt
from quizzes.practice import services as practice
from quizzes.spec import Choice, Kind, Question
from tests.support.quizkit import ESSAY, EVERY_KIND, submitted_with_essay, wrong_answers

ROOT = Path(__file__).resolve().parents[2]
ORDERING = Question(
    Kind.ORDERING,
    "Put the steps in order.",
    choices=(Choice("Plan", 1), Choice("Build", 1), Choice("Ship", 1)),
)
QUESTIONS = (*EVERY_KIND, ORDERING, ESSAY)
ESSAY_TEXT = "The sponsor decides and funds."
WRONG_TYPED = "-999.5 (not an answer)"  # what the kit types as a wrong answer
CATEGORY = "Unit 1"  # the bank's one category, an author's name for it
# Names of formats and products, written the same in every language.
SAME_EVERYWHERE = ("Markdown", "Moodle", "GIFT", "HTML", "CSV", "UTF", "UTC", "Coursework", "MiB")
SAME_EVERYWHERE += ("$CATEGORY",)  # GIFT's keyword, typed as it is in any language
# French words spelt as in English ("Questions", "Question 3"): not a missed translation.
SAME_IN_FRENCH = {
    "question",
    "questions",
    "point",
    "points",
    "score",
    "scores",
    "quiz",
    "minutes",
    "place",
}
SAME_IN_FRENCH |= {"action", "actions", "type"}


@pytest.fixture(scope="module")
def catalogues() -> None:
    """Compiles the packages' catalogues where Flask-Babel reads them, unless a compiled one
    is already there and up to date (the .mo files are not kept in git)."""
    for package in ("quizzes", "lessons"):
        for po in (ROOT / package / "translations").glob("*/LC_MESSAGES/messages.po"):
            mo = po.with_suffix(".mo")
            if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
                continue
            with po.open("rb") as source:
                catalog = read_po(source)
            with mo.open("wb") as target:
                write_mo(target, catalog)


@pytest.fixture
def languages(catalogues, monkeypatch) -> Iterator[None]:
    """French and Arabic on offer, and no translations cached from before they were."""
    monkeypatch.setitem(i18n.LANGUAGES, "fr", "Français")
    monkeypatch.setitem(i18n.LANGUAGES, "ar", "العربية")
    i18n.babel.domain_instance.cache.clear()
    yield
    i18n.babel.domain_instance.cache.clear()


class _MainText(HTMLParser):
    """The text a person reads or hears inside `<main>`: text nodes and aria-labels."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0  # inside <main> when above zero
        self.skipping = False
        self.texts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "main":
            self.depth += 1
        elif self.depth and tag in ("script", "style"):
            self.skipping = True
        if self.depth:
            self.texts.extend(value for name, value in attrs if name == "aria-label" and value)

    def handle_endtag(self, tag):
        if tag == "main":
            self.depth -= 1
        elif tag in ("script", "style"):
            self.skipping = False

    def handle_data(self, data):
        if self.depth and not self.skipping and data.strip():
            self.texts.append(" ".join(data.split()))


def _interface_texts(page: str, content: list[str]) -> list[str]:
    """The page's texts with course content and format names taken out; what is left with
    two letters or more in a row is the interface's own wording."""
    parser = _MainText()
    parser.feed(page)
    left = []
    for text in parser.texts:
        for known in (*SAME_EVERYWHERE, *content):
            text = re.sub(rf"(?<!\w){re.escape(known)}(?!\w)", " ", text)
        # File name extensions (.md, .gift) are written alike everywhere too.
        text = " ".join(re.sub(r"\.[a-z]+\b", " ", text).split())
        if re.search(r"[A-Za-z\u00c0-\u024f]{2,}", text):
            left.append(text)
    return left


def _content(course, quiz, *people, titles=()) -> list[str]:
    """Every text the course's authors and people wrote, longest first."""
    texts = [course.title, course.slug, quiz.title, *titles, ESSAY_TEXT, WRONG_TYPED]
    texts += [lesson.title for lesson in lessons.current_lessons(course.id)]
    for person in people:
        texts += [person.display_name, person.email]
    for question in QUESTIONS:
        texts += _strings(question)
    return sorted({text for text in texts if text}, key=len, reverse=True)


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if dataclasses.is_dataclass(value):
        return [s for f in dataclasses.fields(value) for s in _strings(getattr(value, f.name))]
    if isinstance(value, tuple | list):
        return [s for item in value for s in _strings(item)]
    return []


@pytest.fixture
def site(app, client, login, make_user, make_quiz, instructor, course):
    """A learner and the course's instructor, each signed in, and the pages each sees."""
    quiz = make_quiz(questions=QUESTIONS)
    learner = make_user(name="Lena Learner")
    attempt, essays = submitted_with_essay(quiz, learner, ESSAY_TEXT)
    # A second quiz answered wrong: a graded result with its feedback, and a practice deck.
    second = make_quiz(questions=(*EVERY_KIND, ORDERING), lesson_slug="heat", title="Heat check")
    missed = services.start_attempt(learner, second)
    services.save_answers(missed, wrong_answers(missed))
    missed = services.submit_attempt(missed)
    # A bank with one category, from which the second quiz draws: the bank page, and the
    # quiz page's draw rules and form.
    banked = [dataclasses.replace(q, category=CATEGORY) for q in (*EVERY_KIND, ORDERING)]
    bank.import_bank(course.id, banked, instructor)
    bank.add_draw(second, CATEGORY, 2, instructor)
    teacher = app.test_client()
    login(client, learner)
    login(teacher, instructor)
    started = client.post(f"/quizzes/{quiz.id}/attempts")
    assert started.status_code == 302
    open_attempt = started.headers["Location"]
    questions = db.session.get(Attempt, attempt.id).quiz.questions
    learner_pages = [
        f"/quizzes/{quiz.id}",
        f"{open_attempt}?confirm=unanswered",
        f"/attempts/{attempt.id}/result",
        f"/attempts/{missed.id}/result",
        f"/quizzes/{second.id}",
        "/practice",
    ]
    teacher_pages = [
        "/teach/quizzes",
        f"/teach/quizzes/{quiz.id}",
        f"/teach/quizzes/{quiz.id}/settings",
        f"/teach/quizzes/{quiz.id}/preview",
        f"/teach/quizzes/{quiz.id}/stats",
        f"/teach/quizzes/{quiz.id}/grading",
        f"/teach/quizzes/{quiz.id}/grading/{essays[0].id}",
        f"/teach/quizzes/{quiz.id}/questions/{questions[0].id}/delete",
        *(f"/teach/quizzes/{quiz.id}/questions/{q.id}" for q in questions),
        *(f"/teach/quizzes/{quiz.id}/questions/new?kind={kind.value}" for kind in Kind),
        "/teach/courses",
        f"/teach/courses/{course.slug}/staff",
        f"/teach/courses/{course.slug}/bank",
        f"/teach/quizzes/{second.id}",
        f"/teach/quizzes/{second.id}/stats",
    ]
    content = _content(course, quiz, learner, instructor, titles=[second.title, CATEGORY])
    return {"learner": (client, learner_pages), "teacher": (teacher, teacher_pages)}, content


def _listed(left: dict[str, list[str]]) -> str:
    return "untranslated:\n" + "\n".join(f"{url}: {texts}" for url, texts in left.items())


def _get(client, url: str, language: str) -> str:
    response = client.get(url, headers={"Accept-Language": language})
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


@pytest.mark.parametrize("who", ["learner", "teacher"])
def test_arabic_pages_have_no_english_left(languages, site, who):
    sites, content = site
    client, urls = sites[who]
    left = {url: _interface_texts(_get(client, url, "ar"), content) for url in urls}
    left = {url: texts for url, texts in left.items() if texts}
    assert not left, _listed(left)


@pytest.mark.parametrize("who", ["learner", "teacher"])
def test_french_pages_have_no_english_left(languages, site, who):
    sites, content = site
    client, urls = sites[who]
    left = {}
    for url in urls:
        english = set(_interface_texts(_get(client, url, "en"), content))
        french = _interface_texts(_get(client, url, "fr"), content)
        same = [text for text in french if text in english and _english(text)]
        if same:
            left[url] = same
    assert not left, _listed(left)


@pytest.mark.parametrize("language", ["ar", "fr"])
def test_a_practice_question_and_its_review(languages, site, monkeypatch, language):
    sites, content = site
    client = sites["learner"][0]
    tomorrow = practice.today() + timedelta(days=1)
    monkeypatch.setattr(practice, "today", lambda user_id=None: tomorrow)
    question = _get(client, "/practice", "en")
    card = re.search(r'action="/practice/(\d+)"', question).group(1)

    def asked_again(language: str) -> list[str]:
        answered = client.post(f"/practice/{card}", headers={"Accept-Language": language})
        assert answered.status_code == 422  # nothing chosen: the page asks again, saying so
        return _interface_texts(answered.get_data(as_text=True), content)

    left = {"question": asked_again(language)}
    english = {"question": asked_again("en")}
    review = client.post(f"/practice/{card}", data=_any_answer(question))
    assert review.status_code == 303
    reviewed = review.headers["Location"]
    left["review"] = _interface_texts(_get(client, reviewed, language), content)
    if language == "fr":  # only what the English pages say the same way
        english["review"] = _interface_texts(_get(client, reviewed, "en"), content)
        left = {
            page: [text for text in texts if text in english[page] and _english(text)]
            for page, texts in left.items()
        }
    left = {page: texts for page, texts in left.items() if texts}
    assert not left, _listed(left)


def _any_answer(page: str) -> dict[str, str]:
    """A value for the practice question's first input, whatever its kind."""
    name, value = re.search(r'<input[^>]+name="(q\d+)"[^>]+value="([^"]+)"', page).groups()
    return {name: value}


def _english(text: str) -> bool:
    return bool(set(re.findall(r"[^\W\d_]{2,}", text.lower())) - SAME_IN_FRENCH)


def test_english_stays_the_default(languages, site):
    sites, _ = site
    client, urls = sites["learner"]
    page = _get(client, urls[1], "de")
    assert "questions not answered" in page and "Save and finish later" in page


def test_plurals_follow_each_language(languages, site):
    sites, _ = site
    client, urls = sites["learner"]
    # Every question is left unanswered on the open attempt.
    assert f"{len(QUESTIONS)} questions sans réponse" in _get(client, urls[1], "fr")
    assert f"{len(QUESTIONS)} أسئلة بلا إجابة" in _get(client, urls[1], "ar")


def test_a_services_message_reads_in_the_language_asked(languages, client, login, make_user):
    login(client, make_user())
    arabic = {"Accept-Language": "ar"}
    page = client.get("/quizzes/999999", headers=arabic)
    assert page.status_code == 404
    assert "لا يوجد اختبار في هذا العنوان." in page.get_data(as_text=True)
    answer = client.get("/api/v1/attempts/999999", headers=arabic)
    assert answer.status_code == 404
    assert answer.json["message"] == "لا توجد محاولة في هذا العنوان."
