"""The line of a number's marks, read again at full resolution (its ink is put into
digits' groups by :mod:`.groups`).

The marks' line is read again from the full-resolution picture, at most LINE_HEIGHT
pixels tall, in a band with paper on both sides, as ink against the band's own paper
(:func:`~.line_ink.line_ink`), its digits' hairlines kept
(:func:`~.line_ink.with_hairlines`); the band is cut to the marks, widened to those the
overview missed that continue them (read further, up to MAX_LINE_REACH box heights,
while they could run on past it, and higher or lower, up to MAX_LINE_RISE, while it
cuts one off).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mnist_app.preprocess import Marks
from mnist_app.preprocess.groups import SPECK
from mnist_app.preprocess.ink import Paper
from mnist_app.preprocess.line_ink import line_ink, with_hairlines
from mnist_app.preprocess.parts import FAINT_INK, label_parts, part_boxes

LINE_HEIGHT = 96  # the line is read again at most this many pixels tall...
MAX_LINE_WIDTH = 2048  # ...and this many wide
LINE_MARGIN = 0.1  # the marks' box is widened by this fraction of its height on every side...
LINE_REACH = 2.0  # ...and read this many box heights further left and right, for marks the overview missed...
MAX_LINE_REACH = 8.0  # ...twice as far, up to this, while the marks run on to the band's edge...
REACH_GAP = 1.0  # ...of which those that continue the line, less than this many box heights from it, are kept
PIECE_WIDTH = 1.5  # a mark beyond the overview's box wider than this many box heights is not a digit
# A mark of the line that the band cuts off at its top or bottom (a lighter digit the
# overview missed, on a drifting baseline) has the band read LINE_RISE box heights higher
# or lower, up to MAX_LINE_RISE beyond the margin.
LINE_RISE = 0.25
MAX_LINE_RISE = 1.0

Box = tuple[int, int, int, int]  # (left, top, right, bottom) in the image file's pixels, right/bottom exclusive
Region = tuple[float, float, float, float]  # (left, top, right, bottom), in the overview's or the picture's pixels


@dataclass(frozen=True)
class Line:
    """The marks read again: ``ink`` (h, w) float32 in [0, 1]; line pixel (row, column) is
    pixel (top + row * scale[1], left + column * scale[0]) of the image file,
    ``origin`` = (left, top)."""

    ink: np.ndarray
    origin: tuple[float, float]
    scale: tuple[float, float]

    @classmethod
    def over(cls, marks: Marks, ink: np.ndarray, region: Region) -> "Line":
        """``ink`` (h, w) read from ``region`` (left, top, right, bottom) of the picture of ``marks``."""
        left, top, right, bottom = np.multiply(region, marks.picture.source_scale)
        return cls(ink, (float(left), float(top)), ((right - left) / ink.shape[1], (bottom - top) / ink.shape[0]))

    def box(self, top: int, left: int, bottom: int, right: int) -> Box:
        """A box in line pixels (exclusive ends) as a box in the image file's pixels."""
        (x0, y0), (sx, sy) = self.origin, self.scale
        return (int(np.floor(x0 + left * sx)), int(np.floor(y0 + top * sy)),
                int(np.ceil(x0 + right * sx)), int(np.ceil(y0 + bottom * sy)))


