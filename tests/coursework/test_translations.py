"""Every word a person reads is translatable, and every catalogue translates all of them.

The template scan reads each template as a browser would see its text (tags, attributes
people read, text between tags) with every `{{ … }}`/`{% … %}` taken out: what is left must
hold no words. Text inside `{% trans %}` and `_()` is translated; course content comes
from variables, so it is never in the template's own text.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from jinja2 import nodes

from coursework import i18n
from tests.support.translations import ROOT, TRANSLATED_PACKAGES

# The packages whose templates and catalogues are checked. "quizzes" and "lessons" join
# this list when their strings are marked and translated (the i18n-q branch): the
# integrator extends it at merge, and the checks below then cover every package.
TRANSLATED_LANGUAGES = tuple(code for code in i18n.LANGUAGES if code != "en")

# Words that read the same in every language: the product's name.
SAME_IN_EVERY_LANGUAGE = {"Coursework"}
# Attributes whose values people read (or hear from a screen reader).
READ_ATTRIBUTES = {"title", "alt", "placeholder", "aria-label", "aria-placeholder", "data-label"}
# Elements whose content is code or drawing, not prose.
NOT_PROSE = {"script", "style", "code", "pre", "svg", "kbd", "samp"}
LETTER = re.compile(r"[^\W\d_]")
JINJA = re.compile(r"{{.*?}}|{%.*?%}", re.S)
TRANS_BLOCK = re.compile(r"{%-?\s*trans\b.*?{%-?\s*endtrans\s*-?%}", re.S)
COMMENT = re.compile(r"{#.*?#}", re.S)
HOLE = "\x00"
# Field types, form attribute names and the like: identifiers that read as words.
CODE_WORD = re.compile(r"[A-Z][A-Za-z]*(Field|Form|Error)|[A-Z_]+|[a-z]+[A-Z]\w*")
# Calls whose string arguments are names, addresses or formats, not prose.
NOT_PROSE_CALLS = {
    "_",
    "gettext",
    "ngettext",
    "plural_forms",
    "url_for",
    "get",
    "getlist",
    "startswith",
    "endswith",
    "format",
    "split",
    "join",
    "replace",
    "selectattr",
    "attr",
}
CSS_OR_ARIA = re.compile(r"\s*[a-z][a-z0-9_-]*(\s+[a-z][a-z0-9_-]*)*\s*")


class _VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.hidden_depth = 0

    def handle_starttag(self, tag, attrs):
        if tag in NOT_PROSE:
            self.hidden_depth += 1
        values = dict(attrs)
        read = {name: value for name, value in attrs if name in READ_ATTRIBUTES}
        if tag == "input" and values.get("type") in ("submit", "button", "reset"):
            read["value"] = values.get("value")
        if tag == "meta" and values.get("name") == "description":
            read["content"] = values.get("content")
        self.found.extend(value for value in read.values() if value)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in NOT_PROSE:
            self.hidden_depth -= 1

    def handle_endtag(self, tag):
        if tag in NOT_PROSE and self.hidden_depth:
            self.hidden_depth -= 1

    def handle_data(self, data):
        if not self.hidden_depth:
            self.found.append(data)


def _has_words(text: str) -> bool:
    words = [word for word in re.split(r"[\s\x00]+", text) if LETTER.search(word)]
    return any(word.strip(".,:;!?()«»“”'\"") not in SAME_IN_EVERY_LANGUAGE for word in words)


def untranslated_text(source: str) -> list[str]:
    """The template's own text that a person would read and that is not marked."""
    source = COMMENT.sub("", TRANS_BLOCK.sub(HOLE, source))
    parser = _VisibleText()
    parser.feed(JINJA.sub(HOLE, source))
    parser.close()
    return [" ".join(text.replace(HOLE, " ").split()) for text in parser.found if _has_words(text)]


