"""The quiz JSON API: authoring (instructors) and taking quizzes (learners).

Named test_quiz_api.py, not test_api.py: pytest imports test files by basename here (no
__init__.py), and tests/coursework/test_api.py has that name.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.datastructures import MultiDict

from coursework.db import utcnow
from coursework.extensions import db
from coursework.policy import policy_of
from quizzes import services
from quizzes.gift import dump_gift, parse_gift
from quizzes.kinds import answers_from_form, answers_from_json
from quizzes.kinds.matching import MatchingAnswer
from quizzes.kinds.multiple import MultipleAnswer
from quizzes.kinds.short_text import TextAnswer
from quizzes.kinds.single import SingleAnswer
from quizzes.models import Attempt
from quizzes.spec import Kind, question_to_dict
from tests.support.quizkit import EVERY_KIND, body_of

API = "/api/v1"
DATA = Path(__file__).parent / "data"
BLUEPRINTS = ("quiz-authoring-api.", "quizzes-api.")


def fields_of(response) -> dict:
    assert response.status_code == 422, (response.status_code, response.json)
    assert response.json["code"] == 422
    return response.json["errors"]["json"]


@pytest.fixture
def as_user(app: Flask, client, login):
    """A new signed-in client for a user (`client` is made first, for its client class)."""

    def make(user):
        other = app.test_client()
        login(other, user)
        return other

    return make


@pytest.fixture
def author(instructor, as_user):
    """A client signed in as the instructor who owns the fixtures' course."""
    return as_user(instructor)


@pytest.fixture
def learner(make_user, as_user):
    return as_user(make_user())


def new_quiz(author, lesson="knives", **settings) -> dict:
    body = {"course": "kitchen-safety", "lesson": lesson, "title": "Knife check", **settings}
    response = author.post(f"{API}/quizzes", json=body)
    assert response.status_code == 201, response.json
    return response.json


def api_routes(app: Flask) -> list[tuple[str, str, str]]:
    """(method, path with ids filled in, policy) for every route of the quiz API."""
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith(BLUEPRINTS):
            continue
        path = re.sub(r"<int[^:>]*:(quiz_id|question_id|attempt_id|response_id)>", "1", rule.rule)
        path = path.replace("<slug>", "kitchen-safety")
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            routes.append((method, path, policy_of(app, rule.endpoint, method)))
    return routes


# ---- permissions ----------------------------------------------------------------------------


def test_every_quiz_api_route_declares_a_policy_and_anonymous_gets_401(app, client, course):
    routes = api_routes(app)
    assert len(routes) == 24  # 21, and the grading queue's three
    assert {policy for *_, policy in routes} == {"instructor", "learner"}
    for method, path, _ in routes:
        response = client.open(path, method=method, json={})
        assert response.status_code == 401, (method, path)
        assert response.json["code"] == 401


def test_a_learner_gets_403_from_every_authoring_route(app, learner, course):
    for method, path, policy in api_routes(app):
        if policy == "instructor":
            response = learner.open(path, method=method, json={})
            assert response.status_code == 403, (method, path)
            assert response.json["code"] == 403
            assert set(response.json) <= {"code", "status", "message"}


def test_instructors_may_also_take_quizzes(make_quiz, author):
    quiz = make_quiz()
    assert author.post(f"{API}/quizzes/{quiz.id}/attempts").status_code == 201


# ---- authoring: quizzes ---------------------------------------------------------------------


def test_create_list_read_and_change_a_quiz(author, course):
    created = new_quiz(author, passing_score=80, attempt_limit=3, review_shows="answers")
    assert created["course"] == "kitchen-safety" and created["lesson"] == "knives"
    assert created["published"] is False and created["questions"] == []
    assert (created["passing_score"], created["attempt_limit"]) == (80, 3)
    assert created["review_shows"] == "answers" and created["grading_method"] == "highest"
    final = new_quiz(author, lesson=None, title="Final")
    assert final["is_final"] is True and final["lesson"] is None

    listing = author.get(f"{API}/quizzes").json
    assert [(q["id"], q["lesson"]) for q in listing] == [
        (created["id"], "knives"),
        (final["id"], None),
    ]
    url = f"{API}/quizzes/{created['id']}"
    changed = author.patch(url, json={"attempt_limit": None, "shuffle_choices": True})
    assert changed.status_code == 200
    assert changed.json["attempt_limit"] is None and changed.json["shuffle_choices"] is True
    assert changed.json["passing_score"] == 80 and changed.json["title"] == "Knife check"
    assert author.patch(url, json={}).json["passing_score"] == 80
    assert author.get(url).json["attempt_limit"] is None


