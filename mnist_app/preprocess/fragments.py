"""Splits of touching digits that no cut path makes: the ink broken into stroke fragments,
shared out between a left and a right digit, for the recogniser to judge beside the paths.

Interleaved strokes (a thin "41" whose 4's bar runs through the 1) leave no line from top
to bottom between the two digits' ink: every path cuts one of them. Here the group's ink
is thinned to its skeleton, the skeleton broken where three or more branches meet (a
crossing, a junction), and each of the group's pixels given to the branch it lies nearest
along the ink: the *fragments*. The ink is broken so twice: into those branches, and into
strokes, two branches that leave a junction in opposite directions being one stroke
crossing it (the bar that runs on through the 1). Ordered by their centre column, the
fragments left of each gap between two of them are a left digit (a contiguous split), and
so is each such split with one fragment that spans the gap's column moved to the other
side (a stroke reaching over its neighbour). In every stretch of SPLIT_WINDOW digit
heights of the group, of each way of breaking, the SPLITS_PER_WINDOW contiguous splits
whose gap lies in it and whose two sides touch least (pairs of neighbouring ink pixels on
different sides), and the MOVED_PER_WINDOW such splits with a fragment moved, are
proposed: at most 2 x (SPLITS_PER_WINDOW + MOVED_PER_WINDOW) = 8 per stretch, about as
many as the paths (:mod:`.cuts`: up to 7), and the line's cut budget
(limits.MAX_CUT_WIDTH) bounds the stretches.
"""

from __future__ import annotations

import bisect

import numpy as np

from mnist_app.preprocess.parts import label_parts, part_boxes, spread

SPLIT_WINDOW = 0.25  # splits are proposed in stretches of the group this many digit heights wide...
SPLITS_PER_WINDOW = 3  # ...this many contiguous ones in each...
MOVED_PER_WINDOW = 1  # ...and this many with a fragment moved
BRANCH_REACH = 0.15  # a branch's direction from a junction: its pixels within this many digit heights...
STRAIGHT_ON = 0.8  # ...two whose directions' cosine is below minus this are one stroke crossing it
FRAGMENT_EDGE = 0.15  # no split whose gap is closer than this many digit heights to the group's side
MAX_FRAGMENTS = 40  # more skeleton branches than this a digit height of the group's width: a scribble, no splits

# The eight neighbours of a pixel, clockwise from the one above: (row, column) offsets.
_AROUND = ((-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1))


def fragment_splits(group: np.ndarray, solid: np.ndarray, digit_height: float) -> list[np.ndarray]:
    """Left digits (h, w) bool, each a subset of ``group`` (h, w) bool, one group's pixels in
    its box, whose strong ink is ``solid`` (h, w) bool; digits ``digit_height`` pixels tall
    (see the module's docstring). The rest of ``group`` is each one's right digit. An
    empty list where the skeleton has more than MAX_FRAGMENTS branches a digit height of
    the group's width (a scribble or a grid, not digits)."""
    most = int(MAX_FRAGMENTS * max(group.shape[1] / digit_height, 1.0))
    bones = skeleton(solid)
    splits: list[np.ndarray] = []
    for reach in (0.0, BRANCH_REACH * digit_height):
        labels, count = stroke_fragments(group, bones, reach, most)
        splits += _splits(labels, count, solid, digit_height)
    return splits


