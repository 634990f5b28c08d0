"""augment: vectorised transforms of digit batches (m, 28, 28), uint8 or float in [0, 1].

Each transform is checked against what it promises a caller (training's augmentation,
the report's robustness curves, preprocessing's pen normalisation): identities are exact,
geometry goes the documented way, settings apply per image, ink is kept or moved as said.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from mnist_app import augment
from mnist_app.constants import MASS_CENTRE
from mnist_app.distortions import STANDARD_DISTORTIONS, Distortions, random_distortions
from mnist_sample import mnist_sample

IMAGES, _ = mnist_sample()
DIGITS = IMAGES[:40]  # (40, 28, 28) uint8
FLOAT_DIGITS = DIGITS.astype(np.float32) / 255
CENTRE = 13.5  # the frame's geometric centre, which centres_of_mass measures from


def slant(images: np.ndarray) -> np.ndarray:
    """(m,) cov(row, col) / var(row) over each image's ink, grey levels as weights: the
    number of columns the ink leans right per row down (negative: top to the right)."""
    weights = images.astype(np.float64)
    mass = weights.sum(axis=(1, 2))
    positions = np.arange(28) - CENTRE
    rows, cols = weights.sum(axis=2) @ positions / mass, weights.sum(axis=1) @ positions / mass
    row_var = weights.sum(axis=2) @ positions**2 / mass - rows**2
    covariance = np.einsum("mrc,r,c->m", weights, positions, positions) / mass - rows * cols
    return covariance / row_var


def bar(top: int, bottom: int, left: int, right: int, lean: float = 0.0) -> np.ndarray:
    """A (1, 28, 28) float32 image of a filled bar, its columns moved ``lean`` pixels right
    per row down from the bar's middle row (a parallelogram when ``lean`` != 0)."""
    rows, cols = np.mgrid[0:28, 0:28].astype(np.float32)
    offset = lean * (rows - (top + bottom - 1) / 2)
    inside = (rows >= top) & (rows < bottom) & (cols - offset >= left) & (cols - offset < right)
    return inside[np.newaxis].astype(np.float32)


def mass(images: np.ndarray) -> np.ndarray:
    return images.astype(np.float64).sum(axis=(1, 2))


# --- geometry ------------------------------------------------------------------------


@pytest.mark.parametrize("images", [DIGITS, FLOAT_DIGITS], ids=["uint8", "float32"])
def test_warp_with_identity_maps_returns_the_images_unchanged(images):
    identity = np.tile(np.array([[1, 0, 0], [0, 1, 0]], dtype=np.float32), (len(images), 1, 1))
    warped = augment.warp(images, identity)
    assert warped.dtype == images.dtype
    np.testing.assert_array_equal(warped, images)


@pytest.mark.parametrize("dy, dx", [(2, -3), (-4, 1), (0, 5)])
def test_shift_by_whole_pixels_equals_slicing(dy, dx):
    expected = np.zeros_like(DIGITS)
    rows_to, rows_from = slice(max(dy, 0), 28 + min(dy, 0)), slice(max(-dy, 0), 28 + min(-dy, 0))
    cols_to, cols_from = slice(max(dx, 0), 28 + min(dx, 0)), slice(max(-dx, 0), 28 + min(-dx, 0))
    expected[:, rows_to, cols_to] = DIGITS[:, rows_from, cols_from]
    np.testing.assert_array_equal(augment.shift(DIGITS, dy, dx), expected)


@pytest.mark.parametrize("dy, dx", [(1, 0), (-1, 0), (0, 1), (0, -1), (4, -4)])
def test_a_whole_pixel_shift_copies_what_interpolating_gives(dy, dx):
    for images in (DIGITS, FLOAT_DIGITS):  # ints take the copy; the same floats interpolate
        np.testing.assert_array_equal(augment.shift(images, dy, dx), augment.shift(images, float(dy), float(dx)))


