from __future__ import annotations

import pytest

from lessons.rendering import render_markdown, slugify


def test_raw_html_and_scripts_never_survive():
    html = render_markdown(
        "## Hi\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n"
        "[click](javascript:alert(1))\n"
    )
    assert "<script" not in html
    assert "<img" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html  # shown as text, never as a tag
    assert 'href="javascript' not in html


def test_headings_are_shifted_so_the_page_keeps_its_only_h1():
    assert "<h2>Top</h2>" in render_markdown("# Top\n\n## Sub\n")
    assert "<h3>Sub</h3>" in render_markdown("# Top\n\n## Sub\n")
    assert "<h2>Already</h2>" in render_markdown("## Already\n")
    assert "<h2>Deep</h2>" in render_markdown("#### Deep\n")


def test_tables_render_inside_a_labelled_scrolling_region():
    html = render_markdown("| a | b |\n|---|---|\n| 1 | 2 |\n")
    assert (
        '<div class="table-scroll" role="region" aria-label="Table 1" tabindex="0"><table>' in html
    )
    assert html.count("<table>") == html.count("</table></div>") == 1


def test_links_are_kept_safe():
    html = render_markdown("[site](https://example.com)")
    assert 'href="https://example.com"' in html
    assert 'rel="noopener noreferrer"' in html


def test_slugify():
    assert slugify("What\u2019s the difference?") == "whats-the-difference"
    assert slugify("Crème brûlée") == "creme-brulee"
    # A title with no letters gets its own stable address, not one shared with others.
    assert slugify("!!!") == slugify("!!!") != slugify("???")
    assert slugify("!!!").startswith("s-")
    assert slugify("  ") == "section"


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Введение в Python", "введение-в-python"),
        ("Мой первый урок", "мой-первый-урок"),
        ("はじめに", "はじめに"),
        ("がっこう", "がっこう"),
        ("हिन्दी पाठ", "हिन्दी-पाठ"),
        ("Ελληνικά μαθήματα", "ελληνικά-μαθήματα"),
    ],
)
def test_slugify_keeps_every_script(title, slug):
    assert slugify(title) == slug


def test_different_non_latin_titles_get_different_addresses():
    titles = ["はじめに", "おわりに", "Введение", "Заключение", "مقدمة", "导论"]
    assert len({slugify(title) for title in titles}) == len(titles)
