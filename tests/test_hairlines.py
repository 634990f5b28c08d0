"""Thick-and-thin strokes (a pointed or broad nib) keep their hairlines in a photo.

A photo blurs a 1-pixel hairline to a fifth of the downstroke's level, under the level
at which ink counts by itself: the hairlines must still reach the 28x28 picture, and
the digit read as the one drawn, alone or in a number. The oracles are the drawing: the
digits written, and where a hairline runs.
"""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageFilter

from mnist_app.predict import Classifier
from mnist_app.preprocess import find_marks, to_mnist_image
from mnist_app.synthetic.handwriting import nib_written_digit
from mnist_app.synthetic.numbers import Line, write_line
from mnist_app.synthetic.paper import encode, resize_ink, to_uint8
from mnist_app.synthetic.sets import export

HEIGHT = 70  # pixels: the digit as written, before the photo enlarges it twice
PAPER, INK, GRAIN = 0.8, 0.6, 0.02  # the paper's grey, how much darker full ink is, the noise


def pointed_nib_photo(seed: int) -> tuple[bytes, int]:
    """(a JPEG photo of the digit ``seed % 10`` written with a pointed nib, the digit)."""
    rng = np.random.default_rng(seed)
    digit = seed % 10
    ink = nib_written_digit(digit, HEIGHT, HEIGHT * 0.12, rng, pointed=True)
    ink = resize_ink(ink, ink.shape[0] * 2)
    return export(ink, "photo", (360, 300), rng), digit


@pytest.fixture(scope="module")
def classifier():
    return Classifier.load()


@pytest.mark.parametrize("seed", [25, 30, 32])  # a 5, a 0 and a 2 whose hairlines close or finish them
def test_a_pointed_nib_digit_in_a_photo_reads_as_written(seed, classifier):
    picture, digit = pointed_nib_photo(seed)
    assert classifier.predict(picture).digit == digit


def pointed_nib_number_photo(digits: str, seed: int) -> bytes:
    """A JPEG photo of ``digits`` written side by side with a pointed nib, HEIGHT pixels
    tall, well apart, enlarged twice."""
    rng = np.random.default_rng(seed)
    inks = [nib_written_digit(int(digit), HEIGHT, HEIGHT * 0.12, rng, pointed=True) for digit in digits]
    ink, _ = write_line(inks, HEIGHT, Line(gaps=(0.3, 0.4)), rng)
    ink = resize_ink(np.pad(ink, 10), (ink.shape[0] + 20) * 2)
    return export(ink, "photo", (ink.shape[1] * 2, ink.shape[0] * 2), rng)


# Numbers whose 0's thick sides, joined only by hairlines, were read as two 1s ("211").
@pytest.mark.parametrize("digits, seed", [("20", 4), ("30", 7), ("50", 8)])
def test_a_pointed_nib_number_in_a_photo_reads_as_written(digits, seed, classifier):
    assert classifier.read_number(pointed_nib_number_photo(digits, seed)).number == digits


def bar_and_hairline_photo() -> bytes:
    """A PNG photo of a 7-like mark 120 pixels tall: a 1-pixel hairline bar, 80 pixels
    long, across the top of a 12-pixel downstroke at its right end, blurred by 1.2
    pixels, on grainy grey paper."""
    ink = np.zeros((120, 80), dtype=np.float32)
    ink[0, :] = 0.7  # the hairline: a pen narrower than a pixel
    ink[:, 64:76] = 1  # the downstroke
    page = np.pad(ink, 100)
    grey = PAPER - INK * page + np.random.default_rng(0).normal(0, GRAIN, page.shape)
    photo = Image.fromarray(to_uint8(np.clip(grey, 0, 1))).filter(ImageFilter.GaussianBlur(1.2))
    return encode(photo, "PNG")


def test_a_hairline_reaches_the_digit_picture():
    picture = bar_and_hairline_photo()
    top, left, bottom, right = find_marks(picture).box
    assert (right - left) / (bottom - top) > 0.6  # the bar's 80 pixels, not the downstroke's 12
    digit = to_mnist_image(picture)
    columns = np.flatnonzero(digit.any(axis=0))
    downstroke = np.flatnonzero(digit[digit.shape[0] // 2])  # the middle row crosses only it
    bar = digit[:digit.shape[0] // 3, columns[0]:downstroke[0]]  # the top third, left of it
    assert bar.shape[1] >= 8 and bar.max(axis=0).min() > 0  # inked all along


def test_a_faint_ruled_line_through_a_digit_is_no_hairline():
    # A faint line across the whole page touching a downstroke: as faint as a hairline, but
    # it runs to the page's edges, so it is the page's and the mark stays the downstroke.
    ink = np.zeros((320, 320), dtype=np.float32)
    ink[100:220, 154:166] = 1  # the downstroke
    ink[150, :] = 0.7  # the ruled line
    grey = PAPER - INK * ink + np.random.default_rng(0).normal(0, GRAIN, ink.shape)
    photo = Image.fromarray(to_uint8(np.clip(grey, 0, 1))).filter(ImageFilter.GaussianBlur(1.2))
    top, left, bottom, right = find_marks(encode(photo, "PNG")).box
    assert (right - left) / (bottom - top) < 0.3  # 12 pixels wide, 120 tall


def test_a_faint_smudge_beside_a_digit_is_no_hairline():
    # A faint blot as big as a digit, touching a downstroke in the open: it outweighs the
    # stroke, so it is no hairline and the mark stays the downstroke.
    ink = np.zeros((320, 320), dtype=np.float32)
    ink[100:220, 154:166] = 1  # the downstroke
    ink[120:200, 166:246] = 0.3  # the smudge
    grey = PAPER - INK * ink + np.random.default_rng(0).normal(0, GRAIN, ink.shape)
    photo = Image.fromarray(to_uint8(np.clip(grey, 0, 1))).filter(ImageFilter.GaussianBlur(1.2))
    top, left, bottom, right = find_marks(encode(photo, "PNG")).box
    assert (right - left) / (bottom - top) < 0.3  # 12 pixels wide, 120 tall
