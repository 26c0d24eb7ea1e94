"""The organisation manager's dashboard: headline numbers, two charts, the people-by-courses
table, one person's record, and the same report as a CSV download.

Every view finds the organisation through `services.get_managed`, so a manager sees only
the organisations they manage; any other address is the same 404 as one that does not
exist. The numbers come from the report service (`report.py`), which reads the whole
organisation in a fixed number of queries; the few extra reads here are fixed too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from flask import (
    Blueprint,
    Response,
    current_app,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user
from sqlalchemy import func, select

from coursework.accounts import services as accounts
from coursework.accounts.forms import EmptyForm
from coursework.certificates import services as certificates
from coursework.certificates.models import Certificate
from coursework.db import utcnow
from coursework.errors import NotFound, RuleViolation
from coursework.extensions import db
from coursework.i18n import _, lazy_gettext
from coursework.job_views import follow
from coursework.organisations import charts, export, long_work, report, services
from coursework.organisations.models import Assignment, Membership, Organisation
from coursework.organisations.report import SORTABLE, Filters, Row, Status
from coursework.policy import access
from quizzes.models import Attempt, AttemptState, Quiz

bp = Blueprint(
    "dashboard", __name__, template_folder="templates", url_prefix="/organisations/<slug>"
)

PER_PAGE = 50
MAX_ATTEMPTS_SHOWN = 500


@dataclass(frozen=True)
class ColumnSpec:
    id: str  # in the query string (`col=`)
    sort: str | None  # the report field a click on the heading sorts by, if any
    label: str
    numeric: bool
    default: bool  # shown until the manager chooses otherwise


# The table's columns after the person (name and email, always shown). The defaults fit a
# 1280-pixel screen without scrolling sideways; the others are a choice away.
COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("email", "email", lazy_gettext("Email"), False, False),  # else shown under the name
    ColumnSpec("course", "course_title", lazy_gettext("Course"), False, True),
    ColumnSpec("due", "due_on", lazy_gettext("Due"), False, True),
    ColumnSpec("status", "status", lazy_gettext("Status"), False, True),
    ColumnSpec("done", "percent", lazy_gettext("Done"), True, True),
    ColumnSpec("best", "best_score", lazy_gettext("Best score"), True, True),
    ColumnSpec("latest", "latest_score", lazy_gettext("Latest score"), True, False),
    ColumnSpec("attempts", "attempts", lazy_gettext("Attempts"), True, False),
    ColumnSpec("activity", "last_activity", lazy_gettext("Last activity"), False, True),
    ColumnSpec("completed", "completed_at", lazy_gettext("Completed"), False, False),
    ColumnSpec("certificate", None, lazy_gettext("Certificate"), False, True),
)
DEFAULT_SHOWN = frozenset(spec.id for spec in COLUMNS if spec.default)
# Submitted with every choice, so that unticking them all is told apart from not choosing.
PERSON = "person"


# ---- reading the query string ------------------------------------------------------------


def _number(text: str | None, limit: int = 2**31 - 1) -> int | None:
    if text and text.isascii() and text.isdigit() and len(text) <= 10 and int(text) <= limit:
        return int(text)
    return None


def filters_from(args: Mapping[str, str], per_page: int = PER_PAGE) -> Filters:
    """The report's filters from a query string; anything unknown falls back to the default
    rather than failing, as a hand-edited address should."""
    status = args.get("status", "")
    sort = args.get("sort", "name")
    return Filters(
        course_id=_number(args.get("course")),
        status=Status(status) if status in {s.value for s in Status} else None,
        search=args.get("q", "").strip()[:200],
        sort=sort if sort in SORTABLE else "name",
        descending=args.get("dir") == "desc",
        page=max(1, _number(args.get("page"), 1_000_000) or 1),
        per_page=per_page,
    )


def shown_from(args) -> frozenset[str]:
    """The optional columns asked for by `col=` (repeated), or the defaults."""
    asked = args.getlist("col") if hasattr(args, "getlist") else args.get("col", [])
    if not asked:
        return DEFAULT_SHOWN
    return frozenset(asked) & {spec.id for spec in COLUMNS}


def query_args(
    filters: Filters, shown: frozenset[str] = DEFAULT_SHOWN, **changes
) -> dict[str, str | int | list[str]]:
    """The query string that asks for these filters and columns, leaving out defaults."""
    filters = replace(filters, **changes)
    args: dict[str, str | int | list[str]] = {}
    if filters.course_id is not None:
        args["course"] = filters.course_id
    if filters.status is not None:
        args["status"] = filters.status.value
    if filters.search:
        args["q"] = filters.search
    if filters.sort != "name":
        args["sort"] = filters.sort
    if filters.descending:
        args["dir"] = "desc"
    if filters.page > 1:
        args["page"] = filters.page
    if shown != DEFAULT_SHOWN:
        args["col"] = [PERSON, *(spec.id for spec in COLUMNS if spec.id in shown)]
    return args


@dataclass(frozen=True)
class Column:
    id: str
    label: str
    numeric: bool
    href: str | None  # where a click sorts by this column
    aria_sort: str | None  # "ascending" | "descending" | "none" | None (not sortable)


def columns(slug: str, filters: Filters, shown: frozenset[str]) -> list[Column]:
    """The headings of the table: the person, then the columns shown, in their order."""

    def heading(id: str, sort: str | None, label: str, numeric: bool) -> Column:
        if sort is None:
            return Column(id, label, numeric, None, None)
        active = filters.sort == sort
        descending = not filters.descending if active else False
        href = url_for(
            "dashboard.overview",
            slug=slug,
            **query_args(filters, shown, sort=sort, descending=descending, page=1),
        )
        state = ("descending" if filters.descending else "ascending") if active else "none"
        return Column(id, label, numeric, href, state)

    return [heading(PERSON, "name", _("Name"), False)] + [
        heading(spec.id, spec.sort, spec.label, spec.numeric)
        for spec in COLUMNS
        if spec.id in shown
    ]


# ---- reading the organisation ------------------------------------------------------------


def member_count(organisation: Organisation) -> int:
    return db.session.scalar(
        select(func.count(Membership.id)).where(
            Membership.organisation_id == organisation.id, Membership.removed_at.is_(None)
        )
    )


def assignment_count(organisation: Organisation) -> int:
    return db.session.scalar(
        select(func.count(Assignment.id)).where(Assignment.organisation_id == organisation.id)
    )


@dataclass(frozen=True)
class AttemptLine:
    quiz_title: str
    course_id: int
    number: int
    state: str
    started_at: datetime
    submitted_at: datetime | None
    percent: float | None
    passed: bool | None


def attempts_of(user_id: int, course_ids: list[int]) -> list[AttemptLine]:
    """The person's attempts at the quizzes of these courses, newest first (one query, only
    the columns shown: no answers, no question snapshots)."""
    if not course_ids:
        return []
    result = db.session.execute(
        select(
            Quiz.title,
            Quiz.course_id,
            Attempt.number,
            Attempt.state,
            Attempt.started_at,
            Attempt.submitted_at,
            Attempt.percent,
            Attempt.passed,
        )
        .join(Quiz, Quiz.id == Attempt.quiz_id)
        .where(
            Attempt.user_id == user_id,
            Quiz.course_id.in_(course_ids),
            Attempt.state != AttemptState.ABANDONED.value,
        )
        .order_by(Attempt.started_at.desc(), Attempt.id.desc())
        .limit(MAX_ATTEMPTS_SHOWN)
    )
    return [AttemptLine(*values) for values in result]


def certificates_of(user_id: int, course_ids: list[int]) -> list[Certificate]:
    if not course_ids:
        return []
    return list(
        db.session.scalars(
            select(Certificate)
            .where(Certificate.user_id == user_id, Certificate.course_id.in_(course_ids))
            .order_by(Certificate.issued_at)
        )
    )


@bp.app_template_global()
def cell_text() -> dict:
    """The words every row of the report repeats, translated once for a page: a page of 50
    rows would otherwise look up about 600 translations."""
    return {
        "due": _("Due"),
        "status": _("Status"),
        "done": _("Done"),
        "best": _("Best score"),
        "latest": _("Latest score"),
        "attempts": _("Attempts"),
        "activity": _("Last activity"),
        "completed": _("Completed"),
        "certificate": _("Certificate"),
        "none": _("none"),
        "no_due": _("no due date"),
        "not_completed": _("not completed"),
        "of": _("of"),
        "view": _("View"),
        "expires_soon": _("Expires soon"),
        "expired": _("Expired"),
        "statuses": {status: status.label for status in Status},
    }


def certificate_mark(row: Row, now: datetime) -> str | None:
    """'expired' or 'expires soon' (within the certificates' warning period), else None."""
    expires = row.certificate_expires_at
    if row.certificate_code is None or expires is None:
        return None
    if expires <= now:
        return "expired"
    if expires - now <= certificates.EXPIRES_SOON:
        return "expires soon"
    return None


# ---- pages -------------------------------------------------------------------------------


@bp.get("/dashboard")
@access("manager")
def overview(slug: str):
    organisation = services.get_managed(current_user, slug)
    filters = filters_from(request.args)
    shown = shown_from(request.args)
    day = services.today(organisation)
    result = report.report(organisation, filters, day)
    if filters.page > result.pages:
        args = query_args(filters, shown, page=result.pages)
        return redirect(url_for("dashboard.overview", slug=organisation.slug, **args))
    by_course = charts.course_counts(result.counts, result.courses)
    members = member_count(organisation)
    weeks = charts.weekly(report.completions(organisation, charts.first_week(day)), day)
    return render_template(
        "organisations/dashboard/overview.html",
        organisation=organisation,
        result=result,
        filters=filters,
        Status=Status,
        members=members,
        assignments=assignment_count(organisation),
        by_course=by_course,
        weeks=weeks,
        status_svg=charts.status_chart(by_course),
        weekly_svg=charts.weekly_chart(weeks),
        columns=columns(organisation.slug, filters, shown),
        shown=shown,
        choices=COLUMNS,
        person_column=PERSON,
        # The column choice alone, for the forms and links that change everything else.
        column_args=query_args(Filters(), shown).get("col", []),
        filter_args=query_args(filters),
        page_url=lambda n: url_for(
            "dashboard.overview", slug=organisation.slug, **query_args(filters, shown, page=n)
        ),
        csv_url=url_for("dashboard.csv", slug=organisation.slug, **query_args(filters, page=1)),
        csv_by_job=csv_by_job(organisation, members),
        filtered=bool(filters.course_id or filters.status or filters.search),
        certificate_mark=certificate_mark,
        now=utcnow(),
    )


@bp.get("/people/<int:user_id>")
@access("manager")
def person(slug: str, user_id: int):
    organisation = services.get_managed(current_user, slug)
    membership = services.get_membership(organisation, user_id)
    if not membership.is_active:
        raise NotFound(_("This person is not in your organisation."))
    learner = accounts.get_user(user_id)
    rows = report.person(organisation, user_id, services.today(organisation))
    course_ids = sorted({row.course_id for row in rows})
    titles = {row.course_id: row.course_title for row in rows}
    return render_template(
        "organisations/dashboard/person.html",
        organisation=organisation,
        learner=learner,
        membership=membership,
        rows=rows,
        attempts=attempts_of(user_id, course_ids),
        attempts_limit=MAX_ATTEMPTS_SHOWN,
        certificates=certificates_of(user_id, course_ids),
        titles=titles,
        Status=Status,
        certificate_mark=certificate_mark,
        expires_soon=certificates.expires_soon,
        now=utcnow(),
    )


def csv_by_job(organisation: Organisation, members: int | None = None) -> bool:
    """Whether the organisation is so large that its CSV is built by a job, into a file
    (`members`: its member count, when the caller has it already)."""
    if members is None:
        members = member_count(organisation)
    return members > current_app.config["JOB_CSV_PEOPLE_OVER"]


@bp.get("/report.csv", endpoint="csv")
@access("manager")
def report_csv(slug: str):
    organisation = services.get_managed(current_user, slug)
    filters = filters_from(request.args)
    day = services.today(organisation)
    if csv_by_job(organisation):
        # A GET starts nothing: the page offers to build the file, by a POST.
        return render_template(
            "organisations/dashboard/csv_job.html",
            organisation=organisation,
            people=member_count(organisation),
            filtered=bool(filters.course_id or filters.status or filters.search),
            action=url_for("dashboard.csv_job", slug=organisation.slug, **query_args(filters)),
            form=EmptyForm(),
        )
    rows = report.stream_rows(organisation, filters, day)

    def certificate_url(code: str) -> str:
        return certificates.public_url(url_for("certificates.show", code=code))

    response = Response(
        stream_with_context(export.lines(rows, certificate_url)),
        content_type="text/csv; charset=utf-8",
    )
    response.headers.set(
        "Content-Disposition", "attachment", filename=export.filename(organisation.slug, day)
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/report.csv", endpoint="csv_job")
@access("manager")
def report_csv_job(slug: str):
    organisation = services.get_managed(current_user, slug)
    if not EmptyForm().validate_on_submit():
        raise RuleViolation(_("This form had expired. Please submit it again."))
    filters = filters_from(request.args)
    job = long_work.start_report_csv(
        organisation,
        current_user,
        filters,
        services.today(organisation),
        url_for("dashboard.overview", slug=organisation.slug, **query_args(filters, page=1)),
    )
    return follow(job)
