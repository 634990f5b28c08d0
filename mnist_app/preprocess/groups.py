"""A number's line's ink (:mod:`.line`) put into digits' groups and clusters.

1. The ink is split into connected parts; short parts (under SHORT_PART digit heights,
   not specks) less than FRAGMENT_GAP apart, chained, are one part where together they
   are not short (a faint digit broken into fragments); specks (under SPECK digit
   heights, or lighter than LIGHT_PART of the heaviest part) go.
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
from mnist_app.preprocess.parts import FAINT_INK, label_parts, part_boxes, spread

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
