"""The digit's parts: connected ink, specks to drop, and the box that holds what is kept."""

from __future__ import annotations

import numpy as np

from mnist_app.errors import NoDigitFound

# Ink below this level (after stretching) counts only next to stronger ink...
FAINT_INK = 0.3
# ...or as a hairline: ink of at least HAIRLINE_INK that reaches the digit's strokes only
# through ink as faint (a fountain pen's upstroke, which a photo blurs to a tenth to a
# third of the downstroke's level). Hairlines are kept and read as if FAINT_INK were full
# ink, unless they run further than HAIRLINE_REACH of the digit's longer side from its
# box or to the picture's edge (a shadow's rim, a ruled line), or outweigh HAIRLINE_SHARE
# of the digit's ink (a smudge).
HAIRLINE_INK = 0.05
HAIRLINE_REACH = 1.0
HAIRLINE_SHARE = 0.5
# Ink parts lighter than this fraction of the heaviest part are specks; parts closer than
# LINK_FRACTION of the picture's longer side are joined first so a broken stroke stays whole.
SPECK_FRACTION = 0.05
LINK_FRACTION = 0.01
# A "digit" smaller than this fraction of the picture's longer side, or than this many
# pixels, is a speck on blank paper. A 40-pixel digit in a 4000-pixel photo is 1%.
MIN_DIGIT_FRACTION = 0.008
MIN_DIGIT_PIXELS = 3
# A part that runs along an edge of the picture for more than this fraction of it, or
# touches two opposite edges, is the page's furniture (a table edge, a ruled line, a fold
# or shadow), not a digit, unless nothing else is left.
EDGE_CONTACT_FRACTION = 0.25
# So is a part that has no stroke core (its ink of at least FAINT_INK averages under
# SHADOW_LEVEL: a shadow or the page's rim, stretched against the strokes) and touches an
# edge, or lies in the open beside a part that has one.
SHADOW_LEVEL = 0.5


def without_specks(ink: np.ndarray) -> np.ndarray:
    """``ink`` (h, w) keeping only the digit (see :func:`digit_parts`)."""
    return digit_parts(ink)[0]


def digit_parts(ink: np.ndarray) -> tuple[np.ndarray, bool]:
    """(``ink`` (h, w) keeping only the digit, whether it kept only the page's furniture):
    faint haze, the page's edges and lines, and parts much lighter than the main one go.

    Ink counts where it is at least FAINT_INK or touches such a pixel (its anti-aliased
    edge); fainter ink further out (compression ringing, smudges) is dropped unless it is a
    hairline joined to the kept parts (:func:`add_hairlines`). Parts closer
    than LINK_FRACTION of the image size are joined. Parts that look like page furniture
    (see EDGE_CONTACT_FRACTION, SHADOW_LEVEL) are dropped when anything else remains, else kept (and
    the second item is True); of the rest, those with less than SPECK_FRACTION of the
    heaviest one's ink are specks.
    """
    strong = ink >= FAINT_INK
    link = max(1, round(LINK_FRACTION * max(ink.shape)))
    linked = spread(np.maximum, strong, link)
    inside, part_of, parts = label_pixels(linked)  # the pixels of parts, flat: the rest is paper (label 0)
    values = ink.ravel()[inside]
    masses = np.bincount(part_of, weights=values, minlength=parts + 1)  # the paper's is 0
    is_strong = values >= FAINT_INK
    levels = np.bincount(part_of, weights=np.where(is_strong, values, 0), minlength=parts + 1) / np.maximum(
        np.bincount(part_of[is_strong], minlength=parts + 1), 1)  # mean strong ink
    coreless = levels < SHADOW_LEVEL
    furniture = _page_furniture(linked.shape, inside, part_of, coreless)
    if (masses[1:][~coreless[1:]] > 0).any():  # a shadow's blob in the open is no stroke either
        furniture |= coreless
    only_furniture = not masses[~furniture].any()
    if not only_furniture:
        masses[furniture] = 0
    keep = masses >= SPECK_FRACTION * masses.max()
    keep[0] = False
    kept = inside[keep[part_of]]
    digit = np.zeros(ink.shape, dtype=np.float32)
    digit.reshape(-1)[kept] = ink.ravel()[kept]
    if not only_furniture:
        add_hairlines(digit, ink, kept)
    return digit, only_furniture


