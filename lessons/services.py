"""Course rules: reading the catalogue, bringing a course in line with its source, and who
may change a course (its staff).

Every service that changes a course or anything in it (its quizzes, their answer keys and
statistics, its certificates) takes the person acting and calls `require_staff`; the views'
`@access("instructor")` only says that some instructor may try.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field
from urllib.parse import quote

from flask import current_app
from sqlalchemy import delete, exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, defer

from coursework.accounts import services as accounts
from coursework.accounts.models import User
from coursework.db import insert_at_free_slug, upsert, utcnow
from coursework.errors import Conflict, NotFound, PermissionDenied, RuleViolation
from coursework.extensions import db
from coursework.i18n import _
from lessons import signals
from lessons.builder import CourseSource, LessonSource, body_hash
from lessons.models import Course, CourseAsset, CourseStaff, Lesson, StaffRole
from lessons.rendering import render_markdown

log = logging.getLogger(__name__)


class Operator:
    """Whoever runs `flask --app wsgi …` at the shell: they hold the database already, so
    they may change any course; they own none."""

    id = None
    is_admin = True
    is_instructor = True

    def __repr__(self) -> str:
        return "<Operator>"


OPERATOR = Operator()
Actor = User | Operator


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
    # The title's address belonged to another course, so this one was given `course.slug`.
    address_taken: str | None = None

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


def import_course(source: CourseSource, by: Actor, *, owner: User | None = None) -> ImportReport:
    """Create or update the course `source.slug` so its current lessons match the source.

    Unchanged lessons are left alone (learners keep their progress), changed ones are
    updated in place, lessons missing from the source are retired, never deleted.
    Only the course's staff (or an admin) may update an existing course. A new course is
    owned by `owner`, by default the instructor importing it; a course imported by the
    operator (or an admin who does not teach) has no owner unless one is named, so only
    admins may change it.
    """
    course = target_course(source)
    report = ImportReport(course=course, created=course is None)
    if course is not None:
        require_staff(course.id, by)
    else:
        if owner is None and isinstance(by, User) and by.is_instructor:
            owner = by
        if owner is not None:
            _check_instructor(owner)
        course = report.course = insert_at_free_slug(
            db.session,
            lambda slug: Course(slug=slug, title=source.title),
            source.slug,
            max_length=Course.slug.type.length,
        )
        if course is None:
            raise Conflict(_("Too many courses have this title. Choose an address for this one."))
        if course.slug != source.slug:
            report.address_taken = source.slug
        if owner is not None:
            db.session.add(
                CourseStaff(course_id=course.id, user_id=owner.id, role=StaffRole.OWNER.value)
            )
    images = _store_images(course, source)
    description_html = _render(source.description, images) if source.description else ""
    course_fields = {
        "title": source.title,
        "summary": source.summary,
        "description_html": description_html,
        "certificate_valid_months": source.certificate_valid_months,
        "language": source.language,
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
    matched = _match_lessons(source.lessons, existing)
    for position, lesson_source in enumerate(source.lessons, start=1):
        lesson = matched.get(position)
        if lesson is None:
            db.session.add(_new_lesson(course, lesson_source, position, images))
            report.added.append(lesson_source.slug)
            continue
        if lesson.retired_at is not None:
            lesson.retired_at = None
            report.restored.append(lesson_source.slug)
        if lesson.content_hash != lesson_source.content_hash:
            old_hash = lesson.content_hash
            retitled = _body_hash(lesson) == lesson_source.body_hash
            lesson.slug = lesson_source.slug
            _apply_source(lesson, lesson_source, images)
            lesson.updated_at = now
            report.updated.append(lesson_source.slug)
            if retitled:
                signals.lesson_retitled.send(
                    lesson_id=lesson.id, old_hash=old_hash, new_hash=lesson.content_hash
                )
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
    db.session.flush()
    log.info(
        "course %s imported: %d added, %d updated, %d retired",
        course.slug,
        len(report.added),
        len(report.updated),
        len(report.retired),
    )
    return report


def target_course(source: CourseSource) -> Course | None:
    """The course this import updates, or None when it makes a new one.

    An import never replaces a different course. The course at the source's address is
    this one when the address was named on purpose (front matter, `--slug`, the form) or
    when it carries the same title; then only its staff may update it. Otherwise two
    titles met at one address ("C++" and "C#") and the import makes a new course at the
    next free address (`c-2`, …)."""
    existing = find_course(source.slug)
    if source.slug_chosen or existing is None or existing.title == source.title:
        return existing
    # The course this title made last time, at the address it was given then.
    taken = re.compile(re.escape(source.slug) + r"-\d+")
    return next(
        (
            course
            for course in db.session.scalars(
                select(Course).where(Course.title == source.title).order_by(Course.id)
            )
            if taken.fullmatch(course.slug)
        ),
        None,
    )


def _match_lessons(sources: list[LessonSource], existing: dict[str, Lesson]) -> dict[int, Lesson]:
    """Which stored lesson each source lesson (by position) continues: the one at its
    address, else one left over whose text is the same (its heading was renamed). Matched
    lessons are taken out of `existing`; what is left there is no longer in the source."""
    matched = {}
    for position, source in enumerate(sources, start=1):
        if (lesson := existing.pop(source.slug, None)) is not None:
            matched[position] = lesson
    by_body = {}
    for slug, lesson in existing.items():
        by_body.setdefault(_body_hash(lesson), slug)
    for position, source in enumerate(sources, start=1):
        if position not in matched and (slug := by_body.pop(source.body_hash, None)):
            matched[position] = existing.pop(slug)
    return matched


def _body_hash(lesson: Lesson) -> str:
    return body_hash(lesson.source_markdown, lesson.objectives, lesson.minutes)


def _new_lesson(
    course: Course, source: LessonSource, position: int, images: dict[str, str]
) -> Lesson:
    lesson = Lesson(course=course, slug=source.slug, position=position)
    _apply_source(lesson, source, images)
    return lesson


def _apply_source(lesson: Lesson, source: LessonSource, images: dict[str, str]) -> None:
    lesson.title = source.title
    lesson.source_markdown = source.markdown
    lesson.body_html = _render(source.markdown, images)
    lesson.objectives = list(source.objectives)
    lesson.minutes = source.minutes
    lesson.content_hash = source.content_hash


def _render(markdown: str, images: dict[str, str]) -> str:
    return render_markdown(
        markdown, images=images, image_hosts=current_app.config.get("LESSON_IMAGE_HOSTS", ())
    )


def asset_path(course: Course, name: str) -> str:
    """Where the app serves a course's stored image (the route is in progress.views)."""
    return f"/courses/{quote(course.slug)}/assets/{quote(name)}"


