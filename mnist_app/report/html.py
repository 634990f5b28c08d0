"""Assemble the one-page HTML report from :class:`~mnist_app.report.figures.ReportFigures`.

The page is self-contained: one inline stylesheet, charts as inline SVG, pictures as PNG
data URIs, no script, no font and no link to anything outside the file. Every text that
comes from the model file is escaped. The same figures always give the same page.
"""

from __future__ import annotations

from html import escape

from mnist_app.report import sections
from mnist_app.report.figures import ReportFigures
from mnist_app.report.stylesheet import CSS

SECTIONS = (  # id, heading, what draws it: the page's order and its navigation
    ("model", "The model", sections.model_section),
    ("learning", "Learning curves", sections.learning_section),
    ("confusion", "Confusion matrix", sections.confusion_section),
    ("mistakes", "Mistakes", sections.mistakes_section),
    ("network", "Inside the network", sections.network_section),
    ("robustness", "Robustness", sections.robustness_section),
    ("confidence", "Confidence", sections.confidence_section),
)


def render(figures: ReportFigures) -> str:
    """The whole page as a string."""
    evaluation = figures.evaluation
    layers = "-".join(map(str, figures.sizes))
    nav = "".join(f'<a href="#{key}">{escape(title)}</a>' for key, title, _ in SECTIONS)
    body = "".join(f'<section id="{key}"><h2>{escape(title)}</h2>{draw(figures)}</section>'
                   for key, title, draw in SECTIONS)
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>mnist_app report: {layers} network, {evaluation.accuracy:.2%}</title><style>{CSS}</style></head>"
        f"<body><header><h1>What the {layers} network learned</h1>"
        f'<p class="lead">{evaluation.correct}/{evaluation.total} test digits read correctly '
        f"({evaluation.accuracy:.2%}). Every figure below is measured on these {evaluation.total:,} test digits, "
        f"except the learning curves, which the model file recorded during training.</p>"
        f"<nav>{nav}</nav></header><main>{body}</main></body></html>\n"
    )
