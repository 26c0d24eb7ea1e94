"""The printable certificate: a pure function from CertificateDocument to PDF bytes.

No app, no database. The PDF is read back with pypdf: page count and size, extracted text,
document metadata, and the QR code's rectangles from the page's content stream.
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import date

import pytest
import segno
from pypdf import PdfReader
from pypdf.generic import ContentStream

from coursework.certificates import pdf as certificate_pdf
from coursework.certificates.pdf import (
    CertificateDocument,
    fit_text,
    format_date,
    format_score,
    qr_matrix,
    qr_runs,
)
from coursework.certificates.pdf import render_pdf as _render_pdf

CODE = "q3V8xk2LmN7pR4tW9yZ1aB6cD0e"
URL = f"http://127.0.0.1:5000/certificates/{CODE}"
A4_LANDSCAPE_PT = (841.89, 595.28)

BASE = CertificateDocument(
    learner_name="Jane Doe",
    course_title="Introduction to Data Analysis with Python",
    issued_on=date(2026, 11, 26),
    score=92.0,
    issuer_name="Coursework",
    code=CODE,
    verify_url=URL,
)

LONG_NAME = "Maximiliana Alexandrina Konstantinopoulou-Wolfeschlegelsteinhausen von Brandenburg"
HEBREW = "דנה לוי"
ARABIC = "ليلى حداد"
NAMES = {
    "plain": "Jane Doe",
    "accented": "Zoë Ångström-Łukasiewicz",
    "long": LONG_NAME,
    "hebrew": HEBREW,
    "arabic": ARABIC,
}
RTL = {"hebrew", "arabic"}


@pytest.fixture(autouse=True)
def _app_context() -> Iterator[None]:
    """Pure tests: no app and no database (this overrides the conftest fixture)."""
    yield


@functools.cache
def render_pdf(doc: CertificateDocument) -> bytes:
    """Render once per distinct document: a render takes about half a second."""
    return _render_pdf(doc)


def read(data: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(data))


def text_of(data: bytes) -> str:
    """The page's text with every run of whitespace (line breaks too) made one space."""
    return " ".join(read(data).pages[0].extract_text().split())


# --------------------------------------------------------------------------- the page


def test_one_landscape_a4_page():
    data = render_pdf(BASE)
    assert data.startswith(b"%PDF-")
    assert data.rstrip().endswith(b"%%EOF")
    reader = read(data)
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert float(box.width) == pytest.approx(A4_LANDSCAPE_PT[0], abs=1)
    assert float(box.height) == pytest.approx(A4_LANDSCAPE_PT[1], abs=1)


@pytest.mark.parametrize("kind", NAMES)
def test_text_of_the_certificate(kind):
    name = NAMES[kind]
    text = text_of(render_pdf(replace(BASE, learner_name=name)))

    if kind in RTL:
        # Extractors give right-to-left runs in visual order; every word must be there.
        for word in name.split():
            assert word in text
    else:
        assert name in text
    for expected in (
        "Certificate of Completion",
        "This certifies that",
        "has completed the course",
        BASE.course_title,
        "26 November 2026",
        "Final score: 92%",
        "Coursework",
        "Scan to verify",
        CODE,
        URL,
    ):
        assert expected in text
    assert "REVOKED" not in text
    assert "Valid until" not in text


def test_long_name_is_really_long_and_all_of_it_is_printed():
    assert len(LONG_NAME) >= 60
    text = text_of(render_pdf(replace(BASE, learner_name=LONG_NAME, course_title="A " * 60)))
    assert LONG_NAME in text


def test_metadata():
    reader = read(render_pdf(replace(BASE, learner_name=ARABIC)))
    meta = reader.metadata
    assert meta.title == f"Certificate of Completion — {BASE.course_title}"
    assert meta.author == "Coursework"
    assert ARABIC in meta.subject  # the full name in logical order, for search and a11y
    assert meta.creation_date.date() == BASE.issued_on


