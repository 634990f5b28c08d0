"""The preprocessing steps added for people's own pictures, each on small generated images:
thin pens thickened and bold markers narrowed into MNIST's stroke widths, small digits
found on big textured pages (past ruled lines and table edges), the quick look at small
pictures agreeing with the full one, and non-digits flagged by the shipped model.

MNIST digits passing through unchanged is tested in test_preprocess.py.
"""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from mnist_app import preprocess
from mnist_app.errors import NotADigit, SeveralDigits
from mnist_app.predict import Classifier, Prediction
from mnist_app.preprocess import to_mnist_image
from mnist_app.preprocess.parts import ink_box, without_specks
from mnist_app.preprocess.strokes import MNIST_STROKE_WIDTHS, stroke_width_in_box
from mnist_app.synthetic import nondigits, pens
from mnist_app.synthetic.paper import encode, resize_ink, to_uint8
from mnist_sample import mnist_sample
from test_preprocess import shift_tolerant_correlation

IMAGES, LABELS = mnist_sample()
CANVAS = 280  # pixels: the drawing canvas of a web page or app


@pytest.fixture(scope="module")
def shipped() -> Classifier:
    return Classifier.load()


def cropped(ink: np.ndarray) -> np.ndarray:
    """``ink`` (h, w) cut to the box around its nonzero pixels."""
    top, left, bottom, right = ink_box(ink)
    return ink[top:bottom, left:right]


def on_canvas(ink: np.ndarray, side: int = CANVAS) -> np.ndarray:
    """An ink map drawn black in the middle of a white side x side canvas: uint8 (h, w)."""
    if max(ink.shape) > 0.9 * side:
        ink = resize_ink(ink, int(ink.shape[0] * 0.9 * side / max(ink.shape)))
    page = np.ones((side, side), dtype=np.float32)
    top, left = (side - ink.shape[0]) // 2, (side - ink.shape[1]) // 2
    page[top:top + ink.shape[0], left:left + ink.shape[1]] -= ink
    return to_uint8(page)


def width_read(image: np.ndarray) -> float:
    """The stroke width of a preprocessed (28, 28) uint8 digit, in its 20-pixel box."""
    return stroke_width_in_box(cropped(image.astype(np.float32) / 255))


# --- thin pens and bold markers -------------------------------------------------------


def test_thin_pens_are_widened_into_mnist_range_and_read(shipped):
    rng = np.random.default_rng(0)
    drawings = [pens.pen_drawing(digit, 200, rng.uniform(2, 3), rng) for digit in IMAGES[:8]]
    assert max(stroke_width_in_box(cropped(ink)) for ink in drawings) < MNIST_STROKE_WIDTHS[0]
    canvases = [on_canvas(ink) for ink in drawings]
    low, high = MNIST_STROKE_WIDTHS
    assert all(low <= width_read(to_mnist_image(canvas)) <= high for canvas in canvases)
    read = [getattr(outcome, "digit", None) for outcome in shipped.predict_each(canvases)]
    assert np.sum(np.array(read) == LABELS[:8]) >= 7


def test_bold_markers_are_narrowed_into_mnist_range():
    rng = np.random.default_rng(1)
    drawings = [pens.pen_drawing(IMAGES[index], 200, 72, rng) for index in (1, 3, 4)]  # a 2, a 0, a 4
    before = [stroke_width_in_box(cropped(ink)) for ink in drawings]
    after = [width_read(to_mnist_image(on_canvas(ink, 400))) for ink in drawings]
    assert min(before) > MNIST_STROKE_WIDTHS[1]
    assert all(MNIST_STROKE_WIDTHS[0] <= width <= MNIST_STROKE_WIDTHS[1] for width in after)
    assert all(a < b - 0.5 for a, b in zip(after, before))


# --- small digits on big pages -------------------------------------------------------

PAGE = (1500, 2000)  # rows, columns


def textured_page(rng: np.random.Generator) -> np.ndarray:
    """Grey paper levels (1500, 2000) float32: light falling off across it, and grain."""
    rows = np.linspace(0, 1, PAGE[0], dtype=np.float32)[:, None]
    cols = np.linspace(0, 1, PAGE[1], dtype=np.float32)[None, :]
    return 0.9 * (1 - 0.25 * (0.6 * cols + 0.4 * rows)) + rng.normal(0, 0.03, PAGE).astype(np.float32)


def jpeg(levels: np.ndarray) -> bytes:
    return encode(Image.fromarray(to_uint8(levels)), "JPEG", quality=85)


def with_ruled_line(page: np.ndarray, box) -> None:
    """A dark line 4 px thick across the whole page, 150 px above or below the digit."""
    top, _, bottom, _ = box
    row = top - 150 if top > 300 else bottom + 150
    page[row:row + 4] = 0.3


