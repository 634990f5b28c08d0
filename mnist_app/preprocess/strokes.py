"""Bring a digit's strokes towards MNIST's width: thin pens thickened, very bold ones thinned.

MNIST's strokes are about 2.5 pixels wide when the digit fits its 20-pixel box (an eighth
of the digit's height), and 1.6-3.9 pixels for 90% of its digits. A 2-pixel pen on a
280-pixel canvas is a hair at that scale, 0.2-0.4 pixels, which the network has never seen.
"""

from __future__ import annotations

import math

import numpy as np

from mnist_app.augment import stroke_width
from mnist_app.constants import BOX
from mnist_app.preprocess.frame import fit_box

# Stroke widths in pixels, once the digit fits the BOX x BOX box, by stroke_width_in_box.
# Widths within MNIST_STROKE_WIDTHS (the 0.1th to 99.8th percentile of MNIST's training digits,
# measured once with stroke_width_in_box in commit fe1a99f; no script re-measures it) pass
# unchanged, so MNIST's own digits do; a
# thinner pen is widened to THICKEN_TO, a bolder one narrowed to THIN_TO.
MNIST_STROKE_WIDTHS = (1.1, 6.0)
THICKEN_TO = 2.2
THIN_TO = 4.5
OUTLINE_LEVEL = 0.1  # ink at or above this level counts as inside a stroke's outline
MAX_INK_LOST = 0.7  # thinning that would remove more than this share of the ink is skipped


def stroke_width_in_box(digit: np.ndarray, fitted: np.ndarray | None = None) -> float:
    """The mean stroke width of ``digit`` (h, w) in pixels, after it is scaled to fit the box.

    A stroke of width w and length L has ink mass wL and an outline 2L long, so w = 2 x
    mass / outline. The outline is counted in pixel edges (horizontal plus vertical), which
    overcounts a slanted edge by |cos| + |sin|, 4/pi on average: hence the pi/4.
    ``fitted``, if given, is ``fit_box(digit)``, already computed.
    """
    ink = fit_box(digit) if fitted is None else fitted
    inside = ink >= OUTLINE_LEVEL
    edges = np.count_nonzero(np.diff(inside, axis=0)) + np.count_nonzero(np.diff(inside, axis=1))
    edges += np.count_nonzero(inside[[0, -1], :]) + np.count_nonzero(inside[:, [0, -1]])  # box sides
    return 2 * float(ink.sum()) / (edges * math.pi / 4) if edges else 0.0


def normalise_strokes(digit: np.ndarray, fitted: np.ndarray | None = None) -> np.ndarray:
    """``digit`` (h, w), cropped ink in [0, 1], with its strokes widened or narrowed into
    MNIST's range (MNIST_STROKE_WIDTHS, measured in the box). A digit already in range is
    returned as it is; a changed one comes with a margin, for the caller to crop again. The
    pen grows or shrinks at ``digit``'s own resolution. ``fitted``, if given, is
    ``fit_box(digit)``, already computed."""
    width = stroke_width_in_box(digit, fitted)
    low, high = MNIST_STROKE_WIDTHS
    if low <= width <= high:
        return digit
    target = THICKEN_TO if width < low else THIN_TO
    # Each edge moves by half the change in width, in the digit's own pixels.
    edge_shift = (target - width) / 2 * max(digit.shape) / BOX
    margin = max(0, math.ceil(edge_shift)) + 1
    padded = np.pad(digit, margin)
    changed = stroke_width(padded[np.newaxis], edge_shift)[0]
    if changed.sum() < (1 - MAX_INK_LOST) * digit.sum():  # thinning would erase strokes
        return digit
    return changed
