"""The organisation report runs in the database; this holds it to a straightforward Python
computation of the same rules (progress.rules.summarise, the quiz's grading method) on
random organisations: removed members, chosen and everyone assignments with and without
due dates, retired and edited lessons, unpublished, optional and final quizzes of every
grading method, open and ungraded attempts, enrolments and certificates."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from sqlalchemy import select

from coursework.extensions import db
from coursework.organisations import report, services
from coursework.organisations.models import Membership
from coursework.organisations.report import Status
from quizzes.grading import GradingMethod
from tests.support.orgkit import SECOND_COURSE, add_people, count_statements, join, take_quiz
from tests.support.reportkit import (
    DUE,
    FILTERS,
    TODAY,
    activity,
    assignment_shapes,
    course_shapes,
    extras,
    key,
    lay_down,
    people_shapes,
    reference_rows,
)

# ---- random organisations ------------------------------------------------------------------


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(course_shapes, people_shapes, activity, assignment_shapes, extras, FILTERS, DUE)
def test_the_sql_report_matches_the_rules_computed_in_python(
    app, courses, people, acts, assignments, others, filters, today
):
    organisation = lay_down(courses, people, acts, assignments, others)
    today = today or TODAY
    expected = sorted(reference_rows(organisation, today), key=key)
    assert sorted(report.build_rows(organisation, today), key=key) == expected

    wanted = report.select_rows(expected, filters)
    page = report.report(organisation, filters, today)
    start = (filters.page - 1) * filters.per_page
    assert page.total == len(wanted)
    assert page.rows == wanted[start : start + filters.per_page]
    assert page.assigned == len(expected)
    assert page.people == len({row.user_id for row in expected})
    for status in Status:
        assert page.count(status) == sum(row.status is status for row in expected)
    assert list(report.stream_rows(organisation, filters, today)) == wanted


@pytest.mark.parametrize("method", list(GradingMethod))
@pytest.mark.parametrize("order", [(90.0, 10.0, 40.0), (10.0, 90.0, 40.0), (40.0, 10.0, 90.0)])
def test_each_grading_method_decides_a_pass_as_the_quiz_says(app, method, order):
    """Three attempts on one required quiz, pass mark 45: highest passes, latest and first
    pass when that attempt scored 90, the average (46.67) passes."""
    courses = [
        {
            "lessons": [{"retired": False, "quiz": False}],
            "final": True,
            "quiz": {"published": True, "required": True, "method": method.value, "pass": 45},
        }
    ]
    acts = [
        {"person": 0, "course": 0, "step": 0, "kind": "attempt", "percent": p, "minutes": 1}
        for p in order
    ]  # equal times: the later id is the later attempt
    acts.append(
        {"person": 0, "course": 0, "step": 0, "kind": "done", "percent": None, "minutes": 0}
    )
    organisation = lay_down(
        courses,
        [{"name": "Ann", "removed": False}],
        acts,
        [{"course": 0, "everyone": True, "due": None, "chosen": set()}],
        [],
    )
    (row,) = report.build_rows(organisation, TODAY)
    assert row == reference_rows(organisation, TODAY)[0]
    passes = {
        GradingMethod.HIGHEST: True,
        GradingMethod.LATEST: order[-1] > 45,
        GradingMethod.FIRST: order[0] > 45,
        GradingMethod.AVERAGE: True,
    }[method]
    assert row.status is (Status.COMPLETED if passes else Status.IN_PROGRESS)
    assert (row.best_score, row.latest_score, row.attempts) == (90.0, order[-1], 3)


def test_statements_stay_fixed_from_10_to_1000_people(
    client, make_user, login, course, make_course, make_quiz
):
    """The dashboard (plain and filtered), the report API, the CSV and a person's page run
    the same statements at 10 people as at 1,000."""
    boss = make_user(name="Boss")
    org = services.create_organisation("Acme", boss)
    drill = make_course(SECOND_COURSE, slug="fire-drill")
    quiz = make_quiz()
    services.assign(org, course.id, boss, due_on=TODAY + timedelta(days=30))
    services.assign(org, drill.id, boss, due_on=TODAY - timedelta(days=1))
    tried = make_user(name="Tried")
    join(org, boss, tried)
    take_quiz(tried, quiz, right=False)
    add_people(org, 8, courses=(course, drill))
    login(client, boss)
    urls = {
        "dashboard": f"/organisations/{org.slug}/dashboard",
        "filtered": f"/organisations/{org.slug}/dashboard?status=in_progress&sort=percent&q=e",
        "report API": f"/api/v1/organisations/{org.slug}/report?sort=best_score&dir=desc",
        "CSV": f"/organisations/{org.slug}/report.csv",
        "person": f"/organisations/{org.slug}/people/{tried.id}",
    }
    few = {name: count_statements(client, url) for name, url in urls.items()}
    add_people(org, 990, start=1000, courses=(course, drill))
    assert db.session.scalar(select(db.func.count(Membership.id))) == 1000
    many = {name: count_statements(client, url) for name, url in urls.items()}
    assert many == few, (few, many)
    csv_lines = client.get(urls["CSV"]).get_data().count(b"\r\n")
    assert csv_lines == 1 + 2 * 1000  # the header, then both courses for everyone