def test_same_document_same_bytes():
    assert _render_pdf(BASE) == _render_pdf(BASE)


def test_score_and_expiry_are_optional():
    without = text_of(render_pdf(replace(BASE, score=None)))
    assert "Final score" not in without
    assert "Valid until" not in without

    half = text_of(render_pdf(replace(BASE, score=87.5, expires_on=date(2028, 2, 29))))
    assert "Final score: 87.5%" in half
    assert "Valid until 29 February 2028" in half


def test_revoked_is_stamped():
    text = text_of(render_pdf(replace(BASE, revoked=True)))
    assert "REVOKED" in text
    assert "has been revoked" in text
    assert BASE.learner_name in text  # still readable under the stamp


def test_unusual_issuer_and_url_still_render():
    doc = replace(
        BASE,
        issuer_name="Coursework Academy — International Institute of Continuing Education",
        verify_url="https://certificates.example.org/c/" + CODE + "?" + "x" * 120,
        course_title="X" * 150,  # one unbreakable word
    )
    text = text_of(render_pdf(doc))
    assert doc.verify_url in text
    assert len(read(render_pdf(doc)).pages) == 1


# --------------------------------------------------------------------------- right-to-left


def _words_with_x(data: bytes, alphabet: str) -> list[tuple[float, str]]:
    """(x position, text) of each text run containing a letter of ``alphabet``."""
    runs: list[tuple[float, str]] = []

    def visit(text, cm, tm, font, size):
        if re.search(alphabet, text):
            runs.append((cm[4] + tm[4] * cm[0], text.strip()))

    read(data).pages[0].extract_text(visitor_text=visit)
    return runs


@pytest.mark.parametrize(
    ("name", "alphabet"), [(HEBREW, "[\u0590-\u05ff]"), (ARABIC, "[\u0600-\u06ff]")]
)
def test_right_to_left_names_read_from_the_right(name, alphabet):
    runs = _words_with_x(render_pdf(replace(BASE, learner_name=name)), alphabet)
    right_to_left = [word for _, word in sorted(runs, reverse=True)]
    assert " ".join(right_to_left) == name


def _unicode_of_glyphs(reader: PdfReader) -> dict[str, list[str]]:
    """For every embedded font: unicode text -> the glyph codes that map to it."""
    result: dict[str, list[str]] = {}
    fonts = reader.pages[0]["/Resources"]["/Font"]
    for font in fonts.values():
        cmap = font.get_object()["/ToUnicode"].get_object().get_data().decode("latin-1")
        for glyph, target in re.findall(r"<([0-9A-F]{4})> <([0-9A-F]+)>", cmap):
            chars = bytes.fromhex(target).decode("utf-16-be")
            result.setdefault(chars, []).append(glyph)
    return result


def test_arabic_letters_are_joined():
    # In "ليلى" the first lam is in its initial form and the second in its medial form:
    # shaping draws two different glyphs for the one character U+0644. Without shaping
    # there would be a single (isolated) glyph for it.
    reader = read(render_pdf(replace(BASE, learner_name=ARABIC, issuer_name="x")))
    glyphs = _unicode_of_glyphs(reader)
    assert len(glyphs["\u0644"]) >= 2


# --------------------------------------------------------------------------- QR code


def test_qr_matrix_is_segnos_encoding_of_the_url():
    expected = segno.make_qr(URL, error=certificate_pdf.QR_ERROR)
    matrix = qr_matrix(URL)
    assert matrix == tuple(tuple(bool(m) for m in row) for row in expected.matrix)
    assert len(matrix) == expected.symbol_size(border=0)[0]


def test_qr_runs_cover_exactly_the_dark_modules():
    matrix = qr_matrix(URL)
    rebuilt = [[False] * len(matrix) for _ in matrix]
    for row, col, length in qr_runs(matrix):
        for c in range(col, col + length):
            assert not rebuilt[row][c]
            rebuilt[row][c] = True
    assert tuple(tuple(row) for row in rebuilt) == matrix