def test_a_lesson_has_one_quiz_and_unknown_places_are_422_naming_the_field(author, course):
    new_quiz(author)
    again = author.post(
        f"{API}/quizzes", json={"course": "kitchen-safety", "lesson": "knives", "title": "x"}
    )
    assert again.status_code == 409 and "already has a quiz" in again.json["message"]
    no_course = author.post(f"{API}/quizzes", json={"course": "absent", "title": "x"})
    assert "course" in fields_of(no_course)
    no_lesson = author.post(
        f"{API}/quizzes", json={"course": "kitchen-safety", "lesson": "absent", "title": "x"}
    )
    assert "lesson" in fields_of(no_lesson)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "x"}, "course"),
        ({"course": "kitchen-safety"}, "title"),
        ({"course": "kitchen-safety", "title": "   "}, "title"),
        ({"course": "kitchen-safety", "title": "x" * 201}, "title"),
        ({"course": "kitchen-safety", "title": 7}, "title"),
        ({"course": "kitchen-safety", "title": "x", "passing_score": 101}, "passing_score"),
        ({"course": "kitchen-safety", "title": "x", "passing_score": "70"}, "passing_score"),
        ({"course": "kitchen-safety", "title": "x", "passing_score": 70.5}, "passing_score"),
        ({"course": "kitchen-safety", "title": "x", "attempt_limit": 0}, "attempt_limit"),
        ({"course": "kitchen-safety", "title": "x", "attempt_limit": 10**30}, "attempt_limit"),
        (
            {"course": "kitchen-safety", "title": "x", "time_limit_minutes": -5},
            "time_limit_minutes",
        ),
        ({"course": "kitchen-safety", "title": "x", "grading_method": "best"}, "grading_method"),
        ({"course": "kitchen-safety", "title": "x", "review_shows": "all"}, "review_shows"),
        ({"course": "kitchen-safety", "title": "x", "review_when": "never"}, "review_when"),
        ({"course": "kitchen-safety", "title": "x", "shuffle_choices": "yes"}, "shuffle_choices"),
        ({"course": "kitchen-safety", "title": "x", "required": 1}, "required"),
        ({"course": "kitchen-safety", "title": "x", "published": True}, "published"),
        ({"course": "kitchen-safety", "title": "x", "id": 4}, "id"),
        ({"course": "kitchen-safety", "title": "x", "description": "d" * 100_000}, "description"),
        ({"course": "k" * 100_000, "title": "x"}, "course"),
    ],
)
def test_bad_quiz_settings_are_422_naming_the_field(author, course, body, field):
    assert field in fields_of(author.post(f"{API}/quizzes", json=body))
    assert author.get(f"{API}/quizzes").json == []


def test_bad_patches_are_422_and_change_nothing(author, course):
    quiz = new_quiz(author)
    url = f"{API}/quizzes/{quiz['id']}"
    for body, field in [
        ({"passing_score": -1}, "passing_score"),
        ({"title": ""}, "title"),
        ({"course": "other"}, "course"),
        ({"lesson": None}, "lesson"),
    ]:
        assert field in fields_of(author.patch(url, json=body))
    assert author.get(url).json["passing_score"] == quiz["passing_score"]


def test_malformed_bodies_are_4xx_never_500(author, course):
    url = f"{API}/quizzes"
    not_json = author.post(url, data="{not json", content_type="application/json")
    assert not_json.status_code == 400 and not_json.json["code"] == 400
    for body in ([], "text", 12, None):
        response = author.post(url, json=body)
        assert response.status_code == 422, body
    nan = author.post(
        f"{API}/quizzes",
        data='{"course": "kitchen-safety", "title": "x", "passing_score": NaN}',
        content_type="application/json",
    )
    assert "passing_score" in fields_of(nan)
    huge = author.post(url, json={"course": "kitchen-safety", "title": "x" * 3_000_000})
    assert huge.status_code == 413


