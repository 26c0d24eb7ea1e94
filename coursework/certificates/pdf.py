"""Printable certificate of completion, rendered as a one-page A4 landscape PDF.

Pure: no Flask, no database. ``render_pdf(CertificateDocument(...))`` returns the PDF bytes.

Text is set in the bundled DejaVu fonts (``fonts/``, with their licence) so the output does
not depend on the machine's fonts; DejaVu Sans is the fallback for scripts DejaVu Serif lacks
(Hebrew, Arabic). HarfBuzz text shaping (``uharfbuzz``) joins Arabic letters and lays
right-to-left text out in the right order. The QR code (``segno``) is drawn as vector
rectangles, so it stays sharp at any zoom and on any printer.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path

import segno
from fpdf import FPDF

from coursework import formatting
from coursework.i18n import _, force_locale

__all__ = ["CertificateDocument", "qr_matrix", "render_pdf"]

FONT_DIR = Path(__file__).resolve().parent / "fonts"

# Families registered on every document: name -> {style: file}.
_FONTS: dict[str, dict[str, str]] = {
    "serif": {
        "": "DejaVuSerif.ttf",
        "B": "DejaVuSerif-Bold.ttf",
        "I": "DejaVuSerif-Italic.ttf",
    },
    "sans": {
        "": "DejaVuSans.ttf",
        "B": "DejaVuSans-Bold.ttf",
    },
}

# Page geometry, in millimetres (A4 landscape).
PAGE_W = 297.0
PAGE_H = 210.0
CENTER_X = PAGE_W / 2
# Text never goes wider than this: the inner frame is at 13 mm, so this leaves a margin.
TEXT_W = 235.0

# Where the QR code is drawn (top-left corner and side of the modules, quiet zone excluded).
QR_X = 221.0
QR_Y = 134.0
QR_SIZE = 28.0
QR_ERROR = "M"

# Palette.
NAVY = (24, 42, 74)
GOLD = (176, 139, 76)
INK = (38, 38, 38)
MUTED = (100, 100, 100)
PAPER = (253, 251, 244)
WHITE = (255, 255, 255)
RED = (185, 28, 28)

_PT = 25.4 / 72  # one point in millimetres


@dataclass(frozen=True)
class CertificateDocument:
    learner_name: str
    course_title: str
    issued_on: date
    score: float | None  # final score in %, None when the course has no graded quiz
    issuer_name: str
    code: str  # public certificate code
    verify_url: str  # encoded in the QR code and printed as text
    expires_on: date | None = None
    revoked: bool = False
    # The interface language the certificate is printed in (its facts stay as issued).
    language: str = "en"


def format_date(value: date, language: str = "en") -> str:
    """``26 November 2026`` (``26 novembre 2026``...) whatever the process locale."""
    return formatting.format_date(value, locale=language)


def format_score(score: float, language: str = "en") -> str:
    """``92%``, ``87.5%``: at most one decimal, no trailing ``.0``."""
    return formatting.format_percent(score, locale=language)


def qr_matrix(url: str) -> tuple[tuple[bool, ...], ...]:
    """The QR code's modules (``True`` = dark), without quiet zone, row by row from the top."""
    qr = segno.make_qr(url, error=QR_ERROR)
    return tuple(tuple(bool(cell) for cell in row) for row in qr.matrix)


def qr_runs(matrix: Sequence[Sequence[bool]]) -> list[tuple[int, int, int]]:
    """Horizontal runs of dark modules as ``(row, first column, length)``.

    Drawing one rectangle per run instead of per module keeps the PDF small and avoids
    hairline seams between neighbouring modules in some viewers.
    """
    runs: list[tuple[int, int, int]] = []
    for r, row in enumerate(matrix):
        c = 0
        while c < len(row):
            if row[c]:
                start = c
                while c < len(row) and row[c]:
                    c += 1
                runs.append((r, start, c - start))
            else:
                c += 1
    return runs