def with_table_edge(page: np.ndarray, box) -> None:
    """The dark table showing along the page's left edge, 120 px wide."""
    page[:, :120] = 0.25


def with_shadow(page: np.ndarray, box) -> None:
    """A hand's shadow over the page beyond a diagonal 250 px from the digit, on the side
    with more page, its rim blurred over 40 px. It halves the light, so the lit side could
    pass for light ink on dark paper."""
    top, left, bottom, right = box
    rows, cols = np.indices(PAGE, dtype=np.float32)
    if top + left < sum(PAGE) / 2:  # the digit is towards the top left: shade the bottom right
        beyond = (rows - bottom) + (cols - right)
    else:
        beyond = (top - rows) + (left - cols)
    page *= 1 - 0.5 * np.clip((beyond / np.sqrt(2) - 250) / 40 + 0.5, 0, 1)


FURNITURE = {"plain": lambda page, box: None, "ruled line": with_ruled_line, "table edge": with_table_edge,
             "shadow": with_shadow}


@pytest.fixture(scope="module")
def small_digits() -> list[tuple[np.ndarray, tuple[int, int, int, int], np.ndarray]]:
    """For two MNIST digits 40-60 px tall, each at a random place on its own textured
    page: (page levels, the digit's box (top, left, bottom, right), the digit read from a
    tight crop of the page around it)."""
    rng = np.random.default_rng(2)
    cases = []
    for digit in IMAGES[:2]:
        ink = pens.enlarged(digit, int(rng.integers(40, 61)), rng)
        page = textured_page(rng)
        top, left = int(rng.integers(200, PAGE[0] - 200)), int(rng.integers(200, PAGE[1] - 200))
        bottom, right = top + ink.shape[0], left + ink.shape[1]
        region = page[top:bottom, left:right]
        region += (0.15 - region) * ink  # dark ink
        margin = max(ink.shape) // 2
        tight = to_mnist_image(jpeg(page[top - margin:bottom + margin, left - margin:right + margin]))
        cases.append((page, (top, left, bottom, right), tight))
    return cases


@pytest.mark.parametrize("furniture", FURNITURE)
def test_a_small_digit_on_a_big_page_reads_like_a_tight_crop(small_digits, furniture):
    for page, box, tight in small_digits:
        furnished = page.copy()
        FURNITURE[furniture](furnished, box)
        # The same pixels either way: about 0.99. A digit read from the 384 px overview
        # instead of again from the full picture gets only 0.8-0.9.
        assert shift_tolerant_correlation(to_mnist_image(jpeg(furnished)), tight) > 0.93


def test_a_small_thin_one_on_a_big_page_is_found():
    for seed, one in enumerate(IMAGES[LABELS == 1][:8]):
        rng = np.random.default_rng(seed)
        ink = pens.enlarged(one, 40, rng)
        page = textured_page(rng)
        region = page[700:700 + ink.shape[0], 1000:1000 + ink.shape[1]]
        region += (0.15 - region) * ink
        to_mnist_image(jpeg(page))  # no "no digit found"


def test_lines_across_and_bands_along_an_edge_are_dropped_unless_nothing_else_is_left():
    digit = np.zeros((100, 150), dtype=np.float32)
    digit[40:70, 60:64] = 1  # a short stroke in the middle
    line, band = np.zeros_like(digit), np.zeros_like(digit)
    line[10:12, :] = 1  # across the picture, touching both sides
    band[:, 140:] = 1  # along the right edge
    for furniture in (line, band):
        np.testing.assert_array_equal(without_specks(digit + furniture), digit)
        np.testing.assert_array_equal(without_specks(furniture), furniture)


# A photo's shadow: as much ink as the digit, but only a third as dark as its strokes.
SHADOW_AT_THE_EDGE = (slice(30, 50), slice(130, None))  # over a fifth of the right edge: no band
SHADOW_IN_THE_OPEN = (slice(75, 95), slice(90, 120))  # touching no edge


@pytest.mark.parametrize("where", [SHADOW_AT_THE_EDGE, SHADOW_IN_THE_OPEN], ids=["at an edge", "in the open"])
def test_a_shadow_with_no_stroke_core_is_dropped_unless_nothing_else_is_left(where):
    digit = np.zeros((100, 150), dtype=np.float32)
    digit[40:70, 60:64] = 1
    shadow = np.zeros_like(digit)
    shadow[where] = 0.35
    np.testing.assert_array_equal(without_specks(digit + shadow), digit)
    np.testing.assert_array_equal(without_specks(shadow), shadow)


# --- the quick look -------------------------------------------------------------------


