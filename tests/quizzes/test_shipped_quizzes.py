"""The default course's quizzes as an assessment writer would review them: no item-writing
flaw the checker knows, every question tied to a learning objective of the lessons, and
every objective checked at least twice by the lesson quizzes."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

from lessons.builder import read_course
from quizzes.checker import check_questions
from quizzes.gift import parse_gift
from quizzes.objectives import objective_ids, objective_tags
from quizzes.spec import Kind

ROOT = Path(__file__).resolve().parents[2]
QUIZZES = ROOT / "quizzes" / "course" / "tpm-vs-pm"
COURSE = read_course(ROOT / "lessons" / "course" / "tpm-vs-pm")
SETTINGS = yaml.safe_load((QUIZZES / "quizzes.yaml").read_text())
LESSON_FILES = {slug: entry["file"] for slug, entry in SETTINGS["lessons"].items()}
# The final quiz draws every question from its bank (the files `bank:` names).
FINAL_FILE = SETTINGS["bank"][0]
# "3.2": lesson order 3 (its position in the course), objective 2 of its front matter.
OBJECTIVES = objective_ids(
    (order, lesson.objectives) for order, lesson in enumerate(COURSE.lessons, start=1)
)


def questions_of(name: str):
    return parse_gift((QUIZZES / name).read_text()).questions


def tags_of(name: str) -> dict[str, list[str]]:
    return objective_tags((QUIZZES / name).read_text())


def test_the_lessons_number_their_objectives_as_the_course_orders_them():
    assert [lesson.slug for lesson in COURSE.lessons] == list(LESSON_FILES)
    assert len(OBJECTIVES) == 21 and OBJECTIVES["3.2"].startswith("Give examples")


def test_the_shipped_quizzes_have_no_item_writing_findings():
    labelled = [
        (f"{name}: {question.title}", question)
        for name in [*LESSON_FILES.values(), FINAL_FILE]
        for question in questions_of(name)
    ]
    findings = check_questions(labelled, [lesson.markdown for lesson in COURSE.lessons])
    assert [f"{f.question} / {f.where}: [{f.rule}] {f.message}" for f in findings] == []


@pytest.mark.parametrize("name", [*LESSON_FILES.values(), FINAL_FILE])
def test_every_question_names_one_objective_the_lessons_list(name):
    titles = [question.title for question in questions_of(name)]
    assert all(titles) and len(set(titles)) == len(titles), "titled, once each"
    tags = tags_of(name)
    for title in titles:
        assert len(tags.get(title, [])) == 1, f"{name}: {title} names no single objective"
        assert tags[title][0] in OBJECTIVES, f"{name}: {title}: {tags[title][0]}?"


def test_each_lesson_quiz_checks_its_own_lesson_and_every_objective_twice():
    covered: Counter[str] = Counter()
    for order, name in enumerate(LESSON_FILES.values(), start=1):
        ids = [ids[0] for ids in tags_of(name).values()]
        assert {i.split(".")[0] for i in ids} == {str(order)}, name
        covered.update(ids)
    assert {i: covered[i] for i in OBJECTIVES if covered[i] < 2} == {}


def test_the_final_quiz_covers_every_lesson():
    ids = [ids[0] for ids in tags_of(FINAL_FILE).values()]
    lessons_checked = Counter(i.split(".")[0] for i in ids)
    assert sorted(lessons_checked) == [str(n) for n in range(1, 8)]
    assert len(ids) >= 15


def test_every_answer_teaches_right_or_wrong():
    for name in [*LESSON_FILES.values(), FINAL_FILE]:
        for question in questions_of(name):
            where = f"{name}: {question.title}"
            assert question.general_feedback, where
            if question.kind in (Kind.SINGLE, Kind.MULTIPLE):
                assert all(choice.feedback for choice in question.choices), where
            if question.kind is Kind.TRUE_FALSE:
                assert question.feedback_true and question.feedback_false, where