def _store_images(course: Course, source: CourseSource) -> dict[str, str]:
    """Store the course folder's images with the course (a changed image replaces the old
    one at its name) and return where each is served, by its path as the lessons write it."""
    now = utcnow()
    upsert(
        db.session,
        CourseAsset,
        ("course_id", "name"),
        [
            {
                "course_id": course.id,
                "name": name,
                "content_type": image.content_type,
                "data": image.data,
                "sha256": hashlib.sha256(image.data).hexdigest(),
                "updated_at": now,
            }
            for name, image in source.images.items()
        ],
    )
    return {name: asset_path(course, name) for name in source.images}


def find_asset(course: Course, name: str) -> CourseAsset:
    asset = db.session.scalar(
        select(CourseAsset).where(CourseAsset.course_id == course.id, CourseAsset.name == name)
    )
    if asset is None:
        raise NotFound(_("This course has no image at this address."))
    return asset


def list_courses() -> list[tuple[Course, int, int]]:
    """Every course with its number of current lessons and their total minutes."""
    rows = db.session.execute(
        select(Course, func.count(Lesson.id), func.coalesce(func.sum(Lesson.minutes), 0))
        .outerjoin(Lesson, (Lesson.course_id == Course.id) & Lesson.retired_at.is_(None))
        .group_by(Course.id)
        .order_by(Course.title)
    )
    return [(course, count, minutes) for course, count, minutes in rows]


