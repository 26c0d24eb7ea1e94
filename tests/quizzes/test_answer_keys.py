"""The proof that answer keys never reach a learner before the review policy allows.

A quiz with one question of every kind hides a unique marker in everything a learner must
not see too early: feedback, general feedback, accepted answers, partial weights. A learner
then walks every learner endpoint (JSON) and every learner page (HTML) before submitting and
after, under each review policy, and each marker may appear only where the policy allows.
Some markers never may: partial weights, and accepted answers worth less than full marks.

Things a learner must see are not secrets: the options of a choice question and the answers
on offer in a matching question. What is secret about those is which option is right and
which answer goes with which prompt; that is checked by structure, not by marker.
"""

from __future__ import annotations

import json
import re

import pytest

from quizzes import services
from quizzes.models import ReviewShows
from quizzes.spec import Choice, Kind, NumericAnswer, Pair, Question

API = "/api/v1"
NEVER = "never"

PAIRS = (
    Pair("Prompt one", "Match one"),
    Pair("Prompt two", "Match two"),
    Pair("Prompt three", "Match three"),
    Pair("Prompt four", "Match four"),
)

MARKED = (
    Question(
        Kind.SINGLE,
        "Which option is the single right one?",
        title="Single",
        choices=(
            Choice("Option Alpha", 1, "FEEDBACK-SINGLE-RIGHT"),
            Choice("Option Beta", 0.2718, "FEEDBACK-SINGLE-NEAR"),
            Choice("Option Gamma", 0, "FEEDBACK-SINGLE-WRONG"),
        ),
        general_feedback="GENERAL-SINGLE",
    ),
    Question(
        Kind.MULTIPLE,
        "Which options are right?",
        choices=(
            Choice("Option Red", 0.3137, "FEEDBACK-MULTI-RED"),
            Choice("Option Green", 0.6863, "FEEDBACK-MULTI-GREEN"),
            Choice("Option Yellow", -1, "FEEDBACK-MULTI-YELLOW"),
        ),
        general_feedback="GENERAL-MULTI",
    ),
    Question(
        Kind.TRUE_FALSE,
        "Is this statement true?",
        answer=False,
        feedback_true="FEEDBACK-TF-TRUE",
        feedback_false="FEEDBACK-TF-FALSE",
        general_feedback="GENERAL-TF",
    ),
    Question(
        Kind.SHORT_TEXT,
        "Type the word.",
        choices=(
            Choice("KEY-SHORT", 1, "FEEDBACK-SHORT-RIGHT"),
            Choice("KEY-HALF-SHORT", 0.5, "FEEDBACK-SHORT-HALF"),
        ),
        general_feedback="GENERAL-SHORT",
    ),
    Question(
        Kind.NUMERIC,
        "Type the number.",
        numbers=(
            NumericAnswer(4242.4242, 0.0001, feedback="FEEDBACK-NUM-RIGHT"),
            NumericAnswer(low=7171.5, high=7171.9, weight=0.5, feedback="FEEDBACK-NUM-RANGE"),
        ),
        general_feedback="GENERAL-NUM",
    ),
    Question(
        Kind.MATCHING,
        "Match each prompt.",
        pairs=PAIRS,
        distractors=("Match decoy",),
        general_feedback="GENERAL-MATCH",
    ),
)

# Marker -> the least review level that may show it (NEVER: no level does).
MARKERS: dict[str, ReviewShows | str] = {
    **{
        text: ReviewShows.FEEDBACK
        for question in MARKED
        for text in (
            question.general_feedback,
            question.feedback_true,
            question.feedback_false,
            *(choice.feedback for choice in question.choices),
            *(number.feedback for number in question.numbers),
        )
        if text
    },
    "KEY-SHORT": ReviewShows.ANSWERS,
    "4242.42": ReviewShows.ANSWERS,  # JSON has 4242.4242; the page writes it as 4242.42
    # Weights, and accepted answers worth less than full marks, are never shown.
    "KEY-HALF-SHORT": NEVER,
    "7171.5": NEVER,
    "7171.9": NEVER,
    "0.2718": NEVER,
    "0.3137": NEVER,
    "0.6863": NEVER,
}

