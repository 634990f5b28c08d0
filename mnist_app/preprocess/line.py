"""The line of a number's marks, read again at full resolution, and its ink put into digits' groups.

1. The marks' line is read again from the full-resolution picture, at most LINE_HEIGHT
   pixels tall, in a band with paper on both sides, as ink against the band's own paper
   (:func:`~.line_ink.line_ink`); the band is cut to the marks, widened to those the
   overview missed that continue them (read further, up to MAX_LINE_REACH box heights,
   while they could run on past it). Its ink is split into connected parts; short parts
   (under SHORT_PART digit heights, not specks) less than FRAGMENT_GAP apart, chained, are
   one part where together they are not short (a faint digit broken into fragments); specks
   (under SPECK digit heights, or lighter than LIGHT_PART of the heaviest part) go.
2. Parts whose column extents overlap are one digit's pieces (a 5's hat, a stroke broken
   in two), put together into *groups*, as is a part shorter than SHORT_PART digit
   heights over any of another's columns (no digit is that short); two tall parts side
   by side (over the same rows) stay apart, however close (a 1 leaning under a 7's bar,
   a 4 in two strokes): whether they are one digit is the cutting's choice, by the
   network's reading (:mod:`.segment`). The pairs that overlap most are joined first
   (then the closest), so a thin stroke the scan broke in two joins its other half before
   a neighbour over whose columns it also lies.
   The digit height is the median height of the heavy groups.
3. Groups closer than CLUSTER_GAP digit heights form a *cluster*: they may be one broken
   digit, or digits written close, and are cut together (:mod:`.segment`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mnist_app.errors import NoDigitFound, NotADigit
from mnist_app.limits import MAX_NUMBER_MARKS
from mnist_app.preprocess import Marks
from mnist_app.preprocess.ink import Paper
from mnist_app.preprocess.line_ink import line_ink
from mnist_app.preprocess.parts import FAINT_INK, label_parts, part_boxes, spread

LINE_HEIGHT = 96  # the line is read again at most this many pixels tall...
MAX_LINE_WIDTH = 2048  # ...and this many wide
LINE_MARGIN = 0.1  # the marks' box is widened by this fraction of its height on every side...
LINE_REACH = 2.0  # ...and read this many box heights further left and right, for marks the overview missed...
MAX_LINE_REACH = 8.0  # ...twice as far, up to this, while the marks run on to the band's edge...
REACH_GAP = 1.0  # ...of which those that continue the line, less than this many box heights from it, are kept
SPECK = 0.2  # parts smaller than this many digit heights on both sides are specks
LIGHT_PART = 0.03  # parts with less than this share of the heaviest part's ink are specks
HEAVY_PART = 0.25  # parts with this share of the heaviest one's ink set the digit height
OVERLAP = 0.5  # parts whose column extents overlap by this share of the narrower are one digit...
TALL = 0.7  # ...unless both are this many digit heights tall
SHORT_PART = 0.35  # a part less than this many digit heights tall is one digit with any part over its columns
FRAGMENT_GAP = 0.2  # short parts less than this many digit heights apart, together not short, are one mark
SIDE_BY_SIDE = 0.5  # ...and their row extents overlap by this share of the shorter (not a broken stroke's halves)
CLUSTER_GAP = 0.2  # groups closer than this many digit heights are cut together
DISTANCE_CHUNK = 64  # pixels of one part measured against another's at a time (_ink_distance)
PIECE_WIDTH = 1.5  # a mark beyond the overview's box wider than this many box heights is not a digit

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
    full strength. The band is read LINE_REACH box heights further on each side: there
    the paper and the strokes' level are measured on mostly paper (in the marks' box
    alone, dense ink would lift the noise floor over a lighter digit's strokes), and marks
    the overview missed (a digit in a lighter or thinner pen than the rest) widen the
    region if they continue the line (:func:`_continuing`); while they could run on past
    the band, it is read twice as far, up to MAX_LINE_REACH box heights. Raises
    NoDigitFound if none stands out."""
    top, left, bottom, right = marks.box
    margin = LINE_MARGIN * (bottom - top) + 1
    x_scale = marks.picture.size[0] / marks.ink.shape[1]  # picture pixels per overview pixel
    reach = LINE_REACH
    while True:
        outer = margin + reach * (bottom - top)
        band, band_region, band_full = _levels(marks, (left - outer, top - margin, right + outer, bottom + margin))
        ink = line_ink(band, Paper.of(band, dark_ink=marks.paper.dark_ink))  # the band's own paper: shadows across it
        x0, step = band_full[0], (band_full[2] - band_full[0]) / ink.shape[1]  # picture pixels per band column
        box_columns = (int(np.floor((left * x_scale - x0) / step)), int(np.ceil((right * x_scale - x0) / step)))
        box_height = (bottom - top) * ink.shape[0] / (band_region[3] - band_region[1])  # in band pixels
        first, last = _continuing(ink, box_columns, box_height)
        gap = REACH_GAP * box_height  # a mark may continue the line this far past it, beyond the band:
        cut_short = ((first < gap and band_region[0] > 0)
                     or (last + gap > ink.shape[1] and band_region[2] < marks.ink.shape[1]))
        if not cut_short or reach >= MAX_LINE_REACH:
            break
        reach *= 2  # read further (lighter digits the overview missed)
    margin_columns = round(margin * x_scale / step)
    first, last = max(0, first - margin_columns), min(ink.shape[1], last + margin_columns)
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