def test_the_quick_look_at_a_small_picture_gives_the_digit_the_full_look_gives(monkeypatch):
    rng = np.random.default_rng(3)
    canvases = [on_canvas(pens.pen_drawing(digit, int(rng.integers(120, 240)), rng.uniform(2, 12), rng))
                for digit in IMAGES[:6]]
    assert max(canvas.shape[0] for canvas in canvases) <= preprocess.SMALL_PICTURE
    quick = [to_mnist_image(canvas) for canvas in canvases]
    monkeypatch.setattr(preprocess, "SMALL_PICTURE", 0)  # every picture looked at in the 384 px overview
    full = [to_mnist_image(canvas) for canvas in canvases]
    assert min(shift_tolerant_correlation(a, b) for a, b in zip(quick, full)) > 0.9


# --- not a digit ----------------------------------------------------------------------

NONDIGIT_KINDS = ("star", "bar", "dot", "hatching", "number", "scribble", "shape", "written symbol",
                  "typed symbol", "scribble")


def test_the_shipped_model_flags_most_non_digits(shipped):
    rng = np.random.default_rng(4)
    flagged = []
    for kind in NONDIGIT_KINDS:
        height = int(rng.integers(120, 200))
        pen = height * rng.uniform(0.04, 0.1)
        if kind == "number":
            ink = nondigits.number("42", height, pen, IMAGES, LABELS, rng)
        else:
            ink = nondigits.nondigit(kind, height, pen, IMAGES, LABELS, rng)
        if ink.size == 0:  # a typed symbol without the DejaVu fonts
            ink = nondigits.nondigit("written symbol", height, pen, IMAGES, LABELS, rng)
        try:
            flagged.append(shipped.predict(on_canvas(ink)).unsure)
        except (NotADigit, SeveralDigits):  # a number is refused either way
            flagged.append(True)
    assert sum(flagged) >= 7, [kind for kind, flag in zip(NONDIGIT_KINDS, flagged) if not flag]


def test_the_shipped_model_reads_clear_digits_without_a_flag(shipped):
    outcomes = list(shipped.predict_each(IMAGES[:10]))
    assert all(isinstance(outcome, Prediction) and not outcome.unsure for outcome in outcomes)
    assert [outcome.digit for outcome in outcomes] == LABELS[:10].tolist()


@pytest.mark.parametrize("shape", [(288, 384), (128, 100), (37, 5), (3, 300)])
def test_the_papers_background_takes_each_cells_low_percentile(shape):
    """The background's grid, counted on the 256 grey steps, against a partial sort of each
    cell's levels (the percentile by definition), in both polarities."""
    from mnist_app.preprocess import ink
    from mnist_app.preprocess.parts import spread

    rng = np.random.default_rng(sum(shape))
    overview = rng.integers(0, 256, shape).astype(np.float32)
    overview *= 1 / 255  # as Picture.levels makes them
    for dark_ink, levels in ((False, overview), (True, 1 - overview)):  # levels where ink is light
        height, width = shape
        rows, cols = min(ink.BACKGROUND_GRID, height), min(ink.BACKGROUND_GRID, width)
        cell_h, cell_w = height // rows, width // cols
        cells = np.array([[levels[r * cell_h:(r + 1) * cell_h, c * cell_w:(c + 1) * cell_w].ravel()
                           for c in range(cols)] for r in range(rows)])
        rank = cell_h * cell_w * ink.BACKGROUND_PERCENTILE // 100
        grid = spread(np.minimum, np.partition(cells, rank, axis=-1)[..., rank], 1)
        expected = np.asarray(Image.fromarray(grid).resize((width, height), Image.Resampling.BILINEAR))
        np.testing.assert_array_equal(ink.Paper.of(overview, dark_ink=dark_ink).background, expected)


@pytest.mark.parametrize("dark_ink", [True, False])
def test_paper_flat_at_zero_has_no_background_and_the_same_ink(dark_ink):
    """A clean page (every cell's low percentile at the paper's own level) keeps no
    background, and its ink, of the overview and of a sharper read of a region, is what
    an explicit background of zeros gives."""
    from mnist_app.preprocess import ink

    rng = np.random.default_rng(7)
    paper_step = 0 if not dark_ink else 255
    steps = np.full((96, 128), paper_step, dtype=np.uint8)
    steps[30:70, 40:60] = rng.integers(0, 256, (40, 20))  # strokes in a few cells only
    overview = steps.astype(np.float32)
    overview *= 1 / 255  # as Picture.levels makes them
    paper = ink.Paper.of(overview)
    assert paper.dark_ink == dark_ink and paper.background is None
    zeros = ink.Paper(dark_ink, np.zeros(overview.shape, dtype=np.float32))
    np.testing.assert_array_equal(paper.ink(overview), zeros.ink(overview))
    region = (35.5, 25.0, 70.25, 75.0)
    sharp = Image.fromarray(steps).resize((70, 100), Image.Resampling.BOX, box=region)
    sharp_levels = np.asarray(sharp, dtype=np.float32) * np.float32(1 / 255)
    np.testing.assert_array_equal(paper.ink(sharp_levels, region), zeros.ink(sharp_levels, region))


