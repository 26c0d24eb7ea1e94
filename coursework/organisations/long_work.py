"""An organisation's long work, run as jobs with a progress page: inviting a long list of
people, and the report CSV of a very large organisation.

Either job belongs to the manager who started it and is shown only while they still manage
the organisation. Links to the result are made in the request that starts the job (a job
runs with no request to build addresses from).
"""

from __future__ import annotations

import io
import json
from dataclasses import asdict, replace
from datetime import date

from flask import current_app

from coursework import jobs
from coursework.accounts.models import User
from coursework.config import public_url
from coursework.extensions import db
from coursework.formatting import format_number
from coursework.i18n import _, ngettext
from coursework.organisations import export, report, services
from coursework.organisations.models import Organisation
from coursework.organisations.report import Filters, Status

BULK_INVITE = "organisations.bulk_invite"
REPORT_CSV = "organisations.report_csv"


def _still_manages(job: jobs.Job, user) -> bool:
    return user.is_admin or services.manages(user, job.arguments["organisation_id"])


def _organisation_and_manager(job: jobs.Job) -> tuple[Organisation, User]:
    organisation = db.session.get(Organisation, job.arguments["organisation_id"])
    manager = db.session.get(User, job.user_id)
    if organisation is None or manager is None or not services.manages(manager, organisation.id):
        raise jobs.JobFailed(_("You no longer manage this organisation, so the job was stopped."))
    return organisation, manager


# ---- a long list of invitations ------------------------------------------------------------


def start_bulk_invite(
    organisation: Organisation, by: User, text: str, rows: int, result_url: str
) -> jobs.Job:
    """Invite a checked list (`services.check_invitation_list`) in the background."""
    job = jobs.start(
        BULK_INVITE,
        by.id,
        _(
            "Inviting %(num)s people to %(organisation)s",
            num=format_number(rows),
            organisation=organisation.name,
        ),
        total=rows,
        params={"organisation_id": organisation.id},
        data=text.encode(),
        link=result_url,
        link_label=_("Go to People and the outbox"),
    )
    db.session.flush()
    return job


@jobs.register(BULK_INVITE, unit="people", allowed=_still_manages)
def _bulk_invite(job: jobs.Job) -> jobs.Result:
    """A batch of rows at a time, each batch committed with the count of rows done, so a
    retry carries on after the last committed batch and nobody is invited twice."""
    organisation, manager = _organisation_and_manager(job)
    rows = services.check_invitation_list(job.data.decode())
    batch = current_app.config["JOB_BATCH"]
    # Addresses of the rows already done, so a repeat further down is still reported.
    seen = {email.strip().lower() for _, email, _ in rows[: job.done]}
    problems = job.problem_list
    while job.done < len(rows):
        upto = min(job.done + batch, len(rows))
        results = services.invite_rows(organisation, manager, rows[job.done : upto], seen=seen)
        problems += [
            (_("Row %(row)s (%(email)s)", row=r.row, email=r.email), r.message)
            for r in results
            if not r.ok
        ]
        job.problems = json.dumps([list(problem) for problem in problems])
        jobs.checkpoint(
            job,
            upto,
            _("Invited up to row %(rows)s of the list.", rows=format_number(rows[upto - 1][0])),
        )
    invited = len(rows) - len(problems)
    message = ngettext(
        "%(invited)s of %(total)s person invited.",
        "%(invited)s of %(total)s people invited.",
        len(rows),
        invited=format_number(invited),
        total=format_number(len(rows)),
    )
    if problems:
        message += _(" The rows listed below were not: correct them and invite them again.")
    return jobs.Result(message, problems=problems)


# ---- the report CSV of a very large organisation ----------------------------------------


def start_report_csv(
    organisation: Organisation, by: User, filters: Filters, day: date, result_url: str
) -> jobs.Job:
    """Build the report CSV (these filters, this day's statuses) into a stored file."""
    values = asdict(replace(filters, page=1))
    values["status"] = filters.status.value if filters.status else None
    job = jobs.start(
        REPORT_CSV,
        by.id,
        _("Progress CSV of %(organisation)s", organisation=organisation.name),
        params={
            "organisation_id": organisation.id,
            "filters": values,
            "day": day.isoformat(),
        },
        link=result_url,
        link_label=_("Back to the dashboard"),
    )
    db.session.flush()
    return job


@jobs.register(REPORT_CSV, unit="rows", allowed=_still_manages)
def _report_csv(job: jobs.Job) -> jobs.Result:
    """Stream the report from the database into a file, counting rows as they go; a retry
    simply builds the file again."""
    organisation, _manager = _organisation_and_manager(job)
    values = dict(job.arguments["filters"])
    values["status"] = Status(values["status"]) if values["status"] else None
    filters = Filters(**values)
    day = date.fromisoformat(job.arguments["day"])
    total = report.report(organisation, replace(filters, per_page=1), day).total
    jobs.report(job.id, 0, _("Writing %(total)s rows.", total=format_number(total)), total=total)
    batch = current_app.config["JOB_BATCH"] * 40
    buffer = io.BytesIO()
    rows = report.stream_rows(organisation, filters, day)
    for number, line in enumerate(export.lines(rows, _certificate_url)):
        buffer.write(line)
        if number and number % batch == 0:
            jobs.report(
                job.id,
                number,
                _(
                    "Written %(number)s of %(total)s rows.",
                    number=format_number(number),
                    total=format_number(total),
                ),
            )
    return jobs.Result(
        _("The CSV is ready: %(total)s rows.", total=format_number(total)),
        file=buffer.getvalue(),
        file_name=export.filename(organisation.slug, day),
        file_type="text/csv; charset=utf-8",
    )


def _certificate_url(code: str) -> str:
    return public_url(f"/certificates/{code}")