# What the result page prints only at a level (found in quizzes/templates/quizzes/*).
PAGE_MARKERS: dict[str, ReviewShows | str] = {
    "tag--outcome-": ReviewShows.CORRECTNESS,
    "is-right": ReviewShows.ANSWERS,
    "review-mark--right": ReviewShows.ANSWERS,
    "a right answer": ReviewShows.ANSWERS,
    "Right answer:": ReviewShows.ANSWERS,
    "Accepted:": ReviewShows.ANSWERS,
    "(right:": ReviewShows.ANSWERS,
    'class="feedback': ReviewShows.FEEDBACK,
    "Why:": ReviewShows.FEEDBACK,
}

# JSON keys that carry marking, and the least level that may send them.
KEYS: dict[str, ReviewShows | str] = {
    "weight": NEVER,
    "is_correct": NEVER,
    "feedback_true": NEVER,
    "feedback_false": NEVER,
    "distractors": NEVER,
    "prompt": NEVER,
    "answer": NEVER,
    "numbers": NEVER,
    "accepted": NEVER,
    "outcome": ReviewShows.CORRECTNESS,
    "awarded": ReviewShows.CORRECTNESS,
    "your_answer": ReviewShows.CORRECTNESS,
    "correct": ReviewShows.ANSWERS,
    "feedback": ReviewShows.FEEDBACK,
    "general_feedback": ReviewShows.FEEDBACK,
}
# The learner's own answers, as they sent them, are theirs to see.
OWN = ("answers", "your_answer")
# Inside `correct` (shown from "answers" up) the key's own parts are expected.
KEY_PARTS = ("correct",)

QUESTION_KEYS = {
    "key",
    "number",
    "kind",
    "text",
    "text_format",
    "text_html",
    "points",
    "options",
    "prompts",
    "answer_options",
}
REVIEW_KEYS = {
    ReviewShows.CORRECTNESS: {"awarded", "outcome", "your_answer"},
    ReviewShows.ANSWERS: {"correct"},
    ReviewShows.FEEDBACK: {"feedback", "general_feedback"},
}


def allowed(needed: ReviewShows | str, level: ReviewShows | None) -> bool:
    return level is not None and needed != NEVER and level.includes(needed)


def question_keys(level: ReviewShows | None) -> set[str]:
    keys = set(QUESTION_KEYS)
    for least, extra in REVIEW_KEYS.items():
        if allowed(least, level):
            keys |= extra
    return keys


def check_text(label: str, text: str, level: ReviewShows | None, page: bool) -> None:
    markers = MARKERS | (PAGE_MARKERS if page else {})
    for marker, needed in markers.items():
        assert marker not in text or allowed(needed, level), (
            f"{marker!r} reached the learner in {label} (review level {level})"
        )


def check_json(label: str, data, level: ReviewShows | None, parent: str = "") -> None:
    """Every key that carries marking is allowed at this level, and every question object is
    within the allow-list."""
    if isinstance(data, list):
        for item in data:
            check_json(label, item, level, parent)
        if parent == "questions":
            for question in data:
                extra = set(question) - question_keys(level)
                assert not extra, f"{label}: question fields {extra} at review level {level}"
        return
    if not isinstance(data, dict) or parent in OWN + KEY_PARTS:
        return
    for key, value in data.items():
        if key in KEYS:
            assert allowed(KEYS[key], level), f"{label}: {key!r} at review level {level}"
        check_json(label, value, level, key)


def check(label: str, response, level: ReviewShows | None) -> None:
    assert response.status_code < 500, (label, response.status_code)
    text = response.get_data(as_text=True)
    page = response.mimetype == "text/html"
    check_text(label, text, level, page)
    if response.is_json:
        check_json(label, response.json, level)