def test_unknown_ids_are_404(author, course):
    for path in (
        "/quizzes/999",
        "/quizzes/999/questions",
        "/quizzes/999/gift",
        "/quizzes/99999999999999999999999",
    ):
        response = author.get(API + path)
        assert response.status_code == 404, path
        assert response.json["code"] == 404


# ---- authoring: questions -------------------------------------------------------------------


def test_every_kind_of_question_round_trips_through_the_api(author, course):
    quiz = new_quiz(author)
    url = f"{API}/quizzes/{quiz['id']}/questions"
    for number, question in enumerate(EVERY_KIND, start=1):
        response = author.post(url, json=body_of(question))
        assert response.status_code == 201, response.json
        assert response.json["position"] == number
        # "advice" is the checker's, tested in test_checker.py and below.
        got = {k: v for k, v in response.json.items() if k not in ("id", "position", "advice")}
        got["choices"] = [{k: v for k, v in c.items() if k != "id"} for c in got["choices"]]
        assert got == question_to_dict(question)
    listed = author.get(url).json
    assert [q["kind"] for q in listed] == [q.kind.value for q in EVERY_KIND]
    detail = author.get(f"{API}/quizzes/{quiz['id']}").json
    assert detail["question_count"] == 6 and detail["total_points"] == 6
    single = author.get(f"{url}/{listed[0]['id']}").json
    assert single["choices"][0] == {
        "id": single["choices"][0]["id"],
        "text": "Jupiter",
        "weight": 1.0,
        "feedback": "Yes, by far.",
    }


def test_replace_move_and_delete_questions(author, course):
    quiz = new_quiz(author)
    url = f"{API}/quizzes/{quiz['id']}/questions"
    ids = [author.post(url, json=body_of(q)).json["id"] for q in EVERY_KIND[:3]]

    changed = body_of(EVERY_KIND[3]) | {"points": 2.5, "text_format": "markdown"}
    replaced = author.put(f"{url}/{ids[0]}", json=changed)
    assert replaced.status_code == 200
    assert (replaced.json["kind"], replaced.json["points"]) == ("short_text", 2.5)
    assert replaced.json["choices"][0]["text"] == "Paris"

    moved = author.post(f"{url}/{ids[0]}/move", json={"offset": 1})
    assert [q["id"] for q in moved.json] == [ids[1], ids[0], ids[2]]
    assert [q["position"] for q in moved.json] == [1, 2, 3]
    up = author.post(f"{url}/{ids[1]}/move", json={"offset": -1}).json
    assert [q["id"] for q in up] == [ids[1], ids[0], ids[2]]  # already first: stays
    for offset in (2, 0, "1", None, 1.0):
        assert "offset" in fields_of(author.post(f"{url}/{ids[0]}/move", json={"offset": offset}))

    deleted = author.delete(f"{url}/{ids[1]}")
    assert deleted.status_code == 204 and deleted.data == b""
    assert [q["id"] for q in author.get(url).json] == [ids[0], ids[2]]
    assert author.get(f"{url}/{ids[1]}").status_code == 404
    assert author.delete(f"{url}/{ids[1]}").status_code == 404


def test_a_question_of_another_quiz_is_404(author, course):
    first, second = new_quiz(author), new_quiz(author, lesson="heat")
    question = author.post(
        f"{API}/quizzes/{first['id']}/questions", json=body_of(EVERY_KIND[0])
    ).json
    assert author.get(f"{API}/quizzes/{second['id']}/questions/{question['id']}").status_code == 404


