"""Touching digits: how the segmenter weighs cutting against joining.

The oracles are the digits drawn here (MNIST test digits from the committed sample, placed
by :func:`~mnist_app.synthetic.numbers.write_line`, and a ring), widths chosen here, and
scorers that know nothing of the pictures: when the recogniser is as sure of the pieces as
of the whole, marks as wide as two digits are cut and one digit is not.
"""

from __future__ import annotations

import numpy as np
import pytest

from mnist_app.preprocess import find_marks
from mnist_app.predict import Classifier
from mnist_app.preprocess.line import Group
from mnist_app.preprocess.segment import DIGIT_WIDTH, DIGIT_WIDTHS, Piece, beats_one_digit, line_digit_width, segment
from mnist_app.synthetic.numbers import Line, write_line
from test_numbers import HEIGHT, MARGIN, always_sure, clear_digits, on_white


@pytest.fixture(scope="module")
def shipped() -> Classifier:
    return Classifier.load()


def test_two_touching_digits_a_digit_and_a_half_wide_are_read_as_two(shipped):
    # The shipped model reads the touching pair, whole, as one digit; its width says two.
    inks, number = clear_digits(2, start=60)
    ink, touching = write_line(inks, HEIGHT, Line(touch=True, drift=0.0, sizes=0.0), np.random.default_rng(3))
    assert touching and 1.4 * HEIGHT < ink.shape[1] < 1.6 * HEIGHT
    reading = shipped.read_number(on_white(ink))
    assert reading.number == number
    assert reading.digits[0].box[2] <= reading.digits[1].box[2]


@pytest.mark.parametrize("aspect, split", [(0.8, False), (1.6, True)])
def test_marks_are_taken_apart_when_as_wide_as_two_digits(aspect, split):
    # Two pieces read exactly as surely as the whole: only the marks' width decides.
    pieces = [Piece(np.zeros((28, 28), np.uint8), (0, 0, 1, 1), 0.95, 0)] * 2
    assert beats_one_digit(pieces, 0.95, aspect) == split


def test_one_digit_is_not_cut_by_a_scorer_sure_of_any_piece():
    # A ring as wide as it is tall (a round 0): a digit, however sure the scorer is of its halves.
    rows, columns = np.indices((HEIGHT, HEIGHT))
    radius = np.hypot(rows - HEIGHT / 2, columns - HEIGHT / 2)
    ring = ((radius > HEIGHT / 2 - 9) & (radius < HEIGHT / 2 - 1)).astype(np.float32)
    pieces = segment(find_marks(on_white(ring)), always_sure)
    assert len(pieces) == 1
    assert pieces[0].box == pytest.approx((MARGIN, MARGIN, MARGIN + HEIGHT, MARGIN + HEIGHT), abs=3)


def test_the_line_s_digit_width_is_its_narrow_groups_median_within_bounds():
    def groups(*widths):
        return [Group(np.zeros((1, 1), bool), 0, 0, HEIGHT, round(width * HEIGHT)) for width in widths]
    # The narrow groups' median; the wide one (two touching digits) has no say.
    assert line_digit_width(groups(0.72, 0.78, 0.75, 1.6), HEIGHT) == pytest.approx(0.75 * HEIGHT, abs=1)
    assert line_digit_width(groups(0.3, 0.3, 0.4), HEIGHT) == pytest.approx(DIGIT_WIDTHS[0] * HEIGHT)  # ones
    assert line_digit_width(groups(1.5), HEIGHT) == pytest.approx(DIGIT_WIDTH * HEIGHT)  # no narrow group
