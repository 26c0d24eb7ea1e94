"""Question banks: categories from GIFT, quizzes that draw "N random questions from category
C" for each attempt, and statistics per bank question across every quiz that drew it."""

from __future__ import annotations

import io
import random
import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from coursework.errors import Conflict, PermissionDenied, RuleViolation
from coursework.extensions import db
from lessons import services as lessons
from quizzes import services
from quizzes.bank import rules
from quizzes.bank import services as bank
from quizzes.gift import dump_gift, parse_gift
from quizzes.kinds.single import SingleAnswer
from quizzes.models import Attempt, QuizVersion
from quizzes.practice import services as practice
from quizzes.spec import Choice, Kind, Question

DATA = Path(__file__).parent / "data"
API = "/api/v1"
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
PASSWORD = "correct horse battery"


def single(text: str, title: str = "", category: str = "") -> Question:
    return Question(
        Kind.SINGLE,
        text,
        title=title,
        category=category,
        choices=(Choice("Right", 1.0, "Yes."), Choice("Wrong", 0.0, "No.")),
        general_feedback="Because.",
    )


def bank_file(categories: dict[str, int]) -> list[Question]:
    """`n` distinct titled questions in each category."""
    return [
        single(f"{path} question {n}?", title=f"{path} {n}", category=path)
        for path, count in categories.items()
        for n in range(1, count + 1)
    ]


def rule_keys(attempt: Attempt, category: str) -> set[int]:
    by_key = {e["key"]: e for e in attempt.version.snapshot["questions"]}
    return {key for key in attempt.layout["questions"] if by_key[key].get("category") == category}


# ---- pure rules ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "path"),
    [
        ("Unit 1/Basics", "Unit 1/Basics"),
        (" Unit 1 // Basics / ", "Unit 1/Basics"),
        ("$course$/top/Unit 1/Basics", "Unit 1/Basics"),
        ("$course$/Default for New Features", "Default for New Features"),
        ("$system$/top/Shared", "Shared"),
        ("$module$/top", ""),
        ("$cat1$/top/Old", "Old"),
        ("top/Unit 1", "Unit 1"),
        ("Workshop/top/notes", "Workshop/top/notes"),  # only a leading "top" is Moodle's
        ("", ""),
    ],
)
def test_category_paths_drop_moodle_contexts_and_spacing(raw, path):
    assert rules.category_path(raw) == path
    assert rules.category_path(rules.exported_category(path)) == path


def test_a_draw_mixes_fixed_questions_with_random_picks_without_repeats():
    rng = random.Random(7)
    pools = [
        (rules.Rule("a", 2), [-1, -2, -3, -4]),
        (rules.Rule("b", 3), [-5, -6, -7, -8, -9, -10]),
    ]
    for _ in range(200):
        keys = rules.draw([10, 11], pools, rng)
        assert keys[:2] == [10, 11]
        assert len(keys) == 7 and len(set(keys)) == 7
        assert len(set(keys[2:4]) & {-1, -2, -3, -4}) == 2
        assert set(keys[4:]) <= {-5, -6, -7, -8, -9, -10}


def test_draws_vary_and_cover_the_pool_and_a_seed_repeats_one():
    pools = [(rules.Rule("a", 2), [-1, -2, -3, -4])]
    drawn = {tuple(sorted(rules.draw([], pools, random.Random(n)))) for n in range(100)}
    assert len(drawn) == 6  # every pair of four shows up
    assert rules.draw([], pools, random.Random("x")) == rules.draw([], pools, random.Random("x"))


def test_a_shuffled_draw_keeps_the_same_questions():
    keys = rules.draw([1, 2, 3], [(rules.Rule("a", 2), [-1, -2])], random.Random(1), shuffle=True)
    assert sorted(keys) == [-2, -1, 1, 2, 3]


def test_a_draw_refuses_a_pool_smaller_than_its_rule():
    with pytest.raises(ValueError, match="too few"):
        rules.draw([], [(rules.Rule("a", 3), [-1, -2])], random.Random(1))
    assert rules.shortfalls([rules.Rule("a", 3), rules.Rule("b", 1)], {"a": 2, "b": 1}) == [
        (rules.Rule("a", 3), 2)
    ]


# ---- GIFT $CATEGORY into the bank and back -------------------------------------------------------

CATEGORISED = """$CATEGORY: $course$/top/Unit 1/Basics

::One:: First? {=yes ~no}

::Two:: Second? {T}

$CATEGORY: Unit 2

::Three:: Third? {=three ~four}
"""


