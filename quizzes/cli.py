"""`flask --app wsgi quizzes …`: import and export quizzes as GIFT files."""

from __future__ import annotations

from pathlib import Path

import click
import yaml
from flask import current_app
from flask.cli import AppGroup

from coursework.db import one_transaction
from coursework.errors import NotFound, RuleViolation
from coursework.extensions import db
from lessons import services as lessons
from quizzes import services
from quizzes.advice import advice_count, quiz_advice
from quizzes.bank import rules as bank_rules
from quizzes.bank import services as bank
from quizzes.gift import GiftError, dump_gift, read_gift_file

quizzes_cli = AppGroup("quizzes", help="Import and export quizzes (GIFT format).")

DEFAULT_QUIZZES = Path(__file__).parent / "course"


def _read_gift(path: Path):
    limit = current_app.config["GIFT_MAX_BYTES"]
    with path.open("rb") as stream:
        data = stream.read(limit + 1)  # enough to tell it is too big, never the whole of it
    try:
        return read_gift_file(data, limit).questions
    except GiftError as error:
        lines = "\n".join(f"  {problem}" for problem in error.problems)
        raise click.ClickException(f"{path.name} was not imported:\n{lines}") from None


def _import(path: Path, *args, **kwargs) -> services.QuizImport:
    """`services.import_quiz`, its refusals as a message and a non-zero exit, not a traceback
    (the reader checks the same rules first, so this is a safety net)."""
    try:
        return services.import_quiz(*args, **kwargs)
    except RuleViolation as error:
        lines = "\n".join(
            f"  {where}: {message}"
            for where, messages in error.errors.items()
            for message in messages
        )
        raise click.ClickException(
            f"{path.name} was not imported: {error.message}\n{lines}"
        ) from None


def _target(course_slug: str, lesson_slug: str | None):
    try:
        course = lessons.get_course(course_slug)
        lesson = lessons.get_lesson(course, lesson_slug) if lesson_slug else None
    except NotFound as error:
        raise click.ClickException(error.message) from None
    return course, lesson


@quizzes_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--course", "course_slug", required=True, help="The course's address.")
@click.option("--lesson", "lesson_slug", help="The lesson's address; omit for the final quiz.")
@click.option("--title", help="The quiz's title (default: the file name).")
@click.option("--passing-score", type=click.IntRange(0, 100), default=70, show_default=True)
@click.option("--publish", is_flag=True, help="Make it available to learners at once.")
@one_transaction
def import_command(file, course_slug, lesson_slug, title, passing_score, publish) -> None:
    """Create or replace a lesson's quiz (or the final quiz) from a GIFT file; all or nothing."""
    questions = _read_gift(file)
    course, lesson = _target(course_slug, lesson_slug)
    settings = services.QuizSettings(
        title=title or file.stem.replace("-", " ").capitalize(), passing_score=passing_score
    )
    result = _import(
        file,
        course.id,
        lesson.id if lesson else None,
        questions,
        settings,
        by=lessons.OPERATOR,
        publish=publish,
    )
    verb = "created" if result.created else "updated" if result.changed else "unchanged"
    click.echo(f"{result.quiz.title}: {verb}, {len(result.quiz.questions)} questions.")
    _echo_advice(result.quiz)


def _echo_advice(quiz) -> None:
    """The item-writing checker's advice on an imported quiz: printed, never an error."""
    advice = quiz_advice(quiz)
    if not (summary := advice_count(advice)):
        return
    click.echo(f"The item-writing checker has {summary}:")
    for number, question in enumerate(quiz.questions, start=1):
        for finding in advice.get(question.id, []):
            click.echo(f"  question {number}, {finding.where}: {finding.title}. {finding.message}")


