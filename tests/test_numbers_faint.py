"""A digit in a lighter pen than its neighbours, on grainy paper, is kept in the number.

The oracle is the picture itself: where each stroke was drawn. The scorer reads every
piece as a sure digit, so only how the line's ink is found decides (but where a reader
of bars decides whether a mark the overview missed is a digit of its own).
"""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from mnist_app.numbers import read_number
from mnist_app.predict import Prediction
from mnist_app.preprocess import find_marks
from mnist_app.preprocess.segment import segment
from mnist_app.synthetic.paper import encode, to_uint8
from test_numbers import always_sure, as_outputs, lone_bars

HEIGHT = 80  # pixels: the strokes' height
MARGIN = 60  # pixels of paper above and below the ink, and SIDE on its left and right
SIDE = 240
PAPER, INK, GRAIN = 0.85, 0.7, 0.02  # the paper's grey, how much darker a full stroke is, the noise
PATCH = 80  # pixels: the mottled paper's patches are about this (a digit's height) across


def grainy_photo(ink: np.ndarray) -> bytes:
    """A PNG of ``ink`` (h, w coverage) on a page of grainy grey paper (seeded)."""
    page = np.pad(ink, ((MARGIN, MARGIN), (SIDE, SIDE)))
    grey = PAPER - INK * page + np.random.default_rng(0).normal(0, GRAIN, page.shape)
    return encode(Image.fromarray(to_uint8(np.clip(grey, 0, 1))), "PNG")


def strokes(bold: list[int], bold_width: int, light: int | None = None, light_strength: float = 0.0) -> np.ndarray:
    """Bold strokes ``bold_width`` pixels wide at the columns ``bold``, and a 6-pixel
    stroke at ``light`` in a pen ``light_strength`` as dark."""
    ink = np.zeros((HEIGHT, max(*bold, light or 0) + 30), dtype=np.float32)
    for left in bold:
        ink[:, left:left + bold_width] = 1
    if light is not None:
        ink[:, light:light + 6] = light_strength
    return ink


def lefts(picture: bytes) -> list[int]:
    return [piece.box[0] - SIDE for piece in segment(find_marks(picture), always_sure)]


def test_a_light_digit_among_bold_ones_keeps_its_strokes():
    # Dense bold strokes fill most of the marks' box: measured there alone, the paper's
    # noise floor rose above the light stroke, which vanished.
    picture = grainy_photo(strokes([0, 60, 150, 210], bold_width=20, light=100, light_strength=0.25))
    assert lefts(picture) == pytest.approx([0, 60, 100, 150, 210], abs=3)


def test_a_light_digit_the_overview_missed_is_read_at_the_end_of_the_line():
    # Too light for the overview, which boxed only the bold strokes: the line is read
    # further on, and the mark that continues it is kept.
    picture = grainy_photo(strokes([0, 60, 120, 180], bold_width=16, light=240, light_strength=0.25))
    top, left, bottom, right = find_marks(picture).box
    assert right - left < 3 * (bottom - top)  # the overview's box stops before the light stroke
    assert lefts(picture) == pytest.approx([0, 60, 120, 180, 240], abs=3)


def test_a_speck_beyond_the_line_does_not_widen_it():
    ink = np.pad(strokes([0, 60], bold_width=16), ((0, 0), (0, 60)))
    ink[40:43, 120:123] = 1  # a speck, a digit height's gap after the last stroke
    assert lefts(grainy_photo(ink)) == pytest.approx([0, 60], abs=3)


def shaded_photo(ink: np.ndarray, shade: float, edge: int) -> bytes:
    """grainy_photo's page with a shadow ``shade`` darker than the paper over its right
    part, its edge slanting across the line through column ``edge`` of the ink."""
    page = np.pad(ink, ((MARGIN, MARGIN), (SIDE, SIDE)))
    rows, columns = np.indices(page.shape)
    paper = PAPER - shade * (columns - SIDE - edge + (rows - page.shape[0] / 2) > 0)
    grey = paper - INK * page * paper + np.random.default_rng(0).normal(0, GRAIN, page.shape)
    return encode(Image.fromarray(to_uint8(np.clip(grey, 0, 1))), "PNG")


def test_a_light_digit_on_shaded_paper_keeps_its_strokes():
    # Measured against the whole page's coarse background, the shadow's edge across the
    # line counted as noise and lifted the floor over the light stroke; the line's own
    # paper follows the edge.
    picture = shaded_photo(strokes([0, 60, 150, 210], bold_width=20, light=100, light_strength=0.3), 0.15, edge=130)
    assert lefts(picture) == pytest.approx([0, 60, 100, 150, 210], abs=3)