def find_course(slug: str) -> Course | None:
    return db.session.scalar(select(Course).where(Course.slug == slug))


def get_course(slug: str) -> Course:
    course = find_course(slug)
    if course is None:
        raise NotFound(_("There is no course at this address."))
    return course


def get_course_by_id(course_id: int) -> Course:
    course = db.session.get(Course, course_id)
    if course is None:
        raise NotFound(_("There is no course at this address."))
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


def find_lesson_page(slug: str, lesson_slug: str) -> Lesson:
    """The current lesson at this address with its course, in one statement (a lesson page
    shows both), without the lesson's Markdown source; NotFound as `get_lesson` says it."""
    lesson = db.session.scalar(
        select(Lesson)
        .join(Lesson.course)
        .where(Course.slug == slug, Lesson.slug == lesson_slug)
        .options(contains_eager(Lesson.course), defer(Lesson.source_markdown))
    )
    if lesson is None:
        get_course(slug)  # no such course says so; else the lesson is missing
    return _current(lesson)


def get_lesson(course: Course, lesson_slug: str) -> Lesson:
    return _current(
        db.session.scalar(
            select(Lesson).where(Lesson.course_id == course.id, Lesson.slug == lesson_slug)
        )
    )


def _current(lesson: Lesson | None) -> Lesson:
    if lesson is None:
        raise NotFound(_("This course has no lesson at this address."))
    if lesson.retired_at is not None:
        raise NotFound(_("This lesson has been retired from the course."))
    return lesson


# ---- staff ----------------------------------------------------------------------------


def can_change(course_id: int, actor: Actor) -> bool:
    """Whether `actor` may change the course and everything in it: admins (and the
    operator) always, instructors on its staff."""
    if actor.is_admin:
        return True
    return bool(actor.is_instructor) and bool(
        db.session.scalar(
            select(
                exists().where(CourseStaff.course_id == course_id, CourseStaff.user_id == actor.id)
            )
        )
    )


def require_staff(course_id: int, actor: Actor) -> None:
    if not can_change(course_id, actor):
        log.info("user %s refused: not on the staff of course %s", actor.id, course_id)
        raise PermissionDenied(_("Only this course's staff can do that."))


def staffed_course_ids(actor: Actor) -> set[int] | None:
    """The ids of the courses `actor` may change; None when that is every course."""
    if actor.is_admin:
        return None
    if not actor.is_instructor:
        return set()
    return set(
        db.session.scalars(select(CourseStaff.course_id).where(CourseStaff.user_id == actor.id))
    )


def courses_for_staff(actor: Actor) -> list[tuple[Course, int, int]]:
    """`list_courses`, narrowed to the courses `actor` may change."""
    ids = staffed_course_ids(actor)
    return [row for row in list_courses() if ids is None or row[0].id in ids]


def staff_of(course: Course) -> list[tuple[CourseStaff, User]]:
    """The course's staff, owner first, then co-instructors by name."""
    rows = db.session.execute(
        select(CourseStaff, User)
        .join(User, User.id == CourseStaff.user_id)
        .where(CourseStaff.course_id == course.id)
        .order_by((CourseStaff.role == StaffRole.OWNER.value).desc(), User.display_name)
    )
    return list(rows.tuples())


def can_manage_staff(course: Course, actor: Actor) -> bool:
    """The owner (and admins) choose who else teaches the course; co-instructors do not."""
    if actor.is_admin:
        return True
    member = db.session.get(CourseStaff, (course.id, actor.id))
    return bool(actor.is_instructor) and member is not None and member.is_owner


def _check_instructor(user: User | None) -> User:
    # The same answer for an unknown address and a learner's, so the form tells nobody
    # who has an account.
    if user is None or not user.is_instructor:
        message = _("There is no instructor with this email address.")
        raise RuleViolation(message, {"email": [message]})
    return user


