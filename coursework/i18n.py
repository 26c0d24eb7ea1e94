"""The interface's language: which one a request is served in, and the marking functions.

Everything a person reads (pages, mail, PDFs, CSV headings, API error messages) is marked
with `_`/`ngettext` (or `lazy_gettext` where the text is built at import time) and found
in `coursework/translations/<language>/LC_MESSAGES/messages.po`. Course content is not
translated: it stays in the language its author wrote it in.
"""

from __future__ import annotations

import os

from flask import Flask, has_request_context, request
from flask_babel import Babel, gettext, lazy_gettext, ngettext

__all__ = ["LANGUAGES", "_", "babel", "lazy_gettext", "ngettext", "select_locale"]

_ = gettext

# The interface's languages, by code: the name each is known by in itself.
LANGUAGES: dict[str, str] = {"en": "English"}

babel = Babel()


def select_locale() -> str:
    """The person's choice when they made one, else the best the browser asks for; outside
    a request (the shell, jobs, services called from tests) the default language."""
    if not has_request_context():
        return "en"
    chosen = request.cookies.get("lang")
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or "en"


# Each package keeps the catalogue of the strings it holds.
PACKAGES = ("coursework", "quizzes", "lessons")


def init_app(app: Flask) -> None:
    root = os.path.dirname(app.root_path)
    directories = ";".join(os.path.join(root, package, "translations") for package in PACKAGES)
    babel.init_app(app, locale_selector=select_locale, default_translation_directories=directories)
