"""Learning events as xAPI 1.0.3 statements, for an organisation's own learning record store.

Pure functions build each part of a statement from a learning event; `load_page` is the one
function that reads the database. Which events: those of the organisation's current
members, on the courses the organisation has assigned to them (the same people and courses
as its progress report), oldest first.

Verbs (ADL vocabulary, http://adlnet.gov/expapi/verbs/…):

    Coursework event        xAPI verb     object
    started  course         registered    the course (the learner enrolled)
    started  lesson         experienced   the lesson (opened it)
    completed lesson        completed     the lesson
    attempted quiz          attempted     the quiz (a submitted attempt), result: score
    passed   quiz           passed        the quiz, result: score, success true
    failed   quiz           failed        the quiz, result: score, success false
    started  quiz           attempted     the quiz, no result (not recorded at present)
    certified course        completed     the course, result: completion and success true,
                                          the certificate's public address as an extension

Any other verb becomes `PUBLIC_URL/xapi/verbs/<verb>`. Activity ids are the public
addresses of the pages (`PUBLIC_URL/courses/<slug>`, `…/lessons/<slug>`,
`PUBLIC_URL/quizzes/<id>`); a statement's id is a UUID 5 of the event's id and PUBLIC_URL,
so it is the same on every export and differs between installations. The actor is an
account (`homePage` PUBLIC_URL, `name` the user id), never an email address.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, case, exists, or_, select

from coursework.accounts.models import User
from coursework.extensions import db
from coursework.organisations.models import Assignment, AssignmentMember, Membership, Organisation
from coursework.progress.models import LearningEvent
from lessons.models import Course, Lesson
from quizzes.models import Quiz

VERSION = "1.0.3"
ADL_VERBS = "http://adlnet.gov/expapi/verbs/"
ADL_ACTIVITIES = "http://adlnet.gov/expapi/activities/"
# Fixed for ever: changing it would change every statement id.
NAMESPACE = uuid.UUID("8a4c5f0e-3b1d-5c7a-9e26-0d4b7f1c2a93")
MAX_LIMIT = 500
DEFAULT_LIMIT = 100

# (event verb, object type) -> ADL verb; (verb, None) applies to any object type.
VERBS: dict[tuple[str, str | None], str] = {
    ("started", "course"): "registered",
    ("started", "lesson"): "experienced",
    ("started", "quiz"): "attempted",
    ("completed", None): "completed",
    ("attempted", None): "attempted",
    ("passed", None): "passed",
    ("failed", None): "failed",
    ("certified", None): "completed",
}
ACTIVITY_TYPES = {
    "course": ADL_ACTIVITIES + "course",
    "lesson": ADL_ACTIVITIES + "lesson",
    "quiz": ADL_ACTIVITIES + "assessment",
}
SCORED = frozenset({"attempted", "passed", "failed"})


@dataclass(frozen=True)
class Activity:
    id: str
    name: str
    type: str

    def as_object(self) -> dict[str, Any]:
        return {
            "objectType": "Activity",
            "id": self.id,
            "definition": {"name": {"en-US": self.name}, "type": self.type},
        }


@dataclass(frozen=True)
class Event:
    """A learning event with what a statement needs of its actor and object."""

    id: int
    actor_id: int
    actor_name: str
    verb: str
    object_type: str
    occurred_at: datetime
    context: Mapping[str, Any]
    activity: Activity
    parent: Activity | None = None  # the lesson of a lesson's quiz, or the course
    grouping: Activity | None = None  # the course, when the parent is a lesson


# ---- pure parts ----------------------------------------------------------------------------


def _base(public_url: str) -> str:
    return public_url.rstrip("/")


def extension(public_url: str, name: str) -> str:
    return f"{_base(public_url)}/xapi/extensions/{name}"


def statement_id(public_url: str, event_id: int) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{_base(public_url)}/learning-events/{event_id}"))


def verb(event_verb: str, object_type: str, public_url: str) -> dict[str, Any]:
    name = VERBS.get((event_verb, object_type)) or VERBS.get((event_verb, None))
    iri = ADL_VERBS + name if name else f"{_base(public_url)}/xapi/verbs/{event_verb}"
    return {"id": iri, "display": {"en-US": name or event_verb}}


def actor(public_url: str, user_id: int, name: str) -> dict[str, Any]:
    return {
        "objectType": "Agent",
        "name": name,
        "account": {"homePage": _base(public_url), "name": str(user_id)},
    }


def course_activity(public_url: str, slug: str, title: str) -> Activity:
    return Activity(f"{_base(public_url)}/courses/{slug}", title, ACTIVITY_TYPES["course"])


def lesson_activity(public_url: str, course_slug: str, slug: str, title: str) -> Activity:
    return Activity(
        f"{_base(public_url)}/courses/{course_slug}/lessons/{slug}", title, ACTIVITY_TYPES["lesson"]
    )


def quiz_activity(public_url: str, quiz_id: int, title: str) -> Activity:
    return Activity(f"{_base(public_url)}/quizzes/{quiz_id}", title, ACTIVITY_TYPES["quiz"])


def timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC with a Z, to the millisecond."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def result(event_verb: str, context: Mapping[str, Any], public_url: str) -> dict[str, Any] | None:
    """The score of a submitted attempt (as a percentage: raw 0 to 100, scaled 0 to 1), or the
    completion of a certified course; None for events without an outcome."""
    if event_verb in SCORED:
        out: dict[str, Any] = {"completion": True}
        percent = context.get("percent")
        if isinstance(percent, int | float) and not isinstance(percent, bool):
            raw = round(min(100.0, max(0.0, float(percent))), 2)
            out["score"] = {"scaled": round(raw / 100, 4), "raw": raw, "min": 0, "max": 100}
        if event_verb != "attempted":
            out["success"] = event_verb == "passed"
        return out
    if event_verb == "certified":
        out = {"completion": True, "success": True}
        code = context.get("certificate")
        if isinstance(code, str) and code:
            out["extensions"] = {
                extension(public_url, "certificate"): f"{_base(public_url)}/certificates/{code}"
            }
        return out
    return None


def statement(event: Event, public_url: str) -> dict[str, Any]:
    """One xAPI 1.0.3 statement for one learning event."""
    context: dict[str, Any] = {"platform": "Coursework"}
    activities: dict[str, list[dict[str, Any]]] = {}
    if event.parent is not None:
        activities["parent"] = [event.parent.as_object()]
    if event.grouping is not None:
        activities["grouping"] = [event.grouping.as_object()]
    if activities:
        context["contextActivities"] = activities
    attempt = event.context.get("attempt")
    if isinstance(attempt, int) and not isinstance(attempt, bool):
        context["extensions"] = {extension(public_url, "attempt"): attempt}
    built: dict[str, Any] = {
        "id": statement_id(public_url, event.id),
        "actor": actor(public_url, event.actor_id, event.actor_name),
        "verb": verb(event.verb, event.object_type, public_url),
        "object": event.activity.as_object(),
    }
    outcome = result(event.verb, event.context, public_url)
    if outcome is not None:
        built["result"] = outcome
    built["context"] = context
    built["timestamp"] = timestamp(event.occurred_at)
    built["version"] = VERSION
    return built


def encode_cursor(event_id: int) -> str:
    """The position after an event. Clients pass it back as it is; its form may change."""
    return str(event_id)


def decode_cursor(cursor: str | None) -> int:
    """0 (the start) for no cursor; ValueError for one we did not hand out."""
    if not cursor:
        return 0
    if not cursor.isascii() or not cursor.isdigit() or len(cursor) > 18:
        raise ValueError("not a cursor")
    return int(cursor)


# ---- the query -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    statements: list[dict[str, Any]]
    cursor: str  # after the last statement here (the one passed in when there is none)
    more: bool  # whether statements after `cursor` can be read now


def _course_of_event():
    """The course an event belongs to, as an SQL expression."""
    return case(
        (LearningEvent.object_type == "course", LearningEvent.object_id),
        (
            LearningEvent.object_type == "lesson",
            select(Lesson.course_id)
            .where(Lesson.id == LearningEvent.object_id)
            .correlate(LearningEvent)
            .scalar_subquery(),
        ),
        (
            LearningEvent.object_type == "quiz",
            select(Quiz.course_id)
            .where(Quiz.id == LearningEvent.object_id)
            .correlate(LearningEvent)
            .scalar_subquery(),
        ),
        else_=None,
    )


def _visible_events(organisation: Organisation):
    """Events of current members on courses the organisation assigned to them."""
    assigned = (
        exists()
        .where(
            Assignment.organisation_id == organisation.id,
            Assignment.course_id == _course_of_event(),
            or_(
                Assignment.everyone.is_(True),
                exists()
                .where(
                    AssignmentMember.assignment_id == Assignment.id,
                    AssignmentMember.user_id == LearningEvent.actor_id,
                )
                .correlate(Assignment, LearningEvent),
            ),
        )
        .correlate(LearningEvent)
    )
    return (
        select(LearningEvent, User.display_name)
        .join(User, User.id == LearningEvent.actor_id)
        .join(
            Membership,
            and_(
                Membership.user_id == LearningEvent.actor_id,
                Membership.organisation_id == organisation.id,
                Membership.removed_at.is_(None),
            ),
        )
        .where(assigned)
    )


def load_page(
    organisation: Organisation,
    public_url: str,
    *,
    after: int = 0,
    limit: int = DEFAULT_LIMIT,
    settled_before: datetime | None = None,
) -> Page:
    """Statements after the cursor position, oldest first, at most `limit`.

    With `settled_before`, the page stops at the first event recorded after that moment:
    a transaction still open may yet commit an event with a lower id, and a client that
    had moved past that id would never see it. Four queries whatever the page size.
    """
    limit = max(1, min(limit, MAX_LIMIT))
    rows = (
        db.session.execute(
            _visible_events(organisation)
            .where(LearningEvent.id > after)
            .order_by(LearningEvent.id)
            .limit(limit + 1)
        )
        .tuples()
        .all()
    )
    more = len(rows) > limit
    rows = rows[:limit]
    if settled_before is not None:
        for index, (event, _) in enumerate(rows):
            if event.occurred_at > settled_before:
                rows, more = rows[:index], False
                break
    events = _describe(rows, public_url)
    last = rows[-1][0].id if rows else after
    return Page(
        [statement(event, public_url) for event in events],
        encode_cursor(last) if last else "",
        more,
    )


def _describe(rows: list[tuple[LearningEvent, str]], public_url: str) -> list[Event]:
    """Each event with its object as an activity: lessons, quizzes and courses are read
    once each for the whole page."""
    lesson_ids = {e.object_id for e, _ in rows if e.object_type == "lesson"}
    quiz_ids = {e.object_id for e, _ in rows if e.object_type == "quiz"}
    quizzes = (
        {q.id: q for q in db.session.scalars(select(Quiz).where(Quiz.id.in_(quiz_ids)))}
        if quiz_ids
        else {}
    )
    lesson_ids |= {q.lesson_id for q in quizzes.values() if q.lesson_id is not None}
    lessons = (
        {x.id: x for x in db.session.scalars(select(Lesson).where(Lesson.id.in_(lesson_ids)))}
        if lesson_ids
        else {}
    )
    course_ids = (
        {e.object_id for e, _ in rows if e.object_type == "course"}
        | {x.course_id for x in lessons.values()}
        | {q.course_id for q in quizzes.values()}
    )
    courses = (
        {c.id: c for c in db.session.scalars(select(Course).where(Course.id.in_(course_ids)))}
        if course_ids
        else {}
    )

    def course(course_id: int) -> Activity | None:
        found = courses.get(course_id)
        return course_activity(public_url, found.slug, found.title) if found else None

    def lesson(lesson_id: int | None) -> Activity | None:
        found = lessons.get(lesson_id) if lesson_id is not None else None
        if found is None or found.course_id not in courses:
            return None
        return lesson_activity(public_url, courses[found.course_id].slug, found.slug, found.title)

    described = []
    for event, name in rows:
        parent = grouping = None
        if event.object_type == "course":
            activity = course(event.object_id)
        elif event.object_type == "lesson":
            activity = lesson(event.object_id)
            parent = course(lessons[event.object_id].course_id) if activity else None
        elif event.object_type == "quiz" and event.object_id in quizzes:
            quiz = quizzes[event.object_id]
            activity = quiz_activity(public_url, quiz.id, quiz.title)
            parent = lesson(quiz.lesson_id)
            grouping = course(quiz.course_id)
            if parent is None:
                parent, grouping = grouping, None
        else:
            activity = None
        if activity is None:
            continue  # its object is gone; the event stays in the history, unexported
        described.append(
            Event(
                id=event.id,
                actor_id=event.actor_id,
                actor_name=name,
                verb=event.verb,
                object_type=event.object_type,
                occurred_at=event.occurred_at,
                context=event.context or {},
                activity=activity,
                parent=parent,
                grouping=grouping,
            )
        )
    return described
