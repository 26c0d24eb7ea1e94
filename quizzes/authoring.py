"""The instructor's quiz pages: the list, settings, questions, preview, publishing, GIFT files
and question statistics. Thin: parse the form, call a service, render or redirect."""

from __future__ import annotations

import re

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from coursework.accounts.forms import EmptyForm
from coursework.errors import Conflict, NotFound, RuleViolation
from coursework.i18n import _
from coursework.job_views import follow
from coursework.policy import access
from lessons import services as lessons
from quizzes import long_work, services, stats
from quizzes.advice import advice_count, quiz_advice
from quizzes.bank import services as bank
from quizzes.bank.forms import DrawForm
from quizzes.forms import (
    GiftUploadForm,
    GradeForm,
    QuestionForm,
    QuizSettingsForm,
    add_errors,
    parse_target,
    question_form_data,
    target_value,
)
from quizzes.gift import GiftError, dump_gift, read_gift_file
from quizzes.kinds import ShownQuestion, kind_of
from quizzes.long_work import gift_problems, not_imported, question_problems_of
from quizzes.models import Attempt, Quiz
from quizzes.spec import Kind, question_from_dict, question_to_dict

bp = Blueprint("authoring", __name__, url_prefix="/teach/quizzes", template_folder="templates")

STATS_ATTEMPTS = {"all": "All submitted attempts", "first": "Each learner's first attempt"}


# ---- the list, and new quizzes ----------------------------------------------------------


@bp.route("")
@access("instructor")
def index():
    quizzes = services.all_quizzes(current_user)
    courses = {course.id: course for course, _, _ in lessons.courses_for_staff(current_user)}
    lesson_map = {lesson.id: lesson for lesson in lessons.current_lessons(list(courses))}
    counts = services.submitted_counts([quiz.id for quiz in quizzes])
    rows = sorted(
        (
            (
                quiz,
                courses.get(quiz.course_id),
                lesson_map.get(quiz.lesson_id) if quiz.lesson_id else None,
                counts.get(quiz.id, 0),
            )
            for quiz in quizzes
        ),
        key=lambda row: (
            row[1].title if row[1] else "",
            row[0].is_final,
            row[2].position if row[2] else 0,
        ),
    )
    form = QuizSettingsForm(meta={"csrf": False})
    form.target.choices = _target_choices(list(courses.values()), lesson_map, quizzes)
    to_grade = {
        quiz_id: counts.pending
        for quiz_id, counts in services.grading_counts([quiz.id for quiz in quizzes]).items()
        if counts.pending
    }
    return render_template("quizzes/authoring/index.html", rows=rows, form=form, to_grade=to_grade)


@bp.route("/new", methods=["GET", "POST"])
@access("instructor")
def create():
    quizzes = services.all_quizzes(current_user)
    courses = [course for course, _, _ in lessons.courses_for_staff(current_user)]
    lesson_map = {lesson.id: lesson for lesson in lessons.current_lessons([c.id for c in courses])}
    prefill = {key: request.args[key] for key in ("target", "title") if request.args.get(key)}
    form = QuizSettingsForm(data=prefill)
    form.target.choices = _target_choices(courses, lesson_map, quizzes)
    leftover: list[str] = []
    if form.validate_on_submit():
        course_id, lesson_id = parse_target(form.target.data)
        try:
            quiz = services.create_quiz(course_id, lesson_id, form.to_settings(), current_user)
        except (Conflict, RuleViolation) as error:
            leftover = add_errors(form, error.errors, {"lesson_id": "target"})
            if not error.errors:
                leftover.append(error.message)
        else:
            flash("Quiz created. It stays hidden from learners until you publish it.", "success")
            return redirect(url_for("authoring.quiz", quiz_id=quiz.id))
    status = 400 if form.errors or leftover else 200
    return render_template(
        "quizzes/authoring/settings.html", form=form, quiz=None, leftover=leftover
    ), status


