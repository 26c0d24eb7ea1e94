"""The item-writing checker's advice on a quiz's questions, in the context of their course.

Advice never blocks anything: the authoring pages show it beside each question, and the
API returns it with each question an instructor reads or writes.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from coursework.extensions import db
from coursework.i18n import _, ngettext
from lessons import services as lessons
from quizzes import checker
from quizzes.models import Question, Quiz
from quizzes.services import to_spec


def quiz_advice(quiz: Quiz) -> dict[int, list[checker.Finding]]:
    """Each question's findings (by question id), compared with every other question of the
    course for near duplicates and, for true/false statements, with the course's lessons.

    Three queries whatever the course's size: its questions, their choices, its lessons."""
    rows = db.session.execute(
        select(Question, Quiz.title)
        .join(Quiz, Question.quiz_id == Quiz.id)
        .where(Quiz.course_id == quiz.course_id)
        .options(selectinload(Question.choices))
        .order_by(Quiz.id, Question.position)
    ).all()
    labelled = [
        (
            question.id,
            _("question %(number)s", number=question.position)
            if question.quiz_id == quiz.id
            else _("question %(number)s of “%(quiz)s”", number=question.position, quiz=title),
            to_spec(question),
        )
        for question, title in rows
    ]
    lesson_texts = [lesson.source_markdown for lesson in lessons.current_lessons(quiz.course_id)]
    mine = {question.id for question in quiz.questions}
    advice: dict[int, list[checker.Finding]] = {}
    for question_id, _label, spec in labelled:
        if question_id not in mine:
            continue
        others = [(label, other) for other_id, label, other in labelled if other_id != question_id]
        advice[question_id] = checker.check_question(
            spec, checker.Context(others=others, lesson_texts=lesson_texts)
        )
    return advice


def advice_count(advice: dict[int, list[checker.Finding]]) -> str:
    """“2 suggestions on 1 question”, or "" when there are none."""
    findings = sum(len(found) for found in advice.values())
    questions = sum(1 for found in advice.values() if found)
    if not findings:
        return ""
    return ngettext(
        "%(num)d suggestion on %(questions)s",
        "%(num)d suggestions on %(questions)s",
        findings,
        questions=ngettext("%(num)d question", "%(num)d questions", questions),
    )