def render_pdf(doc: CertificateDocument) -> bytes:
    with force_locale(doc.language):
        return _render(doc)


def _render(doc: CertificateDocument) -> bytes:
    pdf = _new_pdf(doc)
    _draw_frame(pdf)
    _draw_body(pdf, doc)
    _draw_bottom(pdf, doc)
    _draw_qr(pdf, qr_matrix(doc.verify_url), QR_X, QR_Y, QR_SIZE)
    if doc.revoked:
        _draw_revoked_stamp(pdf)
    try:
        return bytes(pdf.output())
    finally:
        close_fonts(pdf)


def close_fonts(pdf: FPDF) -> None:
    """fpdf2 reads fonts lazily and leaves their files open; close them now rather than
    whenever the garbage collector gets round to it."""
    for font in pdf.fonts.values():
        ttfont = getattr(font, "ttfont", None)
        if ttfont is not None:
            ttfont.close()


# --------------------------------------------------------------------------- set-up


def _new_pdf(doc: CertificateDocument) -> FPDF:
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margin(0)
    pdf.c_margin = 0
    for family, styles in _FONTS.items():
        for style, filename in styles.items():
            pdf.add_font(family, style, str(FONT_DIR / filename))
    # DejaVu Serif has no Hebrew or Arabic; DejaVu Sans does. exact_match=False lets the
    # italic serif fall back to the upright sans, which is the best there is.
    pdf.set_fallback_fonts(["sans"], exact_match=False)
    pdf.set_text_shaping(True)

    pdf.set_title(_("Certificate of Completion — %(title)s", title=doc.course_title))
    pdf.set_author(doc.issuer_name)
    pdf.set_subject(
        _(
            "%(name)s has completed the course %(title)s",
            name=doc.learner_name,
            title=doc.course_title,
        )
    )
    pdf.set_creator(doc.issuer_name)
    pdf.set_keywords(["certificate", doc.code])
    pdf.set_lang(doc.language)
    # Same input, same bytes: the creation date comes from the certificate, not the clock.
    pdf.set_creation_date(datetime.combine(doc.issued_on, time(), tzinfo=UTC))
    pdf.set_display_mode(zoom="fullpage")
    pdf.add_page()
    return pdf


# --------------------------------------------------------------------------- frame


def _draw_frame(pdf: FPDF) -> None:
    # Paper tone inside the outer border (a printer leaves its own white margin anyway).
    pdf.set_fill_color(*PAPER)
    pdf.rect(8, 8, PAGE_W - 16, PAGE_H - 16, style="F")

    # Heavy navy outer rule, then a double gold rule inside it.
    pdf.set_draw_color(*NAVY)
    pdf.set_line_width(1.6)
    pdf.rect(8, 8, PAGE_W - 16, PAGE_H - 16)
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(0.6)
    pdf.rect(11.5, 11.5, PAGE_W - 23, PAGE_H - 23)
    pdf.set_line_width(0.2)
    pdf.rect(13.5, 13.5, PAGE_W - 27, PAGE_H - 27)

    # Corner ornaments: a navy square tilted into a diamond, with a gold one inside.
    for cx in (13.5, PAGE_W - 13.5):
        for cy in (13.5, PAGE_H - 13.5):
            pdf.set_fill_color(*NAVY)
            _diamond(pdf, cx, cy, 4.2)
            pdf.set_fill_color(*GOLD)
            _diamond(pdf, cx, cy, 2.2)

    # Thin gold brackets hugging each corner, inside the double rule.
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(0.35)
    inset, arm = 17.5, 14.0
    for sx, sy in ((1, 1), (-1, 1), (1, -1), (-1, -1)):
        x = inset if sx > 0 else PAGE_W - inset
        y = inset if sy > 0 else PAGE_H - inset
        pdf.line(x, y, x + sx * arm, y)
        pdf.line(x, y, x, y + sy * arm)


def _diamond(pdf: FPDF, cx: float, cy: float, r: float) -> None:
    pdf.polygon([(cx, cy - r), (cx + r, cy), (cx, cy + r), (cx - r, cy)], style="F")


