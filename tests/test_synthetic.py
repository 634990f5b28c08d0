"""mnist_app.synthetic: seeded generators of realistic digits and non-digits."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from mnist_app.constants import NOT_A_DIGIT
from mnist_app.synthetic import glyphs, handwriting, nondigits, paper, pens, sets, strokes, training, typed
from mnist_app.synthetic.skeleton import zhang_suen
from mnist_app.synthetic.strokes import draw_segments
from mnist_app.synthetic.typed import EVALUATION_FACES, TRAINING_FACES, installed
from mnist_sample import mnist_sample

DIGITS, LABELS = mnist_sample()
SET_BUILDERS = {
    "thin pens": lambda rng: sets.thin_pens(DIGITS, LABELS, 3, rng),
    "bold markers": lambda rng: sets.bold_markers(DIGITS, LABELS, 3, rng),
    "small on sheet": lambda rng: sets.small_on_sheet(DIGITS, LABELS, 2, rng),
    "small in photo": lambda rng: sets.small_in_photo(DIGITS, LABELS, 2, rng),
    "handwriting": lambda rng: sets.handwriting(3, rng),
    "typed": lambda rng: sets.typed(3, rng),
    "photo": lambda rng: sets.photo_mnist(DIGITS, LABELS, 2, rng),
    "canvas": lambda rng: sets.canvas_mnist(DIGITS, LABELS, 2, rng),
    "not digits": lambda rng: sets.not_digits(DIGITS, LABELS, len(nondigits.KINDS), rng),
    "nib pens": lambda rng: sets.nib_pens(2, rng),
}


def decode(file: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(file))
    image.load()
    return image


def stroke_width(ink: np.ndarray) -> float:
    """Average stroke width in pixels of an ink map: inked area over centre-line length."""
    mask = ink > 0.5
    return mask.sum() / max(zhang_suen(mask).sum(), 1)


def assert_mnist_convention(images: np.ndarray, n: int) -> None:
    """(n, 28, 28) uint8, light ink on black, fitted to 20x20, centred by mass."""
    assert images.shape == (n, 28, 28) and images.dtype == np.uint8
    for image in images:
        assert image.max() >= 200 and np.median(image) == 0
        rows, cols = np.flatnonzero(image.any(axis=1)), np.flatnonzero(image.any(axis=0))
        assert max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1 in (19, 20, 21)
        weights = image.astype(float) / image.sum()
        assert abs(weights.sum(axis=1) @ np.arange(28) - 14) <= 1.0
        assert abs(weights.sum(axis=0) @ np.arange(28) - 14) <= 1.0


# --- determinism and what each set promises --------------------------------------------


@pytest.mark.parametrize("name", SET_BUILDERS)
def test_same_seed_gives_the_same_bytes(name):
    first, second = (SET_BUILDERS[name](np.random.default_rng(7)) for _ in range(2))
    assert first.files == second.files and np.array_equal(first.labels, second.labels)
    if first.files:
        other = SET_BUILDERS[name](np.random.default_rng(8))
        assert other.files != first.files


@pytest.mark.parametrize("name", SET_BUILDERS)
def test_every_file_decodes_and_labels_are_digits_or_not_a_digit(name):
    labelled = SET_BUILDERS[name](np.random.default_rng(1))
    if name == "typed" and not installed(EVALUATION_FACES):
        pytest.skip("DejaVu fonts not installed")
    assert len(labelled.files) == len(labelled.labels) > 0
    expected = {NOT_A_DIGIT} if name == "not digits" else set(range(10))
    assert set(labelled.labels.tolist()) <= expected
    for file in labelled.files:
        assert min(decode(file).size) >= 16


def test_thin_pens_are_280_px_canvases_with_2_to_6_px_strokes():
    labelled = sets.thin_pens(DIGITS, LABELS, 6, np.random.default_rng(3))
    for file in labelled.files:
        image = decode(file)
        assert image.size == sets.CANVAS
        if image.mode == "RGBA":  # transparent pixels are (0, 0, 0, 0), as browsers export them
            rgba = np.asarray(image)
            assert not rgba[rgba[..., 3] == 0].any()
        ink = 1 - np.asarray(image.convert("RGBA").convert("L"), dtype=float) / 255
        if image.mode == "RGBA":
            ink = np.asarray(image)[..., 3] / 255
        assert 1.5 <= stroke_width(ink) <= 7.5


@pytest.mark.parametrize("pen", [2.0, 4.0, 6.0, 12.0, 20.0])
def test_pen_drawing_keeps_the_pen_width_and_height(pen):
    rng = np.random.default_rng(int(pen))
    ink = pens.pen_drawing(DIGITS[0], 200, pen, rng, slant=0.0, rotation=0.0)
    assert 0.8 * pen <= stroke_width(ink) <= 1.3 * pen + 1
    assert 170 <= ink.shape[0] <= 230


def test_small_digits_are_5_to_15_percent_of_an_800_to_2000_px_sheet(monkeypatch):
    placed = []
    monkeypatch.setattr(sets, "export", lambda ink, how, page, rng: placed.append((ink.shape, how, page)) or b"")
    sets.small_on_sheet(DIGITS, LABELS, 40, np.random.default_rng(4))
    for (ink_height, _), how, (width, height) in placed:
        assert how == "cluttered photo" and 800 <= max(width, height) <= 2000
        assert 0.03 <= ink_height / height <= 0.18  # 5-15 %, give or take rotation and cropping


def test_small_digits_in_photos_are_40_to_150_px_in_800_to_4000_px(monkeypatch):
    placed = []
    monkeypatch.setattr(sets, "export", lambda ink, how, page, rng: placed.append((ink.shape, page)) or b"")
    sets.small_in_photo(DIGITS, LABELS, 40, np.random.default_rng(5))
    for (ink_height, _), page in placed:
        assert 800 <= max(page) <= 4000 and 25 <= ink_height <= 170


def test_canvas_export_is_transparent_around_the_strokes():
    ink = np.zeros((20, 10), dtype=np.float32)
    ink[:, 4:6] = 1.0
    rgba = np.asarray(decode(paper.canvas_png(ink, (50, 40), np.random.default_rng(0))))
    assert rgba.shape == (40, 50, 4)
    assert (rgba[..., 3] == 255).sum() == 40 and not rgba[rgba[..., 3] == 0].any()


# --- strokes and skeletons --------------------------------------------------------------


@pytest.mark.parametrize("limit", [10 ** 9, 0])  # whole-canvas broadcast, and one box per segment
def test_a_segment_covers_its_width(limit, monkeypatch):
    monkeypatch.setattr(strokes, "BROADCAST_LIMIT", limit)
    ink = draw_segments(np.array([[10.0, 20.0]]), np.array([[50.0, 20.0]]), np.array([[3.0, 3.0]]), (40, 60))
    assert ink[:, 30].sum() == pytest.approx(6.0, abs=0.05)  # a 6 px pen
    assert ink[20, 10:51].min() == 1.0 and ink[0].max() == 0.0


def test_zhang_suen_thins_a_bar_to_its_centre_line():
    bar = np.zeros((30, 60), dtype=bool)
    bar[10:19, 5:55] = True
    skeleton = zhang_suen(bar)
    rows = np.nonzero(skeleton[:, 15:45])[0]
    assert skeleton.sum() >= 40 and set(rows.tolist()) <= {13, 14, 15}


def test_every_hand_writes_every_digit():
    assert len(glyphs.HANDS) >= 12
    rng = np.random.default_rng(6)
    for hand in glyphs.HANDS:
        for digit in range(10):
            ink = handwriting.handwritten_digit(digit, 40, 3.0, rng, hand)
            assert ink.dtype == np.float32 and 30 <= ink.shape[0] <= 55 and ink.max() == pytest.approx(1.0)


@pytest.mark.parametrize("pointed", [False, True])
def test_a_nib_is_broad_across_its_edge_and_a_hairline_along_it(pointed):
    # Oracle: the pen's geometry. Straight paths heading along the edge (angle 30 degrees),
    # across it (120), and across it the other way (-60: pushed, for a pointed nib).
    angle = np.radians(30)
    widths = {}
    for heading in (30, 120, -60):
        step = np.array([np.cos(np.radians(heading)), np.sin(np.radians(heading))])
        path = np.arange(5)[:, None] * step
        widths[heading] = strokes.nib_widths(path, np.full(5, 9.0), 1.5, angle, pointed)
    assert widths[30] == pytest.approx(np.full(5, 1.5))
    assert widths[120] == pytest.approx(np.full(5, 9.0))
    assert widths[-60] == pytest.approx(np.full(5, 1.5 if pointed else 9.0))


def test_every_kind_of_non_digit_has_ink():
    rng = np.random.default_rng(9)
    for kind in nondigits.KINDS:
        assert nondigits.nondigit(kind, 60, 4.0, DIGITS, LABELS, rng).sum() > 10, kind


# --- training images ---------------------------------------------------------------------


def test_training_non_digits_follow_mnist_convention_and_are_seeded():
    images = training.nondigit_images(40, np.random.default_rng(10))
    assert_mnist_convention(images, 40)
    np.testing.assert_array_equal(images, training.nondigit_images(40, np.random.default_rng(10)))


def test_digit_pairs_are_one_mnist_image_each():
    assert_mnist_convention(training.digit_pairs(DIGITS, 10, np.random.default_rng(11)), 10)


def test_typed_digit_images_for_training():
    if not installed(TRAINING_FACES):
        pytest.skip("no training fonts installed")
    images, labels = training.typed_digit_images(20, np.random.default_rng(12))
    assert_mnist_convention(images, 20)
    assert labels.shape == (20,) and labels.dtype == np.uint8 and labels.max() <= 9


def test_training_and_evaluation_use_different_faces():
    assert not set(TRAINING_FACES) & set(EVALUATION_FACES)
    assert not set(training.training_faces()) & set(EVALUATION_FACES)
    faces = installed(TRAINING_FACES)
    if faces:
        assert not typed.has_glyph(faces[0], "\U0010FFFD") and typed.has_glyph(faces[0], "D")