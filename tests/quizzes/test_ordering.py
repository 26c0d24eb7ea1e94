"""The ordering kind: its grading rule, taking it through the page (CSRF on) and the API,
authoring it, and GIFT refusing it."""

from __future__ import annotations

import re
from itertools import permutations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coursework.extensions import db
from quizzes import services
from quizzes.gift import dump_gift
from quizzes.grading import Outcome, grade_ordering
from quizzes.spec import Choice, Kind, Question
from tests.support.data import PASSWORD

API = "/api/v1"
PLANETS = ("Mercury", "Venus", "Earth", "Mars")
ORDERING = Question(
    Kind.ORDERING,
    "Put the planets in order from the Sun.",
    choices=tuple(Choice(name, 1) for name in PLANETS),
)
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


# ---- the rule ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("order", "fraction"),
    [
        ([0, 1, 2, 3], 1.0),  # all three neighbouring pairs right
        ([3, 2, 1, 0], 0.0),  # reversed: no pair in the right order
        ([1, 2, 3, 0], 2 / 3),  # Mercury moved to the end: Venus-Earth, Earth-Mars kept
        ([0, 1, 3, 2], 1 / 3),  # the last two swapped: only Mercury-Venus kept
        ([0, 2, 1, 3], 0.0),  # the middle two swapped: every pair broken
    ],
)
def test_ordering_earns_the_share_of_neighbouring_pairs_in_the_right_order(order, fraction):
    assert grade_ordering(ORDERING, order).fraction == pytest.approx(fraction)


@pytest.mark.parametrize("answer", [None, [], [0, 1, 2], [0, 0, 1, 2], [0, 1, 2, 9], "0123"])
def test_an_ordering_that_is_not_every_item_once_is_unanswered(answer):
    assert grade_ordering(ORDERING, answer).outcome is Outcome.UNANSWERED


@settings(max_examples=200, deadline=None)
@given(st.integers(2, 8).flatmap(lambda n: st.permutations(list(range(n)))))
def test_ordering_grades_are_fractions_and_only_the_right_order_scores_full(order):
    question = Question(
        Kind.ORDERING, "?", choices=tuple(Choice(str(i), 1) for i in range(len(order)))
    )
    graded = grade_ordering(question, order)
    assert 0.0 <= graded.fraction <= 1.0
    assert (graded.fraction == 1.0) == (order == sorted(order))
    assert grade_ordering(question, sorted(order, reverse=True)).fraction == 0.0


def test_every_order_of_three_scores_on_the_pairs_rule():
    question = Question(Kind.ORDERING, "?", choices=tuple(Choice(c, 1) for c in "abc"))
    scores = sorted(grade_ordering(question, list(p)).fraction for p in permutations(range(3)))
    # (0,1,2)=1; (1,2,0),(2,0,1)=1/2; the rest break both pairs.
    assert scores == pytest.approx([0, 0, 0, 0.5, 0.5, 1])


# ---- taking it ----------------------------------------------------------------------------


def shown_places(page: str, key: int) -> list[str]:
    """The items' texts in the order the page lists them."""
    return re.findall(r'<span class="ordering__text">([^<]+)</span>', page)


def test_an_ordering_attempt_through_the_page_with_csrf_on(client, make_user, make_quiz, csrf_on):
    quiz = make_quiz([ORDERING])
    learner = make_user()
    token = TOKEN.search(client.get("/login").get_data(as_text=True)).group(1)
    client.post("/login", data={"email": learner.email, "password": PASSWORD, "csrf_token": token})
    attempt = services.start_attempt(learner, quiz)
    (question,) = services.shown_questions(attempt)
    page = client.get(f"/attempts/{attempt.id}").get_data(as_text=True)
    shown = shown_places(page, question.key)
    assert sorted(shown) == sorted(PLANETS) and shown != list(PLANETS)  # never shown solved
    assert page.count('class="input ordering__place"') == 4
    assert "js/ordering.js" in page and "<script>" not in page
    token = TOKEN.search(page).group(1)

    # Places as a learner without the script picks them: Mercury moved last (2/3 of pairs).
    places = {name: (PLANETS.index(name) or 4) for name in PLANETS}
    data = {"csrf_token": token, "action": "submit"}
    for option, text in question.options:
        data[f"q{question.key}-{option}"] = str(places[text])
    assert client.post(f"/attempts/{attempt.id}", data={"action": "submit"}).status_code == 400
    done = client.post(f"/attempts/{attempt.id}", data=data)
    assert done.headers["Location"] == f"/attempts/{attempt.id}/result"
    result = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "<strong>66.7%</strong>" in result
    assert "(belongs in place 1)" in result  # Mercury, put last


