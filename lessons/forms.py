from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import StringField
from wtforms.validators import Optional, Regexp


class ImportCourseForm(FlaskForm):
    document = FileField(
        "Course document",
        description="Markdown (.md) or plain text (.txt). Each section heading becomes a lesson.",
        validators=[
            FileRequired("Choose a document to import."),
            FileAllowed(["md", "markdown", "txt"], "Choose a .md, .markdown or .txt file."),
        ],
    )
    slug = StringField(
        "Course address (optional)",
        description="Lower-case letters, digits and hyphens. Leave it empty to derive it from "
        "the title; use an existing course's address to update that course.",
        validators=[
            Optional(),
            Regexp(
                r"^[a-z0-9]+(-[a-z0-9]+)*$", message="Use lower-case letters, digits and hyphens."
            ),
        ],
    )