SINGLE = body_of(EVERY_KIND[0])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        # shapes (the schema)
        ({k: v for k, v in SINGLE.items() if k != "kind"}, "kind"),
        ({k: v for k, v in SINGLE.items() if k != "text"}, "text"),
        (SINGLE | {"kind": "description"}, "kind"),
        (SINGLE | {"kind": "essay"}, "choices"),  # an essay has no choices
        ({"kind": "essay", "text": "Why?", "rubric": "x" * 10_001}, "rubric"),
        (SINGLE | {"text": ["a"]}, "text"),
        (SINGLE | {"text": "x" * 200_000}, "text"),
        (SINGLE | {"title": "x" * 201}, "title"),
        (SINGLE | {"points": "lots"}, "points"),
        (SINGLE | {"points": 0}, "points"),
        (SINGLE | {"points": 10**6}, "points"),
        (SINGLE | {"text_format": "rtf"}, "text_format"),
        (SINGLE | {"choices": "Jupiter"}, "choices"),
        (SINGLE | {"choices": [{"text": "a", "weight": 2}]}, "choices"),
        (SINGLE | {"choices": [{"weight": 1}]}, "choices"),
        (SINGLE | {"choices": [{"text": "a", "correct": True}]}, "choices"),
        (SINGLE | {"choices": [{"text": str(i)} for i in range(51)]}, "choices"),
        (SINGLE | {"secret": 1}, "secret"),
        (SINGLE | {"id": 5}, "id"),
        (SINGLE | {"pairs": [{"prompt": "a", "answer": "b"}]}, "pairs"),
        (SINGLE | {"answer": True}, "answer"),
        (body_of(EVERY_KIND[2]) | {"answer": "yes"}, "answer"),
        (body_of(EVERY_KIND[2]) | {"choices": [{"text": "True", "weight": 1}]}, "choices"),
        (body_of(EVERY_KIND[4]) | {"numbers": [{"value": "eight"}]}, "numbers"),
        (body_of(EVERY_KIND[4]) | {"numbers": [{"value": 8, "tolerance": -1}]}, "numbers"),
        (body_of(EVERY_KIND[5]) | {"pairs": [{"prompt": "a"}]}, "pairs"),
        # rules (question_problems, through the services)
        (SINGLE | {"text": "  "}, "text"),
        (SINGLE | {"choices": [{"text": "a"}, {"text": "b"}]}, "choices"),
        (SINGLE | {"choices": [{"text": "a", "weight": 1}]}, "choices"),
        (
            body_of(EVERY_KIND[1]) | {"choices": [{"text": "a", "weight": 0.5}, {"text": "b"}]},
            "choices",
        ),
        ({"kind": "true_false", "text": "Sky is blue."}, "answer"),
        ({"kind": "short_text", "text": "Capital?"}, "choices"),
        ({"kind": "numeric", "text": "How many?", "numbers": [{"low": 5, "high": 1}]}, "numbers"),
        ({"kind": "numeric", "text": "How many?", "numbers": [{"low": 5}]}, "numbers"),
        (
            {"kind": "matching", "text": "Match.", "pairs": [{"prompt": "a", "answer": "b"}]},
            "pairs",
        ),
    ],
)
def test_bad_questions_are_422_naming_the_field(author, course, body, field):
    quiz = new_quiz(author)
    url = f"{API}/quizzes/{quiz['id']}/questions"
    errors = fields_of(author.post(url, json=body))
    assert field in errors, errors
    assert all(isinstance(messages, list | dict) for messages in errors.values())
    assert author.get(url).json == []


def test_a_bad_replacement_leaves_the_question_as_it_was(author, course):
    quiz = new_quiz(author)
    url = f"{API}/quizzes/{quiz['id']}/questions"
    question = author.post(url, json=SINGLE).json
    assert "choices" in fields_of(
        author.put(f"{url}/{question['id']}", json=SINGLE | {"choices": []})
    )
    assert author.get(f"{url}/{question['id']}").json == question


def test_publish_needs_a_question_and_unpublish_hides_the_quiz(author, learner, course):
    quiz = new_quiz(author)
    refused = author.post(f"{API}/quizzes/{quiz['id']}/publish")
    assert refused.status_code == 422 and "at least one question" in refused.json["message"]
    author.post(f"{API}/quizzes/{quiz['id']}/questions", json=SINGLE)
    assert learner.get(f"{API}/courses/kitchen-safety/quizzes").json == []
    assert author.post(f"{API}/quizzes/{quiz['id']}/publish").json["published"] is True
    assert [q["id"] for q in learner.get(f"{API}/courses/kitchen-safety/quizzes").json] == [
        quiz["id"]
    ]
    assert author.post(f"{API}/quizzes/{quiz['id']}/unpublish").json["published"] is False
    assert learner.post(f"{API}/quizzes/{quiz['id']}/attempts").status_code == 404


