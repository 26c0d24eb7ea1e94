"""LTI rules: registering platforms, what a checked launch does (the account, the
membership, the resource it opens), Deep Linking choices, grades and rosters.

The protocol itself (login initiation, id_token checks, signing) is pylti1p3's, bound to
our tables in `coursework.lti.tool`; nothing here reads a Flask request. pylti1p3, its JOSE
libraries and requests load with the first piece of work that speaks LTI, not in every
worker at start (about 25 MB that most deployments never use).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from flask import url_for
from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError

from coursework import tasks
from coursework.accounts import services as accounts
from coursework.accounts.models import User
from coursework.config import public_url
from coursework.db import utcnow
from coursework.errors import Conflict, NotFound, PermissionDenied, RuleViolation
from coursework.extensions import db
from coursework.i18n import _
from coursework.lengths import too_long
from coursework.lti.models import (
    Context,
    Deployment,
    GradeTarget,
    LinkedAccount,
    Platform,
    ResourceLink,
)
from coursework.organisations import services as organisations
from coursework.organisations.models import Organisation
from lessons import services as lessons
from lessons.models import Course, Lesson
from quizzes import services as quizzes
from quizzes.models import Quiz

if TYPE_CHECKING:
    from pylti1p3.exception import LtiException
    from pylti1p3.names_roles import NamesRolesProvisioningService

    from coursework.lti import tool

log = logging.getLogger(__name__)

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
# The custom parameter a deep link carries to say what it opens: "course:3", "quiz:12".
RESOURCE_PARAMETER = "coursework_resource"
# Roles (LIS vocabulary) that may pick content in Deep Linking.
TEACHING_ROLES = ("Instructor", "Administrator", "ContentDeveloper", "TeachingAssistant")
MAX_CLAIM = 255  # the LTI spec's limit for sub, resource link and context ids
# A host (name, IPv4 or bracketed IPv6) and port: origins go into the CSP header as given.
HOST = re.compile(r"(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")
DEPLOYMENTS_MAX = 50
ROSTER_PAGES = 100


# ---- registration ---------------------------------------------------------------------


# What a manager enters of a registration, besides its deployments.
PLATFORM_COLUMNS = (
    "name",
    "issuer",
    "client_id",
    "auth_login_url",
    "access_token_url",
    "key_set_url",
    "frame_origin",
)


# What each required field is called in its message ("Enter the client id.").
REQUIRED = {
    "name": "LMS's name",
    "issuer": "platform issuer",
    "client_id": "client id",
    "auth_login_url": "authentication request URL",
    "access_token_url": "access token URL",
    "key_set_url": "public key set URL",
}


@dataclass(frozen=True)
class PlatformFields:
    name: str
    issuer: str
    client_id: str
    auth_login_url: str
    access_token_url: str
    key_set_url: str
    deployment_ids: tuple[str, ...]
    frame_origin: str = ""


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def url_problem(url: str) -> str | None:
    """Why an address of the platform is refused: it must be https, or http on this
    machine (a platform under test)."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return "Enter a full address starting with https://."
    if parts.scheme == "http" and parts.hostname not in ("localhost", "127.0.0.1", "::1"):
        return _("Use an https:// address.")
    if any(character.isspace() for character in url):
        return _("An address cannot contain spaces.")
    if not HOST.fullmatch(parts.netloc):
        return "Enter an address with a plain host name, like https://lms.example.com."
    return None