def test_import_files_questions_by_category_and_export_writes_them_back(course, instructor):
    result = bank.import_bank(course.id, parse_gift(CATEGORISED).questions, instructor)
    assert (result.added, result.updated, result.categories) == (3, 0, ("Unit 1/Basics", "Unit 2"))
    categories = bank.bank(course.id, instructor)
    assert [(c.path, [q.title for q in c.questions]) for c in categories] == [
        ("Unit 1/Basics", ["One", "Two"]),
        ("Unit 2", ["Three"]),
    ]
    exported = bank.export_bank(course.id, instructor)
    assert "$CATEGORY: $course$/top/Unit 1/Basics" in exported
    assert "$CATEGORY: $course$/top/Unit 2" in exported
    # Read back, the same questions land in the same categories, and nothing changes.
    again = bank.import_bank(course.id, parse_gift(exported).questions, instructor)
    assert not again.changed
    assert bank.category_sizes(course.id) == {"Unit 1/Basics": 2, "Unit 2": 1}


def test_a_moodle_export_with_categories_round_trips_through_the_bank(course, instructor):
    text = (DATA / "moodle" / "questions_in_category.gift.txt").read_text(encoding="utf-8")
    questions = parse_gift(text).questions
    assert {q.category for q in questions} == {"$course$/Default for New Features"}
    bank.import_bank(course.id, questions, instructor)
    assert bank.category_sizes(course.id) == {"Default for New Features": len(questions)}
    exported = bank.export_bank(course.id, instructor)
    assert not bank.import_bank(course.id, parse_gift(exported).questions, instructor).changed
    assert [bank.spec_of(q) for c in bank.bank(course.id, instructor) for q in c.questions] == [
        q.__class__(**{**vars(q), "category": "Default for New Features"}) for q in questions
    ]


def test_reimporting_a_titled_question_updates_it_in_place(course, instructor):
    bank.import_bank(course.id, [single("Old wording?", "Q", "c")], instructor)
    (first,) = bank.bank(course.id, instructor)[0].questions
    result = bank.import_bank(course.id, [single("New wording?", "Q", "c")], instructor)
    assert (result.added, result.updated) == (0, 1)
    (again,) = bank.bank(course.id, instructor)[0].questions
    assert again.id == first.id and again.spec["text"] == "New wording?"


def test_an_incomplete_question_refuses_the_whole_file(course, instructor):
    broken = Question(Kind.SINGLE, "No right answer?", choices=(Choice("a", 0), Choice("b", 0)))
    with pytest.raises(RuleViolation) as refused:
        bank.import_bank(course.id, [single("Fine?", category="c"), broken], instructor)
    assert "question 2" in refused.value.errors
    assert bank.category_sizes(course.id) == {}


# ---- draw rules ----------------------------------------------------------------------------------


def test_a_rule_asking_for_more_than_its_category_holds_is_refused(course, instructor, make_quiz):
    bank.import_bank(course.id, bank_file({"Unit 1": 3}), instructor)
    quiz = make_quiz([])
    with pytest.raises(RuleViolation) as refused:
        bank.add_draw(quiz, "Unit 1", 4, instructor)
    assert refused.value.errors["count"] == [
        "“Unit 1” holds 3 questions, fewer than the 4 asked for."
    ]
    with pytest.raises(RuleViolation) as refused:
        bank.add_draw(quiz, "Unit 9", 1, instructor)
    assert "“Unit 9” holds 0 questions" in refused.value.errors["count"][0]
    bank.add_draw(quiz, "$course$/top/Unit 1", 3, instructor)  # Moodle's form is understood
    assert [(d.category, d.count) for d in quiz.draws] == [("Unit 1", 3)]
    with pytest.raises(Conflict):
        bank.add_draw(quiz, "Unit 1", 1, instructor)


def test_a_bank_import_that_would_starve_a_rule_is_refused(course, instructor, make_quiz):
    bank.import_bank(course.id, bank_file({"Unit 1": 3}), instructor)
    bank.add_draw(make_quiz([]), "Unit 1", 3, instructor)
    db.session.commit()  # as the requests that did these would
    with pytest.raises(RuleViolation) as refused:
        bank.import_bank(course.id, bank_file({"Unit 1": 2}), instructor, replace_categories=True)
    db.session.rollback()  # as the refused request does
    assert refused.value.errors["bank"] == [
        "“Unit 1” holds 2 questions, fewer than the 3 asked for."
    ]
    assert bank.category_sizes(course.id) == {"Unit 1": 3}
    (question, *_) = bank.bank(course.id, instructor)[0].questions
    with pytest.raises(RuleViolation):
        bank.delete_question(course.id, question.id, instructor)
    db.session.rollback()
    assert bank.category_sizes(course.id) == {"Unit 1": 3}


