"""The dashboard, its CSV and the person page read an organisation in a fixed number of SQL
statements, however many people it has."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from coursework.db import utcnow
from coursework.extensions import db
from coursework.organisations import services
from coursework.organisations.models import Membership
from coursework.progress import services as progress
from lessons import services as lessons
from tests.support.orgkit import SECOND_COURSE, add_people, count_statements, join, take_quiz


def test_pages_use_a_fixed_number_of_queries(
    client, make_user, login, course, make_course, make_quiz
):
    boss = make_user(name="Boss")
    org = services.create_organisation("Acme", boss)
    drill = make_course(SECOND_COURSE, slug="fire-drill")
    quiz = make_quiz()
    today = utcnow().date()
    services.assign(org, course.id, boss, due_on=today + timedelta(days=30))
    services.assign(org, drill.id, boss, due_on=today - timedelta(days=1))  # overdue
    # A few people through the services: a certificate, quiz attempts, a failed try.
    done, tried = make_user(name="Done"), make_user(name="Tried")
    for person in (done, tried):
        join(org, boss, person)
    for lesson in lessons.current_lessons(course.id):
        progress.complete_lesson(done, lesson)
    take_quiz(done, quiz, right=True)
    progress.open_lesson(tried, lessons.current_lessons(course.id)[0])
    take_quiz(tried, quiz, right=False)
    add_people(org, 7, courses=(course, drill))
    login(client, boss)

    urls = {
        "dashboard": f"/organisations/{org.slug}/dashboard",
        "dashboard, filtered and sorted": (
            f"/organisations/{org.slug}/dashboard?status=in_progress&sort=percent&dir=desc&q=e"
        ),
        "dashboard, one course by best score": (
            f"/organisations/{org.slug}/dashboard?course={course.id}&sort=best_score&dir=desc"
        ),
        "dashboard, by status": f"/organisations/{org.slug}/dashboard?sort=status&dir=desc",
        "report API, by last activity": (
            f"/api/v1/organisations/{org.slug}/report?sort=last_activity&status=not_started"
        ),
        "CSV": f"/organisations/{org.slug}/report.csv",
        "person": f"/organisations/{org.slug}/people/{done.id}",
    }
    few = {name: count_statements(client, url) for name, url in urls.items()}
    assert db.session.scalar(select(db.func.count(Membership.id))) == 10

    add_people(org, 990, start=1000, courses=(course, drill))
    assert db.session.scalar(select(db.func.count(Membership.id))) == 1000
    many = {name: count_statements(client, url) for name, url in urls.items()}
    print("statements at 10 and 1,000 people:", few, many)
    # Never more at 1,000 people than at 10. It can be one fewer: the viewer's time zone is
    # looked up only when the page shows a date, and page 1 at 1,000 people may show none.
    assert set(many) == set(few)
    for name, count in many.items():
        assert few[name] - 1 <= count <= few[name], name
    # Every status is on the page at 1,000 people, and the table is paged.
    body = client.get(urls["dashboard"]).get_data(as_text=True)
    for label in ("Not started", "In progress", "Completed", "Overdue"):
        assert f"{label}</strong>" in body
    assert "Page 1 of 40" in body