def _target_choices(courses, lesson_map, quizzes) -> list[SelectChoice]:
    """Lessons and final quizzes that have no quiz yet, grouped by course."""
    taken = {(quiz.course_id, quiz.lesson_id) for quiz in quizzes}
    choices = []
    for course in sorted(courses, key=lambda c: c.title):
        choices.extend(
            SelectChoice(
                target_value(course.id, lesson.id),
                f"{lesson.position}. {lesson.title}",
                optgroup=course.title,
            )
            for lesson in sorted(lesson_map.values(), key=lambda lesson: lesson.position)
            if lesson.course_id == course.id and (course.id, lesson.id) not in taken
        )
        if (course.id, None) not in taken:
            choices.append(
                SelectChoice(
                    target_value(course.id, None), "Final quiz of the course", optgroup=course.title
                )
            )
    return choices


# ---- one quiz -----------------------------------------------------------------------------


def _get(quiz_id: int) -> Quiz:
    return services.quiz_to_author(quiz_id, current_user)


def _quiz_page(
    quiz: Quiz,
    gift_form: GiftUploadForm | None = None,
    problems=(),
    status=200,
    draw_form: DrawForm | None = None,
):
    course = lessons.get_course_by_id(quiz.course_id)
    lesson = None
    if quiz.lesson_id is not None:
        lesson = next(
            (x for x in lessons.current_lessons(course.id) if x.id == quiz.lesson_id), None
        )
    return render_template(
        "quizzes/authoring/quiz.html",
        quiz=quiz,
        course=course,
        lesson=lesson,
        questions=[(question, services.to_spec(question)) for question in quiz.questions],
        attempts=services.submitted_counts([quiz.id]).get(quiz.id, 0),
        grading=services.grading_counts([quiz.id]).get(quiz.id, services.GradingCounts()),
        kinds=list(Kind),
        button=EmptyForm(),
        form=gift_form or GiftUploadForm(formdata=None),
        problems=problems,
        advice=quiz_advice(quiz),
        draw_form=draw_form
        or DrawForm.for_sizes(bank.category_sizes(quiz.course_id), formdata=None),
    ), status


@bp.route("/<int:quiz_id>")
@access("instructor")
def quiz(quiz_id: int):
    return _quiz_page(_get(quiz_id))


@bp.route("/<int:quiz_id>/settings", methods=["GET", "POST"])
@access("instructor")
def settings(quiz_id: int):
    current = _get(quiz_id)
    form = QuizSettingsForm(obj=current)
    del form.target
    leftover: list[str] = []
    if form.validate_on_submit():
        try:
            services.update_settings(current, form.to_settings(), current_user)
        except RuleViolation as error:
            leftover = add_errors(form, error.errors) or ([] if error.errors else [error.message])
        else:
            flash("Settings saved.", "success")
            return redirect(url_for("authoring.quiz", quiz_id=current.id))
    status = 400 if form.errors or leftover else 200
    return render_template(
        "quizzes/authoring/settings.html", form=form, quiz=current, leftover=leftover
    ), status


