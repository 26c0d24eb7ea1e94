"""`flask --app wsgi certificates …`: check and revoke certificates."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click
from flask.cli import AppGroup

from coursework.accounts import services as accounts
from coursework.certificates import credentials, services
from coursework.db import one_transaction
from coursework.errors import DomainError

certificates_cli = AppGroup("certificates", help="Check and revoke certificates.")


@certificates_cli.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def verify_command(file: Path) -> None:
    """Check a signed credential file; exits non-zero when it does not check out."""
    result = services.verify_credential(file.read_text(encoding="utf-8-sig", errors="replace"))
    if result.credential is not None:
        # Whatever the verdict, say what the signed credential claims: who, what, when.
        summary = credentials.summarise(result.credential)
        until = _date(summary.valid_until) if summary.valid_until else "no expiry"
        click.echo(f"awarded to:  {summary.awarded_to or '(not stated)'}")
        click.echo(f"achievement: {summary.achievement or '(not stated)'}")
        click.echo(f"valid from:  {_date(summary.valid_from) or '(not stated)'}")
        click.echo(f"valid until: {until}")
    if result.valid:
        click.echo("valid: the credential is genuine and current")
        return
    for problem in result.problems:
        click.echo(f"invalid: {problem}", err=True)
    raise SystemExit(1)


def _date(moment: datetime | None) -> str:
    return moment.strftime("%-d %B %Y") if moment else ""


@certificates_cli.command("revoke")
@click.argument("code")
@click.option("--reason", required=True)
@click.option("--by", "email", required=True, help="Email of the admin or instructor revoking.")
@one_transaction
def revoke_command(code: str, reason: str, email: str) -> None:
    """Revoke a certificate; verification shows it as revoked from now on."""
    by = accounts.find_by_email(email)
    if by is None or not (by.is_admin or by.is_instructor):
        raise click.ClickException(
            "Only an admin, or an instructor on the course's staff, may revoke certificates."
        )
    try:
        certificate = services.revoke(services.get_by_code(code), by, reason)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    click.echo(
        f"Revoked the certificate of {certificate.learner_name} ({certificate.course_title})."
    )