# ---- authoring: GIFT ------------------------------------------------------------------------


def test_gift_export_is_plain_text_that_reads_back(make_quiz, author):
    quiz = make_quiz()
    response = author.get(f"{API}/quizzes/{quiz.id}/gift")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    assert "filename=" in response.headers["Content-Disposition"]
    read = parse_gift(text).questions
    assert [(q.kind, q.text) for q in read] == [(q.kind, q.text) for q in EVERY_KIND]
    # A whole number stored as a JSON integer is written as one (8, not 8.0).
    assert "spider? {#8}" in text and read[4].numbers[0].value == 8
    assert text == dump_gift(read)


def test_a_quiz_gift_cannot_express_is_a_409_not_a_500(author, course):
    quiz = new_quiz(author)
    arrow = {"kind": "short_text", "text": "Arrow?", "choices": [{"text": "a -> b", "weight": 1}]}
    assert author.post(f"{API}/quizzes/{quiz['id']}/questions", json=arrow).status_code == 201
    response = author.get(f"{API}/quizzes/{quiz['id']}/gift")
    assert response.status_code == 409
    assert response.json["message"].startswith("This quiz cannot be written as GIFT")


def test_gift_import_replaces_the_questions_and_again_changes_nothing(author, course):
    quiz = new_quiz(author)
    url = f"{API}/quizzes/{quiz['id']}/gift"
    text = (DATA / "matching.gift").read_text()
    first = author.put(url, json={"gift": text})
    assert first.status_code == 200, first.json
    assert first.json["changed"] is True
    questions = first.json["quiz"]["questions"]
    assert [q["kind"] for q in questions] == ["matching", "matching"]
    assert questions[0]["pairs"][0] == {"prompt": "France", "answer": "Paris"}
    assert first.json["quiz"]["published"] is False
    assert author.put(url, json={"gift": text}).json["changed"] is False
    exported = author.get(url).get_data(as_text=True)
    assert author.put(url, json={"gift": exported}).json["changed"] is False


def test_a_bad_gift_file_is_422_with_every_problem_and_changes_nothing(make_quiz, author):
    quiz = make_quiz()
    url = f"{API}/quizzes/{quiz.id}/gift"
    before = author.get(f"{API}/quizzes/{quiz.id}/questions").json
    text = "Good one? {TRUE}\n\nBroken {=a ~b\n\nNo answers here.\n\nAlso {=x}\n"
    errors = fields_of(author.put(url, json={"gift": text}))
    assert errors["gift"] == [
        "line 3: '{' is never closed with '}'",
        "line 5: no answer block { }: descriptions (text without answers) are not supported",
    ]
    for body, field in [({}, "gift"), ({"gift": ""}, "gift"), ({"gift": 3}, "gift")]:
        assert field in fields_of(author.put(url, json=body))
    assert author.get(f"{API}/quizzes/{quiz.id}/questions").json == before


# ---- learners -------------------------------------------------------------------------------

RIGHT = {
    "Which planet is largest?": ("choice", ["Jupiter"]),
    "Which are primary colours of light?": ("choices", ["Red", "Green", "Blue"]),
    "Water boils at 100 °C at sea level.": ("value", True),
    "Capital of France?": ("text", "paris"),
    "How many legs has a spider?": ("text", "8"),
    "Match the animal to its sound.": ("pairs", {"Cat": "Meow", "Dog": "Woof"}),
}


def right_json(attempt: dict) -> dict:
    """Right answers for EVERY_KIND, found from what the learner is shown."""
    answers = {}
    for q in attempt["questions"]:
        field, value = RIGHT[q["text"]]
        if field in ("choice", "choices"):
            ids = [o["id"] for o in q["options"] if o["text"] in value]
            value = ids[0] if field == "choice" else ids
        elif field == "pairs":
            value = {str(i): value[prompt] for i, prompt in enumerate(q["prompts"])}
        answers[str(q["key"])] = {field: value}
    return answers


