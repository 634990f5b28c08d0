"""Vectorised transforms of whole batches of digit images, (m, 28, 28).

Training uses them with random settings per image (:mod:`mnist_app.distortions`, the
augmentation that teaches the network slants, sizes, wobbly strokes and pens); reading
uses a few (deskew, shifts, centres of mass, stroke width); the report
uses them with one fixed setting per batch to measure robustness. Every function takes
uint8 images (0-255) or floats in [0, 1] and returns the same dtype, and takes each setting
either as one number for the whole batch or as an (m,) array, one per image. No loops over
images: one batch of 2048 digits is distorted in a few tens of milliseconds.
"""

from __future__ import annotations

import numpy as np

from mnist_app.constants import FRAME

FRAME_CENTRE = (FRAME - 1) / 2  # geometric transforms turn and scale about the frame's centre


def _per_image(value, m: int) -> np.ndarray:
    """A setting broadcast to one float32 value per image: shape (m,)."""
    return np.broadcast_to(np.asarray(value, dtype=np.float32), (m,))


def _as_input_dtype(result: np.ndarray, like: np.ndarray) -> np.ndarray:
    if like.dtype == np.uint8:
        return np.clip(np.rint(result), 0, 255).astype(np.uint8)
    return np.clip(result, 0, 1).astype(like.dtype)


def warp(images: np.ndarray, matrices: np.ndarray, displacement: np.ndarray | None = None) -> np.ndarray:
    """Resample each image through its own inverse affine map, with bilinear interpolation.

    ``matrices`` (m, 2, 3) maps an output pixel's (row, col, 1), measured from the frame's
    centre, to the source position it samples, also from the centre. ``displacement``
    (m, 28, 28, 2), if given, is added to the output positions first (an elastic
    distortion). Pixels sampled from outside the frame are 0 (background).
    """
    m = len(images)
    grid = np.arange(FRAME, dtype=np.float32) - FRAME_CENTRE
    rows = np.broadcast_to(grid[:, None], (FRAME, FRAME))
    cols = np.broadcast_to(grid[None, :], (FRAME, FRAME))
    if displacement is not None:
        rows = rows + displacement[..., 0]
        cols = cols + displacement[..., 1]
    a = matrices.astype(np.float32)[:, :, :, None, None]  # (m, 2, 3, 1, 1) broadcasts over pixels
    source_rows = a[:, 0, 0] * rows + a[:, 0, 1] * cols + a[:, 0, 2] + FRAME_CENTRE + 1  # +1: padding
    source_cols = a[:, 1, 0] * rows + a[:, 1, 1] * cols + a[:, 1, 2] + FRAME_CENTRE + 1

    side = FRAME + 2
    framed = np.zeros((m, side, side), dtype=np.float32)  # a frame of zeros (np.pad, slower)
    framed[:, 1:-1, 1:-1] = images
    top = np.clip(np.floor(source_rows), 0, side - 2)
    left = np.clip(np.floor(source_cols), 0, side - 2)
    down = np.clip(source_rows - top, 0, 1)  # weights of the lower and right neighbours
    right = np.clip(source_cols - left, 0, 1)
    index = (top * side + left).astype(np.intp)  # (m, FRAME, FRAME) in each padded image...
    index += (np.arange(m) * side * side)[:, None, None]  # ...and in the whole batch, flat
    corners = [np.take(framed, index + offset) for offset in (0, 1, side, side + 1)]
    result = ((corners[0] * (1 - right) + corners[1] * right) * (1 - down)
              + (corners[2] * (1 - right) + corners[3] * right) * down)
    return _as_input_dtype(result, images)


def linear_maps(m: int, degrees=0.0, zoom=1.0, slant=0.0) -> np.ndarray:
    """(m, 2, 3) inverse maps for :func:`warp` that turn each image by ``degrees``
    anticlockwise, resize it by ``zoom`` and slant it (shear its rows sideways by ``slant``
    pixels per pixel of height, top to the right)."""
    theta = np.radians(_per_image(degrees, m))
    cos, sin = np.cos(theta), np.sin(theta)
    # On screen, row numbers grow downwards. A point turned anticlockwise by theta came from
    # (row, col) -> (cos row + sin col, -sin row + cos col).
    turn = np.stack([np.stack([cos, sin], 1), np.stack([-sin, cos], 1)], 1)
    maps = shear_maps(m, slant)
    maps[:, :, :2] = turn @ maps[:, :, :2] / _per_image(zoom, m)[:, None, None]
    return maps