def _ornament_rule(pdf: FPDF, y: float, half_width: float) -> None:
    """A thin gold rule with a small diamond in the middle."""
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(0.35)
    pdf.line(CENTER_X - half_width, y, CENTER_X - 3.5, y)
    pdf.line(CENTER_X + 3.5, y, CENTER_X + half_width, y)
    pdf.set_fill_color(*GOLD)
    _diamond(pdf, CENTER_X, y, 1.6)


# --------------------------------------------------------------------------- text helpers


def _text_width(pdf: FPDF, text: str, family: str, style: str, size: float) -> float:
    pdf.set_font(family, style, size)
    return pdf.get_string_width(text)


def _two_line_splits(text: str) -> list[tuple[str, str]]:
    """Every way of breaking ``text`` at one run of spaces, most balanced first."""
    words = text.split()
    splits = [(" ".join(words[:i]), " ".join(words[i:])) for i in range(1, len(words))]
    return sorted(splits, key=lambda pair: abs(len(pair[0]) - len(pair[1])))


def fit_text(
    pdf: FPDF,
    text: str,
    *,
    family: str,
    style: str,
    max_size: float,
    min_size: float,
    max_width: float,
    wrap: bool = True,
) -> tuple[float, list[str]]:
    """Choose a font size (pt) and at most two lines so that ``text`` fits ``max_width`` mm.

    One line at the largest size from ``max_size`` down to ``min_size``; if the text is
    still too wide, two lines (broken at the best-balanced space) from ``min_size`` down
    to 75 % of it; if even that fails (say one enormous word), keep shrinking the best
    layout until it fits. The text never overflows.
    """
    text = " ".join(text.split())
    size = max_size
    while size >= min_size:
        if _text_width(pdf, text, family, style, size) <= max_width:
            return size, [text]
        size -= 0.5

    candidates: list[list[str]] = [[text]]
    if wrap:
        splits = _two_line_splits(text)
        if splits:
            # Best split = the one whose longer line is narrowest at the minimum size.
            best = min(
                splits,
                key=lambda pair: max(
                    _text_width(pdf, line, family, style, min_size) for line in pair
                ),
            )
            candidates.insert(0, list(best))

    lines = candidates[0]
    floor = min_size * 0.75 if len(lines) == 2 else min_size
    size = min_size
    while True:
        widest = max(_text_width(pdf, line, family, style, size) for line in lines)
        if widest <= max_width:
            return size, lines
        if size <= floor:
            # Last resort: scale down exactly as much as needed.
            return math.floor(size * max_width / widest * 10) / 10, lines
        size -= 0.5


def _fitted_heading(
    pdf: FPDF,
    text: str,
    *,
    max_size: float,
    min_size: float,
    center_y: float,
    color: tuple[int, int, int],
    line_gap: float = 1.18,
) -> None:
    """Bold serif text, shrunk (and wrapped to two lines if need be) to fit the frame."""
    size, lines = fit_text(
        pdf,
        text,
        family="serif",
        style="B",
        max_size=max_size,
        min_size=min_size,
        max_width=TEXT_W - 20,
    )
    _centered_lines(
        pdf,
        lines,
        family="serif",
        style="B",
        size=size,
        center_y=center_y,
        color=color,
        line_gap=line_gap,
    )


def _centered_lines(
    pdf: FPDF,
    lines: Sequence[str],
    *,
    family: str,
    style: str,
    size: float,
    center_y: float,
    color: tuple[int, int, int],
    line_gap: float = 1.18,
    center_x: float = CENTER_X,
    width: float = TEXT_W,
) -> None:
    """Draw ``lines`` centred horizontally on ``center_x`` and as a block on ``center_y``."""
    pdf.set_font(family, style, size)
    pdf.set_text_color(*color)
    line_h = size * _PT * line_gap
    top = center_y - line_h * len(lines) / 2
    for i, line in enumerate(lines):
        pdf.set_xy(center_x - width / 2, top + i * line_h)
        pdf.cell(width, line_h, line, align="C")


