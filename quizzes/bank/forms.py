"""The bank's forms: a GIFT file to file in the bank, and a quiz's "random from category"
rule. Labels and messages are marked for translation."""

from __future__ import annotations

from flask import current_app
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import IntegerField, SelectField
from wtforms.validators import InputRequired, NumberRange

from coursework.i18n import lazy_gettext, ngettext
from quizzes.bank.services import MAX_DRAW
from quizzes.gift import describe_size


class BankUploadForm(FlaskForm):
    file = FileField(
        lazy_gettext("GIFT file"),
        validators=[FileRequired(lazy_gettext("Choose a GIFT file to upload."))],
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.file.description = lazy_gettext(
            "A .gift or .txt file, up to %(limit)s. Each question is filed under its "
            "$CATEGORY line; a question already in its category under the same title is "
            "updated. If anything in the file is wrong, nothing changes.",
            limit=describe_size(current_app.config["GIFT_MAX_BYTES"]),
        )


class DrawForm(FlaskForm):
    category = SelectField(
        lazy_gettext("Category"),
        validators=[InputRequired(lazy_gettext("Choose a category of the course's bank."))],
        validate_choice=False,  # the service says why a category cannot be used
    )
    count = IntegerField(
        lazy_gettext("How many questions"),
        validators=[
            InputRequired(lazy_gettext("Enter how many questions to draw.")),
            NumberRange(1, MAX_DRAW, lazy_gettext("Draw from 1 to %(max)s questions.")),
        ],
        description=lazy_gettext("Each attempt draws this many, at random, from the category."),
        default=1,
    )

    @classmethod
    def for_sizes(cls, sizes: dict[str, int], **kwargs) -> DrawForm:
        """The form, offering each category of the bank with how many questions it holds."""
        form = cls(**kwargs)
        form.category.choices = [
            (
                path,
                ngettext(
                    "%(path)s (%(num)d question)",
                    "%(path)s (%(num)d questions)",
                    held,
                    path=path,
                )
                if path
                else ngettext(
                    "No category (%(num)d question)", "No category (%(num)d questions)", held
                ),
            )
            for path, held in sorted(sizes.items())
        ]
        return form
