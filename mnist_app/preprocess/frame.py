"""Place a cropped digit the way MNIST does: scaled to fit BOX x BOX, centred by mass."""

from __future__ import annotations

import numpy as np
from PIL import Image

from mnist_app.augment import centres_of_mass
from mnist_app.constants import BOX, FRAME, MASS_CENTRE
from mnist_app.errors import NoDigitFound
from mnist_app.preprocess.picture import image_of


def fit_box(digit: np.ndarray) -> np.ndarray:
    """``digit`` (h, w) scaled (anti-aliased) so its longer side is BOX pixels; values in [0, 1]."""
    height, width = digit.shape
    if max(height, width) == BOX:  # already MNIST's size, e.g. a digit from MNIST itself
        return digit
    scale = BOX / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    resized = image_of(digit).resize(size, Image.Resampling.LANCZOS)
    return np.clip(np.asarray(resized, dtype=np.float32), 0, 1)


def centre_by_mass(digit: np.ndarray) -> np.ndarray:
    """``digit`` placed in a FRAME x FRAME zero frame with its centre of mass at MASS_CENTRE.

    The shift is rounded to whole pixels, as in MNIST, and limited so the digit stays
    inside the frame. Raises NoDigitFound if ``digit`` holds no ink.
    """
    height, width = digit.shape
    if digit.sum() <= 0:  # a faint speck that vanished when scaled down
        raise NoDigitFound()
    row, column = centres_of_mass(digit[np.newaxis])[0]  # from the digit's own centre
    top = min(max(round(MASS_CENTRE - (height - 1) / 2 - row), 0), FRAME - height)
    left = min(max(round(MASS_CENTRE - (width - 1) / 2 - column), 0), FRAME - width)
    frame = np.zeros((FRAME, FRAME), dtype=np.float32)
    frame[top:top + height, left:left + width] = digit
    return frame
