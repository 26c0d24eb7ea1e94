"""Learning events as xAPI 1.0.3 statements, for an organisation's own learning record store.

Pure functions build each part of a statement from a learning event; `load_page` is the one
function that reads the database. Which events: those of the organisation's current
members, on the courses the organisation has assigned to them (the same people and courses
as its progress report).

The feed is the organisation's statement log (`StatementLogEntry`), brought up to date on
each read: an event enters it when it becomes visible (also an earlier event of someone
who joins or is assigned later) and a voiding statement enters it when the event stops
being visible (the member was removed, the course unassigned). Readers page through the
log by its id, so reading on from a cursor yields exactly what a full export holds.
Statements leave out `version`: xAPI 1.0.3 asks producers not to set it (the LRS does);
the API says which version it speaks in the X-Experience-API-Version header.

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
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, case, exists, or_, select

from coursework.accounts.models import User
from coursework.db import utcnow
from coursework.extensions import db
from coursework.organisations.models import (
    Assignment,
    AssignmentMember,
    Membership,
    Organisation,
    StatementLogEntry,
)
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
    description: str = ""

    def as_object(self) -> dict[str, Any]:
        # LRSs and reporting tools show the description beside the name; never empty.
        return {
            "objectType": "Activity",
            "id": self.id,
            "definition": {
                "name": {"en-US": self.name},
                "description": {"en-US": self.description or self.name},
                "type": self.type,
            },
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
    appearance: int = 1  # which time the event enters the feed (after being voided)


# ---- pure parts ----------------------------------------------------------------------------


def _base(public_url: str) -> str:
    return public_url.rstrip("/")


def extension(public_url: str, name: str) -> str:
    return f"{_base(public_url)}/xapi/extensions/{name}"


def statement_id(public_url: str, event_id: int, appearance: int = 1) -> str:
    """The same for the same event on every read; a new one each time the event re-enters
    the feed, since xAPI never lets a voided statement's id be used again."""
    name = f"{_base(public_url)}/learning-events/{event_id}"
    if appearance > 1:
        name += f"/appearances/{appearance}"
    return str(uuid.uuid5(NAMESPACE, name))


def organisation_agent(public_url: str, organisation: Organisation) -> dict[str, Any]:
    """The organisation as the actor of its voiding statements."""
    return {
        "objectType": "Agent",
        "name": organisation.name,
        "account": {"homePage": _base(public_url), "name": f"organisations/{organisation.slug}"},
    }


def voiding_statement(
    public_url: str, organisation: Organisation, entry_id: int, voided_id: str, at: datetime
) -> dict[str, Any]:
    """The statement that voids `voided_id` (xAPI 1.0.3, 2.3.2: verb voided, a
    StatementRef object)."""
    return {
        "id": str(uuid.uuid5(NAMESPACE, f"{_base(public_url)}/statement-log/{entry_id}")),
        "actor": organisation_agent(public_url, organisation),
        "verb": {"id": ADL_VERBS + "voided", "display": {"en-US": "voided"}},
        "object": {"objectType": "StatementRef", "id": voided_id},
        "timestamp": timestamp(at),
    }


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


def course_activity(public_url: str, slug: str, title: str, summary: str = "") -> Activity:
    return Activity(
        f"{_base(public_url)}/courses/{slug}",
        title,
        ACTIVITY_TYPES["course"],
        summary.strip() or f"The course “{title}”.",
    )


def lesson_activity(
    public_url: str, course_slug: str, slug: str, title: str, course_title: str = ""
) -> Activity:
    return Activity(
        f"{_base(public_url)}/courses/{course_slug}/lessons/{slug}",
        title,
        ACTIVITY_TYPES["lesson"],
        f"A lesson of the course “{course_title}”." if course_title else f"The lesson “{title}”.",
    )


def quiz_activity(public_url: str, quiz_id: int, title: str, description: str = "") -> Activity:
    return Activity(
        f"{_base(public_url)}/quizzes/{quiz_id}",
        title,
        ACTIVITY_TYPES["quiz"],
        description.strip() or f"The quiz “{title}”.",
    )


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
        "id": statement_id(public_url, event.id, event.appearance),
        "actor": actor(public_url, event.actor_id, event.actor_name),
        "verb": verb(event.verb, event.object_type, public_url),
        "object": event.activity.as_object(),
    }
    outcome = result(event.verb, event.context, public_url)
    if outcome is not None:
        built["result"] = outcome
    built["context"] = context
    built["timestamp"] = timestamp(event.occurred_at)
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


def _visible_events(organisation: Organisation, *columns):
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
        select(*(columns or (LearningEvent, User.display_name)))
        .select_from(LearningEvent)
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