# ---- walking everything a learner can reach -------------------------------------------------


def json_endpoints(client, quiz, attempt_id: int | None) -> list[tuple[str, object]]:
    got = [
        ("GET course quizzes", client.get(f"{API}/courses/kitchen-safety/quizzes")),
        ("GET my attempts", client.get(f"{API}/quizzes/{quiz.id}/attempts")),
        ("GET my courses", client.get(f"{API}/me/courses")),
        ("GET my course", client.get(f"{API}/me/courses/kitchen-safety")),
    ]
    if attempt_id is not None:
        got += [
            ("GET attempt", client.get(f"{API}/attempts/{attempt_id}")),
            ("GET result", client.get(f"{API}/attempts/{attempt_id}/result")),
        ]
    # The authoring side answers a learner with a bare 403, whatever it holds.
    question = quiz.questions[0].id
    for path in (
        "/quizzes",
        f"/quizzes/{quiz.id}",
        f"/quizzes/{quiz.id}/questions",
        f"/quizzes/{quiz.id}/questions/{question}",
        f"/quizzes/{quiz.id}/gift",
    ):
        response = client.get(API + path)
        assert response.status_code == 403, path
        got.append((f"GET {path} (authoring)", response))
    return got


def pages(client, quiz, attempt_id: int | None) -> list[tuple[str, object]]:
    paths = [
        "/",
        "/my-learning",
        "/courses/kitchen-safety",
        "/courses/kitchen-safety/lessons/knives",
        f"/quizzes/{quiz.id}",
    ]
    if attempt_id is not None:
        paths += [f"/attempts/{attempt_id}", f"/attempts/{attempt_id}/result"]
    got = []
    for path in paths:
        response = client.get(path, follow_redirects=True)
        assert response.status_code == 200, path
        got.append((f"page {path}", response))
    return got


def walk(client, quiz, attempt_id: int | None, level: ReviewShows | None) -> list:
    """Check every learner endpoint and page; return what was seen, for positive checks."""
    seen = json_endpoints(client, quiz, attempt_id) + pages(client, quiz, attempt_id)
    for label, response in seen:
        check(label, response, level)
    return seen


def by_text(attempt: dict) -> dict[str, dict]:
    return {q["text"]: q for q in attempt["questions"]}


def option(question: dict, text: str) -> int:
    return next(o["id"] for o in question["options"] if o["text"] == text)


def wrongish(attempt: dict) -> dict:
    """Answers that earn feedback without typing a key, and score no partial weight."""
    q = by_text(attempt)
    single, multiple = q[MARKED[0].text], q[MARKED[1].text]
    matching = q[MARKED[5].text]
    return {
        str(single["key"]): {"choice": option(single, "Option Gamma")},
        str(multiple["key"]): {"choices": [option(multiple, "Option Yellow")]},
        str(q[MARKED[2].text]["key"]): {"value": True},
        str(q[MARKED[3].text]["key"]): {"text": "my guess"},
        str(q[MARKED[4].text]["key"]): {"text": "12"},
        str(matching["key"]): {"pairs": {"0": "Match one", "1": "Match decoy"}},
    }


def right(attempt: dict) -> dict:
    q = by_text(attempt)
    single, multiple = q[MARKED[0].text], q[MARKED[1].text]
    return {
        str(single["key"]): {"choice": option(single, "Option Alpha")},
        str(multiple["key"]): {
            "choices": [option(multiple, "Option Red"), option(multiple, "Option Green")]
        },
        str(q[MARKED[2].text]["key"]): {"value": False},
        str(q[MARKED[3].text]["key"]): {"text": "KEY-SHORT"},
        str(q[MARKED[4].text]["key"]): {"text": "4242.4242"},
        str(q[MARKED[5].text]["key"]): {
            "pairs": {str(i): pair.answer for i, pair in enumerate(PAIRS)}
        },
    }


