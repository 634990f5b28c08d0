"""Small hand-written SVG charts: line chart, bar chart, heatmap, colour bar.

Each function returns one ``<svg>`` element as a string, for inline use in an HTML page.
Sizes are in viewBox units and the element has no fixed width, so the page's CSS scales a
chart to its column while the text keeps its proportions. Charts draw only what they are
given: every colour, label and unit comes from the caller. Text is escaped here; ``<title>``
children give hover tooltips without any script.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape
from typing import Sequence

import numpy as np

from mnist_app.report.ticks import nice_range, nice_step, tick_label, ticks

WIDTH, HEIGHT = 440, 290  # default chart size in viewBox units
FONT = 15  # label size in viewBox units: 12.5 px when a chart is 366 px wide on a phone
AXIS_COLOUR = "#555"
GRID_COLOUR = "#e3e3e3"
MARKER_COLOUR = "#333"
LEGEND_FONT = 13

# The numbers a chart plots: a list or tuple of floats, or a 1-D numpy array.
Values = Sequence[float] | np.ndarray


@dataclass(frozen=True)
class Series:
    """One line of a line chart: ``ys[i]`` at ``xs[i]``; a NaN in ``ys`` leaves a gap."""

    label: str
    xs: Values
    ys: Values
    colour: str
    dashed: bool = False
    markers: bool = False  # a dot on every point, with a tooltip


@dataclass(frozen=True)
class VerticalLine:
    """A dashed vertical rule at ``x``, e.g. the best epoch, named in the legend."""

    x: float
    label: str


@dataclass(frozen=True)
class _Frame:
    """Maps data coordinates to viewBox coordinates inside the plotting area."""

    left: float
    top: float
    right: float
    bottom: float
    x_range: tuple[float, float]
    y_range: tuple[float, float]

    def x(self, value: float) -> float:
        low, high = self.x_range
        return self.left + (value - low) / (high - low) * (self.right - self.left)

    def y(self, value: float) -> float:
        low, high = self.y_range
        return self.bottom - (value - low) / (high - low) * (self.bottom - self.top)


def line_chart(
    series: Sequence[Series],
    *,
    x_label: str,
    y_label: str,
    title: str,
    x_range: tuple[float, float] | None = None,
    y_range: tuple[float, float] | None = None,
    x_integer: bool = False,
    lines: Sequence[VerticalLine] = (),
    width: int = WIDTH,
    height: int = HEIGHT,
) -> str:
    """Lines over a shared x axis, with ticks, grid and axis labels (give units).

    The legend names the series and the vertical ``lines``, unless there is only one line.
    Ranges default to the data's, widened to round ticks; ``x_integer`` keeps x ticks whole
    (epochs, pixels).
    """
    xs = np.concatenate([np.asarray(s.xs, dtype=float) for s in series] + [[v.x for v in lines]])
    ys = np.concatenate([np.asarray(s.ys, dtype=float) for s in series])
    x_low, x_high, x_step = _axis(x_range, xs, integer=x_integer)
    y_low, y_high, y_step = _axis(y_range, ys)
    entries = [(s.label, s.colour, s.dashed) for s in series] + [(v.label, MARKER_COLOUR, True) for v in lines]
    legend, legend_bottom = _legend(entries, 66, 18, width - 14) if len(entries) > 1 else ("", 0)
    frame = _Frame(66, legend_bottom + 16, width - 14, height - 50, (x_low, x_high), (y_low, y_high))
    parts = _axes(frame, x_step, y_step, x_label, y_label)
    parts += [_vertical_line(frame, line) for line in lines]
    parts += [_polyline(frame, s) for s in series]
    parts.append(legend)
    return _svg(width, height, title, parts)


def bar_chart(
    labels: Sequence[str],
    values: Values,
    *,
    title: str,
    colours: str | Sequence[str],
    x_label: str = "",
    y_label: str = "",
    y_range: tuple[float, float] | None = None,
    value_labels: Sequence[str] | None = None,
    tooltips: Sequence[str] | None = None,
    width: int = WIDTH,
    height: int = HEIGHT,
    font: float = FONT,
) -> str:
    """One bar per label, drawn from 0 (values may be negative), optional text above each bar.

    Without ``y_label`` there is no y axis, only the zero line, and without ``x_label`` no
    x axis title: small multiples whose scale the page states once.
    """
    values = np.asarray(values, dtype=float)
    low, high = (min(0.0, np.nanmin(values)), max(0.0, np.nanmax(values))) if y_range is None else y_range
    low, high, step = nice_range(low, high) if y_range is None else (low, high, nice_step(high - low, 4))
    left = 66 if y_label else 2
    bottom = height - (50 if x_label else 1.6 * font)
    frame = _Frame(left, 1.8 * font if value_labels else 8, width - 8, bottom, (0, len(values)), (low, high))
    colours = [colours] * len(values) if isinstance(colours, str) else list(colours)
    parts = _y_axis(frame, step, y_label, font) if y_label else []
    slot = (frame.right - frame.left) / max(len(values), 1)
    zero = frame.y(0.0)
    for i, (label, value, colour) in enumerate(zip(labels, values, colours)):
        x = frame.left + i * slot + 0.15 * slot
        y = min(frame.y(value), zero) if math.isfinite(value) else zero
        tooltip = f"<title>{escape(tooltips[i])}</title>" if tooltips else ""
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{0.7 * slot:.1f}" '
                     f'height="{abs(frame.y(value) - zero) if math.isfinite(value) else 0:.1f}" '
                     f'fill="{colour}">{tooltip}</rect>')
        centre = frame.left + (i + 0.5) * slot
        parts.append(_text(centre, frame.bottom + 1.2 * font, label, font=font, anchor="middle"))
        if value_labels:
            above = y - 0.35 * font if value >= 0 else frame.y(value) + 1.1 * font
            parts.append(_text(centre, above, value_labels[i], font=0.85 * font, anchor="middle"))
    parts.append(_line(frame.left, zero, frame.right, zero, AXIS_COLOUR))
    if x_label:
        parts.append(_text((frame.left + frame.right) / 2, height - 8, x_label, anchor="middle"))
    return _svg(width, height, title, parts)


def heatmap(
    fills: Sequence[Sequence[str]],
    texts: Sequence[Sequence[str]],
    text_colours: Sequence[Sequence[str]],
    *,
    row_labels: Sequence[str],
    column_labels: Sequence[str],
    x_label: str,
    y_label: str,
    title: str,
    tooltips: Sequence[Sequence[str]] | None = None,
    cell: int = 40,
) -> str:
    """A grid of coloured cells with text in each; rows top to bottom, columns left to right."""
    n_rows, n_columns = len(fills), len(fills[0])
    left, top = 62, 44
    width, height = left + n_columns * cell + 8, top + n_rows * cell + 8
    parts = [_text(left + n_columns * cell / 2, 16, x_label, anchor="middle")]
    parts.append(_text(18, top + n_rows * cell / 2, y_label, anchor="middle", rotate=True))
    for j, label in enumerate(column_labels):
        parts.append(_text(left + (j + 0.5) * cell, top - 8, label, anchor="middle"))
    for i, label in enumerate(row_labels):
        parts.append(_text(left - 8, top + (i + 0.5) * cell + FONT * 0.35, label, anchor="end"))
        for j in range(n_columns):
            x, y = left + j * cell, top + i * cell
            tooltip = f"<title>{escape(tooltips[i][j])}</title>" if tooltips else ""
            parts.append(f'<rect x="{x}" y="{y}" width="{cell}" height="{cell}" fill="{fills[i][j]}" '
                         f'stroke="#fff">{tooltip}</rect>')
            parts.append(_text(x + cell / 2, y + cell / 2 + FONT * 0.35, texts[i][j], anchor="middle",
                               colour=text_colours[i][j]))
    return _svg(width, height, title, parts)


def colour_bar(
    stops: Sequence[tuple[float, str]], low: float, high: float, *, label: str, title: str, gradient_id: str,
    width: int = WIDTH, height: int = 64,
) -> str:
    """A horizontal colour scale from ``low`` to ``high``; ``stops`` are (fraction 0-1, colour)."""
    frame = _Frame(24, 22, width - 24, 38, (low, high), (0, 1))
    stop_tags = "".join(f'<stop offset="{fraction:.3f}" stop-color="{colour}"/>' for fraction, colour in stops)
    parts = [f'<defs><linearGradient id="{gradient_id}">{stop_tags}</linearGradient></defs>',
             f'<rect x="{frame.left}" y="{frame.top}" width="{frame.right - frame.left}" '
             f'height="{frame.bottom - frame.top}" fill="url(#{gradient_id})" stroke="{AXIS_COLOUR}"/>',
             _text(width / 2, 14, label, anchor="middle")]
    step = nice_step(high - low, 4)
    for value in ticks(low, high, step):
        x = frame.x(value)
        parts.append(_line(x, frame.bottom, x, frame.bottom + 4, AXIS_COLOUR))
        parts.append(_text(x, frame.bottom + 4 + FONT, tick_label(value, step), anchor="middle"))
    return _svg(width, height, title, parts)


def _axis(fixed: tuple[float, float] | None, values: np.ndarray, integer: bool = False) -> tuple[float, float, float]:
    if fixed is not None:
        step = nice_step(fixed[1] - fixed[0])
        return fixed[0], fixed[1], max(1.0, round(step)) if integer else step
    finite = values[np.isfinite(values)]
    if not finite.size:
        return nice_range(0.0, 1.0, integer=integer)
    return nice_range(float(finite.min()), float(finite.max()), integer=integer)


def _axes(frame: _Frame, x_step: float, y_step: float, x_label: str, y_label: str) -> list[str]:
    parts = _y_axis(frame, y_step, y_label, FONT)
    for value in ticks(*frame.x_range, x_step):
        x = frame.x(value)
        parts.append(_line(x, frame.top, x, frame.bottom, GRID_COLOUR))
        parts.append(_line(x, frame.bottom, x, frame.bottom + 4, AXIS_COLOUR))
        parts.append(_text(x, frame.bottom + 6 + FONT, tick_label(value, x_step), anchor="middle"))
    parts.append(_line(frame.left, frame.bottom, frame.right, frame.bottom, AXIS_COLOUR))
    parts.append(_text((frame.left + frame.right) / 2, frame.bottom + 14 + 2 * FONT, x_label, anchor="middle"))
    return parts


def _y_axis(frame: _Frame, step: float, label: str, font: float) -> list[str]:
    parts = []
    for value in ticks(*frame.y_range, step):
        y = frame.y(value)
        parts.append(_line(frame.left, y, frame.right, y, GRID_COLOUR))
        parts.append(_text(frame.left - 5, y + font * 0.35, tick_label(value, step), font=font, anchor="end"))
    parts.append(_line(frame.left, frame.top, frame.left, frame.bottom, AXIS_COLOUR))
    if label:
        parts.append(_text(14, (frame.top + frame.bottom) / 2, label, font=font, anchor="middle", rotate=True))
    return parts


def _polyline(frame: _Frame, series: Series) -> str:
    """The series as one path (a NaN starts a new piece), plus its markers."""
    commands, pen_down, dots = [], False, []
    for x, y in zip(series.xs, series.ys):
        if not (math.isfinite(x) and math.isfinite(y)):
            pen_down = False
            continue
        commands.append(f"{'L' if pen_down else 'M'}{frame.x(x):.1f},{frame.y(y):.1f}")
        pen_down = True
        if series.markers:
            dots.append(f'<circle cx="{frame.x(x):.1f}" cy="{frame.y(y):.1f}" r="3.5" fill="{series.colour}">'
                        f"<title>{escape(series.label)}: {x:g}, {y:.4g}</title></circle>")
    dash = ' stroke-dasharray="6 4"' if series.dashed else ""
    path = (f'<path d="{" ".join(commands)}" fill="none" stroke="{series.colour}" stroke-width="2.2"'
            f' stroke-linejoin="round"{dash}/>')
    return path + "".join(dots)


def _vertical_line(frame: _Frame, line: VerticalLine) -> str:
    x = frame.x(line.x)
    return _line(x, frame.top, x, frame.bottom, MARKER_COLOUR, dashed=True)


def _legend(entries: Sequence[tuple[str, str, bool]], left: float, y: float, right: float) -> tuple[str, float]:
    """Swatch and label for each entry, left to right, wrapping; returns the SVG and the last
    line's baseline."""
    parts, x = [], left
    for label, colour, dashed in entries:
        text_width = 0.6 * LEGEND_FONT * len(label)  # about right for sans-serif fonts
        if x + 27 + text_width > right and x > left:  # wrap to a second line
            x, y = left, y + LEGEND_FONT + 6
        dash = ' stroke-dasharray="6 4"' if dashed else ""
        parts.append(f'<line x1="{x}" y1="{y - 4}" x2="{x + 22}" y2="{y - 4}" stroke="{colour}" '
                     f'stroke-width="3"{dash}/>')
        parts.append(_text(x + 27, y, label, font=LEGEND_FONT, anchor="start"))
        x += 27 + text_width + 14
    return "".join(parts), y


def _line(x1: float, y1: float, x2: float, y2: float, colour: str, dashed: bool = False) -> str:
    dash = ' stroke-dasharray="4 3"' if dashed else ""
    return f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{colour}"{dash}/>'


def _text(x: float, y: float, text: str, *, font: float = FONT, anchor: str = "start",
          colour: str = "#222", rotate: bool = False) -> str:
    transform = f' transform="rotate(-90 {x:.1f} {y:.1f})"' if rotate else ""
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{font:g}" text-anchor="{anchor}" '
            f'fill="{colour}"{transform}>{escape(text)}</text>')


def _svg(width: float, height: float, title: str, parts: Sequence[str]) -> str:
    return (f'<svg class="chart" viewBox="0 0 {width:g} {height:g}" role="img" aria-label="{escape(title)}">'
            f"<title>{escape(title)}</title>{''.join(parts)}</svg>")
