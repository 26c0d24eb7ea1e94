"""Course rules: reading the catalogue and bringing a course in line with its source."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import defer

from coursework.db import utcnow
from coursework.errors import NotFound
from coursework.extensions import db
from lessons.builder import CourseSource, LessonSource
from lessons.models import Course, Lesson
from lessons.rendering import render_markdown

log = logging.getLogger(__name__)


@dataclass
class ImportReport:
    course: Course
    created: bool = False
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(
            self.created
            or self.added
            or self.updated
            or self.restored
            or self.moved
            or self.retired
        )


def import_course(source: CourseSource) -> ImportReport:
    """Create or update the course `source.slug` so its current lessons match the source.

    Unchanged lessons are left alone (learners keep their progress), changed ones are
    updated in place, lessons missing from the source are retired, never deleted.
    """
    course = db.session.scalar(select(Course).where(Course.slug == source.slug))
    report = ImportReport(course=course, created=course is None)
    if course is None:
        course = report.course = Course(slug=source.slug, title=source.title)
        db.session.add(course)
    description_html = render_markdown(source.description) if source.description else ""
    course_fields = {
        "title": source.title,
        "summary": source.summary,
        "description_html": description_html,
        "certificate_valid_months": source.certificate_valid_months,
    }
    course_changed = any(getattr(course, key) != value for key, value in course_fields.items())
    for key, value in course_fields.items():
        setattr(course, key, value)

    existing = (
        {
            lesson.slug: lesson
            for lesson in db.session.scalars(select(Lesson).where(Lesson.course_id == course.id))
        }
        if course.id
        else {}
    )
    now = utcnow()
    for position, lesson_source in enumerate(source.lessons, start=1):
        lesson = existing.pop(lesson_source.slug, None)
        if lesson is None:
            db.session.add(_new_lesson(course, lesson_source, position))
            report.added.append(lesson_source.slug)
            continue
        if lesson.retired_at is not None:
            lesson.retired_at = None
            report.restored.append(lesson.slug)
        if lesson.content_hash != lesson_source.content_hash:
            _apply_source(lesson, lesson_source)
            lesson.updated_at = now
            report.updated.append(lesson.slug)
        elif lesson.position != position:
            report.moved.append(lesson.slug)
        elif lesson.slug not in report.restored:
            report.unchanged.append(lesson.slug)
        lesson.position = position
    for lesson in existing.values():
        if lesson.retired_at is None:
            lesson.retired_at = now
            report.retired.append(lesson.slug)
    if report.changed or course_changed:
        course.updated_at = now
    db.session.commit()
    log.info(
        "course %s imported: %d added, %d updated, %d retired",
        course.slug,
        len(report.added),
        len(report.updated),
        len(report.retired),
    )
    return report


def _new_lesson(course: Course, source: LessonSource, position: int) -> Lesson:
    lesson = Lesson(course=course, slug=source.slug, position=position)
    _apply_source(lesson, source)
    return lesson


def _apply_source(lesson: Lesson, source: LessonSource) -> None:
    lesson.title = source.title
    lesson.source_markdown = source.markdown
    lesson.body_html = render_markdown(source.markdown)
    lesson.objectives = list(source.objectives)
    lesson.minutes = source.minutes
    lesson.content_hash = source.content_hash


def list_courses() -> list[tuple[Course, int, int]]:
    """Every course with its number of current lessons and their total minutes."""
    rows = db.session.execute(
        select(Course, func.count(Lesson.id), func.coalesce(func.sum(Lesson.minutes), 0))
        .outerjoin(Lesson, (Lesson.course_id == Course.id) & Lesson.retired_at.is_(None))
        .group_by(Course.id)
        .order_by(Course.title)
    )
    return [(course, count, minutes) for course, count, minutes in rows]


def get_course(slug: str) -> Course:
    course = db.session.scalar(select(Course).where(Course.slug == slug))
    if course is None:
        raise NotFound("There is no course at this address.")
    return course


def get_course_by_id(course_id: int) -> Course:
    course = db.session.get(Course, course_id)
    if course is None:
        raise NotFound("There is no course at this address.")
    return course


def current_lessons(course_ids: list[int] | int, *, with_text: bool = True) -> list[Lesson]:
    """The current (not retired) lessons of one or more courses, in course order.

    `with_text=False` leaves each lesson's Markdown and HTML unread until used: progress
    pages list the lessons and show at most one body."""
    ids = [course_ids] if isinstance(course_ids, int) else course_ids
    if not ids:
        return []
    query = select(Lesson).where(Lesson.course_id.in_(ids), Lesson.retired_at.is_(None))
    if not with_text:
        query = query.options(defer(Lesson.body_html), defer(Lesson.source_markdown))
    return list(db.session.scalars(query.order_by(Lesson.course_id, Lesson.position)))


def get_lesson(course: Course, lesson_slug: str) -> Lesson:
    lesson = db.session.scalar(
        select(Lesson).where(Lesson.course_id == course.id, Lesson.slug == lesson_slug)
    )
    if lesson is None:
        raise NotFound("This course has no lesson at this address.")
    if lesson.retired_at is not None:
        raise NotFound("This lesson has been retired from the course.")
    return lesson
