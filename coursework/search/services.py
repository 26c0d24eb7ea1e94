"""Searching: one service, two back ends chosen by the database.

PostgreSQL ranks with `ts_rank_cd` over the weighted `search_vector` (title above body),
parses the query with `websearch_to_tsquery` in each course's configuration and cuts
snippets with `ts_headline`. SQLite matches the FTS5 table, ranks with `bm25()` (title
weighted ten times the body) and cuts snippets with `snippet()`. Either way a snippet comes
back with private marker characters around the matches; `highlight` escapes everything and
only then turns the markers into `<mark>`, so neither content nor query can inject HTML.

Who sees what: lessons (current ones) of every course in the catalogue, which is public;
questions only of the courses the person teaches (every course for admins), and only their
wording, never their choices, accepted answers or feedback.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from markupsafe import Markup, escape
from sqlalchemy import and_, cast, column, false, func, literal_column, or_, select, table
from sqlalchemy.dialects.postgresql import REGCONFIG
from sqlalchemy.orm import defer

from coursework.accounts.models import User
from coursework.errors import RuleViolation
from coursework.extensions import db
from coursework.i18n import _
from coursework.search.index import GREATER, LESS, MARK_END, MARK_START
from coursework.search.models import SearchDocument
from lessons import services as lessons
from lessons.models import Course, Lesson
from quizzes.models import Question

MAX_QUERY = 200
PER_PAGE = 10
MAX_PAGE = 100
WORD = re.compile(r"\w+")
PHRASE_OR_WORD = re.compile(r'"([^"]*)"|(\w+)')
SNIPPET_WORDS = 24


@dataclass(frozen=True)
class Hit:
    kind: str  # "lesson" | "question"
    title: str
    snippet: Markup
    course_slug: str
    course_title: str
    lesson_slug: str | None
    lesson_title: str | None
    quiz_id: int | None
    question_id: int | None


@dataclass(frozen=True)
class SearchPage:
    query: str
    hits: list[Hit]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def check_query(raw: str | None) -> str:
    """The query as searched, or RuleViolation with a message the person can act on."""
    query = " ".join((raw or "").split())
    if not query:
        raise _bad(_("Type a word to search for."))
    if len(query) > MAX_QUERY:
        raise _bad(_("Use at most %(MAX_QUERY)s characters.", MAX_QUERY=MAX_QUERY))
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs") for ch in query):
        raise _bad(_("Use letters, numbers and punctuation only."))
    if not WORD.search(query):
        raise _bad(_("Type at least one word of letters or numbers."))
    return query


def _bad(message: str) -> RuleViolation:
    return RuleViolation(message, {"q": [message]})


def _restore(snippet: str) -> str:
    for stand_in, character in ((LESS, "<"), (GREATER, ">")):
        snippet = snippet.replace(f" {stand_in} ", character).replace(stand_in, character)
    return snippet


def highlight(snippet: str) -> Markup:
    """Escape the snippet, then mark the matches."""
    escaped = str(escape(_restore(snippet)))
    # An unpaired marker (a snippet cut between them) would leave a <mark> open.
    if escaped.count(MARK_START) != escaped.count(MARK_END):
        escaped = escaped.replace(MARK_START, "").replace(MARK_END, "")
    return Markup(escaped.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>"))


def _fts5_query(query: str) -> str:
    """The person's words as an FTS5 expression of quoted strings (all must match), so
    that FTS5's own operators and syntax errors never reach it; "quoted words" stay a
    phrase."""
    parts = []
    for phrase, word in PHRASE_OR_WORD.findall(query):
        words = WORD.findall(phrase) if phrase else [word]
        if words:
            parts.append('"' + " ".join(words) + '"')
    return " ".join(parts)


def _visible(person: User):
    """Which documents `person` may find: current lessons, and the questions of courses
    they teach."""
    document = SearchDocument
    current_lesson = (
        select(Lesson.id)
        .where(Lesson.id == document.lesson_id, Lesson.retired_at.is_(None))
        .exists()
    )
    lessons_shown = and_(document.kind == "lesson", current_lesson)
    taught = lessons.staffed_course_ids(person)
    if taught is None:
        questions_shown = document.kind == "question"
    elif taught:
        questions_shown = and_(document.kind == "question", document.course_id.in_(taught))
    else:
        questions_shown = false()
    return or_(lessons_shown, questions_shown)


def search(person: User, raw_query: str | None, page: int = 1) -> SearchPage:
    """One page of what `person` may find for the query, best first."""
    query = check_query(raw_query)
    page = min(max(page, 1), MAX_PAGE)
    backend = _postgres if db.engine.dialect.name == "postgresql" else _sqlite
    found, matches, order, snippet = backend(query)
    where = and_(matches, _visible(person))
    total = db.session.scalar(select(func.count()).select_from(found).where(where)) or 0
    if total == 0:
        return SearchPage(query, [], 0, page, PER_PAGE)
    rows = db.session.execute(
        select(SearchDocument, snippet.label("snippet"))
        .select_from(found)
        .where(where)
        .order_by(order, SearchDocument.id)
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    ).all()
    return SearchPage(query, _hits(rows), total, page, PER_PAGE)


def _sqlite(query: str):
    fts = table("search_documents_fts", column("rowid"), column("search_documents_fts"))
    found = SearchDocument.__table__.join(fts, fts.c.rowid == SearchDocument.id)
    matches = fts.c.search_documents_fts.op("MATCH")(_fts5_query(query))
    name = literal_column("search_documents_fts")
    order = func.bm25(name, 10.0, 1.0)  # lower is better; the title counts ten times
    snippet = func.snippet(name, 1, MARK_START, MARK_END, "…", SNIPPET_WORDS)
    return found, matches, order, snippet


def _postgres(query: str):
    document = SearchDocument
    vector = literal_column("search_documents.search_vector")
    # One tsquery per configuration in use, each a constant, so the GIN index serves them.
    configurations = db.session.scalars(select(document.config).distinct()).all()
    matches = or_(
        false(),
        *(
            and_(
                document.config == name,
                vector.op("@@")(func.websearch_to_tsquery(cast(name, REGCONFIG), query)),
            )
            for name in configurations
        ),
    )
    own_query = func.websearch_to_tsquery(cast(document.config, REGCONFIG), query)
    order = func.ts_rank_cd(vector, own_query).desc()  # weights: title A, body B
    # "<" and ">" become spaced stand-ins, as the vector read them as spaces; `_restore`
    # turns them back before escaping.
    body = func.replace(func.replace(document.body, "<", f" {LESS} "), ">", f" {GREATER} ")
    snippet = func.ts_headline(
        cast(document.config, REGCONFIG),
        body,
        own_query,
        f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords={SNIPPET_WORDS}, "
        'MinWords=10, MaxFragments=2, FragmentDelimiter=" … "',
    )
    return document.__table__, matches, order, snippet


def _hits(rows) -> list[Hit]:
    """The found documents with their course, lesson or quiz, in three queries at most."""
    documents = [document for document, _ in rows]
    courses = {
        course.id: course
        for course in db.session.scalars(
            select(Course).where(Course.id.in_({d.course_id for d in documents}))
        )
    }
    lesson_ids = {d.lesson_id for d in documents if d.lesson_id}
    lessons_by_id = {
        lesson.id: lesson
        for lesson in db.session.scalars(
            select(Lesson)
            .where(Lesson.id.in_(lesson_ids))
            .options(defer(Lesson.body_html), defer(Lesson.source_markdown))
        )
    }
    question_ids = {d.question_id for d in documents if d.question_id}
    quiz_of = {
        row.id: row.quiz_id
        for row in db.session.execute(
            select(Question.id, Question.quiz_id).where(Question.id.in_(question_ids))
        )
    }
    hits = []
    for document, snippet in rows:
        course = courses[document.course_id]
        lesson = lessons_by_id.get(document.lesson_id)
        hits.append(
            Hit(
                kind=document.kind,
                title=document.title or "Untitled question",
                snippet=highlight(snippet or ""),
                course_slug=course.slug,
                course_title=course.title,
                lesson_slug=lesson.slug if lesson else None,
                lesson_title=lesson.title if lesson else None,
                quiz_id=quiz_of.get(document.question_id),
                question_id=document.question_id,
            )
        )
    return hits
