"""The ink of a number's line: its grey levels above the paper made into ink in [0, 1],
with the marks too light to stand out from mottled paper, without ruled lines and with
each stroke at full strength (:func:`line_ink`)."""

from __future__ import annotations

import contextlib

import numpy as np
from PIL import Image

from mnist_app.errors import NoDigitFound
from mnist_app.preprocess.ink import Paper, stretched
from mnist_app.preprocess.parts import FAINT_INK, HAIRLINE_INK, add_hairlines, label_parts, part_boxes, spread
from mnist_app.preprocess.picture import resized

# Ink of at least WEAK_INK is brought to full strength by the strongest ink within
# EVEN_REACH of the line's height around it, if that reaches FAINT_PEAK (a digit in a
# lighter pen).
WEAK_INK = 0.1
FAINT_PEAK = 0.15
EVEN_REACH = 0.08
# A mark too light to stand out from the paper's mottling and shading (whose spread
# lifts the noise floor) is looked for again in its ink above the paper around it (the
# darkest level within SHADING_REACH of the line's height, then the lightest of those: a
# grey opening, which thinner strokes do not survive), and is taken from there where less
# than LIGHT_MARK_SHARE of it was strong ink already (a bold stroke keeps its own,
# narrower, edges).
SHADING_REACH = 0.15
SHADING_BLOCK = 2
LIGHT_MARK_SHARE = 0.5
LIGHT_MARK_HEIGHT = 0.35  # ...if it is at least this many line heights tall (the paper's blotches are not)
# A mark still missing then, whose strokes stand no higher above the paper than its grain
# pixel by pixel, is looked for once more, the same way, in the ink averaged over squares
# LIGHT_BLOCK of the line's height across (the grain averages out, a stroke does not).
LIGHT_BLOCK = 0.03
# A row of ink longer than RULE_LENGTH times the line's height is a ruled line (no digit's
# stroke is that long); it is wiped, except where a stroke crosses it (ink within
# RULE_REACH of the line's height both above and below).
RULE_LENGTH = 1.5
RULE_REACH = 0.05
# A faint stretch strung to a stroke beyond its soft edge (with_hairlines) is a hairline
# if it runs out more than HAIRLINE_LENGTH of the line's height from the strokes, or
# joins two strokes and spans as much (a 0's thick sides joined by thin arcs); shorter
# ones are a bold stroke's blurred rim, or the gap between two digits that nearly touch.
HAIRLINE_LENGTH = 0.03
# ...and runs through clean paper: with fewer pixels of faint ink strung to no stroke within
# HAIRLINE_LENGTH of it than HAIRLINE_NOISE of its own (else it is grain, a shadow's say).
HAIRLINE_NOISE = 0.25


def line_ink(band: np.ndarray, paper: Paper) -> np.ndarray:
    """The ink of ``band`` (grey levels (h, w), a number's line) on its ``paper``:
    stretched, with the marks too light to stand out from the paper's mottling
    (:func:`with_light_marks`: before the ruled lines go, so that no trace of a
    wiped line is taken for one), without ruled lines, with the marks still missing that
    stand out once the paper's grain is averaged out (LIGHT_BLOCK; their ruled lines
    wiped too), each stroke at full strength. Raises NoDigitFound if none stands out."""
    above = paper.above_paper(band)
    ink = stretched(above.copy())
    with contextlib.suppress(NoDigitFound):  # nothing stands out above the shading: no light mark
        ink = with_light_marks(ink, even_marks(stretched(above_shading(above))))
    ink = without_rules(ink)
    block = round(LIGHT_BLOCK * above.shape[0])
    if block >= 2:
        with contextlib.suppress(NoDigitFound):
            averaged = without_rules(even_marks(stretched(above_shading(_reduced(above, block)))))
            reduced = _reduced(ink, block)
            if with_light_marks(reduced, averaged, 1) is not reduced:  # one is missing: at full size, which
                ink = with_light_marks(ink, resized(averaged, ink.shape[::-1], Image.Resampling.BILINEAR), block)
    return even_marks(ink)


def _hairline_length(height: int) -> int:
    """HAIRLINE_LENGTH of a line ``height`` pixels tall, in pixels (at least 1): a
    hairline runs out further or spans as much, so it has at least this many pixels of
    faint ink beyond its strokes' soft edge."""
    return max(1, round(HAIRLINE_LENGTH * height))


