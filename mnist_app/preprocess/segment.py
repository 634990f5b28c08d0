"""Cut a number into its digits, left to right; the recogniser judges where (it knows no network).

1. The marks' line is read again and its ink put into digit *groups* and *clusters*
   (:mod:`.line`, :mod:`.groups`).
2. In a cluster, each group is read on its own first; when all of its groups are narrow,
   not short (SHORT_PIECE) and read with SURE confidence, they are its digits.
3. Otherwise candidate cuts (:mod:`.cuts`) are proposed in its wide or doubtful groups, and
   in those wider than FRAGMENT_WIDTH also splits of their ink into stroke fragments shared
   out between a left and a right digit (:mod:`.fragments`: interleaved strokes no path
   parts), and every way of cutting and joining is scored by ``score``, the recogniser's
   outputs for each piece (framed as MNIST digits by
   :func:`~mnist_app.preprocess.frame_digit`), and the best kept (:mod:`.path_search`): the
   highest sum, over the pieces, of log(confidence) (the strongest output) + PIECE_BONUS,
   less the piece's shape costs (wider than WIDE_PIECE, narrower than NARROW_PIECE or
   shorter than SHORT_PIECE digit heights: two squeezed digits, or a stroke cut off one;
   its middle rows crossing more strokes than nearly any MNIST digit of the digit read
   does, :mod:`.crossings`: two touching digits read as one), JOIN_PENALTY per join of
   separate marks (a broken 0's two halves) and, where it ends by cutting through ink, the
   cut's costs: CUT_PENALTY, and more the more ink it cuts (touching digits meet in one
   short stroke; a cut through one digit crosses more of it). The constants were chosen on
   numbers drawn from MNIST's validation digits (photos and canvases whose digits touch),
   read by the shipped model; SPLIT_WIDTH and NARROW_PIECE again, and FRAGMENT_WIDTH, the
   fragments' constants and CROSSING_COST, on seeds 1-3 of the photo, canvas and thin-pen
   number families (never the measured seed 0, nor the held-out families).
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Callable, Collection

import numpy as np

from mnist_app.errors import NoDigitFound, NotADigit
from mnist_app.limits import MAX_CUT_WIDTH
from mnist_app.preprocess import Marks, frame_digit
from mnist_app.preprocess.crossings import MAX_CROSSINGS, crossings
from mnist_app.preprocess.cuts import cut_paths, ink_cut
from mnist_app.preprocess.fragments import fragment_splits, split_pairs
from mnist_app.preprocess.groups import Group, clusters, digit_groups
from mnist_app.preprocess.line import Box, Line, read_line
from mnist_app.preprocess.parts import FAINT_INK
from mnist_app.preprocess.path_search import best_path

SPLIT_WIDTH = 1.3  # a group wider than this many digit heights may hold touching digits...
MIN_SPLIT_WIDTH = 0.5  # ...and one wider than this that is read with less than SURE confidence
FRAGMENT_WIDTH = 0.9  # a group cut that is wider than this is also split into its stroke fragments
PIECE_WIDTHS = (0.1, 1.3)  # a digit is this many digit heights wide
SURE = 0.8  # narrow groups each read at least this confidently are taken as they are
MIN_CONFIDENCE = 1e-6  # confidences are clipped here before the log
# Weighing the ways of cutting a cluster: each piece gains log(confidence) + PIECE_BONUS...
PIECE_BONUS = 0.5
WIDE_PIECE = 0.9  # ...less WIDE_COST per digit height it is wider than this (two squeezed digits)...
WIDE_COST = 1.5
NARROW_PIECE = 0.45  # ...NARROW_COST per digit height it is narrower than this (a stroke cut off)...
NARROW_COST = 2.25
SHORT_PIECE = 0.75  # ...SHORT_COST per digit height it is shorter than this (a digit's part)...
SHORT_COST = 3.5
CROSSING_COST = 1.0  # ...this per stroke its middle rows cross beyond MAX_CROSSINGS of the digit read...
JOIN_PENALTY = 0.5  # ...this per join of separate marks...
CUT_PENALTY = 0.4  # ...and, if it ends by cutting through ink, this...
NARROW_CUT_PENALTY = 1.0  # ...this more if the mark it cuts is not wide (most likely one digit)...
STROKE_COST = 0.5  # ...this per stroke it cuts beyond the first (digits touch in one)...
CUT_LENGTH_COST = 0.5  # ...and this per digit height of ink along the cut

# The terms of a piece's gain, in gain_terms' columns (scripts/piece_study.py prints them).
GAIN_TERMS = ("log(confidence)", "piece", "wide", "narrow", "short", "crossings", "joins", "narrow cut", "cut",
              "strokes", "cut length")

Score = Callable[[list[np.ndarray]], np.ndarray]  # (28, 28) uint8 pictures -> raw outputs (n, 10) in [0, 1]


@dataclass(frozen=True)
class Piece:
    """One digit of a number: ``picture`` (28, 28) uint8 as MNIST draws it, its ``box`` in
    the picture's pixels, the ``confidence`` the scorer gave it (its strongest output), and
    the ``group`` (index, left to right, of the line's separate marks) where it starts:
    pieces cut from touching digits share one."""

    picture: np.ndarray
    box: Box
    confidence: float
    group: int


class CutBudget:
    """The digit heights of marks one line has had cut apart (``spent``), at most
    MAX_CUT_WIDTH: weighing their cuts takes time in proportion to their width. Marks that
    run together longer than a number's digits (a wave, a long dash, a row of scribbles)
    are no digits, and are answered so before they are cut."""

    def __init__(self) -> None:
        self.spent = 0.0

    def spend(self, digit_heights: float) -> None:
        """Count ``digit_heights`` more of marks to cut; raises NotADigit past the budget."""
        self.spent += digit_heights
        if self.spent > MAX_CUT_WIDTH:
            raise NotADigit()


def split_cluster(ink: np.ndarray, cluster: list[Group], digit_height: float, score: Score,
                  budget: CutBudget | None = None) -> list[tuple[np.ndarray, tuple[int, int, int, int], float, int]]:
    """The best way to cut ``cluster`` (groups of the line ``ink``) into digits: a list of
    (picture (28, 28) uint8, box (top, left, bottom, right) in line pixels, confidence,
    index in ``cluster`` of the group where the piece starts), left to right; the line's
    ``digit_height`` in line pixels. The marks it cuts are counted against ``budget`` (the
    line's; a fresh one if None), which raises NotADigit when they run too long.

    Each group is first read on its own. When every group is narrow, at least SHORT_PIECE
    digit heights tall and read with at least SURE confidence, the groups are the digits;
    otherwise cuts are proposed in the groups wider than SPLIT_WIDTH digit heights, or than
    MIN_SPLIT_WIDTH if read with less, and every way of cutting and joining is weighed (see
    the module's docstring)."""
    top = min(group.top for group in cluster)
    left = min(group.left for group in cluster)
    window = (slice(top, max(group.bottom for group in cluster)), slice(left, max(group.right for group in cluster)))
    crop = ink[window]
    plain, plain_ends, _ = _boundaries(crop, cluster, window, digit_height, [False] * len(cluster),
                                       [False] * len(cluster))
    whole_groups = list(zip(plain_ends, plain_ends[1:]))
    singles = _candidates(crop, plain, whole_groups, digit_height, (top, left), whole_groups)
    sure = [False] * len(cluster)
    if len(singles) == len(cluster):
        confidences = _confidences(score, [picture for _, _, picture, _ in singles])
        tall = np.array([group.height for group in cluster]) >= SHORT_PIECE * digit_height
        sure = list((confidences >= SURE) & tall)  # a short mark read as a sure 1 (a sliver) is weighed
    wide = [group.width > SPLIT_WIDTH * digit_height for group in cluster]
    if all(sure) and not any(wide):
        return [(picture, box, float(confidence), group)
                for group, ((_, _, picture, box), confidence) in enumerate(zip(singles, confidences))]
    to_cut = [is_wide or (not is_sure and group.width > MIN_SPLIT_WIDTH * digit_height)
              for group, is_wide, is_sure in zip(cluster, wide, sure)]
    (budget or CutBudget()).spend(sum(group.width for group, cut in zip(cluster, to_cut) if cut) / digit_height)
    lefts, group_ends, splits = _boundaries(crop, cluster, window, digit_height, to_cut, wide)
    whole_groups = list(zip(group_ends, group_ends[1:]))
    paths = [index for index in range(len(lefts)) if index not in splits]
    path_pairs = {(paths[start], paths[end]) for start, end in _narrow_pairs([lefts[i] for i in paths], digit_height)}
    pairs = sorted(path_pairs | set(whole_groups) | split_pairs(crop >= FAINT_INK, lefts, group_ends, splits),
                   key=lambda pair: pair[::-1])
    candidates = _candidates(crop, lefts, pairs, digit_height, (top, left), set(whole_groups))
    if not candidates:
        return []
    outputs = np.asarray(score([picture for _, _, picture, _ in candidates]), dtype=np.float64)
    confidences = outputs.max(axis=1)
    gains = gain_terms(crop, lefts, group_ends, wide, candidates, outputs, digit_height).sum(axis=1)
    path = best_path(len(lefts), [(start, end) for start, end, _, _ in candidates], gains)
    if path is None:  # no way to cut it into digit-wide pieces: the groups as they are
        chosen = _candidates(crop, lefts, whole_groups, digit_height, (top, left), whole_groups)
        return [(picture, box, float(c), group_ends.index(start))
                for (start, _, picture, box), c in zip(chosen, _confidences(score, [c[2] for c in chosen]))]
    return [(candidates[index][2], candidates[index][3], float(confidences[index]),
             bisect.bisect_right(group_ends, candidates[index][0]) - 1) for index in path]


def _confidences(score: Score, pictures: list[np.ndarray]) -> np.ndarray:
    """How surely ``score`` reads a digit in each of ``pictures``: its strongest output, (n,)."""
    return np.asarray(score(pictures), dtype=np.float64).max(axis=1)


def gain_terms(crop: np.ndarray, lefts: list[np.ndarray], group_ends: list[int], wide: list[bool],
               candidates: list[tuple[int, int, np.ndarray, tuple[int, int, int, int]]], outputs: np.ndarray,
               digit_height: float) -> np.ndarray:
    """What each of ``candidates`` (start, end, picture, box, from :func:`_candidates`) adds
    to a way of cutting the cluster ``crop``, read with ``outputs`` (n, 10), term by term
    (GAIN_TERMS; see the module's docstring): (n, len(GAIN_TERMS)) float, whose row sums
    the dynamic programming adds. ``wide`` says which of its groups are wide."""
    solid = crop >= FAINT_INK
    ink_cuts = np.array([ink_cut(solid, left) for left in lefts], dtype=np.float64)  # (boundaries, 2)
    starts = np.array([start for start, _, _, _ in candidates])
    ends = np.array([end for _, end, _, _ in candidates])
    boxes = np.array([box for _, _, _, box in candidates], dtype=np.float64)
    widths = (boxes[:, 3] - boxes[:, 1]) / digit_height
    heights = (boxes[:, 2] - boxes[:, 0]) / digit_height
    ends_of_groups = np.array(group_ends)
    joined = ((ends_of_groups[None, :] > starts[:, None]) & (ends_of_groups[None, :] < ends[:, None])).sum(axis=1)
    cuts = ~np.isin(ends, ends_of_groups)  # ends where it cuts through ink
    rows, strokes = ink_cuts[ends].T
    narrow_cut = cuts & ~np.asarray(wide)[np.searchsorted(ends_of_groups, ends) - 1]  # cuts a group not wide
    crossed = crossings(np.array([picture for _, _, picture, _ in candidates]))
    allowed = MAX_CROSSINGS[outputs.argmax(axis=1)]
    return np.column_stack([
        np.log(np.maximum(outputs.max(axis=1), MIN_CONFIDENCE)), np.full(len(candidates), PIECE_BONUS),
        -WIDE_COST * np.maximum(widths - WIDE_PIECE, 0.0), -NARROW_COST * np.maximum(NARROW_PIECE - widths, 0.0),
        -SHORT_COST * np.maximum(SHORT_PIECE - heights, 0.0), -CROSSING_COST * np.maximum(crossed - allowed, 0.0),
        -JOIN_PENALTY * joined,
        -NARROW_CUT_PENALTY * narrow_cut, -CUT_PENALTY * cuts, -STROKE_COST * cuts * np.maximum(strokes - 1, 0.0),
        -CUT_LENGTH_COST * cuts * rows / digit_height])


def _boundaries(crop: np.ndarray, cluster: list[Group], window: tuple[slice, slice], digit_height: float,
                to_cut: list[bool], wide: list[bool]) -> tuple[list[np.ndarray], list[int], set[int]]:
    """(the ways to cut the cluster's ``crop``, as "left of here" masks over it: nothing,
    then for each group its cuts (if ``to_cut`` says; along its straight strokes too if
    ``wide`` says), each containing the one before, its splits into stroke fragments (if
    cut and wider than FRAGMENT_WIDTH digit heights; :mod:`.fragments`) and the whole
    group in turn; the indices of the masks that end a group, 0 first; the indices of the
    splits, which contain the masks before the group but not always its cuts)."""
    columns = np.arange(crop.shape[1])
    left = window[1].start
    lefts = [np.zeros(crop.shape, dtype=bool)]
    group_ends = [0]
    splits: set[int] = set()
    done = lefts[0]
    for group, cut, is_wide in zip(cluster, to_cut, wide):
        mask = group.mask[window]
        if cut:
            solid = (crop >= FAINT_INK) & mask
            inside = solid[:, group.left - left:group.right - left]
            for path in sorted(cut_paths(inside, digit_height, is_wide), key=lambda path: path.mean()):
                lefts.append(done | (mask & (columns[None, :] < (path + group.left - left)[:, None])))
            if group.width > FRAGMENT_WIDTH * digit_height:
                box = (slice(group.top - window[0].start, group.bottom - window[0].start),
                       slice(group.left - left, group.right - left))
                for split in sorted(fragment_splits(mask[box], solid[box], digit_height), key=np.count_nonzero):
                    splits.add(len(lefts))
                    lefts.append(done.copy())
                    lefts[-1][box] |= split
        done = done | mask
        lefts.append(done)
        group_ends.append(len(lefts) - 1)
    return lefts, group_ends, splits


def _narrow_pairs(lefts: list[np.ndarray], digit_height: float) -> list[tuple[int, int]]:
    """The (start, end) boundaries of ``lefts`` (nested masks, :func:`_boundaries`) between
    which the ink is at most PIECE_WIDTHS[1] digit heights wide, found from the columns
    each boundary adds to the one before, without forming the pieces: a wide cluster has
    hundreds of boundaries, and only a digit's width of them can start a piece ending at each."""
    inked = [np.flatnonzero((after & ~before).any(axis=0)) for before, after in zip(lefts, lefts[1:])]
    firsts = [columns[0] if columns.size else np.inf for columns in inked]
    lasts = [columns[-1] if columns.size else -np.inf for columns in inked]
    widest = PIECE_WIDTHS[1] * digit_height
    pairs = []
    for end in range(1, len(lefts)):
        first, last = np.inf, -np.inf
        for start in range(end - 1, -1, -1):  # the piece grows leftwards, one boundary at a time
            first, last = min(first, firsts[start]), max(last, lasts[start])
            if last - first + 1 > widest:
                break
            pairs.append((start, end))
    return pairs


def _candidates(crop: np.ndarray, lefts: list[np.ndarray], pairs: list[tuple[int, int]], digit_height: float,
                origin: tuple[int, int], digit_pairs: Collection[tuple[int, int]] = ()
                ) -> list[tuple[int, int, np.ndarray, tuple[int, int, int, int]]]:
    """(start, end, picture (28, 28) uint8, box (top, left, bottom, right) in line pixels)
    for each piece between boundaries ``start`` and ``end`` of ``pairs`` that holds enough
    ink to be framed and is as wide as a digit, unless (start, end) is in ``digit_pairs``
    (a whole group, read whatever its width: a wide 0 is one digit, not two)."""
    candidates = []
    for start, end in pairs:
        piece = lefts[end] & ~lefts[start]
        columns = np.flatnonzero(piece.any(axis=0))
        if columns.size == 0:
            continue
        width = columns[-1] - columns[0] + 1
        if not ((start, end) in digit_pairs or PIECE_WIDTHS[0] * digit_height <= width <= PIECE_WIDTHS[1] * digit_height):
            continue
        rows = np.flatnonzero(piece.any(axis=1))
        box = (int(rows[0]), int(columns[0]), int(rows[-1]) + 1, int(columns[-1]) + 1)
        try:
            picture = frame_digit(np.where(piece, crop, 0)[box[0]:box[2], box[1]:box[3]])
        except NoDigitFound:
            continue
        candidates.append((start, end, picture, (box[0] + origin[0], box[1] + origin[1],
                                                 box[2] + origin[0], box[3] + origin[1])))
    return candidates


def segment(marks: Marks, score: Score) -> list[Piece]:
    """The digits of the number in ``marks``, left to right (see the module's docstring).
    Raises NoDigitFound if the line holds only specks."""
    line = read_line(marks)
    return segment_groups(line, *digit_groups(line.ink), score)


def segment_groups(line: Line, groups: list[Group], digit_height: float, score: Score) -> list[Piece]:
    """The digits of ``line``, whose ink :func:`~.groups.digit_groups` put into ``groups`` of
    ``digit_height`` (line pixels), left to right: :func:`segment` for a caller that has
    already read the line and its groups. Raises NotADigit if more than MAX_CUT_WIDTH
    digit heights of its marks would be cut apart (:class:`CutBudget`)."""
    pieces = []
    first_group = 0
    budget = CutBudget()
    for cluster in clusters(groups, digit_height):
        for picture, (top, left, bottom, right), confidence, group in split_cluster(
                line.ink, cluster, digit_height, score, budget):
            pieces.append(Piece(picture, line.box(top, left, bottom, right), confidence, first_group + group))
        first_group += len(cluster)
    return pieces