def take(client, quiz, answers=wrongish) -> tuple[int, list]:
    """Start, answer and submit through the API; each response on the way is checked."""
    started = client.post(f"{API}/quizzes/{quiz.id}/attempts")
    assert started.status_code == 201, started.json
    check("POST start", started, None)
    attempt = started.json
    saved = client.put(
        f"{API}/attempts/{attempt['id']}/answers", json={"answers": answers(attempt)}
    )
    assert saved.status_code == 200, saved.json
    if answers is right:
        check_json("PUT answers", saved.json, None)  # it echoes the keys the learner typed
    else:
        check("PUT answers", saved, None)
    submitted = client.post(f"{API}/attempts/{attempt['id']}/submit")
    assert submitted.status_code == 200
    return attempt["id"], [("POST submit", submitted)]


@pytest.fixture
def marked_quiz(make_quiz):
    def make(**settings):
        return make_quiz(questions=MARKED, shuffle_choices=True, **settings)

    return make


@pytest.fixture
def learner(app, client, make_user, login):
    def make():
        signed_in = app.test_client()
        login(signed_in, make_user())
        return signed_in

    return make


def test_the_markers_are_where_an_author_sees_them(marked_quiz, instructor, login, client):
    """The check is only as good as its markers: each is really in the answer key."""
    quiz = marked_quiz()
    login(client, instructor)
    questions = client.get(f"{API}/quizzes/{quiz.id}/questions").get_data(as_text=True)
    gift = client.get(f"{API}/quizzes/{quiz.id}/gift").get_data(as_text=True)
    for marker in MARKERS:
        assert marker in questions or marker in gift, marker


def test_nothing_leaks_before_submission(marked_quiz, learner):
    """With the most open policy (feedback, straight away), an open attempt shows nothing."""
    quiz = marked_quiz(review_shows="feedback", review_when="immediately")
    client = learner()
    walk(client, quiz, None, None)
    started = client.post(f"{API}/quizzes/{quiz.id}/attempts")
    check("POST start", started, None)
    attempt = started.json
    attempt_id = attempt["id"]
    check("POST resume", client.post(f"{API}/quizzes/{quiz.id}/attempts"), None)
    saved = client.put(f"{API}/attempts/{attempt_id}/answers", json={"answers": wrongish(attempt)})
    assert saved.status_code == 200
    check("PUT answers", saved, None)
    # a wrong answer, and a right one, are both just "saved"
    one = {str(attempt["questions"][0]["key"]): None}
    check(
        "PUT clear", client.put(f"{API}/attempts/{attempt_id}/answers", json={"answers": one}), None
    )
    refused = client.get(f"{API}/attempts/{attempt_id}/result")
    assert refused.status_code == 403
    check("GET result (open)", refused, None)
    walk(client, quiz, attempt_id, None)

    # The HTML flow: the attempt page, autosave, "save and finish later", and the page that
    # asks to confirm unanswered questions.
    form = {f"q{key}": "1" for key in (q["key"] for q in attempt["questions"])}
    autosave = client.post(f"/attempts/{attempt_id}/answers", data=form)
    assert autosave.status_code == 200 and autosave.json["saved"] is True
    check("autosave", autosave, None)
    saved_page = client.post(
        f"/attempts/{attempt_id}", data={"action": "save"}, follow_redirects=True
    )
    check("page save", saved_page, None)
    confirm = client.post(
        f"/attempts/{attempt_id}", data={"action": "submit"}, follow_redirects=True
    )
    assert confirm.status_code == 200 and "not answered" in confirm.get_data(as_text=True)
    check("page confirm unanswered", confirm, None)
    assert client.get(f"/attempts/{attempt_id}/result").status_code == 302  # back to the form