def check_fields(fields: PlatformFields) -> PlatformFields:
    """Every field tidied and checked against its column; a RuleViolation naming each bad
    field otherwise."""
    errors: dict[str, list[str]] = {}
    values = {name: getattr(fields, name).strip() for name in ("name", "issuer", "client_id")}
    for name in ("auth_login_url", "access_token_url", "key_set_url", "frame_origin"):
        values[name] = getattr(fields, name).strip()
    for name, value in values.items():
        if name != "frame_origin" and not value:
            errors.setdefault(name, []).append(
                _("Enter the %(REQUIRED)s.", REQUIRED=REQUIRED[name])
            )
        elif message := too_long(value, getattr(Platform, name)):
            errors.setdefault(name, []).append(message)
    for name in ("issuer", "auth_login_url", "access_token_url", "key_set_url", "frame_origin"):
        if values[name] and name not in errors and (problem := url_problem(values[name])):
            errors.setdefault(name, []).append(problem)
    deployments = tuple(dict.fromkeys(d.strip() for d in fields.deployment_ids if d.strip()))
    if not deployments:
        errors["deployment_ids"] = [_("Enter at least one deployment id.")]
    elif len(deployments) > DEPLOYMENTS_MAX:
        errors["deployment_ids"] = [
            _("Enter at most %(DEPLOYMENTS_MAX)s deployment ids.", DEPLOYMENTS_MAX=DEPLOYMENTS_MAX)
        ]
    else:
        for deployment in deployments:
            if message := too_long(deployment, Deployment.deployment_id):
                errors["deployment_ids"] = [
                    _("A deployment id is too long. %(message)s", message=message)
                ]
    if errors:
        first = next(iter(errors.values()))[0]
        raise RuleViolation(first, errors)
    if values["frame_origin"]:
        values["frame_origin"] = origin_of(values["frame_origin"])
    else:
        values["frame_origin"] = origin_of(values["auth_login_url"])
    return PlatformFields(**values, deployment_ids=deployments)


def platforms_of(organisation: Organisation) -> list[Platform]:
    return list(
        db.session.scalars(
            select(Platform)
            .where(Platform.organisation_id == organisation.id)
            .order_by(Platform.name, Platform.id)
        )
    )


def get_platform(organisation: Organisation, platform_id: int) -> Platform:
    platform = db.session.get(Platform, platform_id)
    if platform is None or platform.organisation_id != organisation.id:
        raise NotFound(_("This organisation has no such LMS registration."))
    return platform


ALREADY_REGISTERED = "This issuer and client id are already registered."


def register_platform(organisation: Organisation, fields: PlatformFields) -> Platform:
    """Register an LMS for the organisation and make our key for it."""
    fields = check_fields(fields)
    from coursework.lti import keys

    tool_key = keys.new_tool_key()
    platform = Platform(
        organisation_id=organisation.id,
        name=fields.name,
        issuer=fields.issuer,
        client_id=fields.client_id,
        auth_login_url=fields.auth_login_url,
        access_token_url=fields.access_token_url,
        key_set_url=fields.key_set_url,
        frame_origin=fields.frame_origin,
        tool_key_sealed=tool_key.sealed_private,
        tool_public_jwk=tool_key.public_jwk,
        tool_key_id=tool_key.key_id,
        deployments=[Deployment(deployment_id=d) for d in fields.deployment_ids],
    )
    db.session.add(platform)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(ALREADY_REGISTERED, {"client_id": [ALREADY_REGISTERED]}) from None
    log.info("LTI platform %s registered for organisation %s", platform.id, organisation.id)
    return platform


def update_platform(platform: Platform, fields: PlatformFields) -> Platform:
    """Change a registration's details and deployments (the tool key stays)."""
    fields = check_fields(fields)
    for name in PLATFORM_COLUMNS:
        setattr(platform, name, getattr(fields, name))
    kept = {d.deployment_id: d for d in platform.deployments}
    platform.deployments = [
        kept.get(d) or Deployment(deployment_id=d) for d in fields.deployment_ids
    ]
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(ALREADY_REGISTERED, {"client_id": [ALREADY_REGISTERED]}) from None
    return platform


def remove_platform(platform: Platform) -> None:
    """Forget a registration: launches from it stop working; accounts stay."""
    db.session.delete(platform)
    db.session.flush()


def tool_key_set() -> dict:
    """Our public keys, one per registered platform, as a JSON Web Key Set."""
    return {
        "keys": [json.loads(jwk) for jwk in db.session.scalars(select(Platform.tool_public_jwk))]
    }


def tool_urls() -> dict[str, str]:
    """What a manager pastes into the LMS."""
    return {
        "jwks": public_url(url_for("lti.jwks")),
        "login": public_url(url_for("lti.login")),
        "launch": public_url(url_for("lti.launch")),
        "deep_link": public_url(url_for("lti.launch")),
    }


# ---- launches -------------------------------------------------------------------------


@dataclass(frozen=True)
class Resource:
    kind: str
    id: int
    title: str
    course: Course
    gradable: bool

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"


@dataclass(frozen=True)
class LaunchOutcome:
    user: User
    platform: Platform
    resource: Resource | None  # what to open; None for a deep-linking request
    deep_link: bool