def _text(
    pdf: FPDF,
    text: str,
    *,
    family: str,
    style: str,
    size: float,
    center_y: float,
    color: tuple[int, int, int],
    center_x: float = CENTER_X,
    width: float = TEXT_W,
    min_size: float | None = None,
    spacing: float = 0.0,
) -> None:
    """One centred line, shrunk (never wrapped) to fit ``width`` when ``min_size`` is given."""
    pdf.set_font(family, style, size)
    pdf.set_char_spacing(spacing)  # before measuring: the spacing widens the line
    if min_size is not None:
        size, lines = fit_text(
            pdf,
            text,
            family=family,
            style=style,
            max_size=size,
            min_size=min_size,
            max_width=width,
            wrap=False,
        )
        text = lines[0]
    _centered_lines(
        pdf,
        [text],
        family=family,
        style=style,
        size=size,
        center_y=center_y,
        color=color,
        center_x=center_x,
        width=width,
    )
    pdf.set_char_spacing(0)


# --------------------------------------------------------------------------- content


def _draw_body(pdf: FPDF, doc: CertificateDocument) -> None:
    _text(
        pdf,
        doc.issuer_name.upper(),
        family="sans",
        style="B",
        size=10,
        min_size=7,
        spacing=1.6,
        center_y=27,
        color=GOLD,
        width=180,
    )
    _text(
        pdf,
        _("Certificate of Completion"),
        family="serif",
        style="B",
        size=34,
        center_y=40,
        color=NAVY,
    )
    _ornament_rule(pdf, 51, 42)
    _text(
        pdf,
        _("This certifies that"),
        family="serif",
        style="I",
        size=14,
        center_y=60,
        color=MUTED,
    )

    _fitted_heading(
        pdf, doc.learner_name, max_size=38, min_size=24, center_y=75, color=NAVY, line_gap=1.12
    )
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(0.3)
    pdf.line(CENTER_X - 75, 88.5, CENTER_X + 75, 88.5)

    _text(
        pdf,
        _("has completed the course"),
        family="serif",
        style="I",
        size=14,
        center_y=96,
        color=MUTED,
    )
    _fitted_heading(pdf, doc.course_title, max_size=24, min_size=16, center_y=108, color=INK)
    if doc.score is not None:
        _text(
            pdf,
            _("Final score: %(score)s", score=format_score(doc.score, doc.language)),
            family="serif",
            style="",
            size=13,
            center_y=121.5,
            color=INK,
        )