def mottled_photo(ink: np.ndarray, mottling: float) -> bytes:
    """grainy_photo's page whose paper is mottled: its grey wanders by up to ``mottling``
    over patches about PATCH pixels across (seeded)."""
    page = np.pad(ink, ((MARGIN, MARGIN), (SIDE, SIDE)))
    rng = np.random.default_rng(1)
    coarse = rng.uniform(-mottling, mottling, (page.shape[0] // PATCH + 2, page.shape[1] // PATCH + 2))
    inner = (0.5, 0.5, coarse.shape[1] - 1.5, coarse.shape[0] - 1.5)  # the grid's cells, less its edge
    paper = PAPER + np.asarray(Image.fromarray(coarse.astype(np.float32)).resize(
        page.shape[::-1], Image.Resampling.BICUBIC, box=inner))
    grey = paper - INK * page * paper + rng.normal(0, GRAIN, page.shape)
    return encode(Image.fromarray(to_uint8(np.clip(grey, 0, 1))), "PNG")


def test_a_light_digit_on_mottled_paper_keeps_its_strokes():
    # The mottling's spread lifted the paper's noise floor over the light stroke, which
    # vanished; measured against the paper around it, the stroke stands out.
    picture = mottled_photo(strokes([0, 60, 150, 210], bold_width=20, light=100, light_strength=0.3), 0.12)
    assert lefts(picture) == pytest.approx([0, 60, 100, 150, 210], abs=3)


def test_a_line_that_runs_on_past_the_band_read_again_is_read_whole():
    # The overview boxed only the bold stroke, and the light ones run on further than the
    # band read again around it reaches (LINE_REACH box heights): it is read further.
    ink = strokes([0], bold_width=16)
    ink = np.pad(ink, ((0, 0), (0, 300)))
    for left in (60, 120, 180, 240, 300):
        ink[:, left:left + 6] = 0.25
    picture = grainy_photo(ink)
    top, left, bottom, right = find_marks(picture).box
    assert right - left < bottom - top  # the overview's box holds the bold stroke alone
    assert lefts(picture) == pytest.approx([0, 60, 120, 180, 240, 300], abs=3)


def test_a_dash_on_mottled_paper_leaves_no_light_marks():
    # A dash is wiped as a ruled line; looked for against the paper around it, its ends
    # (and the blotches beside them) were taken for light digits once it was gone.
    dash = np.ones((10, 200), dtype=np.float32)
    assert lefts(mottled_photo(dash, 0.05)) == []


def test_a_light_digit_lost_in_the_papers_grain_pixel_by_pixel_is_kept():
    # On grain twice as strong, no pixel of the light stroke stands above the paper's
    # noise floor; averaged over a few pixels the grain evens out and the stroke stands out.
    ink = strokes([0, 60, 150, 210], bold_width=20, light=100, light_strength=0.25)
    page = np.pad(ink, ((MARGIN, MARGIN), (SIDE, SIDE)))
    grey = PAPER - INK * page + np.random.default_rng(0).normal(0, 2 * GRAIN, page.shape)
    picture = encode(Image.fromarray(to_uint8(np.clip(grey, 0, 1))), "PNG")
    assert lefts(picture) == pytest.approx([0, 60, 100, 150, 210], abs=3)


def test_a_light_digit_the_overview_missed_above_the_line_is_read_whole():
    # The light stroke at the end stands half a digit higher than the bold ones (a
    # drifting baseline): the band read again around the overview's box cut its top off,
    # so the band is read higher.
    ink = np.zeros((HEIGHT * 3 // 2, 270), dtype=np.float32)
    for left in (0, 60, 120, 180):
        ink[HEIGHT // 2:, left:left + 16] = 1
    ink[:HEIGHT, 240:246] = 0.25
    pieces = segment(find_marks(grainy_photo(ink)), always_sure)
    assert [piece.box[0] - SIDE for piece in pieces] == pytest.approx([0, 60, 120, 180, 240], abs=3)
    assert pieces[-1].box[1] - MARGIN == pytest.approx(0, abs=3)  # its top, in the ink's rows


class ReadsBarsDoubtfully:
    """A reader that reads a lone bar as a 1 with DOUBTFUL confidence (not sure, not
    doubtful enough to be cut), and anything else as a 4 with 0.05."""

    DOUBTFUL = 0.6

    def outputs(self, pictures):
        return as_outputs(np.where(lone_bars(pictures), self.DOUBTFUL, 0.05))

    def predict_pictures(self, pictures):
        return [Prediction(digit, c, tuple(c if d == digit else (1 - c) / 9 for d in range(10)))
                for c in self.outputs(pictures).max(axis=1) for digit in [1 if c > 0.5 else 4]]


def test_a_light_digit_the_overview_missed_close_beside_a_bold_one_is_a_digit_of_its_own():
    # The overview saw the bold stroke alone, which read whole is one digit; the line read
    # again holds a second tall mark beyond it, close (not standing apart) and not read
    # surely: the marks read whole left it out, so it is a digit of its own.
    picture = grainy_photo(strokes([0], bold_width=16, light=26, light_strength=0.25))
    top, left, bottom, right = find_marks(picture).box
    assert right - left < (bottom - top) / 2  # the overview's box holds the bold stroke alone
    assert read_number(ReadsBarsDoubtfully(), picture).number == "11"