def test_saved_order_is_shown_back_in_that_order(client, make_user, login, make_quiz):
    quiz = make_quiz([ORDERING])
    learner = make_user()
    login(client, learner)
    attempt = services.start_attempt(learner, quiz)
    (question,) = services.shown_questions(attempt)
    services.save_answers(attempt, {question.key: question.kind.wrong_answer(question)})
    page = client.get(f"/attempts/{attempt.id}").get_data(as_text=True)
    assert shown_places(page, question.key) == list(reversed(PLANETS))
    assert services.submit_attempt(attempt).percent == 0


def test_an_ordering_attempt_through_the_api(app, client, make_user, login, make_quiz):
    quiz = make_quiz([ORDERING])
    login(client, make_user())
    started = client.post(f"{API}/quizzes/{quiz.id}/attempts").json
    (question,) = started["questions"]
    assert question["kind"] == "ordering"
    by_text = {option["text"]: option["id"] for option in question["options"]}
    url = f"{API}/attempts/{started['id']}/answers"
    key = str(question["key"])

    for bad in (
        {"order": [1, 2, 3]},
        {"order": [1, 1, 2, 3]},
        {"order": [1, 2, 3, 99]},
        {"text": "x"},
    ):
        response = client.put(url, json={"answers": {key: bad}})
        assert response.status_code == 422, bad
        assert key in response.json["errors"]["json"]["answers"], response.json

    right = [by_text[name] for name in PLANETS]
    saved = client.put(url, json={"answers": {key: {"order": right}}})
    assert saved.status_code == 200 and saved.json["answers"][key] == {"order": right}
    result = client.post(f"{API}/attempts/{started['id']}/submit").json
    assert result["percent"] == 100
    assert result["questions"][0]["correct"] == {"order": right}


# ---- authoring and GIFT -------------------------------------------------------------------


def test_an_instructor_writes_an_ordering_question(client, instructor, login, make_quiz):
    login(client, instructor)
    quiz = make_quiz([ORDERING])
    url = f"/teach/quizzes/{quiz.id}/questions/new?kind=ordering"
    page = client.get(url).get_data(as_text=True)
    assert "Items, in the right order" in page and "Item 1" in page
    data = {"text": "Order the steps.", "text_format": "plain", "points": "2"}
    lonely = client.post(url, data={**data, "choices-0-text": "Plan"})
    assert lonely.status_code == 400
    assert "Give at least two items." in lonely.get_data(as_text=True)
    done = client.post(url, data={**data, "choices-0-text": "Plan", "choices-1-text": "Build"})
    assert done.status_code == 302, done.get_data(as_text=True)[:2000]
    db.session.expire_all()
    written = services.to_spec(services.get_quiz(quiz.id).questions[-1])
    assert written.kind is Kind.ORDERING
    assert [c.text for c in written.choices] == ["Plan", "Build"]


def test_gift_export_refuses_ordering_with_a_clear_message(client, instructor, login, make_quiz):
    with pytest.raises(ValueError, match="GIFT has no syntax for ordering questions"):
        dump_gift([ORDERING])
    login(client, instructor)
    quiz = make_quiz([ORDERING])
    page = client.get(f"/teach/quizzes/{quiz.id}/export.gift", follow_redirects=True)
    assert "GIFT has no syntax for ordering questions" in page.get_data(as_text=True)
    response = client.get(f"{API}/quizzes/{quiz.id}/gift")
    assert response.status_code == 409
    assert "GIFT has no syntax for ordering questions" in response.get_data(as_text=True)


def test_an_ordering_question_previews_edits_and_counts_in_statistics(
    client, instructor, login, make_user, make_quiz
):
    quiz = make_quiz([ORDERING])
    learner = make_user()
    attempt = services.start_attempt(learner, quiz)
    (question,) = services.shown_questions(attempt)
    services.save_answers(attempt, {question.key: question.kind.right_answer(question)})
    services.submit_attempt(attempt)
    login(client, instructor)
    preview = client.get(f"/teach/quizzes/{quiz.id}/preview").get_data(as_text=True)
    key = preview[preview.index('class="answer-key"') :]
    assert [key.index(name) for name in PLANETS] == sorted(key.index(name) for name in PLANETS)
    row = quiz.questions[0]
    edit = client.get(f"/teach/quizzes/{quiz.id}/questions/{row.id}").get_data(as_text=True)
    for index, name in enumerate(PLANETS):
        assert f'name="choices-{index}-text" type="text" value="{name}"' in edit
    stats = client.get(f"/teach/quizzes/{quiz.id}/stats")
    assert stats.status_code == 200 and "Put the planets in order" in stats.get_data(as_text=True)
