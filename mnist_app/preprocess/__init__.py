"""Turn any user image into the 784-vector the network reads, in MNIST's convention.

MNIST digits are 28x28 grey levels: light ink (255) on black (0), the digit scaled to fit
a 20x20 box keeping its aspect ratio, then placed so that its centre of mass is at the
centre of the frame. This package redraws photos, scans, canvas exports and typed digits
that way, at any size and with any pen:

1. decode (:mod:`mnist_app.decode`; a colour JPEG straight to grey) and grey levels
   (:mod:`.picture`): any Pillow mode, transparency flattened onto a backdrop that
   contrasts with the strokes;
2. locate: on an overview of the whole picture, decide which side is ink, remove the
   uneven background (:mod:`.ink`), drop specks and the page's edges and box the digit
   (:mod:`.parts`); if the page's edges are all there is, try the other side (a broad
   shadow can mislead the polarity). A picture of up to SMALL_PICTURE pixels (a canvas, a
   crop) is first looked at in a QUICK_SIDE overview, enough for the digits such pictures
   hold and fast; a larger one, which may hold a small digit on a big sheet, and any digit
   found smaller than SMALL_DIGIT pixels at first, are looked for in a LOCATE_SIDE overview;
3. read: the digit's box is read again from the full-resolution picture at READ_SIDE
   pixels, so a 40-pixel digit in a 4000-pixel photo keeps its strokes;
4. strokes (:mod:`.strokes`): a thin pen is widened, a very bold marker narrowed, towards
   MNIST's stroke width;
5. frame (:mod:`.frame`): scale to fit 20x20, centre by mass.
"""

from __future__ import annotations

import contextlib
from typing import NamedTuple

import numpy as np
from PIL import Image

from mnist_app.constants import INPUT_SIZE, PIXEL_SCALE
from mnist_app.decode import ImageSource, load_image
from mnist_app.errors import NoDigitFound
from mnist_app.preprocess.frame import centre_by_mass, fit_box
from mnist_app.preprocess.ink import Paper
from mnist_app.preprocess.parts import FAINT_INK, digit_parts, ink_box, label_parts, part_boxes, without_specks
from mnist_app.preprocess.picture import Picture, levels_of, resized
from mnist_app.preprocess.strokes import normalise_strokes

DECODE_SIDE = 1024  # a large JPEG is decoded at a reduced scale, down to this many pixels
LOCATE_SIDE = 384  # the overview in which the digit is looked for, longer side in pixels
QUICK_SIDE = 128  # ...after a first look at this size, for a picture of up to SMALL_PICTURE
SMALL_PICTURE = 512
FINE_SIDE = 768  # ...and a second look at this size for a large picture where it found none
SMALL_DIGIT = 24  # pixels: a digit smaller than this in the quick look is looked for again
READ_SIDE = 96  # the digit's box is read again at this many pixels (its longer side)
READ_MARGIN = 0.15  # the box read again is widened by this fraction of its size on every side
WIDE_MARKS = 1.3  # marks wider than this many times their height may be a number (Marks.looks_wide)...
TALL_MARK = 0.7  # ...as may two side by side each at least this share of their height (Marks.stand_apart; numbers)...
TALL_PART = 0.6  # ...or two connected parts each at least this share (Marks.in_tall_parts: one may sit lower)


