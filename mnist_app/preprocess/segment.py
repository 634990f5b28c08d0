"""Cut a number into its digits, left to right; the recogniser judges where (it knows no network).

1. The marks' line is read again and its ink put into digit *groups* and *clusters*
   (:mod:`.line`).
2. In a cluster, each group is read on its own first; when all of its groups are narrow
   and read with SURE confidence, they are its digits.
3. Otherwise candidate cuts (:mod:`.cuts`) are proposed in its wide or doubtful groups, and
   every way of cutting and joining is scored by ``score``, the recogniser's confidence in
   each piece (framed as MNIST digits by :func:`~mnist_app.preprocess.frame_digit`): the
   best has the highest sum of log(confidence) - PIECE_PENALTY per piece, - CUT_PENALTY
   per cut through ink, - JOIN_PENALTY per join of separate marks (dynamic programming),
   - the piece's width cost (the recogniser reads two squeezed digits as one all too
   surely, so a piece much wider than the line's digit width, the median width of its
   narrow groups, pays for it) and - SLIVER_COST for a narrow strip cut off a digit.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Callable, Collection

import numpy as np

from mnist_app.errors import NoDigitFound
from mnist_app.preprocess import Marks, frame_digit
from mnist_app.preprocess.cuts import cut_paths
from mnist_app.preprocess.line import Box, Group, clusters, digit_groups, read_line
from mnist_app.preprocess.parts import FAINT_INK

SPLIT_WIDTH = 0.95  # a group wider than this many digit heights may hold touching digits...
MIN_SPLIT_WIDTH = 0.5  # ...and one wider than this that is read with less than SURE confidence
PIECE_WIDTHS = (0.1, 1.3)  # a digit is this many digit heights wide
SURE = 0.8  # narrow groups each read at least this confidently are taken as they are
PIECE_PENALTY = 0.5  # the cost of each piece, against log(confidence) in (-inf, 0]
CUT_PENALTY = 0.5  # the cost of cutting through ink: one digit must not become two lightly
JOIN_PENALTY = 1.0  # the cost of reading two separate marks as one digit (a broken 0's two halves)
DIGIT_WIDTHS = (0.7, 0.8)  # the line's digit width (its narrow groups' median) lies in this many digit heights
DIGIT_WIDTH = 0.7  # ...and is this many when no group is narrow
NARROW_GROUP = 1.0  # groups narrower than this many digit heights set the line's digit width
WIDE_PIECE = 1.3  # a piece wider than this many of the line's digit widths is likely two digits...
WIDE_COST = 2.0  # ...and costs this much per digit width beyond it
SLIVER = 0.35  # a piece cut off narrower than this many digit widths is likely a stroke of a digit...
SLIVER_COST = 2.0  # ...and costs this much
MIN_CONFIDENCE = 1e-6  # confidences are clipped here before the log

Score = Callable[[list[np.ndarray]], np.ndarray]  # (28, 28) uint8 pictures -> confidences (n,) in [0, 1]


@dataclass(frozen=True)
class Piece:
    """One digit of a number: ``picture`` (28, 28) uint8 as MNIST draws it, its ``box`` in
    the picture's pixels, the ``confidence`` the scorer gave it, and the ``group`` (index,
    left to right, of the line's separate marks) where it starts: pieces cut from touching
    digits share one."""

    picture: np.ndarray
    box: Box
    confidence: float
    group: int


def line_digit_width(groups: list[Group], digit_height: float) -> float:
    """The line's digit width in line pixels: the median width of its groups narrower than
    NARROW_GROUP digit heights (most hold one digit), kept within DIGIT_WIDTHS."""
    narrow = [group.width for group in groups if group.width < NARROW_GROUP * digit_height]
    typical = float(np.median(narrow)) / digit_height if narrow else DIGIT_WIDTH
    return float(np.clip(typical, *DIGIT_WIDTHS)) * digit_height


def width_cost(widths: np.ndarray) -> np.ndarray:
    """The cost of reading pieces ``widths`` digit widths wide (any shape) as one digit each:
    WIDE_COST per digit width beyond WIDE_PIECE (a digit as wide as one and a half is two)."""
    return WIDE_COST * np.maximum(widths - WIDE_PIECE, 0.0)


def split_cluster(ink: np.ndarray, cluster: list[Group], digit_height: float, digit_width: float,
                  score: Score) -> list[tuple[np.ndarray, tuple[int, int, int, int], float, int]]:
    """The best way to cut ``cluster`` (groups of the line ``ink``) into digits: a list of
    (picture (28, 28) uint8, box (top, left, bottom, right) in line pixels, confidence,
    index in ``cluster`` of the group where the piece starts), left to right; the line's
    ``digit_height`` and ``digit_width`` in line pixels.

    Each group is first read on its own. When every group is narrow and read with at
    least SURE confidence, the groups are the digits; otherwise cuts are proposed in the
    groups wider than SPLIT_WIDTH digit heights, or than MIN_SPLIT_WIDTH if read with less,
    and every way of cutting and joining is weighed."""
    top = min(group.top for group in cluster)
    left = min(group.left for group in cluster)
    window = (slice(top, max(group.bottom for group in cluster)), slice(left, max(group.right for group in cluster)))
    crop = ink[window]
    plain, plain_ends = _boundaries(crop, cluster, window, digit_height, [False] * len(cluster))
    whole_groups = list(zip(plain_ends, plain_ends[1:]))
    singles = _candidates(crop, plain, whole_groups, digit_height, (top, left), whole_groups)
    sure = [False] * len(cluster)
    if len(singles) == len(cluster):
        confidences = np.asarray(score([picture for _, _, picture, _ in singles]), dtype=np.float64)
        sure = list(confidences >= SURE)
    wide = [group.width > SPLIT_WIDTH * digit_height for group in cluster]
    if all(sure) and not any(wide):
        return [(picture, box, float(confidence), group)
                for group, ((_, _, picture, box), confidence) in enumerate(zip(singles, confidences))]
    to_cut = [is_wide or (not is_sure and group.width > MIN_SPLIT_WIDTH * digit_height)
              for group, is_wide, is_sure in zip(cluster, wide, sure)]
    lefts, group_ends = _boundaries(crop, cluster, window, digit_height, to_cut)
    pairs = [(start, end) for end in range(1, len(lefts)) for start in range(end)]
    whole_groups = list(zip(group_ends, group_ends[1:]))
    candidates = _candidates(crop, lefts, pairs, digit_height, (top, left), set(whole_groups))
    if not candidates:
        return []
    confidences = np.asarray(score([picture for _, _, picture, _ in candidates]), dtype=np.float64)
    joined = np.array([sum(start < end_of_group < end for end_of_group in group_ends)
                       for start, end, _, _ in candidates])  # separate marks read as one digit
    cut = np.array([end not in group_ends for _, end, _, _ in candidates])  # ends where it cuts through ink
    widths = np.array([(box[3] - box[1]) / digit_width for _, _, _, box in candidates])
    gains = (np.log(np.maximum(confidences, MIN_CONFIDENCE)) - PIECE_PENALTY - JOIN_PENALTY * joined
             - CUT_PENALTY * cut - width_cost(widths))
    cut_off = np.array([start not in group_ends or end not in group_ends for start, end, _, _ in candidates])
    gains -= SLIVER_COST * (cut_off & (widths < SLIVER))
    best = np.full(len(lefts), -np.inf)
    best[0] = 0.0
    choice = [-1] * len(lefts)  # the candidate that ends the best way to each boundary
    for index in sorted(range(len(candidates)), key=lambda i: candidates[i][1]):  # by where they end
        start, end = candidates[index][:2]
        if best[start] + gains[index] > best[end]:
            best[end], choice[end] = best[start] + gains[index], index
    end = len(lefts) - 1
    if choice[end] < 0:  # no way to cut it into digit-wide pieces: the groups as they are
        chosen = _candidates(crop, lefts, whole_groups, digit_height, (top, left), whole_groups)
        return [(picture, box, float(c), group_ends.index(start))
                for (start, _, picture, box), c in zip(chosen, score([c[2] for c in chosen]))]
    pieces = []
    while end > 0:
        start, _, picture, box = candidates[choice[end]]
        pieces.append((picture, box, float(confidences[choice[end]]), bisect.bisect_right(group_ends, start) - 1))
        end = start
    return pieces[::-1]


def _boundaries(crop: np.ndarray, cluster: list[Group], window: tuple[slice, slice],
                digit_height: float, to_cut: list[bool]) -> tuple[list[np.ndarray], list[int]]:
    """(the ways to cut the cluster's ``crop``, as "left of here" masks over it, each
    containing the one before: nothing, then for each group its cuts (if ``to_cut`` says)
    and the whole group in turn; the indices of the masks that end a group, 0 first)."""
    columns = np.arange(crop.shape[1])
    left = window[1].start
    lefts = [np.zeros(crop.shape, dtype=bool)]
    group_ends = [0]
    done = lefts[0]
    for group, cut in zip(cluster, to_cut):
        mask = group.mask[window]
        if cut:
            solid = (crop >= FAINT_INK) & mask
            inside = solid[:, group.left - left:group.right - left]
            for path in sorted(cut_paths(inside, digit_height), key=lambda path: path.mean()):
                lefts.append(done | (mask & (columns[None, :] < (path + group.left - left)[:, None])))
        done = done | mask
        lefts.append(done)
        group_ends.append(len(lefts) - 1)
    return lefts, group_ends


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
    groups, digit_height = digit_groups(line.ink)
    width = line_digit_width(groups, digit_height)
    pieces = []
    first_group = 0
    for cluster in clusters(groups, digit_height):
        for picture, (top, left, bottom, right), confidence, group in split_cluster(
                line.ink, cluster, digit_height, width, score):
            pieces.append(Piece(picture, line.box(top, left, bottom, right), confidence, first_group + group))
        first_group += len(cluster)
    return pieces


def beats_one_digit(pieces: list[Piece], confidence: float, aspect: float) -> bool:
    """Whether ``pieces`` read as separate digits score higher than all the marks (``aspect``
    times as wide as tall) read as one digit with ``confidence``, by the same measure as
    the cutting (log(confidence) - PIECE_PENALTY for each piece; for the one digit, also
    its width's cost, as if DIGIT_WIDTH digit heights made a digit width), by JOIN_PENALTY
    at least: a picture that is read as one digit is taken apart only for a clearly better
    reading."""
    def gain(value: float) -> float:
        return float(np.log(max(value, MIN_CONFIDENCE))) - PIECE_PENALTY
    one = gain(confidence) - float(width_cost(np.array(aspect / DIGIT_WIDTH)))
    return sum(gain(piece.confidence) for piece in pieces) > one + JOIN_PENALTY
