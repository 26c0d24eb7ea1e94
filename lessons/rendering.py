"""Lesson Markdown to safe HTML: rendered once at import, then served as stored."""

from __future__ import annotations

import hashlib
import re
import unicodedata

import nh3
from markdown_it import MarkdownIt

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")

ALLOWED_TAGS = {
    "p",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "li",
    "strong",
    "em",
    "code",
    "pre",
    "blockquote",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "a",
    "hr",
    "br",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
# Column alignment is a class, not a style attribute: the Content-Security-Policy refuses
# inline styles.
ALIGNMENTS = {"left", "center", "right"}
ALLOWED_CLASSES = {cell: {f"align-{a}" for a in ALIGNMENTS} for cell in ("th", "td")}
TABLE_WRAPPER = '<div class="table-scroll" role="region" aria-label="{label}" tabindex="0"><table>'


def render_markdown(source: str) -> str:
    """Markdown to sanitised HTML whose highest heading is an h2 (the page owns the h1)."""
    tokens = _markdown.parse(source)
    levels = [int(t.tag[1]) for t in tokens if t.type == "heading_open"]
    shift = min(levels, default=2) - 2
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            level = min(6, max(2, int(token.tag[1]) - shift))
            token.tag = f"h{level}"
        elif token.type in ("th_open", "td_open"):
            _align_by_class(token)
    return _wrap_tables(sanitise_html(_markdown.renderer.render(tokens, _markdown.options, {})))


def sanitise_html(html: str) -> str:
    """Keep only the tags and attributes of the allow-list; scripts and handlers go."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )


def _align_by_class(token) -> None:
    style = token.attrGet("style") or ""
    token.attrs.pop("style", None)
    alignment = style.removeprefix("text-align:").strip()
    if alignment in ALIGNMENTS:
        token.attrSet("class", f"align-{alignment}")


def _wrap_tables(html: str) -> str:
    # Tables scroll sideways inside their own region on a phone instead of the whole page.
    count = 0

    def wrap(_: re.Match) -> str:
        nonlocal count
        count += 1
        return TABLE_WRAPPER.format(label=f"Table {count}")

    html = re.sub(r"<table>", wrap, html)
    return html.replace("</table>", "</table></div>")


def slugify(text: str, max_length: int = 80) -> str:
    """A stable address for a title in any script: letters, marks and digits of every
    alphabet stay (Latin letters lose their accents), anything else becomes a hyphen.
    A title with no letters at all gets an address from its hash, so two such titles
    do not share one."""
    # An apostrophe joins a word ("what's" → "whats"), it does not split it.
    decomposed = unicodedata.normalize("NFKD", re.sub("['\u2019\u02bc]", "", text))
    kept = []
    for char in decomposed:
        # An accent over a Latin letter goes ("café" → "cafe"); the marks of other
        # scripts are part of their letters (Japanese dakuten, Devanagari vowel signs).
        if unicodedata.combining(char) and kept and kept[-1].isascii():
            continue
        kept.append(char)
    words = unicodedata.normalize("NFC", "".join(kept)).lower()
    slug = "".join(char if unicodedata.category(char)[0] in "LMN" else "-" for char in words)
    slug = re.sub(r"-+", "-", slug).strip("-")[:max_length].rstrip("-")
    if slug:
        return slug
    if not text.strip():
        return "section"
    return "s-" + hashlib.sha256(text.strip().encode()).hexdigest()[:8]


def word_count(markdown: str) -> int:
    return len(re.findall(r"\w+", markdown))