class Marks(NamedTuple):  # not a dataclass, whose methods compile at import (docs/speed.md)
    """What stands out from the paper in a picture: steps 1 and 2 above.

    ``ink``: the overview's ink without specks, float32 (h, w) in [0, 1]; ``box``: (top,
    left, bottom, right) of that ink, in overview pixels. A number's digits are all in it.
    """

    picture: Picture
    paper: Paper
    ink: np.ndarray
    box: tuple[int, int, int, int]

    @property
    def aspect(self) -> float:
        """The marks' width over their height."""
        top, left, bottom, right = self.box
        return (right - left) / max(bottom - top, 1)

    @property
    def looks_wide(self) -> bool:
        """Whether the marks are more than WIDE_MARKS times as wide as tall: a single digit
        rarely is, a number usually is."""
        top, left, bottom, right = self.box
        return right - left > WIDE_MARKS * (bottom - top)

    @property
    def inked(self) -> np.ndarray:
        """The overview's strong ink (at least FAINT_INK) in the marks' box: bool (h, w)."""
        top, left, bottom, right = self.box
        return self.ink[top:bottom, left:right] >= FAINT_INK

    def stand_apart(self) -> bool:
        """Whether the marks fall into two or more runs of inked columns in the overview,
        each at least TALL_MARK of the marks' height: digits written close (a "17" no wider
        than one digit), or one digit in separate strokes. A 5's detached hat is short."""
        inked = self.inked
        edges = np.flatnonzero(np.diff(np.concatenate(([0], inked.any(axis=0), [0])).astype(np.int8)))
        if len(edges) < 4:  # one run of columns
            return False
        heights = [np.ptp(np.flatnonzero(inked[:, start:end].any(axis=1))) + 1 for start, end in edges.reshape(-1, 2)]
        return int(np.count_nonzero(np.array(heights) >= TALL_MARK * inked.shape[0])) >= 2

    def in_tall_parts(self) -> bool:
        """Whether the marks fall into two or more connected parts in the overview, each at
        least TALL_PART of the marks' height: digits written close, also where their columns
        overlap (a 6 whose loop runs under a 9's, which :meth:`stand_apart` does not tell)
        or one sits lower than the other, or one digit in separate strokes."""
        inked = self.inked
        height = inked.shape[0]
        # A part that tall (more than half) crosses every row of the marks' middle band,
        # each time in a run of its own: a band row with fewer than two runs rules out two
        # such parts, without labelling the parts (most digits: 20-50 us instead of 120).
        tall = int(np.ceil(TALL_PART * height))
        band = inked[height - tall:tall]
        if (np.count_nonzero(band[:, 1:] & ~band[:, :-1], axis=1) + band[:, 0]).min() < 2:
            return False
        boxes = part_boxes(*label_parts(inked))  # (top, left, bottom, right) of each part
        return int(np.count_nonzero(boxes[:, 2] - boxes[:, 0] >= tall)) >= 2


def decode_picture(source: ImageSource) -> Image.Image:
    """``source`` decoded as preprocessing reads it: a large JPEG at a reduced scale (down
    to DECODE_SIDE), a colour JPEG straight to grey. Raises ImageError."""
    return load_image(source, max_side=DECODE_SIDE, grey=True)


def find_marks(source: ImageSource) -> Marks:
    """Decode ``source`` and find its marks. Raises ImageError if the image cannot be read,
    NoDigitFound if it holds nothing."""
    picture = Picture(decode_picture(source))
    return Marks(picture, *_locate(picture))


def to_mnist_image(source: ImageSource) -> np.ndarray:
    """The digit in ``source`` as MNIST draws it: a (28, 28) uint8 array, ink 255 on 0.

    Raises ImageError if the image cannot be read, NoDigitFound if it holds no digit.
    """
    return marks_as_digit(find_marks(source))


def marks_as_digit(marks: Marks) -> np.ndarray:
    """All of ``marks`` read as one digit, (28, 28) uint8 (steps 3-5)."""
    return frame_digit(_read_again(marks.picture, marks.paper, marks.ink, marks.box))


def frame_digit(digit: np.ndarray) -> np.ndarray:
    """A digit's ink (h, w) in [0, 1], cropped at any resolution, as MNIST draws it: strokes
    brought to MNIST's width, scaled into the box and centred by mass; (28, 28) uint8.
    Raises NoDigitFound if it holds too little ink."""
    fitted = fit_box(digit)
    strokes = normalise_strokes(digit, fitted)
    top, left, bottom, right = ink_box(strokes)
    if strokes is not digit or (bottom - top, right - left) != digit.shape:  # else it is fitted already
        fitted = fit_box(strokes[top:bottom, left:right])
    return np.rint(centre_by_mass(fitted) * 255).astype(np.uint8)


