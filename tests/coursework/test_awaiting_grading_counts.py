"""An attempt awaiting grading (an essay a person has still to mark) counts the same on the
learner's pages and in the organisation's report: tried and used, with no score yet."""

from __future__ import annotations

import pytest

from coursework.extensions import db
from coursework.organisations import report
from coursework.organisations import services as organisations
from coursework.progress import services as progress
from quizzes import services as quizzes
from quizzes.spec import Choice, Kind, Question
from tests.support.orgkit import organisation_with_learner
from tests.support.quizkit import ESSAY, submitted_with_essay

SINGLE = Question(Kind.SINGLE, "Pick the right one.", choices=(Choice("Right", 1), Choice("No", 0)))


@pytest.fixture
def acme(make_user, course):
    return organisation_with_learner(make_user, course)


def both_views(organisation, learner, course):
    """(the learner's own progress and standing on the quiz, the report's row)."""
    db.session.commit()
    db.session.expire_all()
    mine = progress.course_progress(learner, course, fresh=True)
    (row,) = report.person(organisation, learner.id, organisations.today(organisation))
    return mine, row


def test_an_attempt_awaiting_grading_is_tried_on_both_sides(acme, course, make_quiz):
    organisation, _, learner = acme
    quiz = make_quiz([SINGLE, ESSAY], lesson_slug=None, title="Final")
    submitted_with_essay(quiz, learner)

    mine, row = both_views(organisation, learner, course)
    standing = mine.standings[quiz.id]
    assert standing.awaiting and not standing.attempts  # used, not graded
    assert mine.summary.started == 1 and mine.summary.completed == 0
    # The report used to count it as no attempt at all.
    assert row.status is report.Status.IN_PROGRESS
    assert row.attempts == len(standing.submitted) == 1
    assert row.percent == mine.summary.percent == 0
    assert row.best_score is None and row.latest_score is None


def test_a_later_attempt_awaiting_grading_leaves_the_grade_as_it_was(
    acme, course, make_quiz, instructor
):
    organisation, _, learner = acme
    quiz = make_quiz([SINGLE, ESSAY], lesson_slug=None, grading_method="latest")
    _, (essay,) = submitted_with_essay(quiz, learner)
    quizzes.grade_essay(quiz, essay.id, 2, "Complete.", instructor)
    submitted_with_essay(quiz, learner)  # the second waits for its grader

    mine, row = both_views(organisation, learner, course)
    standing = mine.standings[quiz.id]
    assert standing.passed and len(standing.awaiting) == 1
    assert row.attempts == len(standing.submitted) == 2
    assert row.best_score == row.latest_score == standing.best == 100.0
    assert row.percent == mine.summary.percent