def refused(message: str) -> LtiException:
    from pylti1p3.exception import LtiException

    return LtiException(message)


def _claim_text(body: dict, name: str, *, required: bool = True) -> str | None:
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value or len(value) > MAX_CLAIM:
        raise refused(
            _("The launch's %(rsplit)s is missing or too long.", rsplit=name.rsplit("/", 1)[-1])
        )
    return value


def roles_of(body: dict) -> list[str]:
    roles = body.get(CLAIM + "roles") or []
    return [role for role in roles if isinstance(role, str)] if isinstance(roles, list) else []


def is_teaching(roles: list[str]) -> bool:
    """Whether LIS roles say this person teaches or builds the LMS course."""
    names = {role.rsplit("#", 1)[-1].rsplit("/", 1)[-1] for role in roles}
    return bool(names & set(TEACHING_ROLES))


def _display_name(claims: dict) -> str:
    name = claims.get("name")
    if not isinstance(name, str) or not name.strip():
        parts = [claims.get("given_name"), claims.get("family_name")]
        name = " ".join(part for part in parts if isinstance(part, str) and part.strip())
    name = (name or "").strip() or "LMS learner"
    return name if accounts.name_problem(name) is None else "LMS learner"


def linked_user(platform: Platform, subject: str, claims: dict) -> User:
    """The account linked to this registration's user `sub`, made on first sight. An
    address in the claims is never used, to find an account or as one's address."""
    link = db.session.scalar(
        select(LinkedAccount).where(
            LinkedAccount.platform_id == platform.id, LinkedAccount.subject == subject
        )
    )
    if link is not None:
        user = db.session.get(User, link.user_id)
        if user is None or user.is_disabled:
            raise PermissionDenied(_("This account is disabled."))
        return user
    user = accounts.create_linked_account(
        _display_name(claims), placeholder=_placeholder(platform, subject)
    )
    db.session.add(
        LinkedAccount(
            platform_id=platform.id, issuer=platform.issuer, subject=subject, user_id=user.id
        )
    )
    db.session.flush()
    log.info("account %s created for an LTI user of platform %s", user.id, platform.id)
    return user


def _placeholder(platform: Platform, subject: str) -> str:
    digest = hashlib.sha256(f"{platform.id}\0{subject}".encode()).hexdigest()[:24]
    return f"lti-{digest}@lti.invalid"


def _join(platform: Platform, user: User) -> None:
    if organisations.join_from_platform(platform.organisation_id, user) == "removed":
        raise PermissionDenied(
            _(
                "Your organisation has removed you from Coursework. Ask its manager to add you "
                "again."
            )
        )


def _remember_context(platform: Platform, body: dict) -> None:
    context = body.get(CLAIM + "context")
    if not isinstance(context, dict):
        return
    context_id = _claim_text(context, "id")
    nrps = body.get(NRPS_CLAIM)
    url = nrps.get("context_memberships_url") if isinstance(nrps, dict) else None
    row = db.session.scalar(
        select(Context).where(Context.platform_id == platform.id, Context.context_id == context_id)
    )
    if row is None:
        row = Context(platform_id=platform.id, context_id=context_id)
        db.session.add(row)
    title = context.get("title") or context.get("label") or ""
    row.title = title[:MAX_CLAIM] if isinstance(title, str) else ""
    if isinstance(url, str) and not url_problem(url):
        row.memberships_url = url


def resource_from_key(key: str) -> Resource:
    """The course, lesson or quiz a deep link names ("lesson:12")."""
    kind, _colon, number = (key or "").partition(":")
    if kind not in ("course", "lesson", "quiz") or not number.isdigit() or len(number) > 9:
        raise NotFound(_("This link does not name a course, lesson or quiz of ours."))
    return resource(kind, int(number))


def resource(kind: str, target_id: int) -> Resource:
    if kind == "course":
        course = lessons.get_course_by_id(target_id)
        return Resource(kind, course.id, course.title, course, True)
    if kind == "lesson":
        lesson = db.session.get(Lesson, target_id)
        if lesson is None or lesson.retired_at is not None:
            raise NotFound(_("This lesson is no longer in the course."))
        return Resource(kind, lesson.id, lesson.title, lesson.course, False)
    quiz = quizzes.get_quiz(target_id)
    return Resource(kind, quiz.id, quiz.title, lessons.get_course_by_id(quiz.course_id), True)