def add_hairlines(digit: np.ndarray, ink: np.ndarray, kept: np.ndarray) -> None:
    """Add to ``digit`` (h, w), in place, the hairlines of ``ink`` (h, w): the ink of at
    least HAIRLINE_INK connected through such ink to the digit's pixels ``kept`` (sorted
    flat indices) but not among them (faint strokes, and the specks strung along them),
    divided by FAINT_INK (clipped to 1). They are looked for within HAIRLINE_REACH of the
    digit's size around its box; each connected stretch is added only if it keeps clear of
    that window's edges (and so of the picture's), and none at all if together they
    outweigh HAIRLINE_SHARE of the digit's ink. (A number's line keeps its digits' the
    same way: :func:`~.line_ink.with_hairlines`.)"""
    height, width = ink.shape
    rows, columns = np.divmod(kept, width)
    reach = round(HAIRLINE_REACH * max(rows[-1] - rows[0], np.ptp(columns)) + 1)
    top, left = max(rows[0] - reach, 0), max(columns.min() - reach, 0)
    bottom, right = min(rows[-1] + 1 + reach, height), min(columns.max() + 1 + reach, width)
    window = ink[top:bottom, left:right]
    mask = window >= HAIRLINE_INK
    if not (mask & (digit[top:bottom, left:right] == 0)).any():  # nothing beyond the digit (a clean canvas)
        return
    window_width = right - left
    mask.reshape(-1)[(rows - top) * window_width + columns - left] = True
    pixels, part_of, parts = label_pixels(mask)
    rows, columns = np.divmod(pixels, window_width)
    on_edge = (rows == 0) | (rows == bottom - top - 1) | (columns == 0) | (columns == window_width - 1)
    flat = (rows + top) * width + columns + left
    is_new = digit.ravel()[flat] == 0
    holds_digit = np.bincount(part_of, weights=~is_new, minlength=parts + 1) > 0
    holds_digit[part_of[on_edge]] = False  # by indexing: np.unique would import numpy.ma (46M instructions)
    added = flat[holds_digit[part_of] & is_new]
    hairlines = ink.ravel()[added]
    if hairlines.sum() > HAIRLINE_SHARE * digit.sum():
        return
    digit.reshape(-1)[added] = np.minimum(hairlines / FAINT_INK, 1)


def _page_furniture(shape: tuple[int, int], pixels: np.ndarray, part_of: np.ndarray,
                    coreless: np.ndarray) -> np.ndarray:
    """Boolean (parts + 1,): which parts run along an edge of the picture (h, w) ``shape``
    for more than EDGE_CONTACT_FRACTION of it, touch two opposite edges, or touch one and
    are ``coreless`` (boolean (parts + 1,): no stroke core, see SHADOW_LEVEL). The parts'
    pixels are the sorted flat indices ``pixels``, of the parts ``part_of`` (from 1), as
    :func:`label_pixels` gives them."""
    height, width = shape
    parts = len(coreless) - 1
    column = pixels % width
    edges = [(part_of[:np.searchsorted(pixels, width)], width),  # top, bottom, left, right
             (part_of[np.searchsorted(pixels, (height - 1) * width):], width),
             (part_of[column == 0], height), (part_of[column == width - 1], height)]
    contact = np.stack([np.bincount(edge, minlength=parts + 1) / length for edge, length in edges])
    touches = contact > 0
    furniture = ((contact.max(axis=0) > EDGE_CONTACT_FRACTION) | (touches[0] & touches[1]) | (touches[2] & touches[3])
                 | (touches.any(axis=0) & coreless))
    furniture[0] = False
    return furniture


def ink_box(ink: np.ndarray) -> tuple[int, int, int, int]:
    """(top, left, bottom, right), bottom and right exclusive, of the nonzero ``ink``;
    NoDigitFound if it is too small to be a digit."""
    inked = ink != 0  # once: ink.any along each axis converted every float to a boolean twice
    rows = np.flatnonzero(inked.any(axis=1))
    cols = np.flatnonzero(inked.any(axis=0))
    if rows.size == 0:
        raise NoDigitFound()
    extent = max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1
    if extent < max(MIN_DIGIT_PIXELS, MIN_DIGIT_FRACTION * max(ink.shape)):
        raise NoDigitFound()
    return int(rows[0]), int(cols[0]), int(rows[-1]) + 1, int(cols[-1]) + 1


def spread(combine, values: np.ndarray, radius: int) -> np.ndarray:
    """``combine`` (np.maximum or np.minimum) over the square of side 2 * radius + 1 around
    each element of the 2-D ``values``, the square cut off at the edges.

    Down the columns, each row is combined with the rows within ``radius`` (contiguous
    slices). Along the rows, the picture is one flat line in which each row lies between
    ``radius`` copies of its edge values (which its edge elements' squares hold anyway), so
    shifts of up to ``radius`` stay within the row: contiguous slices again, where strided
    ones along each row took over twice as long (a 384x341 mask spread by 4: 216 against
    104 us)."""
    height, width = values.shape
    if values.size == 0:
        return values.copy()
    columns = values.copy()
    for shift in range(1, radius + 1):  # views, combined in place
        combine(columns[shift:], values[:-shift], out=columns[shift:])
        combine(columns[:-shift], values[shift:], out=columns[:-shift])
    padded = np.empty((height, width + 2 * radius), dtype=values.dtype)
    padded[:, radius:radius + width] = columns
    padded[:, :radius] = columns[:, :1]
    padded[:, radius + width:] = columns[:, -1:]
    line = padded.reshape(-1)
    spread = line.copy()
    for shift in range(1, radius + 1):
        combine(spread[shift:], line[:-shift], out=spread[shift:])
        combine(spread[:-shift], line[shift:], out=spread[:-shift])
    return spread.reshape(height, width + 2 * radius)[:, radius:radius + width].copy()


