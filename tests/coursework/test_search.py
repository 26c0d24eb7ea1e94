"""Search: what it finds, in what order, for whom, and what it refuses.

Runs on the engine under test, so on SQLite (FTS5) and, with TEST_DATABASE_URL, on
PostgreSQL (tsvector, GIN) alike.
"""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select

from coursework.extensions import db
from coursework.search import services as search
from coursework.search.models import SearchDocument
from lessons import services as lessons
from lessons.builder import parse_markdown_document
from lessons.models import Course
from quizzes import services as quizzes
from quizzes.spec import Choice, Kind, Question
from tests.support.quizkit import SECRET_TEXTS

PROJECTS = """---
title: Running Projects
---
# Running Projects

About projects.

## Budgets

Keep a reserve for surprises.

## Risk registers

Every risk register names an owner. The team managed the quarry schedule with care.

## Escaping

Write <script>alert(1)</script> as text and show `<b>bold</b>` as code & more.

## Registers of stakeholders

Who cares about the outcome.
"""


@pytest.fixture
def projects(make_course):
    return make_course(PROJECTS)


def found(client, query: str, **params) -> dict:
    response = client.get("/api/v1/search", query_string={"q": query, **params})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def titles(body: dict) -> list[str]:
    return [result["title"] for result in body["results"]]


@pytest.fixture
def learner_client(client, make_user, login):
    login(client, make_user(name="Lena Learner"))
    return client


def test_a_word_only_in_a_lesson_body_finds_the_lesson(projects, learner_client):
    body = found(learner_client, "quarry")
    assert titles(body) == ["Risk registers"]
    (hit,) = body["results"]
    assert hit["kind"] == "lesson"
    assert hit["course"] == {"slug": projects.slug, "title": "Running Projects"}
    assert hit["url"] == f"/courses/{projects.slug}/lessons/risk-registers"
    assert "<mark>quarry</mark>" in hit["snippet_html"]
    page = learner_client.get("/search?q=quarry")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<mark>quarry</mark>" in html
    assert f'href="/courses/{projects.slug}/lessons/risk-registers"' in html


def test_stemming_finds_other_forms_of_a_word(projects, learner_client):
    assert titles(found(learner_client, "managing")) == ["Risk registers"]
    assert titles(found(learner_client, "surprise")) == ["Budgets"]


def test_a_title_match_ranks_above_a_body_match(projects, learner_client):
    # "register" is in one lesson's title and another's body (and title), and in
    # "Registers of stakeholders" only in the title.
    body = found(learner_client, "stakeholders")
    assert titles(body) == ["Registers of stakeholders"]
    ranked = titles(found(learner_client, "owner"))
    assert ranked == ["Risk registers"]
    both = titles(found(learner_client, "registers"))
    assert set(both) == {"Risk registers", "Registers of stakeholders"}
    with_title = make_title_and_body_course(learner_client)
    assert with_title[0] == "Compasses"


def make_title_and_body_course(client) -> list[str]:
    text = (
        "# Navigation\n\n## Maps\n\nA compass needle points north, and a compass helps "
        "with maps.\n\n## Compasses\n\nHow to hold one.\n"
    )
    lessons.import_course(parse_markdown_document(text, fallback_title="x"), lessons.OPERATOR)
    return titles(found(client, "compass"))


def test_quoted_words_are_a_phrase(projects, learner_client):
    assert titles(found(learner_client, '"risk register"')) == ["Risk registers"]
    assert titles(found(learner_client, '"register risk"')) == []


def test_results_come_in_pages(make_course, learner_client):
    sections = "\n\n".join(f"## Part {n}\n\nThe lighthouse keeper, entry {n}." for n in range(13))
    make_course(f"# Lighthouses\n\n{sections}\n")
    first = found(learner_client, "lighthouse")
    assert (first["total"], first["pages"], len(first["results"])) == (13, 2, 10)
    second = found(learner_client, "lighthouse", page=2)
    assert len(second["results"]) == 3
    assert not set(titles(first)) & set(titles(second))
    html = learner_client.get("/search?q=lighthouse&page=2").get_data(as_text=True)
    assert "Page 2 of 2" in html and 'rel="prev"' in html


def test_the_index_follows_a_reimport_and_retired_lessons_are_not_found(
    projects, learner_client, instructor
):
    changed = PROJECTS.replace("quarry", "harbour").replace(
        "## Registers of stakeholders\n\nWho cares about the outcome.\n", ""
    )
    lessons.import_course(parse_markdown_document(changed, fallback_title="x"), instructor)
    assert titles(found(learner_client, "harbour")) == ["Risk registers"]
    assert titles(found(learner_client, "quarry")) == []
    assert titles(found(learner_client, "stakeholders")) == []  # retired


def test_snippets_escape_the_content_and_the_query(projects, learner_client):
    hit = found(learner_client, "alert")["results"][0]
    assert "<script>" not in hit["snippet_html"]
    assert "&lt;script&gt;" in hit["snippet_html"]
    assert "<mark>alert</mark>" in hit["snippet_html"]
    page = learner_client.get("/search", query_string={"q": '<img src=x onerror="x()"> bold'})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<img src=x" not in html
    assert "&lt;img src=x" in html
    assert "<b>bold</b>" not in html