def to_mnist_vector(source: ImageSource) -> np.ndarray:
    """The network's input for ``source``: shape (784,) float32 in [0, 1], row-major."""
    return to_mnist_image(source).reshape(INPUT_SIZE).astype(np.float32) * PIXEL_SCALE


def _locate(picture: Picture) -> tuple[Paper, np.ndarray, tuple[int, int, int, int]]:
    """(paper, ink of the overview without specks, the digit's box in it).

    A small picture: from the quick look if it finds a digit of SMALL_DIGIT pixels or more,
    else from the LOCATE_SIDE overview. A large one: from the LOCATE_SIDE overview, or, if
    that finds nothing, from a FINE_SIDE one, where a thin digit of 40 pixels on a big page
    still covers enough pixels to stand out. Raises NoDigitFound if the last look finds none.
    """
    sides = (QUICK_SIDE, LOCATE_SIDE) if max(picture.size) <= SMALL_PICTURE else (LOCATE_SIDE, FINE_SIDE)
    for side in sides:
        steps = picture.steps(side)
        last = side == sides[-1] or max(steps.shape) == max(picture.size)
        try:
            paper, ink = _paper_and_ink(steps)
            box = ink_box(ink)
        except NoDigitFound:
            if last:
                raise
            continue
        if last or side == LOCATE_SIDE or max(box[2] - box[0], box[3] - box[1]) >= SMALL_DIGIT:
            return paper, ink, box
    raise AssertionError("unreachable: the last overview returns or raises")


def _paper_and_ink(steps: np.ndarray) -> tuple[Paper, np.ndarray]:
    """The paper of an overview given as its grey ``steps`` (uint8 (h, w)) and its ink
    without specks. If that ink is only the page's furniture, a broad shadow may have
    misled the polarity (its bright side taken for light ink): the other side is tried,
    and kept if it holds something else."""
    overview = levels_of(steps)
    paper = Paper.of(overview, steps=steps)
    ink, only_furniture = digit_parts(paper.ink(overview))
    if only_furniture:
        other = Paper.of(overview, dark_ink=not paper.dark_ink, steps=steps)
        with contextlib.suppress(NoDigitFound):
            other_ink, other_only_furniture = digit_parts(other.ink(overview))
            if not other_only_furniture:
                return other, other_ink
    return paper, ink


def _read_again(picture: Picture, paper: Paper, ink: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """The digit's ink, cropped, at most READ_SIDE pixels on its longer side: read again
    from the full picture when the overview holds it at fewer pixels, else cut from the
    overview's ``ink`` (and reduced)."""
    top, left, bottom, right = box
    width, height = picture.size
    x_scale, y_scale = width / ink.shape[1], height / ink.shape[0]  # full-size pixels per overview pixel
    extent = max(bottom - top, right - left)
    if x_scale <= 1 or extent >= READ_SIDE:
        return _reduced(ink[top:bottom, left:right], READ_SIDE)
    margin = READ_MARGIN * extent + 1
    region = (max(0, left - margin), max(0, top - margin),
              min(ink.shape[1], right + margin), min(ink.shape[0], bottom + margin))
    full_region = (region[0] * x_scale, region[1] * y_scale,
                   min(width, region[2] * x_scale), min(height, region[3] * y_scale))
    sharp = picture.levels(READ_SIDE, full_region)
    sharp_ink = without_specks(paper.ink(sharp, region))
    top, left, bottom, right = ink_box(sharp_ink)
    return sharp_ink[top:bottom, left:right]


def _reduced(ink: np.ndarray, side: int) -> np.ndarray:
    """``ink`` (h, w) area-averaged down so its longer side is at most ``side`` pixels."""
    factor = side / max(ink.shape)
    if factor >= 1:
        return ink
    size = (max(1, round(ink.shape[1] * factor)), max(1, round(ink.shape[0] * factor)))
    return resized(ink, size, Image.Resampling.BOX)