def label_parts(mask: np.ndarray, diagonal: bool = True) -> tuple[np.ndarray, int]:
    """Connected parts of a boolean (h, w) mask: (labels (h, w) int32, count); 0 is unset.
    Parts are numbered 1, 2, ... in the order of their first pixel, row by row. Pixels
    touching at a corner are connected if ``diagonal`` (8-connectivity, as ink is), else
    only pixels sharing a side (4-connectivity, as the paper around such ink is)."""
    pixels, part_of, count = label_pixels(mask, diagonal)
    return _labels_image(mask.shape, pixels, part_of), count


def part_boxes(labels: np.ndarray, count: int) -> np.ndarray:
    """(count, 4) intp: the box (top, left, bottom, right; bottom and right exclusive) of
    each part 1..count of ``labels`` (h, w) int, as :func:`label_parts` numbers them; a
    part with no pixel gets (h, w, 0, 0)."""
    rows, columns = np.nonzero(labels)
    part = labels[rows, columns] - 1
    boxes = np.empty((count, 4), dtype=np.intp)
    boxes[:, :2], boxes[:, 2:] = labels.shape, 0
    for side, where, at in ((0, rows, np.minimum), (1, columns, np.minimum),
                            (2, rows + 1, np.maximum), (3, columns + 1, np.maximum)):
        at.at(boxes[:, side], part, where)
    return boxes


def _labels_image(shape: tuple[int, int], pixels: np.ndarray, part_of: np.ndarray) -> np.ndarray:
    """(h, w) int32: ``part_of`` at the flat indices ``pixels``, 0 elsewhere."""
    labels = np.zeros(shape[0] * shape[1], dtype=np.int32)
    labels[pixels] = part_of
    return labels.reshape(shape)


def label_pixels(mask: np.ndarray, diagonal: bool = True) -> tuple[np.ndarray, np.ndarray, int]:
    """The connected parts of a boolean (h, w) mask, set pixel by set pixel: (their flat
    indices (k,) in order, the part of each (k,) int32 from 1, count), connected and
    numbered as :func:`label_parts` connects and numbers them.

    Works on horizontal runs of set pixels: runs in adjacent rows that touch are linked
    (found with numpy), then joined by union-find (:func:`_smallest_linked`).
    """
    height, width = mask.shape
    stride = width + 1  # runs are keyed by their flat index in (height, width + 1)
    padded = np.zeros((height, width + 2), dtype=bool)
    padded[:, 1:-1] = mask
    # Along each row: a run's start, its end, ... (numpy finds a boolean array's set elements
    # several times faster than an int8 np.diff's nonzero ones: 46 against 7 us at 128x130)
    changes = np.flatnonzero(padded[:, 1:] != padded[:, :-1])
    start_keys, end_keys = changes[0::2], changes[1::2]  # ends exclusive
    # Runs of the next row touching run i are the index range [first, last): their end is
    # at or after i's start and their start at or before i's end (ends exclusive: touching
    # at a corner); strictly after and before if they must share a side.
    first = np.searchsorted(end_keys, start_keys + stride, side="left" if diagonal else "right")
    last = np.searchsorted(start_keys, end_keys + stride, side="right" if diagonal else "left")
    links = np.maximum(last - first, 0)
    upper = np.repeat(np.arange(len(start_keys)), links)
    lower = np.repeat(first - np.cumsum(links) + links, links) + np.arange(links.sum())
    roots = _smallest_linked(len(start_keys), upper, lower)

    is_root = roots == np.arange(len(roots))
    part = np.cumsum(is_root, dtype=np.int32)[roots]  # parts numbered in order of their roots
    # The set pixels, in order, are the runs' pixels run after run: each takes its run's part.
    return np.flatnonzero(mask), np.repeat(part, end_keys - start_keys), int(is_root.sum())


def _smallest_linked(count: int, upper: np.ndarray, lower: np.ndarray) -> np.ndarray:
    """(count,) intp: for each of ``count`` runs, the smallest run it is linked to through
    the links (upper[i], lower[i]), directly or not (itself if none is smaller).

    Union-find done by numpy a round at a time rather than a link at a time (a Python loop
    over the links took a third of preprocessing beyond decoding): each round every link
    whose two runs have different roots hangs the larger root under the smaller, then every
    run is pointed straight at its root (pointer jumping). Roots only ever point to smaller
    runs, so each part ends with its smallest run as root; the roots at least halve in
    number each round, so there are a few rounds, each a handful of array passes.
    """
    roots = np.arange(count)
    while True:
        upper_roots, lower_roots = roots[upper], roots[lower]
        apart = upper_roots != lower_roots
        if not apart.any():
            return roots
        upper_roots, lower_roots = upper_roots[apart], lower_roots[apart]
        np.minimum.at(roots, np.maximum(upper_roots, lower_roots), np.minimum(upper_roots, lower_roots))
        while True:
            jumped = roots[roots]
            if (jumped == roots).all():  # np.array_equal: 10 instead of 7 us (60 runs)
                break
            roots = jumped