def resource_path(item: Resource) -> str:
    """Where the learner lands."""
    if item.kind == "course":
        return url_for("progress.course", slug=item.course.slug)
    if item.kind == "lesson":
        lesson = db.session.get(Lesson, item.id)
        return url_for("progress.lesson", slug=item.course.slug, lesson_slug=lesson.slug)
    return url_for("quizzes.overview", quiz_id=item.id)


def _remember_link(platform: Platform, body: dict, user: User, subject: str) -> Resource:
    link_claim = body.get(CLAIM + "resource_link")
    link_id = _claim_text(link_claim if isinstance(link_claim, dict) else {}, "id")
    custom = body.get(CLAIM + "custom")
    key = custom.get(RESOURCE_PARAMETER) if isinstance(custom, dict) else None
    link = db.session.scalar(
        select(ResourceLink).where(
            ResourceLink.platform_id == platform.id, ResourceLink.link_id == link_id
        )
    )
    if isinstance(key, str):
        item = resource_from_key(key)
    elif link is not None:
        item = resource(link.kind, link.target_id)
    else:
        raise NotFound(
            _(
                "This LMS link does not say which course, lesson or quiz to open. Add it again "
                "through the LMS's content picker."
            )
        )
    if link is None:
        link = ResourceLink(platform_id=platform.id, link_id=link_id)
        db.session.add(link)
    link.kind, link.target_id = item.kind, item.id
    ags = body.get(AGS_CLAIM)
    if isinstance(ags, dict) and isinstance(ags.get("lineitem"), str):
        if not url_problem(ags["lineitem"]):
            link.lineitem_url = ags["lineitem"]
        scopes = ags.get("scope") if isinstance(ags.get("scope"), list) else []
        link.ags_scopes = " ".join(s for s in scopes if isinstance(s, str))
    db.session.flush()
    if item.gradable and link.lineitem_url and SCORE_SCOPE in link.ags_scopes.split():
        target = db.session.scalar(
            select(GradeTarget).where(
                GradeTarget.resource_link_id == link.id, GradeTarget.user_id == user.id
            )
        )
        if target is None:
            db.session.add(GradeTarget(resource_link_id=link.id, user_id=user.id, subject=subject))
    return item


def complete_launch(launch: tool.Launch, platform: Platform) -> LaunchOutcome:
    """What a launch that pylti1p3 accepted does: sign-in account, membership, context,
    and the resource link (or a deep-linking request)."""
    body = launch.get_launch_data()
    subject = _claim_text(body, "sub")
    user = linked_user(platform, subject, body)
    _join(platform, user)
    _remember_context(platform, body)
    if launch.is_deep_link_launch():
        if not is_teaching(roles_of(body)):
            raise PermissionDenied(_("Only the LMS course's teachers can add Coursework content."))
        db.session.flush()
        return LaunchOutcome(user, platform, None, True)
    if not launch.is_resource_launch():
        raise refused(_("Coursework takes resource-link and deep-linking launches only."))
    item = _remember_link(platform, body, user, subject)
    db.session.flush()
    return LaunchOutcome(user, platform, item, False)


# ---- deep linking ---------------------------------------------------------------------


@dataclass(frozen=True)
class PickableCourse:
    course: Course
    lessons: list[Lesson]
    quizzes: list[Quiz]


def pickable() -> list[PickableCourse]:
    """Every course, with its current lessons and published quizzes, for the picker."""
    courses = [course for course, _count, _minutes in lessons.list_courses()]
    ids = [course.id for course in courses]
    by_course_lessons: dict[int, list[Lesson]] = {course_id: [] for course_id in ids}
    for lesson in lessons.current_lessons(ids, with_text=False):
        by_course_lessons[lesson.course_id].append(lesson)
    by_course_quizzes: dict[int, list[Quiz]] = {course_id: [] for course_id in ids}
    for quiz in quizzes.course_quizzes(ids):
        by_course_quizzes[quiz.course_id].append(quiz)
    return [
        PickableCourse(course, by_course_lessons[course.id], by_course_quizzes[course.id])
        for course in courses
    ]


@dataclass(frozen=True)
class DeepLinkReply:
    return_url: str
    jwt: str
    resource: Resource


