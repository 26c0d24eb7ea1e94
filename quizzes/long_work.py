"""Importing a large GIFT file as a job with a progress page: the upload is stored with the
job, then read, checked question by question and imported, all or nothing, as the quiz
page's upload does in the request for smaller files."""

from __future__ import annotations

from flask import current_app

from coursework import jobs
from coursework.accounts.models import User
from coursework.errors import RuleViolation
from coursework.extensions import db
from coursework.i18n import _, ngettext
from lessons import services as lessons
from quizzes import services
from quizzes.gift import GiftError, read_gift_file
from quizzes.models import Quiz
from quizzes.validation import question_problems

IMPORT_GIFT = "quizzes.import_gift"


def not_imported(count: int) -> str:
    return ngettext(
        "The file was not imported: fix the %(num)d problem listed below and upload it again. "
        "Nothing was changed.",
        "The file was not imported: fix the %(num)d problems listed below and upload it again. "
        "Nothing was changed.",
        count,
    )


def gift_problems(error: GiftError) -> list[tuple[str, str]]:
    """A GIFT file's problems as (where, what) pairs: "Line 12", or "File" for the whole."""
    return [
        (_("Line %(line)s", line=p.line) if p.line else _("File"), p.message)
        for p in error.problems
    ]


def question_problems_of(error: RuleViolation, questions) -> list[tuple[str, str]]:
    """`import_quiz`'s problems ("question 3": ["choices: ..."]) with each question's start."""
    problems = []
    for key, messages in error.errors.items():
        number = key.removeprefix("question ").strip()
        label = _("Question %(number)s", number=number) if number.isdigit() else key.capitalize()
        if number.isdigit() and 0 < int(number) <= len(questions):
            text = " ".join(questions[int(number) - 1].text.split())
            label += f" (“{text[:50]}{'…' if len(text) > 50 else ''}”)"
        problems.extend((label, message) for message in messages)
    return problems or [(_("File"), error.message)]


def _may_change_quiz(job: jobs.Job, user) -> bool:
    quiz = db.session.get(Quiz, job.arguments["quiz_id"])
    return quiz is not None and lessons.can_change(quiz.course_id, user)


def start_gift_import(quiz: Quiz, by: User, data: bytes, filename: str, result_url: str):
    """Import a GIFT file into this quiz in the background."""
    job = jobs.start(
        IMPORT_GIFT,
        by.id,
        _("Importing %(file)s into “%(quiz)s”", file=filename, quiz=quiz.title),
        params={"quiz_id": quiz.id, "filename": filename},
        data=data,
        link=result_url,
        link_label=_("Back to the quiz"),
    )
    db.session.flush()
    return job


@jobs.register(IMPORT_GIFT, unit="questions", allowed=_may_change_quiz)
def _import_gift(job: jobs.Job) -> jobs.Result:
    """Read, check in batches (reporting progress), then import in one transaction: the
    import is all or nothing, so a retry either finds nothing done or imports the same
    questions again, which changes nothing."""
    arguments = job.arguments
    quiz = db.session.get(Quiz, arguments["quiz_id"])
    author = db.session.get(User, job.user_id)
    if quiz is None or author is None:
        raise jobs.JobFailed(_("The quiz no longer exists, so nothing was imported."))
    lessons.require_staff(quiz.course_id, author)
    jobs.report(job.id, 0, _("Reading the file."))
    try:
        questions = list(read_gift_file(job.data, current_app.config["GIFT_MAX_BYTES"]).questions)
    except GiftError as error:
        problems = gift_problems(error)
        raise jobs.JobFailed(not_imported(len(problems)), problems) from None
    if not questions:
        raise jobs.JobFailed(_("The file has no questions. Nothing was changed."))
    batch = current_app.config["JOB_BATCH"] * 20
    found: dict[str, list[str]] = {}
    for number, question in enumerate(questions, start=1):
        for field, messages in question_problems(question).items():
            found.setdefault(f"question {number}", []).extend(f"{field}: {m}" for m in messages)
        if number % batch == 0:
            jobs.report(
                job.id,
                number - 1,
                _("Checked %(count)s questions.", count=format(number, ",")),
                total=len(questions),
            )
    if found:
        problems = question_problems_of(RuleViolation("", found), questions)
        raise jobs.JobFailed(not_imported(len(problems)), problems)
    jobs.report(job.id, len(questions) - 1, _("Saving the questions."), total=len(questions))
    result = services.import_quiz(
        quiz.course_id, quiz.lesson_id, questions, services.settings_of(quiz), by=author
    )
    count = len(questions)
    message = (
        ngettext(
            "Imported %(num)d question from %(file)s.",
            "Imported %(num)d questions from %(file)s.",
            count,
            file=arguments["filename"],
        )
        if result.changed
        else _("The file has the same questions as the quiz: nothing changed.")
    )
    return jobs.Result(message)