def test_course_quizzes_show_my_standing(make_quiz, learner, course):
    quiz = make_quiz(attempt_limit=2)
    make_quiz(lesson_slug=None, title="Final")
    listing = learner.get(f"{API}/courses/kitchen-safety/quizzes").json
    assert [(q["lesson"], q["is_final"]) for q in listing] == [("knives", False), (None, True)]
    first = listing[0]
    assert first["id"] == quiz.id
    assert (first["attempts_used"], first["attempts_left"], first["grade"]) == (0, 2, None)
    assert (first["passed"], first["can_start"], first["open_attempt"]) == (False, True, None)
    assert first["question_count"] == 6
    attempt = learner.post(f"{API}/quizzes/{quiz.id}/attempts").json
    learner.put(f"{API}/attempts/{attempt['id']}/answers", json={"answers": right_json(attempt)})
    learner.post(f"{API}/attempts/{attempt['id']}/submit")
    first = learner.get(f"{API}/courses/kitchen-safety/quizzes").json[0]
    assert (first["attempts_used"], first["attempts_left"], first["grade"]) == (1, 1, 100.0)
    assert first["passed"] is True
    assert learner.get(f"{API}/courses/absent/quizzes").status_code == 404


def test_start_save_submit_and_see_the_result(make_quiz, learner):
    quiz = make_quiz()
    started = learner.post(f"{API}/quizzes/{quiz.id}/attempts")
    assert started.status_code == 201
    attempt = started.json
    assert (attempt["number"], attempt["state"], attempt["answered"]) == (1, "in_progress", 0)
    assert [q["number"] for q in attempt["questions"]] == [1, 2, 3, 4, 5, 6]
    resumed = learner.post(f"{API}/quizzes/{quiz.id}/attempts")
    assert resumed.status_code == 200 and resumed.json["id"] == attempt["id"]

    url = f"{API}/attempts/{attempt['id']}"
    answers = right_json(attempt)
    saved = learner.put(f"{url}/answers", json={"answers": answers})
    assert saved.status_code == 200, saved.json
    assert saved.json["answered"] == 6
    stored = learner.get(url).json["answers"]
    assert stored == {
        key: {"choices": sorted(a["choices"])} if "choices" in a else a
        for key, a in answers.items()
    }
    # null clears one answer; the others stay
    first_key = str(attempt["questions"][0]["key"])
    cleared = learner.put(f"{url}/answers", json={"answers": {first_key: None}}).json
    assert cleared["answered"] == 5 and first_key not in cleared["answers"]
    learner.put(f"{url}/answers", json={"answers": {first_key: answers[first_key]}})

    assert learner.get(f"{url}/result").status_code == 403  # not submitted yet
    result = learner.post(f"{url}/submit")
    assert result.status_code == 200
    assert (result.json["percent"], result.json["passed"], result.json["points"]) == (
        100.0,
        True,
        6.0,
    )
    assert result.json["review_level"] == "feedback"
    assert {q["outcome"] for q in result.json["questions"]} == {"correct"}
    assert learner.get(f"{url}/result").json == result.json
    history = learner.get(f"{API}/quizzes/{quiz.id}/attempts").json
    assert [(a["id"], a["state"], a["percent"]) for a in history] == [
        (attempt["id"], "submitted", 100.0)
    ]


def test_submitting_twice_returns_the_same_result_and_saving_after_is_409(make_quiz, learner):
    quiz = make_quiz()
    attempt = learner.post(f"{API}/quizzes/{quiz.id}/attempts").json
    url = f"{API}/attempts/{attempt['id']}"
    learner.put(f"{url}/answers", json={"answers": right_json(attempt)})
    first = learner.post(f"{url}/submit")
    second = learner.post(f"{url}/submit")
    assert second.status_code == 200 and second.json == first.json
    late = learner.put(f"{url}/answers", json={"answers": {}})
    assert late.status_code == 409
    assert late.json["message"] == "This attempt has already been submitted."
    assert learner.get(f"{API}/quizzes/{quiz.id}/attempts").json[0]["percent"] == 100.0