def untranslated_literals(app, source: str) -> list[str]:
    """Prose written as string literals in the template's code: shown straight away
    (`{{ 'Admin' if … }}`), or handed to a macro, a `set` or a macro's default to be shown
    later (`bar(summary, 'Progress')`). Literals compared, looked up, passed to a filter or
    to `url_for` are code, not prose."""
    found: list[str] = []

    def prose(value: str) -> bool:
        return (
            _has_words(value)
            and not CSS_OR_ARIA.fullmatch(value)
            and not CODE_WORD.fullmatch(value)
            and (" " in value.strip() or value[:1].isupper())
        )

    def visit(node):
        if isinstance(node, nodes.Const) and isinstance(node.value, str):
            if prose(node.value):
                found.append(node.value)
            return
        if isinstance(node, nodes.Call) and _call_name(node) in NOT_PROSE_CALLS:
            return
        if isinstance(node, (nodes.Compare, nodes.Test, nodes.Getitem, nodes.Filter)):
            # Operands of comparisons and lookups, and filter arguments, are code; the
            # value a filter is applied to may still be shown.
            if isinstance(node, nodes.Filter) and node.node is not None:
                visit(node.node)
            return
        for child in node.iter_child_nodes():
            visit(child)

    visit(app.jinja_env.parse(source))
    return found


def _call_name(call) -> str:
    target = call.node
    return getattr(target, "name", None) or getattr(target, "attr", "") or ""


def _templates(packages=TRANSLATED_PACKAGES) -> list[Path]:
    return sorted(
        path
        for package in packages
        for path in (ROOT / package).rglob("templates/**/*")
        if path.suffix in (".html", ".txt")
    )


def test_the_scan_finds_unmarked_text_and_passes_marked_text(app):
    assert untranslated_text("<p>Hello {{ name }}</p>") == ["Hello"]
    assert untranslated_text('<a title="Open it" href="{{ url }}">{{ _("Go") }}</a>') == ["Open it"]
    assert untranslated_text('<input type="submit" value="Save">') == ["Save"]
    assert untranslated_text("{% trans %}Hello {{ name }}{% endtrans %} · <b>Coursework</b>") == []
    assert untranslated_text("<code>curl /api/v1</code> <p>{{ lesson.body_html|safe }}</p>") == []
    assert untranslated_literals(app, "{{ 'Admin' if x else _('Teach') }}") == ["Admin"]
    assert untranslated_literals(app, "{{ url_for('progress.catalogue') }}") == []
    assert untranslated_literals(app, "{{ bar(summary, 'Your progress') }}") == ["Your progress"]
    assert untranslated_literals(app, "{% set heading = 'Page not found' %}") == ["Page not found"]
    assert untranslated_literals(app, "{% macro m(x='Not done') %}{% endmacro %}") == ["Not done"]
    assert untranslated_literals(app, "{% if f.type == 'BooleanField' %}x{% endif %}") == []
    assert untranslated_literals(app, "{{ name|replace('_', ' ') }}{{ d['Key'] }}") == []


@pytest.mark.parametrize("template", _templates(), ids=lambda path: str(path.relative_to(ROOT)))
def test_templates_hold_no_untranslated_text(app, template):
    source = template.read_text(encoding="utf-8")
    assert untranslated_text(source) == []
    assert untranslated_literals(app, source) == []


# ---- catalogues ---------------------------------------------------------------------------


def extracted_msgids(package: str) -> set[str]:
    """What `pybabel extract -F babel.cfg` finds in a package (the Makefile's `messages`)."""
    method_map = [
        ("**.py", "python"),
        ("**/templates/**.html", "jinja2"),
        ("**/templates/**.txt", "jinja2"),
    ]
    keywords = {
        "_": None,
        "N_": None,
        "gettext": None,
        "ngettext": (1, 2),
        "lazy_gettext": None,
        "plural_forms": (1, 2),
    }
    return {
        message[0] if isinstance(message, tuple) else message
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT / package), method_map, keywords=keywords
        )
    }


@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
@pytest.mark.parametrize("package", TRANSLATED_PACKAGES)
def test_each_catalogue_translates_every_message(package, language):
    po = ROOT / package / "translations" / language / "LC_MESSAGES" / "messages.po"
    assert po.exists(), f"no {language} catalogue for {package}: run `make messages`"
    with po.open("rb") as source:
        catalogue = read_po(source, locale=language)
    held = {m.id[0] if isinstance(m.id, tuple) else m.id for m in catalogue if m.id}
    missing = sorted(extracted_msgids(package) - held)
    assert missing == [], f"{po}: run `make messages` and translate these"
    fuzzy = [str(m.id) for m in catalogue if m.id and m.fuzzy]
    assert fuzzy == [], f"{po}: check and unmark the fuzzy entries"
    empty = [
        str(m.id)
        for m in catalogue
        if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string)))
    ]
    assert empty == [], f"{po}: translate these"