def test_only_the_course_staff_may_read_or_change_its_bank(course, make_user, make_quiz):
    stranger = make_user(is_instructor=True)
    with pytest.raises(PermissionDenied):
        bank.bank(course.id, stranger)
    with pytest.raises(PermissionDenied):
        bank.import_bank(course.id, bank_file({"a": 1}), stranger)
    with pytest.raises(PermissionDenied):
        bank.add_draw(make_quiz([]), "a", 1, stranger)


# ---- attempts draw their own questions -----------------------------------------------------------


@pytest.fixture
def banked_quiz(course, instructor, make_quiz):
    """One fixed question, then two random questions from a category of four."""
    bank.import_bank(course.id, bank_file({"Unit 1": 4, "Unit 2": 2}), instructor)
    quiz = make_quiz([single("A fixed question?", "Fixed")])
    bank.add_draw(quiz, "Unit 1", 2, instructor)
    return quiz


def test_each_attempt_draws_its_own_set_and_keeps_it(banked_quiz, make_user):
    fixed = banked_quiz.questions[0].id
    drawn = []
    for _ in range(8):
        attempt = services.start_attempt(make_user(), banked_quiz)
        keys = attempt.layout["questions"]
        assert keys[0] == fixed and len(keys) == 3 == len(set(keys))
        assert all(key < 0 for key in keys[1:]) and rule_keys(attempt, "Unit 1") == set(keys[1:])
        assert attempt.max_points == 3
        assert [q.key for q in services.shown_questions(attempt)] == keys
        drawn.append(frozenset(keys[1:]))
    assert len(set(drawn)) > 1
    # The version holds the whole pool, so the same version serves every draw.
    assert db.session.query(QuizVersion).count() == 1
    assert banked_quiz.question_count == 3


def test_a_drawn_set_is_graded_reviewed_and_kept_after_the_bank_changes(
    banked_quiz, make_user, instructor
):
    learner = make_user()
    attempt = services.start_attempt(learner, banked_quiz)
    shown = services.shown_questions(attempt)
    answers = {q.key: SingleAnswer(q.choice_ids[0]) for q in shown}  # "Right" is first
    services.save_answers(attempt, answers)
    # The bank changes under the open attempt: its questions stay as they were shown.
    bank.import_bank(
        banked_quiz.course_id,
        [single("Reworded?", title=f"Unit 1 {n}", category="Unit 1") for n in range(1, 5)],
        instructor,
    )
    done = services.submit_attempt(attempt)
    assert (done.points, done.max_points, done.percent) == (3, 3, 100)
    reviewed = services.review(done)
    assert [r.shown.key for r in reviewed] == attempt.layout["questions"]
    assert all(r.outcome == "correct" for r in reviewed)
    assert all(r.shown.spec.text != "Reworded?" for r in reviewed)
    # The next attempt draws from the bank as it is now.
    nxt = services.start_attempt(make_user(), banked_quiz)
    assert {q.spec.text for q in services.shown_questions(nxt)[1:]} == {"Reworded?"}


def test_a_missed_bank_question_goes_to_the_practice_deck(banked_quiz, make_user):
    learner = make_user()
    attempt = services.start_attempt(learner, banked_quiz)
    shown = services.shown_questions(attempt)
    services.save_answers(attempt, {q.key: SingleAnswer(q.choice_ids[1]) for q in shown})
    services.submit_attempt(attempt)
    assert practice.deck_size(learner.id) == 3
    card = practice.next_card(learner.id, date.today() + timedelta(days=2))
    assert card is not None
    served = practice.serve(card)
    assert served.key in attempt.layout["questions"]


def test_a_quiz_of_draws_only_can_be_published_and_taken(course, instructor, make_quiz, make_user):
    bank.import_bank(course.id, bank_file({"Unit 2": 2}), instructor)
    quiz = make_quiz([])
    services.set_published(quiz, False, instructor)
    with pytest.raises(RuleViolation):
        services.set_published(quiz, True, instructor)
    bank.add_draw(quiz, "Unit 2", 2, instructor)
    services.set_published(quiz, True, instructor)
    attempt = services.start_attempt(make_user(), quiz)
    assert len(attempt.layout["questions"]) == 2
    bank.remove_draw(quiz, quiz.draws[0].id, instructor)
    assert not quiz.published  # nothing left to ask


