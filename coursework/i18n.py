"""The interface's language: which one a request is served in, and the marking functions.

Everything a person reads (pages, mail, PDFs, CSV headings, API error messages) is marked
with `_`/`ngettext` (or `lazy_gettext` where the text is built at import time) and found
in `<package>/translations/<language>/LC_MESSAGES/messages.po` (one catalogue per package).
Course content is not translated: it stays in the language its author wrote it in, and
its pages say which (`content_attributes`).

A request is served in, first, the language the person chose in their profile
(`User.locale`), else the one chosen with the footer switcher (the `lang` cookie), else
the best match for the browser's `Accept-Language`, else English.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path

from babel import Locale, UnknownLocaleError
from flask import Flask, has_request_context, request
from flask_babel import (
    Babel,
    LazyString,
    force_locale,
    get_locale,
    get_translations,
    gettext,
    ngettext,
)
from markupsafe import Markup, escape

__all__ = [
    "COOKIE",
    "LANGUAGES",
    "N_",
    "_",
    "babel",
    "content_attributes",
    "direction",
    "force_locale",
    "lazy_gettext",
    "ngettext",
    "plural_forms",
    "select_locale",
    "speaking",
]

_ = gettext


class LazyText(LazyString):
    """Text translated when it is shown (form labels and messages, tables built at import).
    Flask-Babel's lazy string calls itself markup, so templates would not escape it; this
    one is escaped like any other text."""

    def __html__(self) -> str:
        return escape(str(self))


def lazy_gettext(string: str, **variables) -> LazyText:
    return LazyText(gettext, string, **variables)


def N_(text: str) -> str:
    """Mark text for the catalogue without translating it here (it is translated where
    it is shown, e.g. by Flask-Login's `localize_callback`)."""
    return text


# The interface's languages, by code: the name each is known by in itself (so a person who
# cannot read the current language still finds their own in the switcher).
LANGUAGES: dict[str, str] = {"en": "English", "fr": "Français", "ar": "العربية"}
DEFAULT = "en"
# The footer switcher's choice for people who are not signed in (a year, like a preference).
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600

babel = Babel()

# Each package keeps the catalogue of the strings it holds.
PACKAGES = ("coursework", "quizzes", "lessons")
ROOT = Path(__file__).resolve().parent.parent


def chosen_by_user() -> str | None:
    """The language the signed-in person chose in their profile, if any."""
    from flask_login import current_user  # the platform's sessions, loaded per request

    if current_user and current_user.is_authenticated:
        locale = getattr(current_user, "locale", None)
        if locale in LANGUAGES:
            return locale
    return None


def select_locale() -> str:
    """The profile's choice, else the switcher's cookie, else the browser's best match."""
    if not has_request_context():
        return DEFAULT
    chosen = chosen_by_user() or request.cookies.get(COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT


def direction(language: str | Locale | None) -> str:
    """ "rtl" for a language written right to left (Arabic, Hebrew, Persian, Urdu...), else "
    ""ltr"."""
    if language is None:
        return "ltr"
    try:
        locale = language if isinstance(language, Locale) else Locale.parse(language, sep="-")
    except (ValueError, TypeError, UnknownLocaleError):
        return "ltr"
    return "rtl" if locale.character_order == "right-to-left" else "ltr"


def speaking(person) -> AbstractContextManager:
    """Write to a person (a mail, a PDF) in their language: their profile's choice, else
    the language of the request that sends it (the switcher or their browser), else English."""
    chosen = getattr(person, "locale", None)
    if chosen not in LANGUAGES:
        chosen = select_locale()
    return force_locale(chosen)


def content_attributes(language: str | None) -> Markup:
    """`lang` and `dir` for the element holding course content written in `language`."""
    language = language or DEFAULT
    return Markup('lang="%s" dir="%s"') % (escape(language), direction(language))


def current_language() -> str:
    return str(get_locale() or DEFAULT)


def catalogue_directories() -> list[str]:
    return [str(ROOT / package / "translations") for package in PACKAGES]


def compile_catalogues(force: bool = False) -> list[Path]:
    """Compile each `.po` into its `.mo` where the `.mo` is missing or older; return those
    written. `.mo` files are build output (not committed): `make install` and the test
    session call this, so a fresh clone serves every language."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for directory in catalogue_directories():
        for po in sorted(Path(directory).glob("*/LC_MESSAGES/messages.po")):
            mo = po.with_suffix(".mo")
            if not force and mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
                continue
            with po.open("rb") as source:
                catalogue = read_po(source, locale=po.parent.parent.name)
            with mo.open("wb") as target:
                write_mo(target, catalogue)
            written.append(mo)
    return written


# Numbers to look through for one of each plural category: CLDR's French "many" starts at
# a million; every other category of our languages shows up below a thousand.
PLURAL_SAMPLES = (*range(1001), 10**6)


def plural_forms(singular: str, plural: str) -> dict[str, str]:
    """A counted message as a script needs it: its translation for each plural category of
    the current language, keyed by CLDR's names ("one", "few", "other"...), placeholders
    left in for the script to fill. The script picks the form with `Intl.PluralRules`,
    which names the same categories (Arabic has six; a count alone cannot say which)."""
    rule = Locale.parse(current_language()).plural_form
    translations = get_translations()
    forms: dict[str, str] = {}
    for number in PLURAL_SAMPLES:
        category = rule(number)
        if category not in forms:
            forms[category] = translations.ungettext(singular, plural, number)
            if len(forms) > len(rule.tags):  # every named category, and "other"
                break
    return forms


def page_direction() -> str:
    """The direction of the interface language: "rtl" or "ltr"."""
    return direction(current_language())


def _template_context() -> dict:
    language = current_language()
    return {"html_lang": language, "html_dir": direction(language), "languages": LANGUAGES}


def init_app(app: Flask) -> None:
    directories = ";".join(catalogue_directories())
    babel.init_app(app, locale_selector=select_locale, default_translation_directories=directories)
    app.context_processor(_template_context)
    # Globals, unlike the context, reach macros imported without context.
    app.jinja_env.globals.update(
        content_attributes=content_attributes,
        page_direction=page_direction,
        plural_forms=plural_forms,
    )
