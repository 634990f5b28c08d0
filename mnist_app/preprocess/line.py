"""The line of a number's marks, read again at full resolution, and its ink put into digits' groups.

1. The marks' line is read again from the full-resolution picture, at most LINE_HEIGHT
   pixels tall, without its ruled lines and with each mark at full strength
   (:func:`~.parts.without_rules`, :func:`~.parts.even_marks`); its ink is split into
   connected parts; specks (under SPECK digit heights, or lighter than LIGHT_PART of the
   heaviest part) go.
2. Parts whose column extents overlap are one digit's pieces (a 5's hat, a stroke broken
   in two), put together into *groups*; two tall parts side by side (over the same rows)
   stay apart, however close (a 1 leaning under a 7's bar, a 4 in two strokes): whether
   they are one digit is the cutting's choice, by the network's reading (:mod:`.segment`).
   The digit height is the median height of the heavy groups.
3. Groups closer than CLUSTER_GAP digit heights form a *cluster*: they may be one broken
   digit, or digits written close, and are cut together (:mod:`.segment`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mnist_app.errors import NoDigitFound
from mnist_app.preprocess import Marks
from mnist_app.preprocess.parts import FAINT_INK, even_marks, label_parts, spread, without_rules

LINE_HEIGHT = 96  # the line is read again at most this many pixels tall...
MAX_LINE_WIDTH = 2048  # ...and this many wide
LINE_MARGIN = 0.1  # the marks' box is widened by this fraction of its height on every side
SPECK = 0.2  # parts smaller than this many digit heights on both sides are specks
LIGHT_PART = 0.03  # parts with less than this share of the heaviest part's ink are specks
HEAVY_PART = 0.25  # parts with this share of the heaviest one's ink set the digit height
OVERLAP = 0.5  # parts whose column extents overlap by this share of the narrower are one digit...
TALL = 0.7  # ...unless both are this many digit heights tall
SIDE_BY_SIDE = 0.5  # ...and their row extents overlap by this share of the shorter (not a broken stroke's halves)
CLUSTER_GAP = 0.2  # groups closer than this many digit heights are cut together

Box = tuple[int, int, int, int]  # (left, top, right, bottom) in the picture's pixels, right/bottom exclusive


@dataclass(frozen=True)
class Line:
    """The marks read again: ``ink`` (h, w) float32 in [0, 1]; line pixel (row, column) is
    picture pixel (top + row * scale[1], left + column * scale[0]), ``origin`` = (left, top)."""

    ink: np.ndarray
    origin: tuple[float, float]
    scale: tuple[float, float]

    def box(self, top: int, left: int, bottom: int, right: int) -> Box:
        """A box in line pixels (exclusive ends) as a box in the picture's pixels."""
        (x0, y0), (sx, sy) = self.origin, self.scale
        return (int(np.floor(x0 + left * sx)), int(np.floor(y0 + top * sy)),
                int(np.ceil(x0 + right * sx)), int(np.ceil(y0 + bottom * sy)))


def read_line(marks: Marks) -> Line:
    """The region of ``marks`` read again from the full picture (at most LINE_HEIGHT x
    MAX_LINE_WIDTH pixels, never enlarged), as ink without ruled lines, each mark at full
    strength. Raises NoDigitFound if none stands out."""
    top, left, bottom, right = marks.box
    rows, columns = marks.ink.shape
    width, height = marks.picture.size
    x_scale, y_scale = width / columns, height / rows
    margin = LINE_MARGIN * (bottom - top) + 1
    region = (max(0, left - margin), max(0, top - margin), min(columns, right + margin), min(rows, bottom + margin))
    full = (region[0] * x_scale, region[1] * y_scale, min(width, region[2] * x_scale), min(height, region[3] * y_scale))
    full_width, full_height = full[2] - full[0], full[3] - full[1]
    factor = min(1.0, LINE_HEIGHT / full_height, MAX_LINE_WIDTH / full_width)
    levels = marks.picture.levels(max(1, round(max(full_width, full_height) * factor)), full)
    ink = even_marks(without_rules(marks.paper.ink(levels, region)))
    return Line(ink, (full[0], full[1]), (full_width / ink.shape[1], full_height / ink.shape[0]))


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
        rows, columns = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
        return cls(mask, int(rows[0]), int(columns[0]), int(rows[-1]) + 1, int(columns[-1]) + 1)

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
    parts = [Group.of(labels == index + 1) for index in range(count)]
    heavy = [part.height for part, mass in zip(parts, masses) if mass >= HEAVY_PART * masses.max()]
    digit_height = float(np.median(heavy))
    kept = [part for part, mass in zip(parts, masses)
            if mass >= LIGHT_PART * masses.max() and max(part.width, part.height) >= SPECK * digit_height]
    groups: list[Group] = []
    for part in sorted(kept, key=lambda part: part.left):
        for index, group in enumerate(groups):
            if _same_digit(group, part, digit_height):
                groups[index] = group.joined(part)
                break
        else:
            groups.append(part)
    # The digit height again, from whole digits: a broken one's parts are shorter.
    group_masses = np.array([ink[group.mask].sum() for group in groups])
    digit_height = float(np.median([group.height for group, mass in zip(groups, group_masses)
                                    if mass >= HEAVY_PART * group_masses.max()]))
    return sorted(groups, key=lambda group: (group.left + group.right) / 2), digit_height


def _same_digit(a: Group, b: Group, digit_height: float) -> bool:
    overlap = min(a.right, b.right) - max(a.left, b.left)
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