# ---- statistics across quizzes -------------------------------------------------------------------


def test_statistics_count_a_bank_question_in_every_quiz_that_drew_it(
    course, instructor, make_quiz, make_user
):
    bank.import_bank(course.id, bank_file({"Shared": 2}), instructor)
    first = make_quiz([], lesson_slug="knives", title="Knives check")
    second = make_quiz([], lesson_slug="heat", title="Heat check")
    for quiz in (first, second):
        bank.add_draw(quiz, "Shared", 2, instructor)
    for quiz, right in ((first, True), (first, False), (second, True)):
        attempt = services.start_attempt(make_user(), quiz)
        shown = services.shown_questions(attempt)
        pick = 0 if right else 1
        services.save_answers(attempt, {q.key: SingleAnswer(q.choice_ids[pick]) for q in shown})
        services.submit_attempt(attempt)
    rows = bank.bank_statistics(course.id, instructor)
    assert len(rows) == 2
    for row in rows:
        assert row.result.attempts == 3 and row.result.key == -row.question.id
        assert row.quizzes == ("Heat check", "Knives check")
        assert round(row.result.facility, 1) == 66.7
    with pytest.raises(PermissionDenied):
        bank.bank_statistics(course.id, make_user(is_instructor=True))


# ---- pages, with CSRF on as in a browser ---------------------------------------------------------


def sign_in(client, user) -> None:
    token = TOKEN.search(client.get("/login").get_data(as_text=True)).group(1)
    response = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302