def _splits(labels: np.ndarray, count: int, solid: np.ndarray, digit_height: float) -> list[np.ndarray]:
    """Left digits made of the fragments ``labels`` (h, w) (``count`` of them) of a group
    whose strong ink is ``solid``: :func:`fragment_splits` for one way of breaking it."""
    width = labels.shape[1]
    if count < 2:
        return []
    rows_of, columns_of = np.nonzero(labels)
    parts = labels[rows_of, columns_of] - 1
    sizes = np.maximum(np.bincount(parts, minlength=count), 1)
    centres = np.bincount(parts, weights=columns_of, minlength=count) / sizes
    firsts, lasts = np.full(count, width), np.full(count, -1)
    np.minimum.at(firsts, parts, columns_of)
    np.maximum.at(lasts, parts, columns_of)
    touching = _touching(np.where(solid, labels, 0), count)
    order = np.argsort(centres, kind="stable")
    edge = FRAGMENT_EDGE * digit_height
    step = max(1.0, SPLIT_WINDOW * digit_height)
    windows: dict[tuple[int, bool], list[tuple[int, frozenset[int]]]] = {}  # (window, moved) -> (contact, left side)
    seen: set[frozenset[int]] = set()
    for split in range(1, count):
        gap = (centres[order[split - 1]] + centres[order[split]]) / 2
        if not edge <= gap <= width - edge:
            continue
        left = frozenset(int(part) for part in order[:split])
        moved = [left ^ {int(part)} for part in np.flatnonzero((firsts < gap) & (lasts > gap))]
        for side, is_moved in [(left, False)] + [(side, True) for side in moved]:
            if side in seen or not 0 < len(side) < count:
                continue
            seen.add(side)
            on_left = np.zeros(count, dtype=bool)
            on_left[list(side)] = True
            windows.setdefault((int((gap - edge) // step), is_moved), []).append(
                (int(touching[on_left][:, ~on_left].sum()), side))
    kept = {False: SPLITS_PER_WINDOW, True: MOVED_PER_WINDOW}
    return [np.isin(labels, [part + 1 for part in side]) for (_, is_moved), window in windows.items()
            for _, side in sorted(window, key=lambda pair: pair[0])[:kept[is_moved]]]


def _touching(labels: np.ndarray, count: int) -> np.ndarray:
    """(count, count) int: pairs of pixels, side by side or one above the other, of each two
    fragments of ``labels`` (h, w) int (0 for none), both ways round."""
    touching = np.zeros((count, count), dtype=np.int64)
    for first, second in ((labels[:, :-1], labels[:, 1:]), (labels[:-1], labels[1:])):
        meet = (first > 0) & (second > 0) & (first != second)
        np.add.at(touching, (first[meet] - 1, second[meet] - 1), 1)
    return touching + touching.T


def split_pairs(solid: np.ndarray, lefts: list[np.ndarray], group_ends: list[int], splits: set[int]
                 ) -> set[tuple[int, int]]:
    """The (start, end) boundaries of ``lefts`` (a cluster's "left of here" masks, as
    :func:`~.segment._boundaries` lists them, ``group_ends`` the indices of those that end a
    group) between which a piece begins or ends at a split into stroke fragments (the
    indices ``splits``): from any boundary since the group before (but its splits) whose
    ``solid`` (h, w) bool ink the split holds (a split need not hold its group's cut
    paths), to the end of any group after. Pieces too wide are left out later
    (:func:`~.segment._candidates`)."""
    pairs = set()
    for split in splits:
        group = bisect.bisect_right(group_ends, split)  # the group's end is group_ends[group]
        outside = solid & ~lefts[split]
        for start in range(group_ends[max(group - 2, 0)], split):
            if start not in splits or group_ends[group - 1] < start:
                if not (lefts[start] & outside).any():
                    pairs.add((start, split))
        pairs.update((split, end) for end in group_ends[group:])
    return pairs


def stroke_fragments(group: np.ndarray, bones: np.ndarray, reach: float = 0.0, most: int | None = None
                     ) -> tuple[np.ndarray, int]:
    """The fragments of ``group`` (h, w) bool whose strong ink's skeleton is ``bones`` (h, w)
    bool (:func:`skeleton`): (labels (h, w) int32, 0 off the group, count); (zeros, 0) if
    the skeleton falls into more than ``most`` branches. The skeleton, less its junctions
    and their neighbours, falls into branches; with ``reach`` (pixels), two branches that
    leave a junction in opposite directions (their pixels within ``reach`` of it,
    STRAIGHT_ON) are one stroke crossing it. Each pixel of the group joins the branch it
    reaches first, growing one pixel a step within the group."""
    padded = np.pad(bones, 1)
    around = [padded[1 + dr:padded.shape[0] - 1 + dr, 1 + dc:padded.shape[1] - 1 + dc] for dr, dc in _AROUND]
    branches_met = sum((~a & b).astype(np.int8) for a, b in zip(around, around[1:] + around[:1]))
    near_junctions = spread(np.maximum, bones & (branches_met >= 3), 1)
    labels, count = label_parts(bones & ~near_junctions)
    if most is not None and count > most:
        return np.zeros(group.shape, dtype=np.int32), 0
    if reach > 0:
        labels, count = _through_junctions(labels, count, label_parts(bones & near_junctions), reach)
    while True:  # grow each branch into the group, one pixel a step
        open_pixels = group & (labels == 0)
        grown = np.where(open_pixels, spread(np.maximum, labels, 1), labels)
        if np.array_equal(grown, labels):
            break
        labels = grown
    rest, more = label_parts(group & (labels == 0))  # parts no branch reaches
    labels = np.where(rest > 0, rest + count, labels).astype(np.int32)
    return labels, count + more


def _through_junctions(labels: np.ndarray, count: int, junctions: tuple[np.ndarray, int], reach: float
                       ) -> tuple[np.ndarray, int]:
    """``labels`` (h, w) int32 of ``count`` skeleton branches, those that cross a junction
    (``junctions``: labels, count) straight on joined pairwise, the most opposite first, and
    numbered again 1..: (labels, count)."""
    zones, zone_count = junctions
    parent = np.arange(count + 1)

    def root(branch: int) -> int:
        while parent[branch] != branch:
            branch = parent[branch]
        return branch
    margin = int(np.ceil(reach)) + 1
    for zone, (top, left, bottom, right) in enumerate(part_boxes(zones, zone_count), 1):
        window = (slice(max(top - margin, 0), bottom + margin), slice(max(left - margin, 0), right + margin))
        zone_rows, zone_columns = np.nonzero(zones[window] == zone)
        centre = np.array([zone_rows.mean(), zone_columns.mean()])
        rows, columns = np.nonzero(labels[window])
        offsets = np.column_stack([rows, columns]) - centre
        close = np.hypot(offsets[:, 0], offsets[:, 1]) <= reach
        branches = labels[window][rows[close], columns[close]]
        directions = {}
        for branch in np.unique(branches):
            mean = offsets[close][branches == branch].mean(axis=0)
            if np.hypot(*mean) > 0:
                directions[int(branch)] = mean / np.hypot(*mean)
        pairs = sorted((float(directions[a] @ directions[b]), a, b)
                       for a in directions for b in directions if a < b)
        paired: set[int] = set()
        for cosine, a, b in pairs:
            if cosine > -STRAIGHT_ON:
                break
            if a not in paired and b not in paired:
                paired |= {a, b}
                parent[root(b)] = root(a)
    roots = np.array([root(branch) for branch in range(count + 1)])
    numbers = np.zeros(count + 1, dtype=np.int32)
    kept = np.unique(roots[1:])
    numbers[kept] = np.arange(1, len(kept) + 1)
    return numbers[roots][labels], len(kept)


def skeleton(solid: np.ndarray) -> np.ndarray:
    """The one-pixel-wide skeleton of ``solid`` (h, w) bool (Zhang and Suen's thinning: the
    ink's outline is peeled, alternately from the south-east and the north-west, where
    removing a pixel keeps its neighbours connected, until none can go)."""
    image = np.pad(solid, 1)
    height, width = image.shape
    while True:
        removed = False
        for first in (True, False):
            around = [image[1 + dr:height - 1 + dr, 1 + dc:width - 1 + dc] for dr, dc in _AROUND]
            north, east, south, west = around[0], around[2], around[4], around[6]
            neighbours = sum(a.astype(np.int8) for a in around)
            crossings = sum((~a & b).astype(np.int8) for a, b in zip(around, around[1:] + around[:1]))
            if first:
                open_side = ~(north & east & south) & ~(east & south & west)
            else:
                open_side = ~(north & east & west) & ~(north & south & west)
            peel = image[1:-1, 1:-1] & (neighbours >= 2) & (neighbours <= 6) & (crossings == 1) & open_side
            if peel.any():
                image[1:-1, 1:-1] &= ~peel
                removed = True
        if not removed:
            return image[1:-1, 1:-1]
