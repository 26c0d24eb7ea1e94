"""`flask --app wsgi courses …`: build courses from documents."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from coursework.accounts import services as accounts
from coursework.accounts.models import User
from coursework.db import one_transaction
from coursework.errors import DomainError
from lessons import services
from lessons.builder import DocumentError, read_course

courses_cli = AppGroup("courses", help="Manage courses.")

DEFAULT_COURSE = Path(__file__).parent / "course" / "tpm-vs-pm"


def import_path(
    path: Path, slug: str | None = None, owner: User | None = None
) -> services.ImportReport:
    """Import at the shell: the operator may replace any course. A new course is owned by
    `owner`, else by nobody, so only admins may change it (the shipped course is one)."""
    source = read_course(path, slug=slug, max_bytes=current_app.config["COURSE_DOCUMENT_MAX_BYTES"])
    return services.import_course(source, services.OPERATOR, owner=owner)


def describe(report: services.ImportReport) -> str:
    course = report.course
    if not report.changed:
        return f"{course.title} ({course.slug}): already up to date, nothing changed."
    parts = [
        f"{len(names)} {label}"
        for label, names in (
            ("added", report.added),
            ("updated", report.updated),
            ("restored", report.restored),
            ("moved", report.moved),
            ("retired", report.retired),
            ("unchanged", report.unchanged),
        )
        if names
    ]
    verb = "created" if report.created else "updated"
    taken = f" (another course is at {report.address_taken})" if report.address_taken else ""
    return f"{course.title} ({course.slug}) {verb}{taken}: lessons " + ", ".join(parts) + "."


@courses_cli.command("import")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--slug", help="The course's address; by default taken from its title.")
@click.option("--owner", help="Email of the instructor who owns a new course (default: none).")
@one_transaction
def import_command(path: Path, slug: str | None, owner: str | None) -> None:
    """Build or update a course from a Markdown or plain-text document, or a course folder."""
    teacher = accounts.find_by_email(owner) if owner else None
    if owner and teacher is None:
        raise click.ClickException(f"There is no instructor with the email {owner}.")
    try:
        report = import_path(path, slug, teacher)
    except (DocumentError, DomainError) as error:
        raise click.ClickException(str(error)) from None
    click.echo(describe(report))


@courses_cli.command("load-default")
@one_transaction
def load_default() -> None:
    """Load (or bring up to date) the default course that ships with Coursework."""
    click.echo(describe(import_path(DEFAULT_COURSE)))
