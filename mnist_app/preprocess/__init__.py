"""Turn any user image into the 784-vector the network reads, in MNIST's convention.

MNIST digits are 28x28 grey levels: light ink (255) on black (0), the digit scaled to fit
a 20x20 box keeping its aspect ratio, then placed so that its centre of mass is at the
centre of the frame. This package redraws photos, scans, canvas exports and typed digits
that way, at any size and with any pen:

1. decode (:mod:`mnist_app.decode`) and grey levels (:mod:`.picture`): any Pillow mode,
   transparency flattened onto a backdrop that contrasts with the strokes;
2. locate: on an overview of the whole picture (at most LOCATE_SIDE pixels), decide which
   side is ink, remove the uneven background (:mod:`.ink`), drop specks and box the digit
   (:mod:`.parts`);
3. read: the digit's box is read again from the full-resolution picture at up to
   READ_SIDE pixels, so a 40-pixel digit in a 4000-pixel photo keeps its strokes;
4. strokes (:mod:`.strokes`): a thin pen is widened, a very bold marker narrowed, towards
   MNIST's stroke width;
5. frame (:mod:`.frame`): scale to fit 20x20, centre by mass.
"""

from __future__ import annotations

import numpy as np

from mnist_app.constants import INPUT_SIZE, PIXEL_SCALE
from mnist_app.decode import ImageSource, load_image
from mnist_app.preprocess.frame import centre_by_mass, fit_box
from mnist_app.preprocess.ink import Paper
from mnist_app.preprocess.parts import ink_box, without_specks
from mnist_app.preprocess.picture import Picture
from mnist_app.preprocess.strokes import normalise_strokes

DECODE_SIDE = 1024  # a large JPEG is decoded at a reduced scale, down to this many pixels
LOCATE_SIDE = 384  # the overview in which the digit is found, longer side in pixels
READ_SIDE = 96  # the digit's box is read again at up to this many pixels (longer side)
READ_MARGIN = 0.15  # the box read again is widened by this fraction of its size on every side


def to_mnist_image(source: ImageSource) -> np.ndarray:
    """The digit in ``source`` as MNIST draws it: a (28, 28) uint8 array, ink 255 on 0.

    Raises ImageError if the image cannot be read or holds no digit.
    """
    picture = Picture(load_image(source, max_side=DECODE_SIDE))
    overview = picture.levels(LOCATE_SIDE)
    paper = Paper.of(overview)
    ink = without_specks(paper.ink(overview))
    digit = _read_again(picture, paper, ink, ink_box(ink))
    digit = normalise_strokes(digit)
    top, left, bottom, right = ink_box(digit)
    return np.rint(centre_by_mass(fit_box(digit[top:bottom, left:right])) * 255).astype(np.uint8)


def to_mnist_vector(source: ImageSource) -> np.ndarray:
    """The network's input for ``source``: shape (784,) float32 in [0, 1], row-major."""
    return to_mnist_image(source).reshape(INPUT_SIZE).astype(np.float32) * PIXEL_SCALE


def _read_again(picture: Picture, paper: Paper, ink: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """The digit's ink, cropped: read again from the full picture when the overview
    holds it at fewer pixels than READ_SIDE, else cut from the overview's ``ink``."""
    top, left, bottom, right = box
    width, height = picture.size
    x_scale, y_scale = width / ink.shape[1], height / ink.shape[0]  # full-size pixels per overview pixel
    extent = max(bottom - top, right - left)
    if x_scale <= 1 or extent >= READ_SIDE:
        return ink[top:bottom, left:right]
    margin = READ_MARGIN * extent + 1
    region = (max(0, left - margin), max(0, top - margin),
              min(ink.shape[1], right + margin), min(ink.shape[0], bottom + margin))
    full_region = (region[0] * x_scale, region[1] * y_scale,
                   min(width, region[2] * x_scale), min(height, region[3] * y_scale))
    sharp = picture.levels(READ_SIDE, full_region)
    sharp_ink = without_specks(paper.ink(sharp, region))
    top, left, bottom, right = ink_box(sharp_ink)
    return sharp_ink[top:bottom, left:right]