@pytest.mark.parametrize("mode", ["RGBA", "LA", "PA"])
def test_a_transparent_pictures_grey_and_alpha_are_pillows_la_bands(mode):
    """Grey and alpha, taken straight from RGBA and LA, against Pillow's conversion to LA."""
    from mnist_app.preprocess.picture import _grey_and_alpha

    rng = np.random.default_rng(len(mode))
    bands = Image.fromarray(rng.integers(0, 256, (40, 30, 4), dtype=np.uint8), "RGBA")
    image = bands if mode == "RGBA" else bands.convert(mode)
    for got, expected in zip(_grey_and_alpha(image), image.convert("LA").split()):
        assert got.mode == "L"
        np.testing.assert_array_equal(np.asarray(got), np.asarray(expected))


@pytest.mark.parametrize("mode", ["RGBA", "LA"])
def test_black_ink_on_transparency_is_flattened_as_pillow_pastes_it_onto_white(mode):
    """Black pixels of every alpha (and none visible at all) against Pillow's paste of
    black through the alpha band onto a white backdrop, the backdrop dark ink gets."""
    from mnist_app.preprocess.picture import _single_band

    rng = np.random.default_rng(5)
    alpha = np.concatenate([np.arange(256, dtype=np.uint8), rng.integers(0, 256, 44 * 10 - 256, dtype=np.uint8)])
    for alpha_band in (Image.fromarray(alpha.reshape(44, 10)), Image.new("L", (10, 44), 0)):
        picture = Image.new(mode, alpha_band.size, 0)
        picture.putalpha(alpha_band)
        expected = Image.new("L", alpha_band.size, 255)
        expected.paste(Image.new("L", alpha_band.size, 0), None, alpha_band)
        np.testing.assert_array_equal(np.asarray(_single_band(picture)), np.asarray(expected))


@pytest.mark.parametrize("grey, backdrop", [(10, 255), (200, 0)])
def test_visible_pixels_the_sampling_grid_misses_still_choose_the_backdrop(grey, backdrop):
    """Dark visible ink gets a white backdrop and light ink a black one, also when every
    visible pixel lies between the points of the grid the backdrop is first judged on."""
    from mnist_app.preprocess.picture import SMALL_SIDE, _backdrop_level

    side = 3 * SMALL_SIDE  # a grid of every third pixel, from the first
    alpha = np.zeros((side, side), np.uint8)
    alpha[1::3, 1::3] = 255
    assert _backdrop_level(Image.new("L", (side, side), grey), Image.fromarray(alpha)) == backdrop


@pytest.mark.parametrize("dtype", [np.uint8, np.float32, np.float64])
def test_arrays_become_the_images_fromarray_makes(dtype):
    """image_of, the quick way preprocessing hands arrays to Pillow, against Image.fromarray:
    the same mode, size and pixels, also for a transposed (not contiguous) array."""
    from mnist_app.preprocess.picture import image_of

    rng = np.random.default_rng(7)
    array = rng.random((23, 41)) * (255 if dtype == np.uint8 else 1)
    for pixels in (array.astype(dtype), array.astype(dtype).T):
        got, expected = image_of(pixels), Image.fromarray(pixels if dtype != np.float64 else pixels.astype(np.float32))
        assert (got.mode, got.size) == (expected.mode, expected.size)
        np.testing.assert_array_equal(np.asarray(got), np.asarray(expected))


def test_a_pictures_steps_are_its_levels_in_256_steps():
    """Picture.steps against Picture.levels: the same overview as bytes, level k/255 at step
    k, and steps_of and levels_of each other's inverse on every step."""
    from mnist_app.preprocess.picture import Picture, levels_of, steps_of

    rng = np.random.default_rng(3)
    picture = Picture(Image.fromarray(rng.integers(0, 256, (300, 500), dtype=np.uint8)))
    for side, region in ((128, None), (96, (40.5, 10.0, 210.0, 170.25))):
        steps, levels = picture.steps(side, region), picture.levels(side, region)
        assert steps.dtype == np.uint8 and steps.shape == levels.shape
        np.testing.assert_array_equal(steps_of(levels), steps)
        np.testing.assert_allclose(levels, steps / 255, rtol=1e-6)
    every_step = np.arange(256, dtype=np.uint8).reshape(16, 16)
    np.testing.assert_array_equal(steps_of(levels_of(every_step)), every_step)