@quizzes_cli.command("export")
@click.option("--course", "course_slug", required=True)
@click.option("--lesson", "lesson_slug", help="Omit for the final quiz.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path))
def export_command(course_slug, lesson_slug, output) -> None:
    """Write a quiz as GIFT, to a file or to standard output."""
    course, lesson = _target(course_slug, lesson_slug)
    quiz = services.find_quiz(course.id, lesson.id if lesson else None)
    if quiz is None:
        raise click.ClickException("That lesson has no quiz.")
    try:
        text = dump_gift([services.to_spec(question) for question in quiz.questions])
    except ValueError as error:
        raise click.ClickException(f"This quiz cannot be written as GIFT: {error}.") from None
    if output:
        output.write_text(text, encoding="utf-8")
        click.echo(f"Wrote {len(quiz.questions)} questions to {output}.")
    else:
        click.echo(text, nl=False)


def _rule_problems(path: Path, call, *args, **kwargs):
    """A bank service's refusal as a message and a non-zero exit, not a traceback."""
    try:
        return call(*args, **kwargs)
    except RuleViolation as error:
        lines = "\n".join(
            f"  {where}: {message}"
            for where, messages in error.errors.items()
            for message in messages
        )
        raise click.ClickException(f"{path.name}: {error.message}\n{lines}") from None


@quizzes_cli.command("bank-import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--course", "course_slug", required=True, help="The course's address.")
@click.option(
    "--replace", is_flag=True, help="Remove questions of the file's categories it no longer has."
)
def bank_import_command(file, course_slug, replace) -> None:
    """File a GIFT file's questions in a course's bank by their $CATEGORY; all or nothing."""
    questions = _read_gift(file)
    course, _lesson = _target(course_slug, None)
    result = _rule_problems(
        file, bank.import_bank, course.id, questions, lessons.OPERATOR, replace_categories=replace
    )
    click.echo(
        f"Bank of {course.title}: {result.added} added, {result.updated} updated, "
        f"{result.removed} removed."
    )


@quizzes_cli.command("bank-export")
@click.option("--course", "course_slug", required=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path))
def bank_export_command(course_slug, output) -> None:
    """Write a course's bank as GIFT, with its $CATEGORY lines."""
    course, _lesson = _target(course_slug, None)
    text = bank.export_bank(course.id, lessons.OPERATOR)
    if output:
        output.write_text(text, encoding="utf-8")
        click.echo(f"Wrote the bank of {course.title} to {output}.")
    else:
        click.echo(text, nl=False)


def load_course_quizzes(course_slug: str, folder: Path) -> list[str]:
    """Load a course's bank and quizzes from GIFT files and their `quizzes.yaml`; idempotent.

    `bank:` names the GIFT files filed in the course's bank by their `$CATEGORY` lines; a
    quiz's `draw:` lists its "N random questions from category C" rules, and its `file:`
    (optional when it draws) its fixed questions."""
    manifest = yaml.safe_load((folder / "quizzes.yaml").read_text(encoding="utf-8"))
    defaults = manifest.get("defaults", {})
    course = lessons.get_course(course_slug)
    report = []
    for name in manifest.get("bank", []):
        path = folder / name
        filed = _rule_problems(
            path,
            bank.import_bank,
            course.id,
            _read_gift(path),
            lessons.OPERATOR,
            replace_categories=True,
        )
        if filed.changed:
            report.append(
                f"bank: {filed.added} added, {filed.updated} updated, {filed.removed} removed"
            )
    entries = [(slug, entry) for slug, entry in manifest.get("lessons", {}).items()]
    if manifest.get("final"):
        entries.append((None, manifest["final"]))
    for lesson_slug, entry in entries:
        lesson = lessons.get_lesson(course, lesson_slug) if lesson_slug else None
        options = {**defaults, **entry}
        settings = services.QuizSettings(
            title=options.get("title") or f"Quiz: {lesson.title}",
            passing_score=int(options.get("passing_score", 70)),
            attempt_limit=options.get("attempt_limit"),
            review_shows=options.get("review", "feedback"),
            shuffle_choices=bool(options.get("shuffle_choices", False)),
            required=bool(options.get("required", True)),
        )
        path = folder / entry.get("file", "quizzes.yaml")
        result = _import(
            path,
            course.id,
            lesson.id if lesson else None,
            _read_gift(path) if "file" in entry else [],
            settings,
            by=lessons.OPERATOR,
            publish=True,
        )
        wanted = [bank_rules.Rule(d["category"], int(d["count"])) for d in entry.get("draw", [])]
        drawn = _rule_problems(path, bank.set_draws, result.quiz, wanted, lessons.OPERATOR)
        db.session.flush()
        if result.changed or drawn:
            count = len(result.quiz.questions) + sum(rule.count for rule in wanted)
            report.append(f"{lesson_slug or 'final'}: {count} questions")
    return report


@quizzes_cli.command("load-default")
@one_transaction
def load_default() -> None:
    """Load (or bring up to date) the default course's quizzes."""
    changed = load_course_quizzes("tpm-vs-pm", DEFAULT_QUIZZES / "tpm-vs-pm")
    click.echo("Quizzes loaded: " + "; ".join(changed) if changed else "Quizzes up to date.")
