"""Draw stroke glyphs (unit-box control points) as one person's pen would, at any size.

Every call shakes the glyph differently: control points move by a smooth field plus a
little independent jitter (so strokes that meet may not quite meet, as in real
handwriting), the glyph is slanted, rotated and stretched, the pen trembles and presses
unevenly, and the stroke ends taper. The result is an ink map, (h, w) float32 coverage
in [0, 1] cropped to the ink, ``height`` pixels tall before rotation.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from mnist_app.synthetic.glyphs import DIGIT_STROKES, HANDS, Hand, Stroke
from mnist_app.synthetic.strokes import (pen_widths, render_paths, render_paths_quickly, smooth_path,
                                         smooth_warp, transform, wobble)

SHAPE_JITTER = 0.035  # rms movement of control points by the smooth field, unit box
POINT_JITTER = 0.012  # rms independent movement of each control point, unit box


def draw_glyph(strokes: Sequence[Stroke], height: int, pen_width: float, rng: np.random.Generator,
               slant: float = 0.0, width: float = 0.65, pressure: float = 0.15,
               max_rotation: float = 6.0, quick: bool = False) -> np.ndarray:
    """Ink map of unit-box ``strokes`` written ``height`` px tall with a ``pen_width`` px pen.

    ``slant`` and ``width`` are the writer's (see :class:`~mnist_app.synthetic.glyphs.Hand`),
    varied a little on each call; the glyph is rotated by up to ``max_rotation`` degrees.
    ``quick`` draws each stroke with its mean width by Pillow (render_paths_quickly, about
    20 times faster), losing the pressure's changes of width along it.
    """
    body = max(height - pen_width, 2.0)
    slant = slant + rng.normal(0, 0.06)
    width = width * rng.uniform(0.85, 1.15)
    rotation = rng.uniform(-max_rotation, max_rotation)
    field_seed = int(rng.integers(2 ** 63))  # one displacement field for all the strokes
    paths, widths = [], []
    for stroke in strokes:
        points = np.array(stroke, dtype=np.float64)
        points = smooth_warp(points, SHAPE_JITTER, 0.5, np.random.default_rng(field_seed))
        points += rng.normal(0, POINT_JITTER, points.shape)
        points = transform(points, rotation=rotation, slant=slant, scale=(width * body, body),
                           centre=(0.5, 0.5))
        path = smooth_path(points, step=max(1.0, min(pen_width / 2, body / 40)))
        path = wobble(path, amplitude=0.004 * body, wavelength=0.15 * body, rng=rng)
        paths.append(path)
        widths.append(pen_widths(path, pen_width, pressure, taper=rng.uniform(0, 0.5) * min(pressure * 4, 1),
                                 rng=rng))
    if quick:
        return render_paths_quickly(paths, [float(np.mean(w)) for w in widths])
    return render_paths(paths, widths)


def handwritten_digit(digit: int, height: int, pen_width: float, rng: np.random.Generator,
                      hand: Hand | None = None, quick: bool = False) -> np.ndarray:
    """Ink map of ``digit`` (0-9) in ``hand`` (a random one of HANDS if None); ``quick``
    as for :func:`draw_glyph`."""
    hand = HANDS[rng.integers(len(HANDS))] if hand is None else hand
    strokes = DIGIT_STROKES[digit][hand.variants[digit]]
    return draw_glyph(strokes, height, pen_width, rng, slant=hand.slant, width=hand.width,
                      pressure=hand.pressure, quick=quick)
