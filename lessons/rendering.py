"""Lesson Markdown to safe HTML: rendered once at import, then served as stored."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

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
# Lessons also show images (stored with the course, or from an allowed host); quiz text,
# which shares the allow-list above, does not.
LESSON_TAGS = ALLOWED_TAGS | {"img"}
LESSON_ATTRIBUTES = {**ALLOWED_ATTRIBUTES, "img": {"src", "alt", "title"}}
# Column alignment is a class, not a style attribute: the Content-Security-Policy refuses
# inline styles.
ALIGNMENTS = {"left", "center", "right"}
ALLOWED_CLASSES = {cell: {f"align-{a}" for a in ALIGNMENTS} for cell in ("th", "td")}
TABLE_WRAPPER = '<div class="table-scroll" role="region" aria-label="{label}" tabindex="0"><table>'


def render_markdown(
    source: str, *, images: Mapping[str, str] | None = None, image_hosts: Iterable[str] = ()
) -> str:
    """Markdown to sanitised HTML whose highest heading is an h2 (the page owns the h1).

    `images` maps an image's source as written (`diagrams/flow.png`) to the address the app
    serves it at; a remote image on one of `image_hosts` is shown as it is; any other image
    becomes a link to it, or its alt text, so that no reader loses what it said."""
    tokens = _markdown.parse(source)
    for token in tokens:
        if token.type == "inline" and token.children:
            token.children = _place_images(token.children, images or {}, set(image_hosts))
    levels = [int(t.tag[1]) for t in tokens if t.type == "heading_open"]
    shift = min(levels, default=2) - 2
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            level = min(6, max(2, int(token.tag[1]) - shift))
            token.tag = f"h{level}"
        elif token.type in ("th_open", "td_open"):
            _align_by_class(token)
    html = _markdown.renderer.render(tokens, _markdown.options, {})
    return _wrap_tables(sanitise_html(html, tags=LESSON_TAGS, attributes=LESSON_ATTRIBUTES))


def _place_images(children: list[Token], images: Mapping[str, str], hosts: set[str]) -> list:
    placed = []
    for child in children:
        if child.type != "image":
            placed.append(child)
            continue
        src = child.attrGet("src") or ""
        alt = "".join(part.content for part in child.children or []) or child.content
        url = urlsplit(src)
        if src in images:
            child.attrSet("src", images[src])
            placed.append(child)
        elif url.scheme == "https" and url.hostname in hosts:
            placed.append(child)
        elif url.scheme in ("http", "https"):
            link = Token("link_open", "a", 1)
            link.attrSet("href", src)
            text = Token("text", "", 0)
            text.content = f"Image: {alt}" if alt else f"Image: {src}"
            placed += [link, text, Token("link_close", "a", -1)]
        else:
            text = Token("text", "", 0)
            text.content = f"[Image: {alt}]" if alt else ""
            placed.append(text)
    return placed


def image_sources(markdown: str) -> list[str]:
    """The sources of the images a Markdown text shows, as written."""
    return [
        child.attrGet("src") or ""
        for token in _markdown.parse(markdown)
        if token.type == "inline"
        for child in token.children or []
        if child.type == "image"
    ]


def sanitise_html(
    html: str, *, tags: set[str] = ALLOWED_TAGS, attributes: dict = ALLOWED_ATTRIBUTES
) -> str:
    """Keep only the tags and attributes of the allow-list; scripts and handlers go."""
    return nh3.clean(
        html,
        tags=tags,
        attributes=attributes,
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