def _continuing(ink: np.ndarray, box_columns: tuple[int, int], box_height: float) -> tuple[int, int]:
    """The columns (first, last, exclusive) of ``ink`` (h, w) that hold the marks' line:
    the overview's box ``box_columns`` (left, right), widened to take in each mark (ink of
    at least FAINT_INK) beyond it that continues the line: less than REACH_GAP times
    ``box_height`` (pixels) from the line so far, no speck (SPECK box heights), no wider
    than a digit (PIECE_WIDTH box heights) and not running across the band."""
    labels, count = label_parts(ink >= FAINT_INK)
    first, last = box_columns
    tops, starts, bottoms, ends = part_boxes(labels, count).T
    size = np.maximum(ends - starts, bottoms - tops)
    digit_like = ((size >= SPECK * box_height) & (ends - starts <= PIECE_WIDTH * box_height)
                  & ~((tops == 0) & (bottoms == ink.shape[0])))
    gap = REACH_GAP * box_height
    while True:
        near = digit_like & (ends > first - gap) & (starts < last + gap)
        wider = min(first, int(starts[near].min(initial=first))), max(last, int(ends[near].max(initial=last)))
        if wider == (first, last):
            return first, last
        first, last = wider


@dataclass(frozen=True)
class Group:
    """Parts of one digit (or of touching digits): a boolean ``mask`` over the line and its
    extent, ``top, left, bottom, right`` (exclusive), in line pixels."""

    mask: np.ndarray
    top: int
    left: int
    bottom: int
    right: int

    @classmethod
    def of(cls, mask: np.ndarray) -> "Group":
        top, left, bottom, right = part_boxes(mask.astype(np.int32), 1)[0]
        return cls(mask, int(top), int(left), int(bottom), int(right))

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top

    def joined(self, other: "Group") -> "Group":
        return Group.of(self.mask | other.mask)


def digit_groups(ink: np.ndarray) -> tuple[list[Group], float]:
    """(the groups of ``ink``'s parts, left to right; the digit height in line pixels: the
    median height of the heavy parts, then of the heavy groups).
    Raises NoDigitFound if only specks are left."""
    strong = ink >= FAINT_INK
    labels, count = label_parts(strong)
    # Each part with its stroke's soft edge: the pixels next to it (labelled after a neighbour).
    labels = np.where(strong, labels, spread(np.maximum, labels, 1))
    if count == 0:
        raise NoDigitFound()
    masses = np.bincount(labels.ravel(), weights=ink.ravel(), minlength=count + 1)[1:]
    boxes = part_boxes(labels, count)
    heights, widths = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    digit_height = float(np.median(heights[masses >= HEAVY_PART * masses.max()]))
    # Specks are dropped here, so only the others get a mask (a line-sized array each); the
    # heaviest of them still counts in what is too light to keep.
    specks = np.maximum(widths, heights) < SPECK * digit_height
    marks = np.flatnonzero(~specks)
    if len(marks) > MAX_NUMBER_MARKS:
        raise NotADigit(f"not a number: {len(marks)} marks (a number has at most {MAX_NUMBER_MARKS})")
    heaviest_speck = masses[specks].max(initial=0.0)
    parts = [Group(labels == index + 1, *map(int, boxes[index])) for index in marks]
    parts, masses = _fragments_joined(parts, masses[marks], digit_height)
    kept = [part for part, mass in zip(parts, masses) if mass >= LIGHT_PART * max(masses.max(), heaviest_speck)]
    groups = _grouped(kept, digit_height)
    # The digit height again, from whole digits: a broken one's parts are shorter.
    group_masses = np.array([ink[group.mask].sum() for group in groups])
    digit_height = float(np.median([group.height for group, mass in zip(groups, group_masses)
                                    if mass >= HEAVY_PART * group_masses.max()]))
    return sorted(groups, key=lambda group: (group.left + group.right) / 2), digit_height