@pytest.mark.parametrize("shows", list(ReviewShows))
def test_after_submission_only_what_the_policy_shows(marked_quiz, learner, shows):
    quiz = marked_quiz(review_shows=shows.value, review_when="immediately")
    client = learner()
    attempt_id, seen = take(client, quiz)
    seen += walk(client, quiz, attempt_id, shows)
    for label, response in seen:
        check(label, response, shows)
    assert client.post(f"{API}/attempts/{attempt_id}/submit").json["review_level"] == shows.value

    # And what the policy allows does arrive, so the checks above can see a leak.
    result = client.get(f"{API}/attempts/{attempt_id}/result").get_data(as_text=True)
    page = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    expected = {
        ReviewShows.SCORE: [],
        ReviewShows.CORRECTNESS: ['"outcome"'],
        ReviewShows.ANSWERS: ['"correct"', "KEY-SHORT", "4242.4242"],
        ReviewShows.FEEDBACK: ["FEEDBACK-SINGLE-WRONG", "FEEDBACK-TF-TRUE", "GENERAL-MATCH"],
    }
    for least, texts in expected.items():
        for text in texts:
            assert (text in result) == shows.includes(least), (text, shows)
    page_expected = {
        ReviewShows.CORRECTNESS: "tag--outcome-",
        ReviewShows.ANSWERS: "4242.42",
        ReviewShows.FEEDBACK: "FEEDBACK-MULTI-YELLOW",
    }
    for least, text in page_expected.items():
        assert (text in page) == shows.includes(least), (text, shows)


def test_after_last_attempt_shows_nothing_while_attempts_remain(marked_quiz, learner):
    quiz = marked_quiz(review_shows="feedback", review_when="after_last_attempt", attempt_limit=2)
    client = learner()
    first, seen = take(client, quiz)
    for label, response in seen + walk(client, quiz, first, ReviewShows.SCORE):
        check(label, response, ReviewShows.SCORE)
    result = client.get(f"{API}/attempts/{first}/result").json
    assert result["review_level"] == "score" and result["questions"] == []

    second, seen = take(client, quiz)
    walk(client, quiz, second, ReviewShows.FEEDBACK)
    for attempt_id in (first, second):
        shown = client.get(f"{API}/attempts/{attempt_id}/result").json
        assert shown["review_level"] == "feedback"
        assert "GENERAL-SINGLE" in json.dumps(shown)


def test_unpublishing_is_not_the_last_attempt(marked_quiz, learner, instructor):
    """Issue 8, item 6: "after the last attempt" goes by the attempts used and the pass rule.
    Closing the quiz for a while shows no key to a learner with attempts left, and
    reopening it gives them back exactly the attempts they had."""
    quiz = marked_quiz(review_shows="feedback", review_when="after_last_attempt", attempt_limit=2)
    client = learner()
    first, _ = take(client, quiz)

    services.set_published(quiz, False, instructor)
    result = client.get(f"{API}/attempts/{first}/result")
    assert result.status_code == 200
    assert result.json["review_level"] == "score" and result.json["questions"] == []
    page = client.get(f"/attempts/{first}/result")
    assert page.status_code == 200
    for label, response in [("API result", result), ("result page", page)]:
        check(f"{label} (unpublished)", response, ReviewShows.SCORE)
    assert "GENERAL-SINGLE" not in result.get_data(as_text=True) + page.get_data(as_text=True)

    services.set_published(quiz, True, instructor)
    standing = client.get(f"{API}/courses/kitchen-safety/quizzes").json[0]
    assert (standing["attempts_used"], standing["attempts_left"]) == (1, 1)
    assert standing["can_start"] is True
    assert client.get(f"{API}/attempts/{first}/result").json["review_level"] == "score"
    second, _ = take(client, quiz)
    # Now the attempts are used up: the key is shown, and stays shown while closed.
    services.set_published(quiz, False, instructor)
    for attempt_id in (first, second):
        shown = client.get(f"{API}/attempts/{attempt_id}/result").json
        assert shown["review_level"] == "feedback" and "GENERAL-SINGLE" in json.dumps(shown)