def sync_log(organisation: Organisation, *, settled_before: datetime | None = None) -> None:
    """Bring the organisation's statement log up to date and commit: log each visible event
    not in the feed (again, after a voiding) and void each one in the feed no longer visible.

    With `settled_before`, events recorded after that moment wait for a later read: a
    transaction still open may yet commit an event recorded earlier. One writer per
    organisation at a time (its row is locked), so log ids are committed in order."""
    db.session.execute(
        select(Organisation.id).where(Organisation.id == organisation.id).with_for_update()
    )
    query = _visible_events(organisation, LearningEvent.id)
    if settled_before is not None:
        query = query.where(LearningEvent.occurred_at <= settled_before)
    visible = set(db.session.scalars(query))
    state: dict[int, tuple[int, bool]] = {}
    for event_id, appearance, voided in db.session.execute(
        select(StatementLogEntry.event_id, StatementLogEntry.appearance, StatementLogEntry.voided)
        .where(StatementLogEntry.organisation_id == organisation.id)
        .order_by(StatementLogEntry.id)
    ):
        state[event_id] = (appearance, voided)
    now = utcnow()
    entries = [
        StatementLogEntry(
            organisation_id=organisation.id,
            event_id=event_id,
            appearance=appearance,
            voided=True,
            logged_at=now,
        )
        for event_id, (appearance, voided) in sorted(state.items())
        if not voided and event_id not in visible
    ]
    for event_id in sorted(visible):
        appearance, voided = state.get(event_id, (0, True))
        if voided:
            entries.append(
                StatementLogEntry(
                    organisation_id=organisation.id,
                    event_id=event_id,
                    appearance=appearance + 1,
                    voided=False,
                    logged_at=now,
                )
            )
    db.session.add_all(entries)
    db.session.flush()


def load_page(
    organisation: Organisation,
    public_url: str,
    *,
    after: int = 0,
    limit: int = DEFAULT_LIMIT,
    settled_before: datetime | None = None,
    since: datetime | None = None,
) -> Page:
    """Statements of the log after the cursor position (and, with `since`, logged after
    that moment, as xAPI's `since` means), in log order, at most `limit`."""
    sync_log(organisation, settled_before=settled_before)
    limit = max(1, min(limit, MAX_LIMIT))
    query = select(StatementLogEntry).where(
        StatementLogEntry.organisation_id == organisation.id, StatementLogEntry.id > after
    )
    if since is not None:
        query = query.where(StatementLogEntry.logged_at > since)
    entries = list(db.session.scalars(query.order_by(StatementLogEntry.id).limit(limit + 1)))
    more = len(entries) > limit
    entries = entries[:limit]
    event_ids = {entry.event_id for entry in entries if not entry.voided}
    rows = (
        db.session.execute(
            select(LearningEvent, User.display_name)
            .join(User, User.id == LearningEvent.actor_id)
            .where(LearningEvent.id.in_(event_ids))
        )
        .tuples()
        .all()
        if event_ids
        else []
    )
    described = {event.id: event for event in _describe(rows, public_url)}
    statements = []
    for entry in entries:
        if entry.voided:
            voided_id = statement_id(public_url, entry.event_id, entry.appearance)
            statements.append(
                voiding_statement(public_url, organisation, entry.id, voided_id, entry.logged_at)
            )
        elif entry.event_id in described:
            event = replace(described[entry.event_id], appearance=entry.appearance)
            statements.append(statement(event, public_url))
        # else its object is gone; the event stays in the history, unexported
    last = entries[-1].id if entries else after
    return Page(statements, encode_cursor(last) if last else "", more)


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
        return (
            course_activity(public_url, found.slug, found.title, found.summary) if found else None
        )

    def lesson(lesson_id: int | None) -> Activity | None:
        found = lessons.get(lesson_id) if lesson_id is not None else None
        if found is None or found.course_id not in courses:
            return None
        owner = courses[found.course_id]
        return lesson_activity(public_url, owner.slug, found.slug, found.title, owner.title)

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
            activity = quiz_activity(public_url, quiz.id, quiz.title, quiz.description)
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


def statements_about(user_id: int, public_url: str) -> list[dict[str, Any]]:
    """Every statement about one person, whatever organisation sees it, in the order the
    events happened: their own copy, for the export of their data."""
    rows = (
        db.session.execute(
            select(LearningEvent, User.display_name)
            .join(User, User.id == LearningEvent.actor_id)
            .where(LearningEvent.actor_id == user_id)
            .order_by(LearningEvent.id)
        )
        .tuples()
        .all()
    )
    return [statement(event, public_url) for event in _describe(rows, public_url)]