def deep_link_reply(launch: tool.Launch, key: str) -> DeepLinkReply:
    """The signed LtiDeepLinkingResponse that puts the chosen resource in the LMS, with a
    grade-book column when the resource is graded."""
    from pylti1p3.deep_link_resource import DeepLinkResource
    from pylti1p3.lineitem import LineItem

    item = resource_from_key(key)
    content = (
        DeepLinkResource()
        .set_url(public_url(url_for("lti.launch")))
        .set_title(item.title)
        .set_custom_params({RESOURCE_PARAMETER: item.key})
    )
    if item.gradable:
        content.set_lineitem(
            LineItem().set_score_maximum(100).set_label(item.title).set_resource_id(item.key)
        )
    deep_link = launch.get_deep_link()
    settings = launch.get_launch_data().get(
        "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings", {}
    )
    return_url = settings.get("deep_link_return_url", "")
    if not isinstance(return_url, str) or url_problem(return_url):
        raise refused(_("The LMS gave no address to return the choice to."))
    return DeepLinkReply(return_url, deep_link.get_response_jwt([content]), item)


# ---- grades (Assignment and Grade Services) -------------------------------------------


def _targets(user_id: int, *links: tuple[str, int]) -> list[int]:
    """The learner's grade targets on links to these (kind, target id) pairs, in the order
    the pairs are given: one query however many pairs."""
    found: dict[tuple[str, int], list[int]] = {}
    for target, kind, target_id in db.session.execute(
        select(GradeTarget.id, ResourceLink.kind, ResourceLink.target_id)
        .join(ResourceLink, ResourceLink.id == GradeTarget.resource_link_id)
        .where(
            GradeTarget.user_id == user_id,
            or_(
                *(
                    and_(ResourceLink.kind == kind, ResourceLink.target_id == target_id)
                    for kind, target_id in links
                )
            ),
        )
    ):
        found.setdefault((kind, target_id), []).append(target)
    return [target for link in links for target in found.get(link, [])]


def on_attempt_submitted(sender, attempt, **_) -> None:
    """A graded attempt: its quiz's grade goes to every grade book that links the quiz,
    and the course's to those linking the course (once it is complete). Both kinds of
    link are found in one query."""
    links = (("quiz", attempt.quiz_id), ("course", attempt.quiz.course_id))
    for target_id in _targets(attempt.user_id, *links):
        tasks.enqueue_after_commit(send_score, target_id)


def on_lesson_completed(sender, user_id: int, course_id: int, **_) -> None:
    for target_id in _targets(user_id, ("course", course_id)):
        tasks.enqueue_after_commit(send_score, target_id)


@dataclass(frozen=True)
class Score:
    percent: float
    activity: str  # AGS activityProgress
    grading: str  # AGS gradingProgress


def current_score(link: ResourceLink, user: User) -> Score | None:
    """What the grade book should show now; None while there is nothing to send."""
    if link.kind == "quiz":
        quiz = db.session.get(Quiz, link.target_id)
        if quiz is None:
            return None
        standing = quizzes.standing(user, quiz)
        if standing.grade is None:
            return None
        activity = "Completed" if standing.passed or standing.finished else "Submitted"
        return Score(float(standing.grade), activity, "FullyGraded")
    if link.kind == "course":
        from coursework.certificates import services as certificates

        certificate = certificates.find_for(user.id, link.target_id)
        if certificate is None:
            return None
        score = certificate.score if certificate.score is not None else 100.0
        return Score(float(score), "Completed", "FullyGraded")
    return None