def read_line(marks: Marks) -> Line:
    """The region of ``marks`` read again from the full picture (at most LINE_HEIGHT x
    MAX_LINE_WIDTH pixels, never enlarged), as ink without ruled lines, each stroke at
    full strength, its digits' hairlines kept (:func:`~.line_ink.with_hairlines`). The
    band is read LINE_REACH box heights further on each side: there the paper and the
    strokes' level are measured on mostly paper (in the marks' box alone, dense ink
    would lift the noise floor over a lighter digit's strokes), and marks the overview
    missed (a digit in a lighter or thinner pen than the rest) widen the region if they
    continue the line (:func:`_continuing`); while they could run on past the band, it
    is read twice as far, up to MAX_LINE_REACH box heights. While a mark beside the
    overview's box (no speck) runs into the band's top or bottom, the band is read
    LINE_RISE box heights higher or lower, up to MAX_LINE_RISE: a digit the overview
    missed may stand above or below the marks it found (a drifting baseline). Raises
    NoDigitFound if none stands out."""
    top, left, bottom, right = marks.box
    margin = LINE_MARGIN * (bottom - top) + 1
    above = below = margin  # overview pixels the band reaches above and below the marks' box
    x_scale = marks.picture.size[0] / marks.ink.shape[1]  # picture pixels per overview pixel
    reach = LINE_REACH
    rise = LINE_RISE * (bottom - top)  # overview pixels the band is read higher or lower at a time...
    most_beyond = MAX_LINE_RISE * (bottom - top) + margin  # ...up to this far beyond the box
    while True:
        outer = margin + reach * (bottom - top)
        band, band_region, band_full = _levels(marks, (left - outer, top - above, right + outer, bottom + below))
        ink = line_ink(band, Paper.of(band, dark_ink=marks.paper.dark_ink))  # the band's own paper: shadows across it
        x0, step = band_full[0], (band_full[2] - band_full[0]) / ink.shape[1]  # picture pixels per band column
        box_columns = (int(np.floor((left * x_scale - x0) / step)), int(np.ceil((right * x_scale - x0) / step)))
        box_height = (bottom - top) * ink.shape[0] / (band_region[3] - band_region[1])  # in band pixels
        first, last, (ink_top, ink_bottom) = _continuing(ink, box_columns, box_height)
        # A mark cut off by the band's top or bottom: read higher or lower.
        higher = ink_top == 0 and band_region[1] > 0 and above + rise <= most_beyond
        lower = ink_bottom == ink.shape[0] and band_region[3] < marks.ink.shape[0] and below + rise <= most_beyond
        if higher or lower:
            above, below = above + rise * higher, below + rise * lower
            continue
        gap = REACH_GAP * box_height  # a mark may continue the line this far past it, beyond the band:
        cut_short = ((first < gap and band_region[0] > 0)
                     or (last + gap > ink.shape[1] and band_region[2] < marks.ink.shape[1]))
        if not cut_short or reach >= MAX_LINE_REACH:
            break
        reach *= 2  # read further (lighter digits the overview missed)
    margin_columns = round(margin * x_scale / step)
    first, last = max(0, first - margin_columns), min(ink.shape[1], last + margin_columns)
    ink = with_hairlines(ink)  # on the whole band: a hairline running out of it is the page's, not a digit's
    return Line.over(marks, ink[:, first:last], (x0 + first * step, band_full[1], x0 + last * step, band_full[3]))


def _levels(marks: Marks, region: Region) -> tuple[np.ndarray, Region, Region]:
    """(the grey levels of ``region`` (left, top, right, bottom) of the overview, cut to
    it, read from the full picture at most LINE_HEIGHT x MAX_LINE_WIDTH pixels and never
    enlarged; that region, cut; the same in the picture's pixels)."""
    rows, columns = marks.ink.shape
    width, height = marks.picture.size
    x_scale, y_scale = width / columns, height / rows
    region = (max(0, region[0]), max(0, region[1]), min(columns, region[2]), min(rows, region[3]))
    full = (region[0] * x_scale, region[1] * y_scale, min(width, region[2] * x_scale), min(height, region[3] * y_scale))
    full_width, full_height = full[2] - full[0], full[3] - full[1]
    factor = min(1.0, LINE_HEIGHT / full_height, MAX_LINE_WIDTH / full_width)
    return marks.picture.levels(max(1, round(max(full_width, full_height) * factor)), full), region, full


def _continuing(ink: np.ndarray, box_columns: tuple[int, int], box_height: float
                ) -> tuple[int, int, tuple[int, int]]:
    """(first, last (exclusive): the columns of ``ink`` (h, w) that hold the marks' line;
    (top, bottom): the rows spanned by its marks beyond the overview's box). The columns
    are the overview's box ``box_columns`` (left, right), widened to take in each mark
    (ink of at least FAINT_INK) beyond it that continues the line: less than REACH_GAP
    times ``box_height`` (pixels) from the line so far, no speck (SPECK box heights), no
    wider than a digit (PIECE_WIDTH box heights) and not running across the band. The
    rows are those of the marks of that size wholly beside the box (a top of 0 or a
    bottom of h: one the band cuts off; the overview's own marks lie within its box)."""
    labels, count = label_parts(ink >= FAINT_INK)
    first, last = box_columns
    tops, starts, bottoms, ends = part_boxes(labels, count).T
    size = np.maximum(ends - starts, bottoms - tops)
    mark_sized = (size >= SPECK * box_height) & (ends - starts <= PIECE_WIDTH * box_height)
    digit_like = mark_sized & ~((tops == 0) & (bottoms == ink.shape[0]))
    gap = REACH_GAP * box_height
    while True:
        near = digit_like & (ends > first - gap) & (starts < last + gap)
        wider = min(first, int(starts[near].min(initial=first))), max(last, int(ends[near].max(initial=last)))
        if wider == (first, last):
            beside = (ends <= box_columns[0]) | (starts >= box_columns[1])
            beyond = mark_sized & beside & (ends > first) & (starts < last)
            return first, last, (int(tops[beyond].min(initial=ink.shape[0])), int(bottoms[beyond].max(initial=0)))
        first, last = wider