def _draw_bottom(pdf: FPDF, doc: CertificateDocument) -> None:
    line_y = 157.0
    block_w = 66.0

    # Date of issue (left), over a rule, like the signature.
    date_x = 62.0
    _text(
        pdf,
        format_date(doc.issued_on, doc.language),
        family="serif",
        style="",
        size=14,
        center_x=date_x,
        center_y=line_y - 5,
        width=block_w,
        min_size=9,
        color=INK,
    )
    _signature_rule(pdf, date_x, line_y, block_w)
    _label(pdf, _("Date of issue").upper(), date_x, line_y + 4, block_w)
    if doc.expires_on is not None:
        _text(
            pdf,
            _("Valid until %(date)s", date=format_date(doc.expires_on, doc.language)),
            family="sans",
            style="",
            size=8.5,
            center_x=date_x,
            center_y=line_y + 9.5,
            width=block_w,
            min_size=6,
            color=MUTED,
        )

    # Issuer and signature line (centre).
    sig_x = CENTER_X
    _text(
        pdf,
        doc.issuer_name,
        family="serif",
        style="I",
        size=18,
        center_x=sig_x,
        center_y=line_y - 5.5,
        width=block_w,
        min_size=9,
        color=NAVY,
    )
    _signature_rule(pdf, sig_x, line_y, block_w)
    _label(pdf, _("Authorized signature").upper(), sig_x, line_y + 4, block_w)
    _text(
        pdf,
        _("on behalf of %(issuer)s", issuer=doc.issuer_name),
        family="sans",
        style="",
        size=8.5,
        center_x=sig_x,
        center_y=line_y + 9.5,
        width=block_w,
        min_size=6,
        color=MUTED,
    )

    # "Scan to verify" under the QR code (the code itself is drawn by _draw_qr).
    _text(
        pdf,
        _("Scan to verify"),
        family="sans",
        style="B",
        size=8.5,
        center_x=QR_X + QR_SIZE / 2,
        center_y=QR_Y + QR_SIZE + 6.5,
        width=40,
        color=NAVY,
    )

    # Footer: the code and the verification address, in full, for typing by hand.
    footer_w = 190.0
    footer_x = CENTER_X
    _text(
        pdf,
        _("Certificate code: %(code)s", code=doc.code),
        family="sans",
        style="",
        size=8,
        min_size=5,
        center_x=footer_x,
        center_y=180.5,
        width=footer_w,
        color=MUTED,
    )
    _text(
        pdf,
        _("Verify at: %(url)s", url=doc.verify_url),
        family="sans",
        style="",
        size=8,
        min_size=5,
        center_x=footer_x,
        center_y=185,
        width=footer_w,
        color=MUTED,
    )


def _signature_rule(pdf: FPDF, center_x: float, y: float, width: float) -> None:
    pdf.set_draw_color(*INK)
    pdf.set_line_width(0.3)
    pdf.line(center_x - width / 2 + 4, y, center_x + width / 2 - 4, y)


def _label(pdf: FPDF, text: str, center_x: float, center_y: float, width: float) -> None:
    _text(
        pdf,
        text,
        family="sans",
        style="B",
        size=7.5,
        spacing=0.8,
        center_x=center_x,
        center_y=center_y,
        width=width,
        color=GOLD,
    )


def _draw_qr(pdf: FPDF, matrix: Sequence[Sequence[bool]], x: float, y: float, size: float) -> None:
    """Draw the QR modules as filled rectangles in a ``size`` mm square at (x, y).

    A white quiet zone of four modules surrounds the symbol, as the QR standard asks.
    """
    n = len(matrix)
    module = size / n
    quiet = 4 * module
    pdf.set_fill_color(*WHITE)
    pdf.rect(x - quiet, y - quiet, size + 2 * quiet, size + 2 * quiet, style="F")
    pdf.set_fill_color(0, 0, 0)
    for row, col, length in qr_runs(matrix):
        pdf.rect(x + col * module, y + row * module, length * module, module, style="F")


def _draw_revoked_stamp(pdf: FPDF) -> None:
    """A large red rubber-stamp 'REVOKED' across the middle of the page."""
    cx, cy = CENTER_X, 96.0
    w, h = 190.0, 44.0
    with pdf.rotation(14, x=cx, y=cy), pdf.local_context(fill_opacity=0.82, stroke_opacity=0.82):
        pdf.set_draw_color(*RED)
        pdf.set_line_width(2.2)
        pdf.rect(cx - w / 2, cy - h / 2, w, h, round_corners=True, corner_radius=4)
        pdf.set_line_width(0.7)
        pdf.rect(cx - w / 2 + 3, cy - h / 2 + 3, w - 6, h - 6, round_corners=True, corner_radius=3)
        pdf.set_char_spacing(6)
        _centered_lines(
            pdf,
            [_("Revoked").upper()],
            family="sans",
            style="B",
            size=72,
            center_y=cy,
            color=RED,
            center_x=cx + 3,  # char spacing adds a trailing gap; nudge back to the optical centre
            width=w,
        )
        pdf.set_char_spacing(0)
    _text(
        pdf,
        _("This certificate has been revoked and is no longer valid."),
        family="sans",
        style="B",
        size=9,
        center_y=175,
        color=RED,
    )