def test_answer_shapes_are_checked_against_each_question(make_quiz, learner):
    quiz = make_quiz()
    attempt = learner.post(f"{API}/quizzes/{quiz.id}/attempts").json
    url = f"{API}/attempts/{attempt['id']}/answers"
    keys = {q["kind"]: str(q["key"]) for q in attempt["questions"]}
    for answers, key in [
        ({"424242": {"text": "x"}}, "424242"),
        ({"abc": None}, "abc"),
        ({keys["single"]: {"value": True}}, keys["single"]),
        ({keys["single"]: {"choice": 10**9}}, keys["single"]),
        ({keys["multiple"]: {"choices": [1, 99]}}, keys["multiple"]),
        ({keys["true_false"]: {"text": "true"}}, keys["true_false"]),
        ({keys["numeric"]: {"choice": 1}}, keys["numeric"]),
        ({keys["matching"]: {"pairs": {"0": "Quack"}}}, keys["matching"]),
        ({keys["matching"]: {"pairs": {"7": "Meow"}}}, keys["matching"]),
    ]:
        errors = fields_of(learner.put(url, json={"answers": answers}))
        assert key in errors["answers"], (answers, errors)
    # wrong types and unknown fields are caught by the schema
    for body in [
        {},
        {"answers": []},
        {"answers": {keys["single"]: {}}},
        {"answers": {keys["single"]: {"choice": "1"}}},
        {"answers": {keys["single"]: {"choice": 1, "text": "x"}}},
        {"answers": {keys["true_false"]: {"value": "yes"}}},
        {"answers": {keys["short_text"]: {"text": "x" * 501}}},
        {"answers": {keys["matching"]: {"pairs": {"first": "Meow"}}}},
        {"answers": {keys["matching"]: {"pairs": ["Meow"]}}},
        {"answers": {keys["single"]: {"score": 1}}},
        {"answers": {}, "submit": True},
    ]:
        response = learner.put(url, json=body)
        assert response.status_code == 422, body
        assert response.json["errors"]["json"], body
    assert learner.get(f"{API}/attempts/{attempt['id']}").json["answered"] == 0


def test_the_attempt_limit_is_a_409_with_the_reason(make_quiz, learner):
    quiz = make_quiz(attempt_limit=1)
    attempt = learner.post(f"{API}/quizzes/{quiz.id}/attempts").json
    learner.post(f"{API}/attempts/{attempt['id']}/submit")
    refused = learner.post(f"{API}/quizzes/{quiz.id}/attempts")
    assert refused.status_code == 409
    assert refused.json == {
        "code": 409,
        "status": "Conflict",
        "message": "You have used every attempt this quiz allows.",
    }
    assert learner.get(f"{API}/courses/kitchen-safety/quizzes").json[0]["can_start"] is False


def test_saving_after_the_time_is_up_is_409_and_the_attempt_is_submitted(make_quiz, learner):
    quiz = make_quiz(time_limit_minutes=5)
    attempt = learner.post(f"{API}/quizzes/{quiz.id}/attempts").json
    url = f"{API}/attempts/{attempt['id']}"
    learner.put(f"{url}/answers", json={"answers": right_json(attempt)})
    row = db.session.get(Attempt, attempt["id"])
    row.deadline_at = utcnow() - timedelta(minutes=2)
    db.session.commit()
    late = learner.put(f"{url}/answers", json={"answers": {}})
    assert late.status_code == 409 and "Time is up" in late.json["message"]
    result = learner.get(f"{url}/result").json
    assert result["auto_submitted"] is True and result["percent"] == 100.0


def test_someone_elses_attempt_is_404(make_quiz, make_user, as_user, learner):
    quiz = make_quiz()
    attempt = learner.post(f"{API}/quizzes/{quiz.id}/attempts").json
    other = as_user(make_user())
    url = f"{API}/attempts/{attempt['id']}"
    for method, path, body in [
        ("GET", url, None),
        ("PUT", f"{url}/answers", {"answers": right_json(attempt)}),
        ("POST", f"{url}/submit", None),
        ("GET", f"{url}/result", None),
    ]:
        response = other.open(path, method=method, json=body)
        assert response.status_code == 404, path
        assert response.json["message"] == "There is no attempt at this address."
    assert (
        learner.get(url).json["answered"] == 0 and learner.get(url).json["state"] == "in_progress"
    )
    assert other.get(f"{API}/quizzes/{quiz.id}/attempts").json == []