def test_after_last_attempt_counts_a_pass_that_stops_attempts(marked_quiz, learner, instructor):
    """With "stop after passing", a pass is the last attempt, published or not."""
    quiz = marked_quiz(
        review_shows="feedback",
        review_when="after_last_attempt",
        stop_after_pass=True,
        passing_score=0,
    )
    client = learner()
    attempt_id, _ = take(client, quiz)
    services.set_published(quiz, False, instructor)
    assert client.get(f"{API}/attempts/{attempt_id}/result").json["review_level"] == "feedback"


def test_after_passing_shows_nothing_until_the_learner_passes(marked_quiz, learner):
    quiz = marked_quiz(review_shows="feedback", review_when="after_passing")
    client = learner()
    failed, seen = take(client, quiz)
    for label, response in seen + walk(client, quiz, failed, ReviewShows.SCORE):
        check(label, response, ReviewShows.SCORE)
    page = client.get(f"/attempts/{failed}/result").get_data(as_text=True)
    assert "shown once you have passed" in page

    passed, _ = take(client, quiz, answers=right)
    assert client.get(f"{API}/attempts/{passed}/result").json["passed"] is True
    earlier = client.get(f"{API}/attempts/{failed}/result").json
    assert earlier["review_level"] == "feedback" and "FEEDBACK-SINGLE-WRONG" in json.dumps(earlier)


def test_policy_changes_apply_to_attempts_already_made(marked_quiz, learner, instructor):
    """Narrowing the policy after the fact hides what was shown."""
    quiz = marked_quiz(review_shows="feedback")
    client = learner()
    attempt_id, _ = take(client, quiz)
    services.update_settings(
        quiz,
        services.QuizSettings(**{**settings_of(quiz), "review_shows": "correctness"}),
        instructor,
    )
    walk(client, quiz, attempt_id, ReviewShows.CORRECTNESS)


def settings_of(quiz) -> dict:
    from dataclasses import fields

    return {field.name: getattr(quiz, field.name) for field in fields(services.QuizSettings)}


def test_matching_never_links_a_prompt_to_its_answer(marked_quiz, learner):
    """Prompts come alone; the answers on offer come shuffled, differently per attempt, with
    the distractor among them, and no field pairs them until the review allows."""
    quiz = marked_quiz()
    in_pair_order = [pair.answer for pair in PAIRS] + ["Match decoy"]
    orders = set()
    for _ in range(6):
        client = learner()
        attempt = client.post(f"{API}/quizzes/{quiz.id}/attempts").json
        matching = by_text(attempt)[MARKED[5].text]
        assert set(matching) == QUESTION_KEYS - {"options"}
        assert matching["prompts"] == [pair.prompt for pair in PAIRS]
        assert sorted(matching["answer_options"]) == sorted(in_pair_order)
        orders.add(tuple(matching["answer_options"]))
        # The page offers the same answers in the same shuffled order, under every prompt.
        page = client.get(f"/attempts/{attempt['id']}").get_data(as_text=True)
        offered = re.findall(r'<option value="(Match [^"]*)"', page)
        assert offered == list(matching["answer_options"]) * len(PAIRS)
    assert len(orders) > 1, "every attempt offered the answers in the same order"
    assert orders != {tuple(in_pair_order)}


def test_choice_options_carry_only_an_id_and_text(marked_quiz, learner):
    quiz = marked_quiz()
    attempt = learner().post(f"{API}/quizzes/{quiz.id}/attempts").json
    for question in attempt["questions"]:
        assert set(question) <= QUESTION_KEYS
        for item in question.get("options", []):
            assert set(item) == {"id", "text"}
    texts = {o["text"] for q in attempt["questions"] for o in q.get("options", [])}
    assert texts == {c.text for q in MARKED[:2] for c in q.choices}
