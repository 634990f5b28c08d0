"""Real handwriting redrawn with any pen, and MNIST digits enlarged as a camera sees them.

Both take an MNIST digit ((28, 28) uint8, ink 255 on 0) and return an ink map: (h, w)
float32 coverage in [0, 1], cropped to the ink, ``height`` pixels tall (give or take the
rotation).

- :func:`pen_drawing` keeps the digit's shape but not its stroke: the centre lines are
  redrawn with a pen of any width, 2-6 px for a thin pen on a 280 px canvas, 8-20 px for
  a bold marker; slanted, rotated, elastically warped, with varying pen pressure.
- :func:`enlarged` keeps MNIST's stroke proportions: the digit upsampled smoothly with
  crisp pen-like edges, for photo-like and canvas-like MNIST digits.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from mnist_app.constants import BOX, FRAME
from mnist_app.synthetic.skeleton import digit_centre_lines
from mnist_app.synthetic.strokes import crop_to_ink, draw_segments, smooth_field, smooth_warp, transform

THIN_PEN = (2.0, 6.0)  # pen widths in pixels for a digit on a 280 px canvas
BOLD_MARKER = (8.0, 20.0)


def pen_drawing(digit: np.ndarray, height: int, pen_width: float, rng: np.random.Generator,
                slant: float | None = None, rotation: float | None = None) -> np.ndarray:
    """Ink map of ``digit`` redrawn ``height`` pixels tall with a ``pen_width`` pixel pen.

    Unless given, ``slant`` is drawn from [-0.3, 0.3] (x shift per unit of height) and
    ``rotation`` from [-10, 10] degrees. Pressure changes the width by up to about 20 %,
    and a smooth warp of 1 % of the height stands for an unsteady hand. A digit with no
    ink gives an empty (0, 0) map.
    """
    starts, ends = digit_centre_lines(digit, level=rng.uniform(0.35, 0.55))
    if len(starts) == 0:
        return np.zeros((0, 0), dtype=np.float32)
    points = np.vstack([starts, ends])
    span = max(np.ptp(points[:, 1]), 1.0)
    scale = max(height - pen_width, 1.0) / span
    aspect = rng.uniform(0.85, 1.15)
    points = transform(points, rotation=rng.uniform(-10, 10) if rotation is None else rotation,
                       slant=rng.uniform(-0.3, 0.3) if slant is None else slant,
                       scale=(scale * aspect, scale), centre=points.mean(axis=0))
    points = smooth_warp(points, 0.01 * height, 0.4 * height, rng)
    pressure = 1 + rng.uniform(0, 0.15) * smooth_field(points, 0.5 * height, rng)
    half = np.maximum(pen_width * pressure, 1.0) / 2
    reach = half.max() + 1
    points -= points.min(axis=0) - reach
    shape = (int(np.ceil(points[:, 1].max() + reach)) + 1, int(np.ceil(points[:, 0].max() + reach)) + 1)
    count = len(starts)
    ink = draw_segments(points[:count], points[count:], np.stack([half[:count], half[count:]], axis=1), shape)
    return crop_to_ink(ink)


def enlarged(digit: np.ndarray, height: int, rng: np.random.Generator, max_rotation: float = 8.0) -> np.ndarray:
    """Ink map of ``digit`` upsampled smoothly so its 20 px box becomes ``height`` pixels.

    The edges are sharpened like a pen stroke (the cut-off level varies the stroke width
    a little) and the digit is rotated by up to ``max_rotation`` degrees.
    """
    frame_px = max(FRAME, round(height * FRAME / BOX))
    smooth = Image.fromarray(digit).resize((frame_px, frame_px), Image.Resampling.BICUBIC)
    smooth = smooth.rotate(rng.uniform(-max_rotation, max_rotation), resample=Image.Resampling.BICUBIC, expand=True)
    levels = np.asarray(smooth, dtype=np.float32) / 255
    cut = rng.uniform(0.2, 0.45)  # the level that becomes the middle of the stroke edge
    return crop_to_ink(np.clip((levels - cut) / 0.3 + 0.5, 0, 1))
