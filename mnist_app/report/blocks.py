"""HTML building blocks the report's sections share: figures, tables, galleries.

Arguments named ``content``, ``value`` or built by ``caption`` are trusted HTML made by the
report itself; every other text is escaped here.
"""

from __future__ import annotations

from html import escape

from mnist_app.report import images
from mnist_app.report.figures import Example


def figure(title: str, content: str, caption: str) -> str:
    caption_html = f"<figcaption>{escape(caption)}</figcaption>" if caption else ""
    return f"<figure><h3>{escape(title)}</h3>{content}{caption_html}</figure>"


def gallery(examples: list[Example], caption) -> str:
    """Test digits as enlarged pictures; ``caption(example)`` is trusted HTML (numbers only)."""
    items = "".join(
        f'<li><img class="pixels" src="{images.png_data_uri(e.image)}" width="28" height="28" '
        f'alt="test image {e.index}: a {e.label} read as {e.digit}">{caption(e)}</li>'
        for e in examples
    )
    return f'<ul class="gallery">{items}</ul>'


def facts_table(rows: list[tuple[str, str]]) -> str:
    """Label/value rows; values are trusted HTML, labels are escaped."""
    body = "".join(f"<tr><th>{escape(label)}</th><td>{value}</td></tr>" for label, value in rows)
    return f'<div class="scroll"><table class="facts">{body}</table></div>'


def data_table(header: list[str], rows: list[list[str]]) -> str:
    """A table of numbers (escaped), right-aligned but for the first column."""
    head = "".join(f'<th class="{"number" if i else ""}">{escape(h)}</th>' for i, h in enumerate(header))
    body = "".join("<tr>" + "".join(f'<td class="{"number" if i else ""}">{escape(c)}</td>'
                                    for i, c in enumerate(row)) + "</tr>" for row in rows)
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def ordinal(n: int) -> str:
    """2 -> "2nd", 5 -> "5th", 11 -> "11th"."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
