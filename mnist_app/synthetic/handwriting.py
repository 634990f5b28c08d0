"""Draw stroke glyphs (unit-box control points) as one person's pen would, at any size.

Every call shakes the glyph differently: control points move by a smooth field plus a
little independent jitter (so strokes that meet may not quite meet, as in real
handwriting), the glyph is slanted, rotated and stretched, the pen trembles and presses
unevenly, and the stroke ends taper. The result is an ink map, (h, w) float32 coverage
in [0, 1] cropped to the ink, ``height`` pixels tall before rotation. A broad nib
(calligraphy, a fountain pen) draws thick strokes across its edge and hairlines along it.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from mnist_app.synthetic.glyphs import DIGIT_STROKES, HANDS, Hand, Stroke
from mnist_app.synthetic.strokes import (nib_widths, pen_widths, render_paths, render_paths_quickly, smooth_path,
                                         smooth_warp, transform, wobble)

SHAPE_JITTER = 0.035  # rms movement of control points by the smooth field, unit box
POINT_JITTER = 0.012  # rms independent movement of each control point, unit box
# A nib's hairline in pixels; a broad nib's edge against the x axis in degrees (a
# right-handed writer holds it at 30-45, rising to the right); a pointed nib's pull
# against straight down, in degrees (the writing's slant).
NIB_HAIRLINE = (0.6, 1.2)
NIB_BREADTH = (0.1, 0.16)  # a nib's breadth, as a share of the digit's height
NIB_ANGLE = (20.0, 55.0)
POINTED_ANGLE = (-10.0, 25.0)


def draw_glyph(strokes: Sequence[Stroke], height: int, pen_width: float, rng: np.random.Generator,
               slant: float = 0.0, width: float = 0.65, pressure: float = 0.15,
               max_rotation: float = 6.0, quick: bool = False,
               nib: tuple[float, float, bool] | None = None) -> np.ndarray:
    """Ink map of unit-box ``strokes`` written ``height`` px tall with a ``pen_width`` px pen.

    ``slant`` and ``width`` are the writer's (see :class:`~mnist_app.synthetic.glyphs.Hand`),
    varied a little on each call; the glyph is rotated by up to ``max_rotation`` degrees.
    ``quick`` draws each stroke with its mean width by Pillow (render_paths_quickly, about
    20 times faster), losing the pressure's changes of width along it (not with a ``nib``,
    whose widths it would lose). ``nib``: (hairline
    in pixels, angle in radians, pointed) of a nib whose breadth is the pen's width, as
    :func:`~mnist_app.synthetic.strokes.nib_widths` takes them; None for a round pen.
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
        pen = pen_widths(path, pen_width, pressure, taper=rng.uniform(0, 0.5) * min(pressure * 4, 1), rng=rng)
        widths.append(pen if nib is None else nib_widths(path, pen, *nib))
    if quick and nib is None:
        return render_paths_quickly(paths, [float(np.mean(w)) for w in widths])
    return render_paths(paths, widths)


def handwritten_digit(digit: int, height: int, pen_width: float, rng: np.random.Generator,
                      hand: Hand | None = None, quick: bool = False,
                      nib: tuple[float, float, bool] | None = None) -> np.ndarray:
    """Ink map of ``digit`` (0-9) in ``hand`` (a random one of HANDS if None); ``quick``
    and ``nib`` as for :func:`draw_glyph`."""
    hand = HANDS[rng.integers(len(HANDS))] if hand is None else hand
    strokes = DIGIT_STROKES[digit][hand.variants[digit]]
    return draw_glyph(strokes, height, pen_width, rng, slant=hand.slant, width=hand.width,
                      pressure=hand.pressure, quick=quick, nib=nib)


def nib_written_digit(digit: int, height: int, pen_width: float, rng: np.random.Generator,
                      pointed: bool, hand: Hand | None = None) -> np.ndarray:
    """Ink map of ``digit`` (0-9) written with a nib ``pen_width`` pixels across at most
    and hairlines of NIB_HAIRLINE pixels: a broad nib (calligraphy, an italic fountain pen)
    held at NIB_ANGLE degrees, or a ``pointed`` one (copperplate, school cursive: thick
    only where pulled down) slanted by POINTED_ANGLE; ``hand`` as for
    :func:`handwritten_digit`."""
    hairline = rng.uniform(*NIB_HAIRLINE)
    if pointed:
        angle = np.radians(rng.uniform(*POINTED_ANGLE))
    else:
        angle = -np.radians(rng.uniform(*NIB_ANGLE))  # rising to the right, with y down
    return handwritten_digit(digit, height, pen_width, rng, hand, nib=(hairline, angle, pointed))