@bp.route("/<int:quiz_id>/publish", methods=["POST"])
@access("instructor")
def publish(quiz_id: int):
    current = _get(quiz_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    wanted = request.form.get("published") == "1"
    try:
        services.set_published(current, wanted, current_user)
    except RuleViolation as error:
        flash(f"The quiz was not published. {error.message}", "error")
    else:
        flash(
            "Published: learners can take this quiz now."
            if wanted
            else "Unpublished: learners no longer see this quiz. Their attempts are kept.",
            "success",
        )
    return redirect(url_for("authoring.quiz", quiz_id=current.id))


# ---- questions ----------------------------------------------------------------------------


@bp.route("/<int:quiz_id>/draws", methods=["POST"])
@access("instructor")
def add_draw(quiz_id: int):
    """Add a "random questions from a category" rule; problems shown beside the fields."""
    current = _get(quiz_id)
    form = DrawForm.for_sizes(bank.category_sizes(current.course_id))
    if form.validate_on_submit():
        try:
            bank.add_draw(current, form.category.data, form.count.data, current_user)
        except (Conflict, RuleViolation) as error:
            add_errors(form, error.errors)
        else:
            flash(
                _(
                    "Each attempt now draws questions from “%(category)s”.",
                    category=form.category.data,
                ),
                "success",
            )
            return redirect(url_for("authoring.quiz", quiz_id=current.id) + "#draws")
    return _quiz_page(current, draw_form=form, status=400)


@bp.route("/<int:quiz_id>/draws/<int:draw_id>/delete", methods=["POST"])
@access("instructor")
def remove_draw(quiz_id: int, draw_id: int):
    current = _get(quiz_id)
    if EmptyForm().validate_on_submit():
        bank.remove_draw(current, draw_id, current_user)
        flash(_("The rule was removed."), "success")
    return redirect(url_for("authoring.quiz", quiz_id=current.id) + "#draws")


def _kind(value: str | None) -> Kind:
    try:
        return Kind(value or "")
    except ValueError:
        raise NotFound("There is no such kind of question.") from None


@bp.route("/<int:quiz_id>/questions/new", methods=["GET", "POST"])
@access("instructor")
def new_question(quiz_id: int):
    current = _get(quiz_id)
    kind = _kind(request.args.get("kind"))
    form = QuestionForm(kind=kind)
    if form.validate_on_submit():
        try:
            question = services.add_question(current, form.to_question(), current_user)
        except RuleViolation as error:
            form.add_problems(error.errors or {"question": [error.message]})
        else:
            note = _advice_note(current, question)
            flash(f"Question {question.position} added.{note}", "success")
            if request.form.get("then") == "another":
                return redirect(
                    url_for("authoring.new_question", quiz_id=current.id, kind=kind.value)
                )
            return redirect(_question_anchor(current, question.id))
    status = 400 if form.errors else 200
    return render_template(
        "quizzes/authoring/question.html", quiz=current, form=form, question=None, advice=[]
    ), status


@bp.route("/<int:quiz_id>/questions/<int:question_id>", methods=["GET", "POST"])
@access("instructor")
def edit_question(quiz_id: int, question_id: int):
    current = _get(quiz_id)
    question = services.get_question(current, question_id)
    spec = services.to_spec(question)
    data = None if request.method == "POST" else question_form_data(spec)
    form = QuestionForm(kind=spec.kind, data=data)
    if form.validate_on_submit():
        try:
            services.update_question(question, form.to_question(), current_user)
        except RuleViolation as error:
            form.add_problems(error.errors or {"question": [error.message]})
        else:
            note = _advice_note(current, question)
            flash(f"Question {question.position} saved.{note}", "success")
            return redirect(_question_anchor(current, question.id))
    status = 400 if form.errors else 200
    return render_template(
        "quizzes/authoring/question.html",
        quiz=current,
        form=form,
        question=question,
        advice=quiz_advice(current).get(question.id, []),
    ), status


@bp.route("/<int:quiz_id>/questions/<int:question_id>/move", methods=["POST"])
@access("instructor")
def move_question(quiz_id: int, question_id: int):
    current = _get(quiz_id)
    question = services.get_question(current, question_id)
    offset = {"up": -1, "down": 1}.get(request.form.get("direction", ""))
    if not EmptyForm().validate_on_submit() or offset is None:
        abort(400)
    services.move_question(question, offset, current_user)
    flash(f"Question moved {'up' if offset < 0 else 'down'} to number {question.position}.", "info")
    return redirect(_question_anchor(current, question.id))


@bp.route("/<int:quiz_id>/questions/<int:question_id>/delete", methods=["GET", "POST"])
@access("instructor")
def delete_question(quiz_id: int, question_id: int):
    current = _get(quiz_id)
    question = services.get_question(current, question_id)
    form = EmptyForm()
    if form.validate_on_submit():
        number, was_published = question.position, current.published
        services.delete_question(question, current_user)
        message = f"Question {number} deleted."
        if was_published and not current.published:
            message += " The quiz has no questions left, so it is no longer published."
        flash(message, "success")
        return redirect(url_for("authoring.quiz", quiz_id=current.id) + "#questions")
    return render_template(
        "quizzes/authoring/delete_question.html",
        quiz=current,
        question=question,
        spec=services.to_spec(question),
        attempts=services.submitted_counts([current.id]).get(current.id, 0),
        form=form,
    )


def _advice_note(quiz: Quiz, question) -> str:
    """What the item-writing checker says of a question just saved, for the flash message."""
    count = len(quiz_advice(quiz).get(question.id, []))
    if not count:
        return ""
    return (
        f" The item-writing checker has {count} suggestion{'' if count == 1 else 's'} for it,"
        " shown with the question in the quiz's list."
    )


def _question_anchor(quiz: Quiz, question_id: int) -> str:
    return url_for("authoring.quiz", quiz_id=quiz.id) + f"#question-{question_id}"


# ---- preview ------------------------------------------------------------------------------


def preview_questions(quiz: Quiz) -> list[ShownQuestion]:
    """The questions as an attempt would show them (in authored order), without an attempt;
    a quiz that draws from the bank shows one draw of it, new on each visit."""
    shown = []
    for number, question in enumerate(quiz.questions, start=1):
        spec = services.to_spec(question)
        ids = tuple(choice.id for choice in question.choices)
        shown.append(ShownQuestion(question.id, number, spec, ids, ids, spec.answer_options))
    for entry in services.sample_draw(quiz) if quiz.draws else []:
        shown.append(services.shown_question(entry, len(shown) + 1, {}))
    return shown


@bp.route("/<int:quiz_id>/preview")
@access("instructor")
def preview(quiz_id: int):
    current = _get(quiz_id)
    return render_template(
        "quizzes/authoring/preview.html", quiz=current, questions=preview_questions(current)
    )


# ---- GIFT ---------------------------------------------------------------------------------


@bp.route("/<int:quiz_id>/gift", methods=["POST"])
@access("instructor")
def import_gift(quiz_id: int):
    """Replace the quiz's questions with a GIFT file's: all of them, or none if anything is
    wrong. The quiz keeps its settings and its published state."""
    current = _get(quiz_id)
    form = GiftUploadForm()
    problems: list[tuple[str, str]] = []
    if form.validate_on_submit():
        limit = current_app.config["GIFT_MAX_BYTES"]
        # Reading one byte past the limit is enough to refuse a file before parsing it.
        data = form.file.data.read(limit + 1)
        if current_app.config["JOB_GIFT_BYTES_OVER"] < len(data) <= limit:
            # A large file is stored and imported in the background, with a page to follow.
            job = long_work.start_gift_import(
                current,
                current_user,
                data,
                form.file.data.filename or "the file",
                url_for("authoring.quiz", quiz_id=current.id) + "#questions",
            )
            return follow(job)
        try:
            questions = list(read_gift_file(data, limit).questions)
        except GiftError as error:
            problems = gift_problems(error)
            form.file.errors.append(not_imported(len(problems)))
        else:
            if not questions:
                form.file.errors.append("The file has no questions. Nothing was changed.")
            else:
                try:
                    result = services.import_quiz(
                        current.course_id,
                        current.lesson_id,
                        questions,
                        services.settings_of(current),
                        by=current_user,
                    )
                except RuleViolation as error:
                    problems = question_problems_of(error, questions)
                    form.file.errors.append(not_imported(len(problems)))
                else:
                    count = len(result.quiz.questions)
                    advice = advice_count(quiz_advice(result.quiz))
                    flash(
                        (
                            f"Imported {count} question{'' if count == 1 else 's'} from "
                            f"{form.file.data.filename}."
                            if result.changed
                            else "The file has the same questions as the quiz: nothing changed."
                        )
                        + (
                            f" The item-writing checker has {advice}, shown below each one."
                            if advice
                            else ""
                        ),
                        "success",
                    )
                    return redirect(url_for("authoring.quiz", quiz_id=current.id) + "#questions")
    return _quiz_page(current, gift_form=form, problems=problems, status=400)


def _file_name(title: str, suffix: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", title).strip("-").lower()[:60].rstrip("-")
    return f"{slug or 'quiz'}{suffix}"


@bp.route("/<int:quiz_id>/export.gift")
@access("instructor")
def export_gift(quiz_id: int):
    current = _get(quiz_id)
    try:
        text = dump_gift([services.to_spec(q) for q in current.questions])
    except ValueError as error:
        flash(f"This quiz cannot be written as GIFT: {error}.", "error")
        return redirect(url_for("authoring.quiz", quiz_id=current.id))
    response = Response(text, content_type="text/plain; charset=utf-8")
    response.headers.set(
        "Content-Disposition", "attachment", filename=_file_name(current.title, ".gift")
    )
    return response


# ---- statistics ---------------------------------------------------------------------------


def _which_attempts() -> str:
    which = request.args.get("attempts", "all")
    return which if which in STATS_ATTEMPTS else "all"


def _statistics(quiz: Quiz, which: str) -> dict:
    latest = services.latest_version(quiz)
    current_specs = {q.id: question_to_dict(services.to_spec(q)) for q in quiz.questions}
    if latest is None:
        specs = current_specs
    else:
        specs = {entry["key"]: entry["spec"] for entry in latest.snapshot["questions"]}
    attempts = attempt_scores(services.submitted_attempts(quiz, current_user), specs)
    if which == "first":
        attempts = stats.first_attempts(attempts)
    keys = list(specs)
    results = stats.question_stats(keys, attempts)
    # Questions whose kind spreads their scores in bands (essays, in fifths of the points).
    bands = {key: kind_of(specs[key]["kind"]).score_bands() for key in keys}
    person_scores = {
        key: stats.score_distribution(
            (
                100 * attempt.responses[key].fraction
                for attempt in attempts
                if key in attempt.responses and attempt.responses[key].answered
            ),
            bins=count,
        )
        for key, count in bands.items()
        if count
    }
    return {
        "questions": [
            (number, key, question_from_dict(specs[key]), result)
            for number, (key, result) in enumerate(zip(keys, results, strict=True), start=1)
        ],
        "attempts": attempts,
        "learners": len({attempt.learner for attempt in attempts}),
        "distribution": stats.score_distribution(attempt.percent for attempt in attempts),
        # Bank questions (negative keys) change with the bank, not with the quiz's own.
        "changed_since": latest is not None
        and {key: spec for key, spec in specs.items() if key > 0} != current_specs,
        "grading": services.grading_counts([quiz.id]).get(quiz.id, services.GradingCounts()),
        "person_scores": person_scores,
        "current_keys": set(current_specs),
    }


def attempt_scores(attempts: list[Attempt], specs: dict[int, dict]) -> list[stats.AttemptScore]:
    """Submitted attempts as the statistics take them. An attempt counts towards a question
    only if it was shown that question exactly as it is in `specs`, so an edited question's
    numbers start afresh rather than mixing two versions of it."""
    result = []
    for attempt in attempts:
        seen = {entry["key"]: entry["spec"] for entry in attempt.version.snapshot["questions"]}
        responses = {}
        for response in attempt.responses:
            key = response.question_key
            if key in specs and seen.get(key) == specs[key] and response.fraction is not None:
                responses[key] = stats.ResponseScore(
                    fraction=response.fraction,
                    points=response.points or 0.0,
                    answered=bool(response.answer),
                )
        result.append(
            stats.AttemptScore(
                learner=attempt.user_id,
                number=attempt.number,
                points=attempt.points or 0.0,
                percent=attempt.percent or 0.0,
                responses=responses,
            )
        )
    return result


@bp.route("/<int:quiz_id>/stats")
@access("instructor")
def statistics(quiz_id: int):
    current = _get(quiz_id)
    which = _which_attempts()
    return render_template(
        "quizzes/authoring/stats.html",
        quiz=current,
        which=which,
        choices=STATS_ATTEMPTS,
        **_statistics(current, which),
    )


CSV_HEADER = (
    "Number",
    "Kind",
    "Title",
    "Question text",
    "Points",
    "Attempts",
    "Answered",
    "Facility index (%)",
    "Standard deviation (%)",
    "Discrimination index (%)",
    "Notes",
)


@bp.route("/<int:quiz_id>/stats.csv")
@access("instructor")
def statistics_csv(quiz_id: int):
    current = _get(quiz_id)
    which = _which_attempts()
    rows = (
        (
            number,
            spec.kind.label,
            spec.title,
            spec.text,
            spec.points,
            result.attempts,
            result.answered,
            stats.rounded(result.facility),
            stats.rounded(result.spread),
            stats.rounded(result.discrimination),
            "; ".join(result.notes),
        )
        for number, _, spec, result in _statistics(current, which)["questions"]
    )
    response = Response(
        stats.to_csv(CSV_HEADER, rows, bom=True), content_type="text/csv; charset=utf-8"
    )
    suffix = "-statistics-first-attempts.csv" if which == "first" else "-statistics.csv"
    response.headers.set(
        "Content-Disposition", "attachment", filename=_file_name(current.title, suffix)
    )
    return response


# ---- grading essays -------------------------------------------------------------------------


@bp.route("/<int:quiz_id>/grading")
@access("instructor")
def grading_queue(quiz_id: int):
    current = _get(quiz_id)
    return render_template(
        "quizzes/authoring/grading.html",
        quiz=current,
        queue=services.grading_queue(current, current_user),
        graded=services.graded_essays(current, current_user),
        counts=services.grading_counts([current.id]).get(current.id, services.GradingCounts()),
    )


@bp.route("/<int:quiz_id>/grading/<int:response_id>", methods=["GET", "POST"])
@access("instructor")
def grade(quiz_id: int, response_id: int):
    current = _get(quiz_id)
    essay = services.essay_to_grade(current, response_id, current_user)
    data = None
    if request.method == "GET" and essay.graded:
        data = {"points": essay.response.points, "feedback": essay.response.grader_feedback}
    form = GradeForm(data=data, top=essay.question.spec.points)
    leftover: list[str] = []
    if form.validate_on_submit():
        try:
            attempt = services.grade_essay(
                current, essay.response.id, form.points.data, form.feedback.data or "", current_user
            )
        except RuleViolation as error:
            leftover = add_errors(form, error.errors) or ([] if error.errors else [error.message])
        else:
            top = essay.question.spec.points
            message = f"Saved: {form.points.data:g} of {top:g} points for {essay.learner}."
            if not attempt.awaiting_grading and not essay.graded:
                message += f" Their attempt is graded: {attempt.percent:g}%."
            flash(message, "success")
            following = services.next_essay(current, current_user, after=essay.response.id)
            if following is None:
                return redirect(url_for("authoring.grading_queue", quiz_id=current.id))
            return redirect(
                url_for("authoring.grade", quiz_id=current.id, response_id=following.response.id)
            )
    status = 400 if form.errors or leftover else 200
    queue = services.grading_queue(current, current_user)
    return render_template(
        "quizzes/authoring/grade.html",
        quiz=current,
        essay=essay,
        form=form,
        leftover=leftover,
        left=len([e for e in queue if e.response.id != essay.response.id]),
    ), status