def test_a_rule_can_draw_from_the_questions_filed_under_no_category(
    client, course, instructor, make_quiz, csrf_on
):
    """A GIFT file without $CATEGORY lines files its questions under "No category"."""
    quiz = make_quiz([])
    sign_in(client, instructor)
    page = f"/teach/courses/{course.slug}/bank"
    token = TOKEN.search(client.get(page).get_data(as_text=True)).group(1)
    plain = "::One:: First? {=yes ~no}\n\n::Two:: Second? {=yes ~no}\n"
    uploaded = client.post(
        f"{page}/gift",
        data={"csrf_token": token, "file": (io.BytesIO(plain.encode()), "plain.gift")},
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 302, uploaded.get_data(as_text=True)[:500]
    quiz_page = client.get(f"/teach/quizzes/{quiz.id}").get_data(as_text=True)
    assert "No category (2 questions)" in quiz_page
    added = client.post(
        f"/teach/quizzes/{quiz.id}/draws",
        data={"csrf_token": TOKEN.search(quiz_page).group(1), "category": "", "count": "2"},
    )
    assert added.status_code == 302, added.get_data(as_text=True)[:800]
    db.session.expire_all()
    assert [(draw.category, draw.count) for draw in quiz.draws] == [("", 2)]
    missing = client.post(
        f"/teach/quizzes/{quiz.id}/draws",
        data={"csrf_token": TOKEN.search(quiz_page).group(1), "count": "1"},
    )
    assert missing.status_code == 400
    assert "Choose a category of the course&#39;s bank." in missing.get_data(as_text=True)


def test_the_bank_page_upload_and_a_draw_rule_on_the_quiz_page(
    client, course, instructor, make_quiz, csrf_on
):
    quiz = make_quiz([])
    sign_in(client, instructor)
    page = f"/teach/courses/{course.slug}/bank"
    token = TOKEN.search(client.get(page).get_data(as_text=True)).group(1)
    response = client.post(
        f"{page}/gift",
        data={"csrf_token": token, "file": (io.BytesIO(CATEGORISED.encode()), "bank.gift")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    html = client.get(page).get_data(as_text=True)
    assert "3 questions added to the bank, 0 updated." in html
    assert "Unit 1/Basics" in html and "Unit 2" in html and "Third?" in html
    exported = client.get(f"/teach/courses/{course.slug}/bank.gift")
    assert "$CATEGORY: $course$/top/Unit 2" in exported.get_data(as_text=True)

    quiz_page = client.get(f"/teach/quizzes/{quiz.id}").get_data(as_text=True)
    assert "Unit 1/Basics (2 questions)" in quiz_page
    token = TOKEN.search(quiz_page).group(1)
    too_many = client.post(
        f"/teach/quizzes/{quiz.id}/draws",
        data={"csrf_token": token, "category": "Unit 1/Basics", "count": "3"},
    )
    assert too_many.status_code == 400
    assert "holds 2 questions, fewer than the 3 asked for" in too_many.get_data(as_text=True)
    added = client.post(
        f"/teach/quizzes/{quiz.id}/draws",
        data={"csrf_token": token, "category": "Unit 1/Basics", "count": "2"},
    )
    assert added.status_code == 302
    shown = client.get(f"/teach/quizzes/{quiz.id}").get_data(as_text=True)
    assert "2 random questions from “Unit 1/Basics”" in shown
    db.session.expire_all()
    draw_id = quiz.draws[0].id
    removed = client.post(
        f"/teach/quizzes/{quiz.id}/draws/{draw_id}/delete", data={"csrf_token": token}
    )
    assert removed.status_code == 302
    db.session.expire_all()
    assert not quiz.draws


def test_a_bad_upload_to_the_bank_names_the_line_and_changes_nothing(
    client, course, instructor, csrf_on
):
    sign_in(client, instructor)
    page = f"/teach/courses/{course.slug}/bank"
    token = TOKEN.search(client.get(page).get_data(as_text=True)).group(1)
    response = client.post(
        f"{page}/gift",
        data={"csrf_token": token, "file": (io.BytesIO(b"Broken? {=a ~b\n"), "bank.gift")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "Line 1" in response.get_data(as_text=True)
    assert bank.category_sizes(course.id) == {}


def test_another_courses_instructor_gets_403_and_a_missing_course_404(
    client, course, make_user, make_quiz, login
):
    quiz = make_quiz([])
    login(client, make_user(is_instructor=True))
    assert client.get(f"/teach/courses/{course.slug}/bank").status_code == 403
    assert client.get(f"/teach/courses/{course.slug}/bank.gift").status_code == 403
    assert (
        client.post(f"/teach/quizzes/{quiz.id}/draws", data={"category": "a", "count": "1"})
    ).status_code == 403
    assert client.get("/teach/courses/no-such-course/bank").status_code == 404


# ---- JSON API ------------------------------------------------------------------------------------


def api_token(client) -> dict:
    """The CSRF header a signed-in script sends with the session cookie."""
    token = TOKEN.search(client.get("/account").get_data(as_text=True)).group(1)
    return {"X-CSRFToken": token}


def test_the_bank_api_imports_lists_exports_and_adds_rules(
    client, course, instructor, make_quiz, csrf_on
):
    quiz = make_quiz([])
    sign_in(client, instructor)
    headers = api_token(client)
    base = f"{API}/courses/{course.slug}/bank"
    put = client.put(f"{base}/gift", json={"gift": CATEGORISED}, headers=headers)
    assert put.status_code == 200, put.json
    assert put.json == {
        "added": 3,
        "updated": 0,
        "removed": 0,
        "categories": ["Unit 1/Basics", "Unit 2"],
    }
    listed = client.get(base).json
    assert [(c["path"], c["count"]) for c in listed] == [("Unit 1/Basics", 2), ("Unit 2", 1)]
    first = listed[0]["questions"][0]
    assert first["key"] == -first["id"] and first["choices"][0]["weight"] == 1.0
    assert "$CATEGORY: $course$/top/Unit 1/Basics" in client.get(f"{base}/gift").text

    draws = f"{API}/quizzes/{quiz.id}/draws"
    refused = client.post(draws, json={"category": "Unit 2", "count": 2}, headers=headers)
    assert refused.status_code == 422
    assert "holds 1 question, fewer" in refused.json["errors"]["json"]["count"][0]
    bad = client.post(draws, json={"category": "Unit 2", "count": "2"}, headers=headers)
    assert bad.status_code == 422 and "count" in bad.json["errors"]["json"]
    added = client.post(draws, json={"category": "Unit 2", "count": 1}, headers=headers)
    assert added.status_code == 201
    assert added.json == {"id": added.json["id"], "position": 1, "category": "Unit 2", "count": 1}
    again = client.post(draws, json={"category": "Unit 2", "count": 1}, headers=headers)
    assert again.status_code == 409
    assert client.get(draws).json == [added.json]
    stats = client.get(f"{base}/stats").json
    assert len(stats) == 3 and all(row["attempts"] == 0 for row in stats)
    gone = client.delete(f"{draws}/{added.json['id']}", headers=headers)
    assert gone.status_code == 204 and client.get(draws).json == []
    assert client.delete(f"{draws}/{added.json['id']}", headers=headers).status_code == 404


def test_the_bank_api_refuses_a_file_that_starves_a_rule(client, course, instructor, make_quiz):
    bank.import_bank(course.id, bank_file({"Unit 1": 2}), instructor)
    bank.add_draw(make_quiz([]), "Unit 1", 2, instructor)
    client.post("/login", data={"email": instructor.email, "password": PASSWORD})
    text = dump_gift(bank_file({"Unit 1": 1}))
    response = client.put(
        f"{API}/courses/{course.slug}/bank/gift", json={"gift": text, "replace": True}
    )
    assert response.status_code == 422
    assert response.json["errors"]["json"]["bank"] == [
        "“Unit 1” holds 1 question, fewer than the 2 asked for."
    ]


def test_the_bank_api_is_for_the_course_staff_only(client, course, make_user, make_quiz, login):
    quiz = make_quiz([])
    login(client, make_user(is_instructor=True))
    base = f"{API}/courses/{course.slug}/bank"
    assert client.get(base).status_code == 403
    assert client.get(f"{base}/gift").status_code == 403
    assert client.get(f"{base}/stats").status_code == 403
    assert client.put(f"{base}/gift", json={"gift": CATEGORISED}).status_code == 403
    draws = f"{API}/quizzes/{quiz.id}/draws"
    assert client.get(draws).status_code == 403
    assert client.post(draws, json={"category": "a", "count": 1}).status_code == 403
    assert client.get(f"{API}/courses/nope/bank").status_code == 404
    learner = make_user()
    login(client, learner)
    assert client.get(base).status_code == 403
    assert lessons.can_change(course.id, learner) is False


# ---- the shell -----------------------------------------------------------------------------------


def test_the_shell_files_a_gift_file_in_the_bank_and_writes_it_back(app, course, tmp_path):
    source = tmp_path / "bank.gift"
    source.write_text(CATEGORISED, encoding="utf-8")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["quizzes", "bank-import", str(source), "--course", course.slug])
    assert result.exit_code == 0, result.output
    assert "3 added, 0 updated, 0 removed" in result.output
    out = tmp_path / "out.gift"
    result = runner.invoke(args=["quizzes", "bank-export", "--course", course.slug, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert parse_gift(out.read_text(encoding="utf-8")).questions == tuple(
        q.__class__(
            **{**vars(q), "category": rules.exported_category(rules.category_path(q.category))}
        )
        for q in parse_gift(CATEGORISED).questions
    )
    # A file that would starve a quiz's rule is refused with a message, not a traceback.
    quiz = services.import_quiz(
        course.id, None, [], services.QuizSettings(title="Final"), by=lessons.OPERATOR
    ).quiz
    bank.add_draw(quiz, "Unit 1/Basics", 2, lessons.OPERATOR)
    source.write_text("$CATEGORY: Unit 1/Basics\n\n::One:: First? {=yes ~no}\n", "utf-8")
    result = runner.invoke(
        args=["quizzes", "bank-import", str(source), "--course", course.slug, "--replace"]
    )
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "“Unit 1/Basics” holds 1 question, fewer than the 2 asked for." in result.output
    assert bank.category_sizes(course.id)["Unit 1/Basics"] == 2


def test_the_checker_advises_on_bank_questions_never_blocking(course, instructor, make_quiz):
    from tests.support.quizkit import EVERY_KIND

    make_quiz()  # the kit's questions, in a lesson quiz of the course
    copy = EVERY_KIND[0].__class__(**{**vars(EVERY_KIND[0]), "category": "Unit 1"})
    longest = single("Which is it?", "Longest", "Unit 1")
    longest = longest.__class__(
        **{**vars(longest), "choices": (Choice("The right one, at length", 1), Choice("No", 0))}
    )
    bank.import_bank(course.id, [copy, longest], instructor)  # filed all the same
    advice = bank.bank_advice(course.id, instructor)
    by_title = {q.title: advice[q.id] for q in bank.bank(course.id, instructor)[0].questions}
    duplicate = next(f for f in by_title["Planets"] if f.rule == "duplicate-question")
    assert "question 1 of “Check”" in duplicate.message  # the lesson quiz's copy
    assert [f.rule for f in by_title["Longest"]] == ["longest-answer"]