def add_staff(
    course: Course, email: str, by: Actor, role: StaffRole = StaffRole.CO_INSTRUCTOR
) -> CourseStaff:
    """Add an instructor to the course's staff, as a co-instructor or, when an admin gives
    an ownerless course its owner, as the owner."""
    if not can_manage_staff(course, by):
        raise PermissionDenied(_("Only the course's owner can change its staff."))
    user = _check_instructor(accounts.find_by_email(email))
    if role is StaffRole.OWNER:
        if not by.is_admin:
            raise PermissionDenied(_("Only an admin can choose a course's owner."))
        if any(member.is_owner for member, _ in staff_of(course)):
            message = _("This course already has an owner.")
            raise Conflict(message, {"role": [message]})
    if db.session.get(CourseStaff, (course.id, user.id)) is not None:
        message = _("%(name)s already teaches this course.", name=user.display_name)
        raise Conflict(message, {"email": [message]})
    member = CourseStaff(course_id=course.id, user_id=user.id, role=role.value)
    db.session.add(member)
    try:
        db.session.flush()
    except IntegrityError:  # the same person, or a second owner, added at the same moment
        db.session.rollback()
        message = _("Someone changed this course's staff at the same moment. Try again.")
        raise Conflict(message) from None
    log.info("user %s added to course %s as %s by %s", user.id, course.id, role.value, by.id)
    return member


def _managed_member(course: Course, user_id: int, by: Actor) -> CourseStaff:
    """A member of the course's staff, for the owner (or an admin) to change."""
    if not can_manage_staff(course, by):
        raise PermissionDenied(_("Only the course's owner can change its staff."))
    member = db.session.get(CourseStaff, (course.id, user_id))
    if member is None:
        raise NotFound(_("This person does not teach this course."))
    return member


def remove_staff(course: Course, user_id: int, by: Actor) -> None:
    """Take a co-instructor off the course's staff; the owner stays."""
    member = _managed_member(course, user_id, by)
    if member.is_owner:
        raise Conflict(_("The owner stays on the course's staff."))
    db.session.delete(member)
    db.session.flush()
    log.info("user %s removed from course %s by %s", user_id, course.id, by.id)


def hand_over(course: Course, user_id: int, by: Actor) -> None:
    """Make a co-instructor the course's owner; the owner before stays as a co-instructor.
    The owner does this (before leaving, say), or an admin."""
    member = _managed_member(course, user_id, by)
    if member.is_owner:
        return
    owner = db.session.scalar(
        select(CourseStaff).where(
            CourseStaff.course_id == course.id, CourseStaff.role == StaffRole.OWNER.value
        )
    )
    if owner is not None:
        owner.role = StaffRole.CO_INSTRUCTOR.value
        db.session.flush()  # one owner at a time: the unique index checks each row
    member.role = StaffRole.OWNER.value
    db.session.flush()
    log.info("course %s handed over to user %s by %s", course.id, user_id, by.id)


def owned_courses(user: User) -> list[Course]:
    """The courses `user` owns: someone must take them over before the account goes."""
    return list(
        db.session.scalars(
            select(Course)
            .join(CourseStaff, CourseStaff.course_id == Course.id)
            .where(CourseStaff.user_id == user.id, CourseStaff.role == StaffRole.OWNER.value)
            .order_by(Course.title)
        )
    )


def taught_by(user: User) -> list[tuple[Course, str]]:
    """Each course `user` is on the staff of, with their role."""
    rows = db.session.execute(
        select(Course, CourseStaff.role)
        .join(CourseStaff, CourseStaff.course_id == Course.id)
        .where(CourseStaff.user_id == user.id)
        .order_by(Course.title)
    )
    return list(rows.tuples())


def leave_staff(user: User) -> None:
    """Take `user` off every course's staff (as a co-instructor). Does not commit."""
    db.session.execute(delete(CourseStaff).where(CourseStaff.user_id == user.id))