def test_content_cannot_forge_a_mark(make_course, learner_client):
    make_course("# Marks\n\n## Forged\n\nA \ue000forged\ue001 mark and a dolphin.\n")
    snippet = found(learner_client, "dolphin")["results"][0]["snippet_html"]
    assert snippet.count("<mark>") == 1 and "<mark>dolphin</mark>" in snippet


# ---- who finds what --------------------------------------------------------------------


def test_questions_are_found_only_by_the_course_staff_and_admins(
    course, make_quiz, instructor, make_user, client, login
):
    quiz = make_quiz()
    for person, expected in (
        (instructor, ["Planets"]),
        (make_user(is_admin=True), ["Planets"]),
        (make_user(is_instructor=True), []),  # another instructor's bank
        (make_user(), []),  # a learner
    ):
        login(client, person)
        body = found(client, "planet")
        assert titles(body) == expected, person
        if expected:
            (hit,) = body["results"]
            assert hit["kind"] == "question" and hit["quiz_id"] == quiz.id
            assert hit["url"] == f"/teach/quizzes/{quiz.id}/questions/{quiz.questions[0].id}"
        client.post("/logout")


def test_answer_keys_are_never_searchable(course, make_quiz, instructor, make_user, client, login):
    make_quiz()
    words = ["Jupiter", "Paris", "Woof", "Meow", "Yellow", "Oui", *SECRET_TEXTS]
    for person in (make_user(), instructor):
        login(client, person)
        for word in words:
            body = found(client, word)
            assert body["results"] == [], (person, word)
        client.post("/logout")


def test_a_question_edit_is_searchable_at_once(course, make_quiz, instructor, make_user):
    quiz = make_quiz()
    question = quiz.questions[0]
    quizzes.update_question(
        question,
        Question(
            Kind.SINGLE,
            "Which moon has volcanoes?",
            title="Moons",
            choices=(Choice("Io", 1), Choice("Titan", 0)),
        ),
        instructor,
    )
    assert [hit.title for hit in search.search(instructor, "volcano").hits] == ["Moons"]
    assert search.search(instructor, "largest").hits == []
    assert search.search(instructor, "Titan").hits == []


def test_deleting_a_course_removes_its_documents(projects):
    db.session.execute(delete(Course).where(Course.id == projects.id))
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(SearchDocument)) == 0


def test_searching_needs_an_account(client, projects):
    assert client.get("/search?q=quarry").status_code == 302
    assert client.get("/api/v1/search?q=quarry").status_code == 401


# ---- bad queries -----------------------------------------------------------------------

BAD_QUERIES = [
    ("", "Type a word"),
    ("   ", "Type a word"),
    ('"""', "at least one word"),
    ("* ( ) : ^ - +", "at least one word"),
    ("x" * 201, "at most 200"),
    ("risk\u202eregister", "letters, numbers"),
]


@pytest.mark.parametrize(("query", "message"), BAD_QUERIES)
def test_bad_queries_get_a_clear_message(projects, learner_client, query, message):
    response = learner_client.get("/api/v1/search", query_string={"q": query})
    assert response.status_code == 422
    assert message in response.get_json()["errors"]["query"]["q"][0]
    page = learner_client.get("/search", query_string={"q": query})
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    assert "There is a problem" in html and message in html


@pytest.mark.parametrize(
    "query",
    [
        "risk AND NOT register",
        "NEAR(risk register)",
        'risk" OR "',
        "title:risk",
        "risk*",
        "-risk",
        "register -risk or budget",
        "'); DROP TABLE lessons; --",
        "{risk} \\",
    ],
)
def test_search_syntax_never_breaks_the_search(projects, learner_client, query):
    response = learner_client.get("/api/v1/search", query_string={"q": query})
    assert response.status_code == 200, response.get_json()
    assert learner_client.get("/search", query_string={"q": query}).status_code == 200


def test_nul_and_bad_pages_are_refused(projects, learner_client):
    assert learner_client.get("/api/v1/search?q=risk%00").status_code in (400, 422)
    assert learner_client.get("/search?q=risk%00").status_code == 400
    assert learner_client.get("/api/v1/search?q=risk&page=0").status_code == 422
    assert learner_client.get("/api/v1/search?q=risk&page=x").status_code == 422
    assert learner_client.get("/api/v1/search").status_code == 422
    assert learner_client.get("/search?q=risk&page=x").status_code == 200


def test_the_header_has_a_labelled_search_box(learner_client):
    html = learner_client.get("/").get_data(as_text=True)
    assert 'role="search"' in html
    assert '<label class="visually-hidden" for="site-search-q">Search</label>' in html
    assert 'action="/search"' in html


def test_the_search_page_without_a_query_shows_the_form(learner_client):
    response = learner_client.get("/search")
    assert response.status_code == 200
    assert 'id="search-q"' in response.get_data(as_text=True)