def _fragments_joined(parts: list[Group], masses: np.ndarray, digit_height: float) -> tuple[list[Group], np.ndarray]:
    """(``parts`` (no specks) and their ``masses`` (n,)), the short ones (under SHORT_PART of
    ``digit_height``) that lie less than FRAGMENT_GAP digit
    heights apart, chained, joined into one part where together they are not short: a faint
    or thin digit that the line's ink threshold broke into fragments is one mark, not a dash
    beside its neighbour (whose columns its fragments would otherwise join)."""
    short = [index for index, part in enumerate(parts) if part.height < SHORT_PART * digit_height]
    reach = FRAGMENT_GAP * digit_height
    clumps: list[list[int]] = []
    for index in short:
        part = parts[index]
        near = [clump for clump in clumps if any(
            max(parts[other].left - part.right, part.left - parts[other].right,
                parts[other].top - part.bottom, part.top - parts[other].bottom) < reach for other in clump)]
        for clump in near:
            clumps.remove(clump)
        clumps.append([index] + [other for clump in near for other in clump])
    joined = [clump for clump in clumps if len(clump) > 1
              and max(parts[i].bottom for i in clump) - min(parts[i].top for i in clump) >= SHORT_PART * digit_height]
    if not joined:
        return parts, masses
    gone = {index for clump in joined for index in clump}
    kept = [index for index in range(len(parts)) if index not in gone]
    return ([parts[index] for index in kept] + [Group.of(np.logical_or.reduce([parts[i].mask for i in clump]))
                                                  for clump in joined],
            np.concatenate([masses[kept], [masses[clump].sum() for clump in joined]]))


def _grouped(parts: list[Group], digit_height: float) -> list[Group]:
    """``parts`` put into groups, a pair at a time: of the pairs that are one digit's
    (:func:`_same_digit`), the one whose column extents overlap the most (a share of the
    narrower's width) is joined first, and of those that overlap as much, the one whose ink
    is closest; until no pair is left. A thin stroke the scan broke in two joins its other
    half before a neighbour over whose columns it also lies."""
    groups = list(parts)
    while True:
        pairs = [(_overlap_share(a, b), i, j) for i, a in enumerate(groups)
                 for j, b in enumerate(groups[i + 1:], i + 1) if _same_digit(a, b, digit_height)]
        if not pairs:
            return groups
        most = max(share for share, _, _ in pairs)
        _, i, j = min((_ink_distance(groups[i], groups[j]), i, j) for share, i, j in pairs if share == most)
        groups[i] = groups[i].joined(groups.pop(j))


def _column_overlap(a: Group, b: Group) -> int:
    """How many columns ``a`` and ``b`` share (negative: the gap between them)."""
    return min(a.right, b.right) - max(a.left, b.left)


def _overlap_share(a: Group, b: Group) -> float:
    """How much of the narrower of ``a`` and ``b``'s column extents the other's overlaps (at most 1)."""
    return _column_overlap(a, b) / max(min(a.width, b.width), 1)


def _ink_distance(a: Group, b: Group) -> float:
    """The shortest distance, in pixels, between the ink of ``a`` and that of ``b``
    (worked out DISTANCE_CHUNK of ``a``'s pixels at a time, to bound the memory)."""
    a_rows, a_columns = np.nonzero(a.mask[a.top:a.bottom, a.left:a.right])
    b_rows, b_columns = np.nonzero(b.mask[b.top:b.bottom, b.left:b.right])
    b_rows, b_columns = (b_rows + b.top).astype(np.float32), (b_columns + b.left).astype(np.float32)
    nearest = np.inf
    for start in range(0, len(a_rows), DISTANCE_CHUNK):
        rows = (a_rows[start:start + DISTANCE_CHUNK] + a.top).astype(np.float32)
        columns = (a_columns[start:start + DISTANCE_CHUNK] + a.left).astype(np.float32)
        nearest = min(nearest, float(np.min(np.subtract.outer(rows, b_rows) ** 2
                                            + np.subtract.outer(columns, b_columns) ** 2)))
    return float(np.sqrt(nearest))


def _same_digit(a: Group, b: Group, digit_height: float) -> bool:
    overlap = _column_overlap(a, b)
    if min(a.height, b.height) < SHORT_PART * digit_height:  # a 5's hat, a dot: no digit alone
        return overlap > 0
    if overlap < OVERLAP * min(a.width, b.width):
        return False
    both_tall = min(a.height, b.height) >= TALL * digit_height
    side_by_side = min(a.bottom, b.bottom) - max(a.top, b.top) >= SIDE_BY_SIDE * min(a.height, b.height)
    return not (both_tall and side_by_side)


def clusters(groups: list[Group], digit_height: float) -> list[list[Group]]:
    """``groups`` (left to right) in runs whose neighbours are less than CLUSTER_GAP digit
    heights apart."""
    runs: list[list[Group]] = []
    for group in groups:
        if runs and group.left - max(g.right for g in runs[-1]) < CLUSTER_GAP * digit_height:
            runs[-1].append(group)
        else:
            runs.append([group])
    return runs