def test_a_whole_pixel_shift_moves_the_ink_and_fills_with_no_ink():
    images = np.zeros((1, 28, 28), dtype=np.uint8)
    images[0, 0, 5] = images[0, 10, 27] = 255
    np.testing.assert_array_equal(np.argwhere(augment.shift(images, 1, 0)[0]), [[1, 5], [11, 27]])
    np.testing.assert_array_equal(np.argwhere(augment.shift(images, 0, 1)[0]), [[0, 6]])  # the one at the edge is gone
    np.testing.assert_array_equal(np.argwhere(augment.shift(images, -1, -1)[0]), [[9, 26]])
    np.testing.assert_array_equal(augment.shift(images, 0, 0), images)


def test_rotate_90_turns_anticlockwise():
    right_of_centre = bar(10, 18, 20, 23)  # a vertical bar right of the centre
    row, col = augment.centres_of_mass(augment.rotate(right_of_centre, 90))[0]
    assert row < -5 and abs(col) < 0.5  # now above the centre
    row, col = augment.centres_of_mass(augment.rotate(right_of_centre, -90))[0]
    assert row > 5 and abs(col) < 0.5  # clockwise: below


PER_IMAGE = {  # transform -> one setting per image of a batch of three
    "rotate": lambda images, i: augment.rotate(images, np.array([0.0, 90.0, -30.0])[i]),
    "shift": lambda images, i: augment.shift(images, np.array([0, 2, -1])[i], np.array([1, 0, -2])[i]),
    "stroke_width": lambda images, i: augment.stroke_width(images, np.array([1.0, 0.0, -0.5])[i]),
    "blur": lambda images, i: augment.blur(images, np.array([0.5, 0.0, 1.5])[i]),
}


@pytest.mark.parametrize("name", PER_IMAGE)
def test_settings_given_per_image_apply_to_each_image(name):
    three = FLOAT_DIGITS[:3]
    together = PER_IMAGE[name](three, slice(None))
    for i in range(3):
        np.testing.assert_allclose(together[i], PER_IMAGE[name](three[i:i + 1], i)[0], atol=1e-6)
    assert not np.allclose(together[2], three[2])


# --- pens and blur -------------------------------------------------------------------


@pytest.mark.parametrize("images", [DIGITS, FLOAT_DIGITS], ids=["uint8", "float32"])
def test_stroke_width_thickens_thins_and_zero_is_the_identity(images):
    thicker, thinner = augment.stroke_width(images, 1.0), augment.stroke_width(images, -0.5)
    assert thicker.dtype == thinner.dtype == images.dtype
    assert (thicker >= images).all() and (mass(thicker) > 1.3 * mass(images)).all()
    assert (thinner <= images).all() and (mass(thinner) < 0.9 * mass(images)).all()
    np.testing.assert_array_equal(augment.stroke_width(images, 0), images)


def test_stroke_width_works_on_images_of_any_size():
    stroke = np.zeros((2, 40, 64), dtype=np.float32)
    stroke[:, 18:21, 5:60] = 1  # a horizontal stroke 3 px wide
    width = (augment.stroke_width(stroke, np.array([2.0, -1.0])) > 0.5).sum(axis=1).max(axis=1)
    assert width.tolist() == [7, 1]  # each edge moved out by 2, or in by 1


def test_blur_keeps_the_ink_and_spreads_it():
    blurred = augment.blur(FLOAT_DIGITS, 1.0)
    np.testing.assert_allclose(mass(blurred), mass(FLOAT_DIGITS), rtol=0.01)
    assert ((blurred > 0.05).sum(axis=(1, 2)) > 1.3 * (FLOAT_DIGITS > 0.05).sum(axis=(1, 2))).all()
    assert (blurred.max(axis=(1, 2)) < FLOAT_DIGITS.max(axis=(1, 2))).all()


# --- deskewing -----------------------------------------------------------------------


def test_deskew_makes_a_sheared_bar_upright_about_its_centre_of_mass():
    # above the frame's centre, so that a shear about the frame's centre would move it sideways
    leaning = np.concatenate([bar(2, 18, 12, 16, lean=0.4), bar(4, 16, 8, 12, lean=-0.3)])
    assert (np.abs(slant(leaning)) > 0.25).all()
    upright = augment.deskew(leaning)
    assert (np.abs(slant(upright)) < 0.02).all()
    assert np.abs(augment.centres_of_mass(upright) - augment.centres_of_mass(leaning)).max() < 0.05


