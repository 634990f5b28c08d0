"""Non-digits made from digits and letters, for training: digits turned on their side or
mirrored, and typed letters restyled in slant and weight.

They sit close to the digits and letters the network reads, so they teach where a digit
ends: a 7 lying on its side or a mirrored 3 is written by the same pen as a digit but is
none. Every function returns (h, w) float32 coverage in [0, 1] cropped to the ink.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageFilter

from mnist_app.synthetic.glyphs import Hand
from mnist_app.synthetic.handwriting import handwritten_digit
from mnist_app.synthetic.strokes import crop_to_ink

# Digits that are no digit once turned a quarter turn (a 0 stays an oval, a 1 a bar, a 6
# and a 9 turn into each other's neighbours) or mirrored (0, 1 and 8 mirror into
# themselves; a mirrored 5 or curly 9 still reads as one).
TURNABLE, MIRRORABLE = (2, 3, 4, 5, 7, 8), (2, 3, 4, 6, 7)
SLANT = 0.35  # typed letters are sheared by up to this much x per unit of height, either way
WEIGHTS = ("thinner", "as typed", "bolder", "much bolder")  # pen weights a typed letter is redrawn in


def turned_digit(height: float, pen: float, rng: np.random.Generator, hand: Hand) -> np.ndarray:
    """A digit written by ``hand``, ``height`` px tall with a ``pen`` px pen, then turned a
    quarter turn either way (TURNABLE) or mirrored left to right (MIRRORABLE)."""
    if rng.random() < 0.5:
        digit = TURNABLE[rng.integers(len(TURNABLE))]
        ink = handwritten_digit(digit, max(8, int(height)), pen, rng, hand, quick=True)
        return np.ascontiguousarray(np.rot90(ink, k=1 if rng.random() < 0.5 else 3))
    digit = MIRRORABLE[rng.integers(len(MIRRORABLE))]
    return np.ascontiguousarray(handwritten_digit(digit, max(8, int(height)), pen, rng, hand, quick=True)[:, ::-1])


def restyled(ink: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Typed ``ink`` (h, w) sheared by up to SLANT either way and redrawn in a random one of
    WEIGHTS (:func:`restyle`)."""
    return restyle(ink, rng.uniform(-SLANT, SLANT), WEIGHTS[rng.integers(len(WEIGHTS))])


def restyle(ink: np.ndarray, slant: float, weight: str) -> np.ndarray:
    """``ink`` (h, w) sheared so its top moves right by ``slant`` times its height (left if
    negative), then redrawn ``weight`` (one of WEIGHTS: Pillow's 3 px min filter, or max
    filters of 3 or 5 px); thinning that would erase the ink is skipped. Cropped (h', w')."""
    height = ink.shape[0]
    spread = int(np.ceil(abs(slant) * height))
    page = Image.fromarray(np.pad(ink * 255, ((2, 2), (spread + 2, spread + 2))).astype(np.uint8))
    # Pillow's affine maps output (x, y) to input (x + slant * (y - h/2), y): tops lean by slant.
    page = page.transform(page.size, Image.Transform.AFFINE, (1, slant, -slant * page.height / 2, 0, 1, 0),
                          resample=Image.Resampling.BICUBIC)
    if weight == "thinner":
        thinned = page.filter(ImageFilter.MinFilter(3))
        page = thinned if np.asarray(thinned).max() >= 128 else page
    elif weight != "as typed":
        page = page.filter(ImageFilter.MaxFilter(3 if weight == "bolder" else 5))
    return crop_to_ink(np.asarray(page, dtype=np.float32) / 255)
