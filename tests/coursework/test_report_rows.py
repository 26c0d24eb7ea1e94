"""The organisation report's rows (`report_rows`) stay what a computation from scratch gives
after every kind of change the report depends on, made through the services: people joining
and leaving, courses assigned to everyone or to chosen people, due dates, names, course
titles, lessons opened and completed, quizzes, enrolments and certificates."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event, func, select, update

from coursework.accounts.models import User
from coursework.db import utcnow
from coursework.extensions import db
from coursework.organisations import report_rows, services
from coursework.organisations.models import ReportRow
from coursework.progress import services as progress
from coursework.progress.models import Enrolment
from lessons import services as lessons
from lessons.models import Course
from tests.support.orgkit import SECOND_COURSE, add_people, join, take_quiz


def stored() -> list[tuple]:
    table = ReportRow.__table__
    return sorted(tuple(row) for row in db.session.execute(select(table)))


def fresh() -> list[tuple]:
    found = report_rows.computed(report_rows.assigned_pairs()).subquery("fresh")
    columns = [found.c[column.name] for column in ReportRow.__table__.columns]
    return sorted(tuple(row) for row in db.session.execute(select(*columns)))


def same() -> None:
    db.session.commit()
    assert stored() == fresh()


def test_rows_follow_every_change_the_report_reads(app, make_user, course, make_course, make_quiz):
    boss = make_user(name="Boss")
    org = services.create_organisation("Acme", boss)
    drill = make_course(SECOND_COURSE, slug="fire-drill")
    quiz = make_quiz()
    ann, bob = make_user(name="Ann"), make_user(name="Bob")
    for person in (ann, bob):
        join(org, boss, person)
    same()
    assert stored() == []  # nothing assigned yet

    everyone = services.assign(org, course.id, boss, due_on=utcnow().date() + timedelta(days=9))
    same()
    assert len(stored()) == 3  # the manager is a member too
    chosen = services.assign(org, drill.id, boss, user_ids=[ann.id])
    same()
    services.assign(org, course.id, boss, user_ids=[bob.id], due_on=utcnow().date())
    same()  # bob's earlier due date wins
    services.set_due_date(org, everyone.id, None)
    same()

    first = lessons.current_lessons(course.id)[0]
    progress.open_lesson(ann, first)
    same()
    progress.open_lesson(ann, first)  # again: only the last activity moves
    same()
    for lesson in lessons.current_lessons(course.id):
        progress.complete_lesson(ann, lesson)
    same()
    take_quiz(ann, quiz, right=True)  # the certificate follows
    same()
    take_quiz(bob, quiz, right=False)
    same()

    ann_row = db.session.get(User, ann.id)
    ann_row.display_name = "Zoë Ann"
    same()
    db.session.get(Course, course.id).title = "A new title"
    same()

    services.remove_member(org, bob.id, boss)
    same()
    assert {row[1] for row in stored()} == {boss.id, ann.id}
    services.unassign(org, chosen.id)
    same()
    add_people(org, 600, start=5000, courses=(course, drill))  # a bulk load: whole courses
    same()


def test_rows_follow_a_last_activity_moved_by_any_update(app, make_user, course):
    """The services move one enrolment's last activity, named by its key; an UPDATE that
    names none (here, a whole course's) is read from the table, and its rows follow too."""
    boss = make_user(name="Boss")
    org = services.create_organisation("Acme", boss)
    ann, bob = make_user(name="Ann"), make_user(name="Bob")
    for person in (ann, bob):
        join(org, boss, person)
    services.assign(org, course.id, boss)
    lesson = lessons.current_lessons(course.id)[0]
    for person in (ann, bob):
        progress.open_lesson(person, lesson)
    same()
    later = utcnow() + timedelta(days=1)
    db.session.execute(
        update(Enrolment).where(Enrolment.course_id == course.id).values(last_activity_at=later)
    )
    same()
    moved = select(ReportRow.last_activity).where(ReportRow.user_id.in_([ann.id, bob.id]))
    assert set(db.session.scalars(moved)) == {later}


def test_rows_follow_more_moved_activities_than_one_statement_takes(app, make_user, course):
    """An UPDATE of a whole course's enrolments moves more last activities than one
    statement should carry, in the same transaction as a step: they follow in batches."""
    boss = make_user(name="Boss")
    org = services.create_organisation("Acme", boss)
    services.assign(org, course.id, boss)
    add_people(org, 1600, start=7000, courses=(course,))
    same()
    enrolled = db.session.scalar(
        select(func.count()).select_from(Enrolment).where(Enrolment.course_id == course.id)
    )
    assert enrolled > report_rows.MANY
    ann = make_user(name="Ann")
    join(org, boss, ann)
    later = utcnow() + timedelta(days=1)
    db.session.execute(
        update(Enrolment).where(Enrolment.course_id == course.id).values(last_activity_at=later)
    )
    progress.open_lesson(ann, lessons.current_lessons(course.id)[0])  # a step: summary pairs
    widest = []

    def _count(conn, cursor, statement, parameters, context, executemany):
        widest.append(len(parameters or ()))

    event.listen(db.engine, "before_cursor_execute", _count)
    try:
        same()
    finally:
        event.remove(db.engine, "before_cursor_execute", _count)
    assert max(widest) <= 2 * report_rows.MANY + 10
    moved = select(func.count()).where(
        ReportRow.course_id == course.id, ReportRow.last_activity == later
    )
    assert db.session.scalar(moved) == enrolled


def test_a_step_costs_one_statement_for_the_report(app, make_user, course):
    """Opening a lesson a second time moves only the last activity (one UPDATE); a first
    completion rewrites the pair's rows in every organisation in one statement."""
    boss = make_user(name="Boss")
    org = services.create_organisation("Acme", boss)
    learner = make_user(name="Ann")
    join(org, boss, learner)
    services.assign(org, course.id, boss)
    lesson = lessons.current_lessons(course.id)[0]
    progress.open_lesson(learner, lesson)
    db.session.commit()

    def report_statements(work) -> list[str]:
        seen: list[str] = []

        def record(conn, cursor, statement, *args) -> None:
            if "report_rows" in statement:
                seen.append(statement)

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            work()
            db.session.commit()  # the report's rows are kept at the request's commit
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        return seen

    assert len(report_statements(lambda: progress.open_lesson(learner, lesson))) == 1
    assert len(report_statements(lambda: progress.complete_lesson(learner, lesson))) == 1
    same()