def test_deskew_undoes_the_slant_of_real_digits_and_leaves_upright_ones_alone():
    upright = augment.deskew(FLOAT_DIGITS)
    assert np.abs(slant(FLOAT_DIGITS)).max() > 0.3  # the sample holds slanted digits
    assert np.abs(slant(upright)).max() < 0.02
    assert np.abs(augment.centres_of_mass(upright) - augment.centres_of_mass(FLOAT_DIGITS)).max() < 0.05
    again = augment.deskew(upright)
    assert np.abs(again - upright).max() < 0.01
    vertical = bar(4, 24, 12, 16)
    np.testing.assert_array_equal(augment.deskew(vertical), vertical)



def test_a_slant_alone_is_the_map_linear_maps_makes_to_the_bit():
    """deskew builds its shear directly: linear_maps's turn by 0 degrees and zoom of 1 must
    leave [[1, 0, 0], [slant, 1, 0]] exactly, for any slant (negative, zero, tiny, large);
    a zero's sign aside, which cannot reach the picture (slant x row is added to a column
    position, never 0 on the half-pixel grid about the frame's centre)."""
    slants = np.concatenate([[0.0, -0.0, 1e-30, -1e-30, 3.0, -3.0],
                             np.random.default_rng(2).normal(0, 0.5, 200)]).astype(np.float32)
    direct = np.zeros((len(slants), 2, 3), dtype=np.float32)
    direct[:, 0, 0] = direct[:, 1, 1] = 1
    direct[:, 1, 0] = slants
    np.testing.assert_array_equal(augment.linear_maps(len(slants), slant=slants), direct)
    np.testing.assert_array_equal(augment.shear_maps(len(slants), slants), direct)

# --- random distortions --------------------------------------------------------------


def test_random_distortions_are_seeded():
    first, second, other = (random_distortions(DIGITS, STANDARD_DISTORTIONS, np.random.default_rng(seed))
                            for seed in (5, 5, 6))
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first, other)
    assert not np.array_equal(first, DIGITS)


def test_no_distortions_by_default_and_scaled_multiplies_every_range():
    assert not Distortions().any and Distortions(thin=0.1).any and STANDARD_DISTORTIONS.any
    half = STANDARD_DISTORTIONS.scaled(0.5)
    for field in dataclasses.fields(Distortions):
        full = getattr(STANDARD_DISTORTIONS, field.name)
        assert full > 0 and getattr(half, field.name) == pytest.approx(full / 2), field.name
    assert not STANDARD_DISTORTIONS.scaled(0).any


@pytest.mark.parametrize("dtype", [np.uint8, np.float32, np.float64])
def test_random_distortions_keep_the_dtype_and_range(dtype):
    images = DIGITS if dtype == np.uint8 else (DIGITS / 255).astype(dtype)
    distorted = random_distortions(images, STANDARD_DISTORTIONS, np.random.default_rng(0))
    assert distorted.dtype == dtype and distorted.shape == images.shape
    assert distorted.min() >= 0 and distorted.max() <= (255 if dtype == np.uint8 else 1)


def test_random_distortions_keep_the_centre_of_mass_where_mnist_puts_it():
    off_centre = augment.shift(DIGITS, 3, -3)  # distortion recentres, as MNIST centres by mass
    for images in (DIGITS, off_centre):
        distorted = random_distortions(images, STANDARD_DISTORTIONS.scaled(1.5), np.random.default_rng(1))
        centres = augment.centres_of_mass(distorted) + CENTRE  # pixel indices, like MASS_CENTRE
        np.testing.assert_allclose(centres.mean(axis=0), [MASS_CENTRE, MASS_CENTRE], atol=0.15)
        assert np.abs(centres - MASS_CENTRE).max() < 3
