"""`flask --app wsgi users …`: operator commands for accounts."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from coursework import mail
from coursework.accounts import services
from coursework.db import one_transaction
from coursework.errors import DomainError

users_cli = AppGroup("users", help="Manage accounts.")

DEMO_ACCOUNTS = (
    # (email, name, password, instructor, admin) — development only
    ("learner@example.com", "Dana Learner", "learn-the-ropes-42", False, False),
    ("instructor@example.com", "Ivo Instructor", "teach-it-well-42", True, False),
    ("admin@example.com", "Ada Admin", "keep-it-running-42", False, True),
)


@users_cli.command("create-admin")
@click.option("--email", prompt=True)
@click.option("--name", prompt="Display name")
@click.password_option()
@one_transaction
def create_admin(email: str, name: str, password: str) -> None:
    """Create a site admin account (or make an existing account an admin)."""
    existing = services.find_by_email(email)
    if existing is not None:
        services.set_roles(existing, admin=True)
        click.echo(f"{existing.email} is now a site admin.")
        return
    try:
        user = services.create_user(email, name, password, is_admin=True)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"Created site admin {user.email}.")


@users_cli.command("set-instructor")
@click.argument("email")
@click.option("--revoke", is_flag=True, help="Take the instructor role away instead.")
@one_transaction
def set_instructor(email: str, revoke: bool) -> None:
    """Give (or with --revoke take away) the instructor role."""
    user = services.find_by_email(email)
    if user is None:
        raise click.ClickException(f"No account with the email address {email}.")
    services.set_roles(user, instructor=not revoke)
    click.echo(f"{user.email} {'is no longer' if revoke else 'is now'} an instructor.")


@users_cli.command("mail")
@click.argument("email")
@click.option("--last", default=3, show_default=True, help="How many messages to show.")
def show_mail(email: str, last: int) -> None:
    """Show the latest mail to an address from the outbox (its reset or verification link
    when no mail server is set up)."""
    messages = mail.latest_to(services.normalise_email(email), last)
    if not messages:
        raise click.ClickException(f"No mail to {email} in the outbox.")
    for message in messages:
        state = (
            "sent"
            if message.sent_at
            else (f"not sent: {message.error}" if message.error else "outbox only")
        )
        click.echo(f"{message.created_at:%Y-%m-%d %H:%M} UTC  {message.subject}  ({state})")
        if message.link:
            click.echo(f"  {message.link}")