def shear_maps(m: int, slant) -> np.ndarray:
    """(m, 2, 3) inverse maps for :func:`warp` that only slant each image (the output's col
    samples col + slant * row), float32; :func:`linear_maps` turns and resizes them."""
    maps = np.zeros((m, 2, 3), dtype=np.float32)
    maps[:, 0, 0] = maps[:, 1, 1] = 1
    maps[:, 1, 0] = _per_image(slant, m)
    return maps


def rotate(images: np.ndarray, degrees) -> np.ndarray:
    """Each image turned by ``degrees`` anticlockwise about the frame's centre."""
    return warp(images, linear_maps(len(images), degrees=degrees))


def shift(images: np.ndarray, dy, dx) -> np.ndarray:
    """Each image moved ``dy`` pixels down and ``dx`` right (fractions interpolate).

    Moving the whole batch by whole pixels (``dy`` and ``dx`` two integers) is a copy of
    the covered part, the uncovered edge 0: the same result as interpolating, fifty times
    faster, for the model's shifted readings (:mod:`mnist_app.reading`) and the report.
    """
    if isinstance(dy, (int, np.integer)) and isinstance(dx, (int, np.integer)):
        return _whole_pixel_shift(images, int(dy), int(dx))
    m = len(images)
    matrices = np.zeros((m, 2, 3), dtype=np.float32)
    matrices[:, 0, 0] = matrices[:, 1, 1] = 1
    matrices[:, 0, 2], matrices[:, 1, 2] = -_per_image(dy, m), -_per_image(dx, m)
    return warp(images, matrices)


def _whole_pixel_shift(images: np.ndarray, dy: int, dx: int) -> np.ndarray:
    moved = np.zeros_like(images)
    height, width = images.shape[1:]
    moved[:, max(dy, 0):height + min(dy, 0), max(dx, 0):width + min(dx, 0)] = \
        images[:, max(-dy, 0):height + min(-dy, 0), max(-dx, 0):width + min(-dx, 0)]
    return moved


def random_shifts(images: np.ndarray, max_shift: int, rng: np.random.Generator) -> np.ndarray:
    """Each image (m, h, w) moved by its own random whole-pixel (dy, dx), each in
    [-max_shift, max_shift], the uncovered edge 0: a cheap augmentation that teaches the
    network small offsets. Draws the offsets as one (m, 2) ``rng.integers`` call."""
    offsets = max_shift - rng.integers(0, 2 * max_shift + 1, size=(len(images), 2))
    shifted = np.empty_like(images)
    # One copy per distinct offset instead of a per-image loop: at most (2s+1)^2 copies.
    for dy in range(-max_shift, max_shift + 1):
        for dx in range(-max_shift, max_shift + 1):
            chosen = (offsets[:, 0] == dy) & (offsets[:, 1] == dx)
            shifted[chosen] = _whole_pixel_shift(images[chosen], dy, dx)
    return shifted


def _neighbourhood(images: np.ndarray, combine, square: bool) -> np.ndarray:
    """``combine`` (np.maximum or np.minimum) over each pixel's 3x3 square (or its plus-shaped
    4 neighbours and itself), the outside of each (h, w) image counting as background."""
    m, height, width = images.shape
    padded = np.zeros((m, height + 2, width + 2), dtype=images.dtype)  # the outside: 0
    padded[:, 1:-1, 1:-1] = images
    offsets = [(1, 0), (1, 2), (0, 1), (2, 1)]
    if square:
        offsets += [(0, 0), (0, 2), (2, 0), (2, 2)]
    result = images.copy()
    for dy, dx in offsets:
        combine(result, padded[:, dy:dy + height, dx:dx + width], out=result)
    return result


def stroke_width(images: np.ndarray, pixels) -> np.ndarray:
    """Strokes thickened (``pixels`` > 0) or thinned (< 0): each edge moves out or in by
    ``pixels``, so the width changes by twice that. Whole steps alternate 3x3 and plus-shaped
    grey dilations (or erosions), which grow a nearly round pen; a fraction blends the last
    step in. Works on (m, h, w) images of any size."""
    amounts = _per_image(pixels, len(images))
    grow, shrink = amounts > 0, amounts < 0
    result = images.astype(np.float32)
    for step in range(int(np.ceil(np.abs(amounts).max(initial=0)))):
        weight = np.clip(np.abs(amounts) - step, 0, 1)[:, None, None]
        target = result.copy()
        square = step % 2 == 1
        if grow.any():
            target[grow] = _neighbourhood(result[grow], np.maximum, square)
        if shrink.any():
            target[shrink] = _neighbourhood(result[shrink], np.minimum, square)
        result += weight * (target - result)
    return _as_input_dtype(result, images)


