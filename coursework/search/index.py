"""Keeping the search documents in step with lessons and questions.

Every flush that adds a lesson or question, or changes its title or text, writes that
row's search document in the same transaction, whichever path made the change (a course
import, the quiz authoring form, a GIFT import, the API, the shell). Deleting a lesson or
question deletes its document through the foreign key's cascade. The database's own
full-text index follows the documents by trigger (see `coursework.search.models`).
"""

from __future__ import annotations

import html
import re

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from coursework.search.models import SearchDocument
from lessons.models import Course, Lesson
from quizzes.models import Question, Quiz

TAG = re.compile(r"<[^>]*>")
# The characters that mark matches in snippets; content never carries them.
MARK_START, MARK_END = "\ue000", "\ue001"
# Stand-ins for "<" and ">" while PostgreSQL cuts a snippet (its parser skips tag-like text).
LESS, GREATER = "\ue002", "\ue003"
MARKERS = re.compile("[\ue000-\ue003]")

# PostgreSQL's text search configurations by language code; any other language uses
# `simple` (no stemming, no stop words), which still finds exact words.
CONFIGURATIONS = {
    "ar": "arabic",
    "ca": "catalan",
    "da": "danish",
    "de": "german",
    "el": "greek",
    "en": "english",
    "es": "spanish",
    "eu": "basque",
    "fi": "finnish",
    "fr": "french",
    "ga": "irish",
    "hi": "hindi",
    "hu": "hungarian",
    "hy": "armenian",
    "id": "indonesian",
    "it": "italian",
    "lt": "lithuanian",
    "ne": "nepali",
    "nl": "dutch",
    "no": "norwegian",
    "nb": "norwegian",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sr": "serbian",
    "sv": "swedish",
    "ta": "tamil",
    "tr": "turkish",
    "yi": "yiddish",
}
DEFAULT_LANGUAGE = "en"


def configuration_for(language: str | None) -> str:
    """The text search configuration for a language tag such as `en` or `pt-BR`."""
    code = (language or DEFAULT_LANGUAGE).split("-")[0].split("_")[0].lower()
    return CONFIGURATIONS.get(code, "simple")


def plain_text(markup: str) -> str:
    """The words of an HTML fragment, without its tags, entities decoded, spaces folded."""
    return clean(html.unescape(TAG.sub(" ", markup or "")))


def clean(text: str) -> str:
    return MARKERS.sub("", " ".join((text or "").split()))


def _course_language(course: Course | None) -> str | None:
    # Courses state their language once the translations work gives them one.
    return getattr(course, "language", None)


def _changed(obj, *names: str) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def _lesson_row(lesson: Lesson) -> dict:
    return {
        "kind": "lesson",
        "course_id": lesson.course_id,
        "lesson_id": lesson.id,
        "question_id": None,
        "config": configuration_for(_course_language(lesson.course)),
        "title": clean(lesson.title),
        "body": plain_text(lesson.body_html),
    }


def _question_row(session: Session, question: Question) -> dict:
    quiz = question.quiz or session.get(Quiz, question.quiz_id)
    body = plain_text(question.text) if question.text_format == "html" else clean(question.text)
    return {
        "kind": "question",
        "course_id": quiz.course_id,
        "lesson_id": None,
        "question_id": question.id,
        "config": configuration_for(_course_language(session.get(Course, quiz.course_id))),
        # Only what the question asks: never its choices, accepted answers or feedback.
        "title": clean(question.title),
        "body": body,
    }


def _write(session: Session, key: str, row: dict) -> None:
    table = SearchDocument.__table__
    connection = session.connection()
    existing = connection.execute(
        select(table.c.id).where(table.c[key] == row[key])
    ).scalar_one_or_none()
    if existing is None:
        connection.execute(table.insert().values(**row))
    else:
        connection.execute(table.update().where(table.c.id == existing).values(**row))


def _after_flush(session: Session, flush_context) -> None:
    for obj in list(session.new) + list(session.dirty):
        if obj in session.deleted:
            continue
        if isinstance(obj, Lesson) and (obj in session.new or _changed(obj, "title", "body_html")):
            _write(session, "lesson_id", _lesson_row(obj))
        elif isinstance(obj, Question) and (
            obj in session.new or _changed(obj, "title", "text", "text_format")
        ):
            _write(session, "question_id", _question_row(session, obj))


def keep_in_step() -> None:
    """Listen to every session's flushes (once, however many apps are made)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
