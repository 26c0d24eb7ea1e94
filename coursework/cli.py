"""`flask --app wsgi setup`: everything `make run` needs before it serves."""

from __future__ import annotations

import click
from flask import current_app

from coursework.accounts import services as accounts
from coursework.accounts.cli import DEMO_ACCOUNTS
from coursework.db import one_transaction
from lessons.cli import DEFAULT_COURSE, describe, import_path
from quizzes.cli import DEFAULT_QUIZZES, load_course_quizzes


@click.command("setup")
@click.option("--url", default=None, help="Where the site will be served (default: PUBLIC_URL).")
@one_transaction
def setup_command(url: str | None) -> None:
    """Migrate, load the default course and its quizzes and, in development, demo accounts.

    Safe to run any number of times: each step leaves what is already there alone.
    """
    from flask_migrate import upgrade

    url = (url or current_app.config["PUBLIC_URL"]).rstrip("/")
    upgrade()
    click.echo(describe(import_path(DEFAULT_COURSE)))
    loaded = load_course_quizzes("tpm-vs-pm", DEFAULT_QUIZZES / "tpm-vs-pm")
    click.echo("Quizzes loaded: " + "; ".join(loaded) if loaded else "Quizzes: up to date.")
    if current_app.config["DEMO_ACCOUNTS"]:
        # Development only (DEMO_ACCOUNTS): the demo seeding is never imported otherwise.
        from coursework.organisations.demo import load_demo

        for email, name, password, instructor, admin in DEMO_ACCOUNTS:
            accounts.ensure_user(email, name, password, is_instructor=instructor, is_admin=admin)
        demo = load_demo()
        click.echo(f"\nCoursework is at {url}  (health check: {url}/healthz)")
        click.echo("Demo accounts, for development only:")
        for email, _name, password, instructor, admin in DEMO_ACCOUNTS:
            role = "admin" if admin else "instructor" if instructor else "learner"
            click.echo(f"  {role:<11} {email:<26} password: {password}")
        if demo is not None:
            click.echo(f"  {'manager':<11} {demo.email:<26} password: {demo.password}")
            click.echo(
                f"Demo organisation: {demo.organisation}, {demo.staff} people — "
                f"{url}/organisations/{demo.slug}/dashboard"
            )
        click.echo("")
