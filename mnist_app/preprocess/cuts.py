"""Candidate cuts through touching digits: where to try separating them, for the recogniser to judge.

A cut is a path, one column per row of the group's box: the pixels left of it are the left
piece. In every stretch of CUT_WINDOW digit heights of a group, at its thinnest column (the
projection's valley) a vertical line, a line along the ink's slant and a drop-fall path from
the top are proposed; at the lowest dip of the upper outline, a drop-fall path from the top;
at the highest rise of the lower outline, one from the bottom; and the seams that cross the
least ink, from the top to the stretch at the bottom and from the bottom to the stretch at
the top: where touching digits meet in a short stroke, a seam finds it wherever it lies,
while the straight and falling paths need it under a valley, a dip or a rise. A seam
keeps off strokes' soft edges a little (SEAM_EDGE), and one through paper alone is not
proposed (it would only part the pieces the line's grouping judged one digit's). In a
group as wide as two digits, paths along both sides of its longest straight strokes too:
a 1 or a stem touching its neighbour along its length, or leaning otherwise than the
group, has no valley between them (on seeds 1-3 of the six number families, 100 numbers
each: 1344 of 1800 read right without them, 1353 with them).
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from mnist_app.preprocess.parts import spread

CUT_WINDOW = 0.25  # candidate cuts are looked for in stretches this many digit heights wide
CUT_EDGE = 0.15  # no cut closer than this many digit heights to a group's side
SEAM_STEP = 0.3  # a seam pays this, in pixels of ink crossed, per column it moves sideways...
SEAM_EDGE = 0.1  # ...and this per pixel of paper touching ink (a stroke's soft edge) it crosses
# In a group as wide as two digits, a line with ink in STRAIGHT_LENGTH digit heights of
# its rows, at one of STRAIGHT_SLANTS (columns per row), is a straight stroke (a 1, a stem);
# the STRAIGHT_STROKES longest, more than STROKE_REACH digit heights apart, are cut along
# both sides, their ink followed sideways up to STROKE_REACH digit heights from the line.
STRAIGHT_LENGTH = 0.6
STRAIGHT_SLANTS = np.linspace(-0.4, 0.4, 9)
STRAIGHT_STROKES = 3
STROKE_REACH = 0.1


def cut_paths(solid: np.ndarray, digit_height: float, along_strokes: bool) -> list[np.ndarray]:
    """Candidate cuts (see the module's docstring) through ``solid`` (h, w) bool, one
    group's ink in its box, for digits ``digit_height`` pixels tall: paths (h,) of columns;
    with ``along_strokes`` (a group as wide as two digits) also along the sides of its
    straight strokes (:func:`straight_stroke_sides`)."""
    height, width = solid.shape
    edge = int(CUT_EDGE * digit_height)
    if width - 2 * edge < 2:
        return []
    profile = np.convolve(solid.sum(axis=0).astype(np.float64), np.ones(3) / 3, mode="same")
    inked = solid.any(axis=0)
    top = np.where(inked, solid.argmax(axis=0), height)  # first ink row per column
    bottom = np.where(inked, height - solid[::-1].argmax(axis=0), 0)  # one past the last
    rows, cols = np.nonzero(solid)
    slant = float(np.cov(cols, rows)[0, 1] / max(np.var(rows), 1.0)) if rows.size > 1 else 0.0
    leaning = np.rint(slant * (np.arange(height) - rows.mean())).astype(np.intp) if rows.size else 0
    step = max(2, int(CUT_WINDOW * digit_height))
    falling, rising = least_ink_cuts(solid), least_ink_cuts(solid[::-1])
    paths = {}
    for start in range(edge, width - edge, step):
        window = slice(start, min(start + step, width - edge))
        thinnest = start + int(np.argmin(profile[window]))
        dip = start + int(np.argmax(top[window]))
        rise = start + int(np.argmin(bottom[window]))
        for path in (np.full(height, thinnest), np.clip(thinnest + leaning, 0, width), _drop_fall(solid, thinnest),
                     _drop_fall(solid, dip), _drop_fall(solid[::-1], rise)[::-1]):
            paths[path.tobytes()] = path
        for seam in (falling(window), rising(window)[::-1]):
            if solid[np.arange(height), seam].any():  # one through paper only would part a digit's parts
                paths[seam.tobytes()] = seam
    if along_strokes:
        for path in straight_stroke_sides(solid, digit_height):
            paths[path.tobytes()] = path
    return list(paths.values())


def straight_stroke_sides(solid: np.ndarray, digit_height: float) -> list[np.ndarray]:
    """Cuts along both sides of the longest straight strokes of ``solid`` (h, w) bool, a
    group's ink, for digits ``digit_height`` pixels tall: paths (h,) of columns.

    A straight stroke is a line, at one of STRAIGHT_SLANTS, through a column of the box's
    middle row, with ink in at least STRAIGHT_LENGTH digit heights of its rows; the
    STRAIGHT_STROKES longest, each more than STROKE_REACH digit heights from a longer one
    (at the middle row), are kept. Along each, the ink on the line is followed sideways up
    to STROKE_REACH digit heights in each row: one path runs along its left side, one
    along its right (a 1 or a stem touching its neighbour along its length, or leaning
    otherwise than the group, where no valley, seam or falling drop parts them)."""
    height, width = solid.shape
    rows = np.arange(height)
    reach = max(1, int(STROKE_REACH * digit_height))
    shifts = np.rint(np.outer(STRAIGHT_SLANTS, rows - (height - 1) / 2)).astype(np.intp)  # (slants, h)
    margin = int(np.abs(shifts).max(initial=0))
    padded = np.zeros((height, width + 2 * margin), dtype=bool)
    padded[:, margin:margin + width] = solid
    # Ink on the line of each slant through each column of the middle row: (slants, w)
    lengths = np.stack([padded[rows[:, None], np.arange(width)[None, :] + shift[:, None] + margin].sum(axis=0)
                        for shift in shifts])
    strokes: list[tuple[int, int]] = []  # (slant index, column at the middle row)
    for index in np.argsort(lengths, axis=None)[::-1]:
        slant, column = divmod(int(index), width)
        if len(strokes) == STRAIGHT_STROKES or lengths[slant, column] < STRAIGHT_LENGTH * digit_height:
            break
        if all(abs(column - other) > reach for _, other in strokes):
            strokes.append((slant, column))
    paths = []
    for slant, column in strokes:
        line = column + shifts[slant]
        on_line = padded[rows, line + margin]
        start, end = line.copy(), line + 1
        going_left, going_right = on_line.copy(), on_line.copy()
        for step in range(1, reach + 1):  # the ink on the line, followed sideways (padded: no column past the ends)
            going_left &= padded[rows, np.maximum(line - step + margin, 0)] & (line - step >= 0)
            going_right &= padded[rows, np.minimum(line + step + margin, padded.shape[1] - 1)] & (line + step < width)
            start -= going_left
            end += going_right
        paths += [np.clip(start, 0, width), np.clip(end, 0, width)]
    return paths


def ink_cut(solid: np.ndarray, left: np.ndarray) -> tuple[int, int]:
    """How much ink a cut cuts: (rows in which ``left`` (h, w) bool, the pixels left of the
    cut, meets ``solid`` (h, w) bool ink on both sides, strokes: runs of such rows)."""
    crossing = (solid[:, :-1] & left[:, :-1] & solid[:, 1:] & ~left[:, 1:]).any(axis=1)
    return int(crossing.sum()), int(np.count_nonzero(np.diff(crossing.astype(np.int8), prepend=0) == 1))


def least_ink_cuts(solid: np.ndarray) -> Callable[[slice], np.ndarray]:
    """A function giving, for a slice of columns, the path (h,) of columns from top to
    bottom of ``solid`` (h, w) bool that ends in those columns, moves at most one column a
    row and costs least: 1 per ink pixel it crosses, SEAM_EDGE per paper pixel touching ink,
    SEAM_STEP per sideways move (a seam, found by dynamic programming over the rows)."""
    height, width = solid.shape
    near = spread(np.maximum, solid, 1)  # ink and the paper touching it, where its soft edge lies
    cost = solid + SEAM_EDGE * (near & ~solid)
    total = cost[0].copy()
    moves = np.zeros((height, width), dtype=np.int8)  # where each row's best came from: -1, 0, +1
    for row in range(1, height):
        left = np.concatenate(([np.inf], total[:-1])) + SEAM_STEP
        right = np.concatenate((total[1:], [np.inf])) + SEAM_STEP
        options = np.stack([left, total, right])
        best = options.argmin(axis=0)
        total = options[best, np.arange(width)] + cost[row]
        moves[row] = best - 1
    def seam(window: slice) -> np.ndarray:
        column = window.start + int(np.argmin(total[window]))
        path = np.empty(height, dtype=np.intp)
        for row in range(height - 1, -1, -1):
            path[row] = column
            column += int(moves[row, column])
        return path
    return seam


def _drop_fall(solid: np.ndarray, column: int) -> np.ndarray:
    """The column per row of a drop falling from the top of ``solid`` at ``column``: it
    moves down, else down-left, else down-right through paper, and cuts through ink when
    all three are ink."""
    height, width = solid.shape
    path = np.empty(height, dtype=np.intp)
    for row in range(height):
        path[row] = column
        if row + 1 == height:
            break
        below = solid[row + 1]
        if below[column]:
            if column > 0 and not below[column - 1]:
                column -= 1
            elif column + 1 < width and not below[column + 1]:
                column += 1
    return path