def with_hairlines(ink: np.ndarray) -> np.ndarray:
    """``ink`` (h, w) in [0, 1], a number's line, with its digits' hairlines kept as
    :func:`~.parts.digit_parts` keeps one digit's (:func:`~.parts.add_hairlines`, on the
    strokes: ink of at least FAINT_INK with the pixels next to it, their soft edge, as
    :func:`~.groups.digit_groups` takes them) and brought up to at least FAINT_INK, as
    are the soft edge's pixels (of at least HAIRLINE_INK) where one meets its stroke:
    the line's ink is grouped and cut by what reaches FAINT_INK, so a fountain pen's
    upstrokes must join each digit's downstrokes there (else a 0 written thick and thin
    is two marks, read "11"). Only stretches that are hairlines (:func:`_hairlines`)
    count; the rest of ``ink`` is kept as it is (``ink`` itself if none is added)."""
    strong = ink >= FAINT_INK
    strokes = spread(np.maximum, strong, 1) & (ink > 0)
    kept = np.flatnonzero(strokes)
    faint = (ink >= HAIRLINE_INK) & ~strokes
    if kept.size == 0 or np.count_nonzero(faint) < _hairline_length(ink.shape[0]):
        return ink  # too little faint ink for any hairline (a clean photo or canvas): no labelling
    digits = np.where(strokes, ink, 0).astype(np.float32)
    add_hairlines(digits, ink, kept)
    added = (digits != 0) & ~strokes
    if not added.any():
        return ink
    added = _hairlines(added, strong, faint & ~added)
    if not added.any():
        return ink
    added |= spread(np.maximum, added, 1) & strokes & (ink < FAINT_INK) & (ink >= HAIRLINE_INK)
    return np.where(added, np.maximum(digits, FAINT_INK), ink).astype(np.float32)


def _hairlines(added: np.ndarray, strong: np.ndarray, stray: np.ndarray) -> np.ndarray:
    """Of the faint stretches ``added`` (bool (h, w): ink strung to the ``strong`` ink's
    soft edge), those that run out more than HAIRLINE_LENGTH of the line's height from
    the strong ink, or join two of its parts and span at least as much, and have fewer
    pixels of ``stray`` (bool (h, w): faint ink strung to no stroke) within that reach
    than HAIRLINE_NOISE of their own: bool (h, w)."""
    length = _hairline_length(added.shape[0])
    stretches, parts = label_parts(added)
    pixels = np.flatnonzero(stretches)
    part_of = stretches.ravel()[pixels]
    far = ~spread(np.maximum, strong, length).ravel()[pixels]
    hairline = np.bincount(part_of, weights=far, minlength=parts + 1) > 0
    labels, count = label_parts(strong)
    # The strong parts next to each stretch (through the soft edge between them): the
    # highest and lowest numbered; a stretch next to two joins them.
    highest, lowest = np.zeros(parts + 1, dtype=np.int32), np.full(parts + 1, count + 1, dtype=np.int32)
    np.maximum.at(highest, part_of, spread(np.maximum, labels, 2).ravel()[pixels])
    np.minimum.at(lowest, part_of, spread(np.minimum, np.where(strong, labels, count + 1), 2).ravel()[pixels])
    boxes = part_boxes(stretches, parts)  # (top, left, bottom, right) of stretches 1..parts
    spans = np.concatenate(([0], np.maximum(boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1])))
    hairline |= (lowest < highest) & (highest <= count) & (spans >= length)
    # The stray faint ink within reach of each stretch (of the highest numbered, where
    # several are near): the paper's grain, where there is as much of it as of the stretch.
    near = spread(np.maximum, stretches, length)
    hairline &= np.bincount(near[stray], minlength=parts + 1) < HAIRLINE_NOISE * np.bincount(part_of, minlength=parts + 1)
    hairline[0] = False
    kept = np.zeros(added.size, dtype=bool)
    kept[pixels[hairline[part_of]]] = True
    return kept.reshape(added.shape)


def without_rules(ink: np.ndarray) -> np.ndarray:
    """``ink`` (h, w) in [0, 1], a number's line, without its ruled lines (see RULE_LENGTH)."""
    height, width = ink.shape
    inked = ink >= WEAK_INK
    padded = np.zeros((height, width + 2), dtype=np.int8)
    padded[:, 1:-1] = inked
    edges = np.diff(padded, axis=1)
    rows, starts = np.nonzero(edges == 1)
    _, ends = np.nonzero(edges == -1)  # exclusive; same order as starts
    long = (ends - starts) >= RULE_LENGTH * height
    if not long.any():
        return ink
    runs = np.zeros((height, width + 1), dtype=np.int32)  # +1 where a long run starts, -1 past its end
    np.add.at(runs, (rows[long], starts[long]), 1)
    np.add.at(runs, (rows[long], ends[long]), -1)
    rule = np.cumsum(runs, axis=1)[:, :width] > 0
    rule[1:] |= rule[:-1].copy()  # with its soft edges, a row above and below
    rule[:-1] |= rule[1:].copy()
    stroke = inked & ~rule
    reach = max(2, round(RULE_REACH * height))
    strokes_before = np.vstack([np.zeros((1, width), dtype=np.int32), np.cumsum(stroke, axis=0, dtype=np.int32)])
    row = np.arange(height)
    above = strokes_before[row] > strokes_before[np.maximum(row - reach, 0)]
    below = strokes_before[np.minimum(row + 1 + reach, height)] > strokes_before[row + 1]
    return np.where(rule & ~(above & below), 0, ink).astype(np.float32)