def test_unpublished_quizzes_are_404_to_learners(make_quiz, learner, instructor):
    quiz = make_quiz()
    services.set_published(quiz, False, instructor)
    assert learner.post(f"{API}/quizzes/{quiz.id}/attempts").status_code == 404
    assert learner.get(f"{API}/quizzes/{quiz.id}/attempts").status_code == 404


def test_json_and_form_answers_parse_into_the_same_typed_answers(make_quiz, make_user):
    """The API and the page read answers through the same kind, each from its own shape."""
    quiz = make_quiz()
    attempt = services.start_attempt(make_user(), quiz)
    shown = services.shown_questions(attempt)
    by_kind = {q.spec.kind: q for q in shown}
    single, multiple, matching = (
        by_kind[Kind.SINGLE],
        by_kind[Kind.MULTIPLE],
        by_kind[Kind.MATCHING],
    )
    true_false, numeric = by_kind[Kind.TRUE_FALSE], by_kind[Kind.NUMERIC]
    from_json = answers_from_json(
        shown,
        {
            str(single.key): {"choice": 1},
            str(multiple.key): {"choices": [2, 1]},
            str(matching.key): {"pairs": {"1": "Woof"}},
            str(numeric.key): {"text": " 8 "},
            str(true_false.key): None,
        },
    )
    from_form = answers_from_form(
        shown,
        MultiDict(
            [
                (f"q{single.key}", "1"),
                (f"q{multiple.key}", "1"),
                (f"q{multiple.key}", "2"),
                (f"q{matching.key}-1", "Woof"),
                (f"q{numeric.key}", "8"),
                (f"q{true_false.key}-present", "1"),
            ]
        ),
    )
    assert (
        from_json
        == from_form
        == {
            single.key: SingleAnswer(single.choice_for_option(1)),
            multiple.key: MultipleAnswer(
                frozenset({multiple.choice_for_option(1), multiple.choice_for_option(2)})
            ),
            matching.key: MatchingAnswer({1: "Woof"}),
            numeric.key: TextAnswer("8"),
            true_false.key: None,
        }
    )


# ---- the OpenAPI document -------------------------------------------------------------------


def test_every_quiz_endpoint_is_in_the_openapi_document_with_schemas(client):
    spec = client.get(f"{API}/openapi.json").json
    paths = spec["paths"]
    expected = {
        "/api/v1/quizzes": {"get", "post"},
        "/api/v1/quizzes/{quiz_id}": {"get", "patch"},
        "/api/v1/quizzes/{quiz_id}/publish": {"post"},
        "/api/v1/quizzes/{quiz_id}/unpublish": {"post"},
        "/api/v1/quizzes/{quiz_id}/questions": {"get", "post"},
        "/api/v1/quizzes/{quiz_id}/questions/{question_id}": {"get", "put", "delete"},
        "/api/v1/quizzes/{quiz_id}/questions/{question_id}/move": {"post"},
        "/api/v1/quizzes/{quiz_id}/gift": {"get", "put"},
        "/api/v1/courses/{slug}/quizzes": {"get"},
        "/api/v1/quizzes/{quiz_id}/attempts": {"get", "post"},
        "/api/v1/attempts/{attempt_id}": {"get"},
        "/api/v1/attempts/{attempt_id}/answers": {"put"},
        "/api/v1/attempts/{attempt_id}/submit": {"post"},
        "/api/v1/attempts/{attempt_id}/result": {"get"},
    }
    for path, methods in expected.items():
        assert path in paths, path
        assert methods <= set(paths[path]), path
        for method in methods:
            operation = paths[path][method]
            assert operation.get("summary"), (path, method)
            success = next(code for code in operation["responses"] if code.startswith("2"))
            if success != "204":
                assert operation["responses"][success]["content"], (path, method)
            if method in ("post", "put", "patch") and "requestBody" in operation:
                assert "$ref" in operation["requestBody"]["content"]["application/json"]["schema"]
    schemas = spec["components"]["schemas"]
    learner_question = schemas["LearnerQuestion"]["properties"]
    assert not {"weight", "feedback", "choices", "pairs", "answer"} & set(learner_question)
    assert {"AuthorQuestionIn", "SaveAnswers", "Result", "QuizStanding"} <= set(schemas)