def _gaussian_matrices(sigma: np.ndarray) -> np.ndarray:
    """(m, 28, 28) row-normalised Gaussian smoothing matrices; sigma 0 gives the identity."""
    offsets = np.arange(FRAME, dtype=np.float32)
    distance2 = (offsets[:, None] - offsets[None, :]) ** 2
    safe = np.maximum(sigma, 1e-3)[:, None, None]
    kernel = np.exp(-distance2 / (2 * safe**2))
    return kernel / kernel.sum(axis=2, keepdims=True)


def blur(images: np.ndarray, sigma) -> np.ndarray:
    """Each image smoothed by a Gaussian of standard deviation ``sigma`` pixels."""
    g = _gaussian_matrices(_per_image(sigma, len(images)))
    return _as_input_dtype(g @ images.astype(np.float32) @ g.transpose(0, 2, 1), images)


def elastic_fields(m: int, rms_pixels, smoothness: float, rng: np.random.Generator) -> np.ndarray:
    """Random smooth displacement fields (m, 28, 28, 2) with ``rms_pixels`` RMS length.

    Simard et al. (2003): white noise smoothed by a Gaussian of ``smoothness`` pixels, here
    rescaled to a chosen root-mean-square displacement instead of a raw factor alpha.
    """
    noise = rng.uniform(-1, 1, size=(m, 2, FRAME, FRAME)).astype(np.float32)
    g = _gaussian_matrices(np.full(m, smoothness, dtype=np.float32))[:, None]
    smooth = g @ noise @ g.transpose(0, 1, 3, 2)
    rms = np.sqrt(np.mean(smooth**2, axis=(1, 2, 3), keepdims=True)) + 1e-8
    return (smooth / rms * _per_image(rms_pixels, m)[:, None, None, None]).transpose(0, 2, 3, 1)


def centres_of_mass(images: np.ndarray) -> np.ndarray:
    """(m, 2) row and column of the centre of mass of each image (m, h, w), in pixels from
    the image's own centre ((h - 1) / 2, (w - 1) / 2): from the frame's centre for MNIST's
    28 x 28; (0, 0) for a blank image."""
    height, width = images.shape[1:]
    weights = images.astype(np.float32)
    mass = np.maximum(weights.sum(axis=(1, 2)), 1e-6)
    rows = np.arange(height, dtype=np.float32) - (height - 1) / 2
    columns = np.arange(width, dtype=np.float32) - (width - 1) / 2
    return np.stack([weights.sum(axis=2) @ rows / mass, weights.sum(axis=1) @ columns / mass], 1)


def deskew(images: np.ndarray) -> np.ndarray:
    """Each image sheared sideways so that its ink leans neither left nor right.

    The slant is the regression of column on row over the ink, cov(row, col) / var(row),
    measured with the grey levels as weights; the shear that undoes it keeps the centre of
    mass where it was. LeCun et al. list deskewing among the preprocessing that helps every
    classifier on MNIST: a slanted 1 and an upright 1 become the same picture.
    """
    weights = images.astype(np.float32)
    mass = np.maximum(weights.sum(axis=(1, 2)), 1e-6)
    positions = np.arange(FRAME, dtype=np.float32) - FRAME_CENTRE
    row_mass, col_mass = weights.sum(axis=2), weights.sum(axis=1)
    row_mean = row_mass @ positions / mass
    col_mean = col_mass @ positions / mass
    row_var = row_mass @ positions**2 / mass - row_mean**2
    covariance = np.einsum("mrc,r,c->m", weights, positions, positions) / mass - row_mean * col_mean
    slant = np.where(row_var > 1e-3, covariance / np.maximum(row_var, 1e-3), 0)
    # Only a slant (linear_maps's turn by 0 degrees and zoom of 1 would change no bit of it):
    # the output's col samples col + slant * row, which undoes the lean...
    maps = shear_maps(len(images), slant)
    maps[:, 1, 2] = -slant * row_mean  # ...about the centre of mass, which stays put
    return warp(images, maps)