def even_marks(ink: np.ndarray) -> np.ndarray:
    """``ink`` (h, w) in [0, 1], each stroke scaled so that its strongest pixel is 1 if that
    reaches FAINT_PEAK: the gain at a pixel of ink (at least WEAK_INK) comes from the
    strongest ink within EVEN_REACH of the line's height around it, so a digit written
    lighter than its neighbours keeps its strokes above FAINT_INK even where its soft edge
    meets theirs, while a bold stroke's own soft edge stays soft. Fainter ink is left as it is."""
    reach = max(1, round(EVEN_REACH * ink.shape[0]))
    peaks = spread(np.maximum, ink, reach)
    gain = np.where((ink >= WEAK_INK) & (peaks >= FAINT_PEAK), 1 / np.maximum(peaks, FAINT_PEAK), 1)
    return np.minimum(ink * gain, 1).astype(np.float32)


def above_shading(ink: np.ndarray) -> np.ndarray:
    """``ink`` (h, w) float32, a number's line above its paper, less the level of the paper
    around each pixel: the paper's mottling and shading taken away, its strokes kept. The
    paper's level is a grey opening reaching SHADING_REACH of the line's height, worked on
    the darkest pixel of each SHADING_BLOCK-pixel square (a tenth of the time; it stays
    at or under every pixel's own level, as an opening does)."""
    height, width = ink.shape
    block = SHADING_BLOCK
    padded = np.pad(ink, ((0, -height % block), (0, -width % block)), mode="edge")
    darkest = padded[::block, ::block].copy()
    for row in range(block):  # strided views: a reshape's min over the block took 80 times as long
        for column in range(block):
            np.minimum(darkest, padded[row::block, column::block], out=darkest)
    reach = max(1, round(SHADING_REACH * height / block))
    level = spread(np.maximum, spread(np.minimum, darkest, reach), reach)
    return ink - np.repeat(np.repeat(level, block, axis=0), block, axis=1)[:height, :width]


def with_light_marks(ink: np.ndarray, light: np.ndarray, reach: int = 0) -> np.ndarray:
    """``ink`` (h, w) in [0, 1], a number's line, with the marks of ``light`` (the same
    line's ink measured against the paper around each stroke, :func:`above_shading`) that
    it lacks: each part of ``light``'s strong ink (FAINT_INK) of which less than
    LIGHT_MARK_SHARE is strong in ``ink`` and which is LIGHT_MARK_HEIGHT of the line's
    height tall (a digit in a lighter pen, lost in the paper's noise) is taken from
    ``light`` with its soft edge; the rest of ``ink`` is kept (``ink`` itself if none is
    taken). ``ink``'s strong pixels count ``reach`` pixels around them (``light`` averaged
    over squares ``reach`` pixels across spreads each stroke by about as much)."""
    labels, count = label_parts(light >= FAINT_INK)
    if count == 0:
        return ink
    pixels = np.bincount(labels.ravel(), minlength=count + 1)
    near_strong = spread(np.maximum, ink >= FAINT_INK, reach) if reach else ink >= FAINT_INK
    strong = np.bincount(labels.ravel(), weights=near_strong.ravel(), minlength=count + 1)
    missing = strong < LIGHT_MARK_SHARE * pixels
    missing[0] = False  # the paper
    if not missing.any():  # the common case: every mark is there already
        return ink
    boxes = part_boxes(labels, count)
    missing[1:] &= boxes[:, 2] - boxes[:, 0] >= LIGHT_MARK_HEIGHT * ink.shape[0]
    if not missing.any():
        return ink
    taken = spread(np.maximum, missing[labels].astype(np.uint8), 1).astype(bool)
    return np.where(taken, np.maximum(ink, light), ink).astype(np.float32)


def _reduced(ink: np.ndarray, block: int) -> np.ndarray:
    """``ink`` (h, w) float32 averaged over squares of ``block`` pixels: (h // block, w // block)."""
    height, width = ink.shape
    return resized(ink, (max(1, width // block), max(1, height // block)), Image.Resampling.BOX)