def drawn_qr_modules(data: bytes) -> tuple[tuple[bool, ...], ...]:
    """Rebuild the QR module grid from the filled rectangles in the page content."""
    reader = read(data)
    page = reader.pages[0]
    scale = 72 / 25.4  # mm -> pt
    page_h = float(page.mediabox.height)
    x0 = certificate_pdf.QR_X * scale
    y0 = page_h - certificate_pdf.QR_Y * scale  # top edge, in PDF coordinates
    side = certificate_pdf.QR_SIZE * scale

    rects = []
    for operands, operator in ContentStream(page.get_contents(), reader).operations:
        if operator == b"re":
            x, y, w, h = (float(v) for v in operands)
            top = max(y, y + h)
            if x0 - 0.1 <= x < x0 + side and y0 - side < top <= y0 + 0.1:
                rects.append((x, top, w, abs(h)))
    assert rects, "no QR modules found where the QR code should be"
    module = min(h for *_, h in rects)
    n = round(side / module)
    grid = [[False] * n for _ in range(n)]
    for x, top, w, h in rects:
        assert h == pytest.approx(module, abs=0.05)
        row = round((y0 - top) / module)
        col = round((x - x0) / module)
        for c in range(col, col + round(w / module)):
            grid[row][c] = True
    return tuple(tuple(row) for row in grid)


@pytest.mark.parametrize("revoked", [False, True])
def test_drawn_qr_code_is_the_verify_url(revoked):
    url = "https://coursework.example.com/certificates/" + CODE
    data = render_pdf(replace(BASE, verify_url=url, revoked=revoked))
    assert drawn_qr_modules(data) == qr_matrix(url)


# --------------------------------------------------------------------------- fitting


@pytest.fixture
def pdf():
    document = certificate_pdf._new_pdf(BASE)
    yield document
    certificate_pdf.close_fonts(document)


def _width(pdf, line, size, style="B"):
    pdf.set_font("serif", style, size)
    return pdf.get_string_width(line)


def test_short_text_keeps_the_largest_size(pdf):
    size, lines = fit_text(
        pdf, "Jane Doe", family="serif", style="B", max_size=38, min_size=24, max_width=215
    )
    assert (size, lines) == (38, ["Jane Doe"])


@pytest.mark.parametrize(
    "text",
    [
        "Zoë Ångström-Łukasiewicz Zoë Ångström-Łukasiewicz",  # shrinks, one line
        LONG_NAME,  # two lines
        "W" * 90,  # no space to break at: shrinks below the minimum
        " ".join([ARABIC] * 8),
    ],
)
def test_long_text_never_overflows(pdf, text):
    size, lines = fit_text(
        pdf, text, family="serif", style="B", max_size=38, min_size=24, max_width=215
    )
    assert 1 <= len(lines) <= 2
    assert " ".join(lines) == " ".join(text.split())
    assert size < 38
    for line in lines:
        assert _width(pdf, line, size) <= 215


def test_two_lines_only_below_the_minimum_size(pdf):
    size, lines = fit_text(
        pdf, LONG_NAME, family="serif", style="B", max_size=38, min_size=24, max_width=215
    )
    assert len(lines) == 2
    assert _width(pdf, LONG_NAME, 24) > 215  # one line at the minimum would not fit
    assert size <= 24


# --------------------------------------------------------------------------- formatting


def test_format_date_is_english_whatever_the_locale():
    assert format_date(date(2026, 11, 26)) == "26 November 2026"
    assert format_date(date(2027, 1, 5)) == "5 January 2027"


@pytest.mark.parametrize(
    ("score", "text"),
    [(92, "92%"), (92.0, "92%"), (87.5, "87.5%"), (0.0, "0%"), (100.0, "100%"), (66.666, "66.7%")],
)
def test_format_score(score, text):
    assert format_score(score) == text