@tasks.job
def send_score(target_id: int) -> None:
    """Put the learner's score in the LMS grade book. Idempotent: it sends what is true
    now, and a platform that is down makes the job fail, so the queue retries it."""
    target = db.session.get(GradeTarget, target_id)
    if target is None:
        return
    link = db.session.get(ResourceLink, target.resource_link_id)
    platform = db.session.get(Platform, link.platform_id)
    user = db.session.get(User, target.user_id)
    score = current_score(link, user)
    if score is None or not link.lineitem_url:
        return
    import requests
    from pylti1p3.assignments_grades import AssignmentsGradesService
    from pylti1p3.exception import LtiServiceException
    from pylti1p3.grade import Grade
    from pylti1p3.service_connector import ServiceConnector

    from coursework.lti import tool

    connector = ServiceConnector(tool.registration_for(platform), tool.http_session())
    service = AssignmentsGradesService(
        connector, {"scope": link.ags_scopes.split(), "lineitem": link.lineitem_url}
    )
    grade = (
        Grade()
        .set_score_given(round(score.percent, 2))
        .set_score_maximum(100)
        .set_timestamp(utcnow().isoformat(timespec="milliseconds").replace("+00:00", "Z"))
        .set_activity_progress(score.activity)
        .set_grading_progress(score.grading)
        .set_user_id(target.subject)
    )
    try:
        service.put_grade(grade)
    except (LtiServiceException, requests.RequestException) as error:
        raise RuntimeError(f"The LMS did not take the score: {_describe(error)}") from None
    target.last_score = score.percent
    target.last_sent_at = utcnow()
    db.session.flush()
    log.info("score sent to platform %s for grade target %s", platform.id, target.id)


def _describe(error: Exception) -> str:
    response = getattr(error, "response", None)
    if response is not None and getattr(response, "status_code", None):
        return f"HTTP {response.status_code}"
    return type(error).__name__


# ---- rosters (Names and Role Provisioning) --------------------------------------------


def contexts_of(platform: Platform) -> list[Context]:
    return list(
        db.session.scalars(
            select(Context).where(Context.platform_id == platform.id).order_by(Context.title)
        )
    )


def get_context(platform: Platform, context_id: int) -> Context:
    context = db.session.get(Context, context_id)
    if context is None or context.platform_id != platform.id:
        raise NotFound(_("No launch came from this LMS course."))
    return context


@dataclass(frozen=True)
class RosterResult:
    created: int
    linked: int  # accounts that existed (linked to this platform before) and joined
    unchanged: int
    skipped: int  # inactive or without a user id


def _all_members(service: NamesRolesProvisioningService, url: str) -> list[dict]:
    """The roster's pages, up to ROSTER_PAGES of them (a platform cannot keep us reading
    for ever)."""
    members: list[dict] = []
    next_url: str | None = url
    for _page in range(ROSTER_PAGES):
        if not next_url:
            break
        page, next_url = service.get_members_page(next_url)
        members.extend(member for member in page if isinstance(member, dict))
    return members


def sync_roster(platform: Platform, context: Context) -> RosterResult:
    """Fill the organisation's people from the LMS course's roster: accounts made or found
    by the platform's user id (never by email), each a member once."""
    if not context.memberships_url:
        raise RuleViolation(_("The LMS did not offer this course's roster (Names and Roles)."))
    import requests
    from pylti1p3.exception import LtiServiceException
    from pylti1p3.names_roles import NamesRolesProvisioningService
    from pylti1p3.service_connector import ServiceConnector

    from coursework.lti import tool

    connector = ServiceConnector(tool.registration_for(platform), tool.http_session())
    service = NamesRolesProvisioningService(
        connector, {"context_memberships_url": context.memberships_url}
    )
    try:
        members = _all_members(service, context.memberships_url)
    except (LtiServiceException, requests.RequestException, ValueError) as error:
        raise RuleViolation(
            _("The LMS did not send the roster (%(describe)s).", describe=_describe(error))
        ) from None
    created = linked = unchanged = skipped = 0
    for member in members:
        subject = member.get("user_id")
        if (
            not isinstance(subject, str)
            or not subject
            or len(subject) > MAX_CLAIM
            or member.get("status", "Active") != "Active"
        ):
            skipped += 1
            continue
        known = db.session.scalar(
            select(LinkedAccount.id).where(
                LinkedAccount.platform_id == platform.id, LinkedAccount.subject == subject
            )
        )
        try:
            user = linked_user(platform, subject, member)
        except PermissionDenied:
            skipped += 1
            continue
        joined = organisations.join_from_platform(platform.organisation_id, user)
        if joined == "removed":
            skipped += 1
        elif known is None:
            created += 1
        elif joined == "joined":
            linked += 1
        else:
            unchanged += 1
    context.synced_at = utcnow()
    db.session.flush()
    log.info(
        "roster of context %s synced: %s created, %s joined, %s unchanged",
        context.id,
        created,
        linked,
        unchanged,
    )
    return RosterResult(created, linked, unchanged, skipped)
