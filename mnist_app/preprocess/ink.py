"""Find the ink: which side of the paper it lies on, the paper's (uneven) level, and how far
each pixel stands above it, stretched so paper is 0 and a stroke's core is 1."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from PIL import Image

from mnist_app.constants import PIXEL_SCALE
from mnist_app.errors import NoDigitFound
from mnist_app.preprocess.parts import spread
from mnist_app.preprocess.picture import image_of, resized, steps_of

# Background estimate: a low percentile of the levels in each cell of a coarse grid, so
# strokes covering most of a cell do not lift it.
BACKGROUND_GRID = 8
BACKGROUND_PERCENTILE = 10
# Polarity: the ink is on the side of the paper whose most extreme pixels lie further from
# the median: the extreme TAIL of them, or TAIL_PIXELS if that is fewer, so that a digit of
# a few dozen pixels in a big overview still decides it.
TAIL = 0.0002
TAIL_PIXELS = 20
# Paper counts as noise up to this many robust standard deviations above its median.
NOISE_SIGMAS = 4.0
# The peak ink level is the one that at least this many pixels reach (a lone hot pixel
# does not count); the stroke level mapped to full ink is this percentile of the stroke
# cores, the pixels more than halfway from the paper's noise floor to the peak.
PEAK_PIXELS = 12
STROKE_PERCENTILE = 90
# Strokes must stand this far above the noise floor (fraction of the full grey range).
MIN_CONTRAST = 0.08
_STEP_LEVELS = np.arange(256, dtype=np.float32) * PIXEL_SCALE  # step k's level, as Picture.levels makes it
# Step k of the levels where ink is light, as a level, by whether the ink is dark: the
# overview's own level, or 1 minus the level of the overview's step 255 - k (the same
# float32 operations as 1 - overview).
_LIGHT_INK_LEVELS = {False: _STEP_LEVELS, True: 1 - _STEP_LEVELS[::-1]}


class Paper(NamedTuple):  # not a dataclass, whose methods compile at import (docs/speed.md)
    """The page without its ink, measured on an overview of the whole picture.

    ``dark_ink``: the ink is darker than the paper (pen on paper) rather than lighter
    (chalk on a board, MNIST itself). ``background``: the paper's smooth level under the
    ink, float32 (h, w) at the overview's resolution, in the polarity where ink is light;
    None where that level is 0 throughout (every cell of the grid below is: a canvas's
    flattened backdrop, a clean scan), which stretching and subtracting would not change.
    """

    dark_ink: bool
    background: np.ndarray | None

    @classmethod
    def of(cls, overview: np.ndarray, dark_ink: bool | None = None, steps: np.ndarray | None = None) -> "Paper":
        """The paper of an overview, grey levels (h, w) in [0, 1] in 256 steps (k/255, as
        :meth:`Picture.levels <mnist_app.preprocess.picture.Picture.levels>` makes them),
        measured on those ``steps`` (uint8 (h, w); rounded from the levels if not given).
        Which side the ink lies on is judged from the overview unless ``dark_ink`` says."""
        if steps is None:
            steps = steps_of(overview)
        if dark_ink is None:
            dark_ink = _ink_is_dark(steps)
        return cls(dark_ink, _background(steps, dark_ink))

    def ink(self, levels: np.ndarray, region: tuple[float, float, float, float] | None = None) -> np.ndarray:
        """Ink in ``levels`` (h, w): float32, 0 paper, 1 stroke core (stretched).

        ``levels`` is the overview itself, or a sharper read of the overview's ``region``
        (left, top, right, bottom, in overview pixels). The stretch is measured on
        ``levels`` (:func:`_stroke_range`). Raises NoDigitFound when nothing stands out
        from the paper's noise.
        """
        return stretched(self.above_paper(levels, region))

    def above_paper(self, levels: np.ndarray, region: tuple[float, float, float, float] | None = None) -> np.ndarray:
        """How far each pixel of ``levels`` (as for :meth:`ink`) stands above the paper,
        float32 (h, w) in [0, 1], not stretched."""
        ink = 1 - levels if self.dark_ink else levels.copy()  # a copy of its own, worked in place
        background = self.background
        if background is None:  # paper at 0 everywhere: ink is the levels as they are
            return np.clip(ink, 0, 1, out=ink)
        if region is not None or background.shape != levels.shape:
            height, width = ink.shape
            background = resized(background, (width, height), Image.Resampling.BILINEAR, box=region)
        # Ink as a fraction of the way from the local background to full ink, so strokes in
        # a shadow keep the level of strokes in the light; the gain is capped at 2 so that a
        # background already near full ink cannot blow small ripples up into strokes.
        headroom = np.maximum(1 - background, 0.5)
        ink -= background
        ink /= headroom
        return np.clip(ink, 0, 1, out=ink)


def _ink_is_dark(steps: np.ndarray) -> bool:
    """True if the darkest pixels lie further from the median (the paper) than the lightest;
    ``steps``: the overview's grey steps (h, w) uint8."""
    tail = min(TAIL, TAIL_PIXELS / steps.size)
    darkest, median, lightest = _quantile_bins(_step_counts(steps), [tail, 0.5, 1 - tail])
    return median - darkest > lightest - median


def _background(steps: np.ndarray, dark_ink: bool) -> np.ndarray | None:
    """Smooth estimate of the paper's level under the ink, in the polarity where ink is
    light (1 minus the overview's levels if ``dark_ink``): (h, w) float32, or None if the
    grid is 0 throughout (its interpolation would be 0 everywhere). ``steps``: the
    overview's grey steps (h, w) uint8, as :func:`~mnist_app.preprocess.picture.steps_of`
    gives them.

    Each cell of a coarse grid takes a low percentile of its levels, then the lowest value
    in its 3x3 neighbourhood, so a cell filled by a thick stroke takes its neighbours'
    paper. The grid is interpolated back to full size.

    An overview's levels are its 256 grey steps (k/255): each cell's percentile is found on
    the steps, one byte a pixel, by numpy's stable sort (a radix sort for bytes), and turned
    into the level every pixel of that step has, computed as the overview's level (and 1
    minus it) is, to the bit. (The same was found slower by a partial sort of every cell's
    floats, by counting the steps of every cell with one bincount, by finding a pixel of the
    chosen step to read its level, and by np.partition of the bytes: 0.46-0.68 ms against
    0.18-0.26 ms a photo of bench_predict.py's folder, whose introselect branches on every byte.)
    """
    height, width = steps.shape
    rows = min(BACKGROUND_GRID, height)
    cols = min(BACKGROUND_GRID, width)
    cell_h, cell_w = height // rows, width // cols
    rank = cell_h * cell_w * BACKGROUND_PERCENTILE // 100
    light = 255 - steps if dark_ink else steps  # ink is light
    blocks = light[: rows * cell_h, : cols * cell_w].reshape(rows, cell_h, cols, cell_w)
    cells = blocks.transpose(0, 2, 1, 3).reshape(rows, cols, -1)
    chosen = np.sort(cells, axis=-1, kind="stable")[..., rank]  # for bytes, a radix sort
    grid = _LIGHT_INK_LEVELS[dark_ink][chosen]
    grid = spread(np.minimum, grid, 1)
    if not grid.any():
        return None
    return resized(grid, (width, height), Image.Resampling.BILINEAR)


def _step_counts(steps: np.ndarray) -> np.ndarray:
    """Counts of each of the 256 ``steps`` (uint8): shape (256,). Pillow counts them in half
    the time np.bincount takes (which first widens every step)."""
    return np.array(image_of(steps).histogram())


def _histogram(levels: np.ndarray) -> np.ndarray:
    """Counts of ``levels`` in [0, 1] rounded to 256 steps: shape (256,); bin k is level k/255."""
    return _step_counts(steps_of(levels))


def _quantile_bins(counts: np.ndarray, fractions) -> np.ndarray:
    """For each fraction, the first bin of the histogram ``counts`` where it is reached."""
    cumulative = np.cumsum(counts)
    return np.searchsorted(cumulative, np.multiply(fractions, cumulative[-1]))


def stretched(ink: np.ndarray) -> np.ndarray:
    """``ink`` (h, w) in [0, 1], as :meth:`Paper.above_paper` gives it, stretched in place
    so that the paper's noise floor is 0 and a stroke's core 1 (:func:`_stroke_range`).
    Raises NoDigitFound when nothing stands out from the paper's noise."""
    return _stretch(ink, *_stroke_range(ink))


def _stroke_range(ink: np.ndarray) -> tuple[float, float]:
    """(floor, stroke level) of ``ink`` (h, w) in [0, 1]: the levels :func:`_stretch` maps
    to 0 and 1. Raises NoDigitFound if the strokes stand less than MIN_CONTRAST above the floor.

    The paper is most of the picture: its level is the median of all pixels, its noise
    their robust standard deviation, and the floor lies NOISE_SIGMAS of those above. The
    strokes are judged from the top down, so that a digit of a few hundred pixels on a big
    textured sheet is not outvoted: the peak is the level PEAK_PIXELS pixels reach, the
    stroke cores are the pixels more than halfway from the floor to the peak, and the
    stroke level is their STROKE_PERCENTILE (digits already in MNIST's range stay as they
    are).
    """
    counts = _histogram(ink)
    paper_bin = _quantile_bins(counts, 0.5)
    deviations = np.bincount(np.abs(np.arange(len(counts)) - paper_bin), weights=counts)
    noise = 1.4826 * _quantile_bins(deviations, 0.5)  # 1.4826 MAD = sigma if Gaussian
    floor = (paper_bin + NOISE_SIGMAS * noise) / 255
    peak_bin = len(counts) - 1 - _quantile_bins(counts[::-1], min(1.0, PEAK_PIXELS / ink.size))
    if peak_bin / 255 - floor < MIN_CONTRAST:
        raise NoDigitFound()
    core = round((floor * 255 + peak_bin) / 2)
    return float(floor), float((core + _quantile_bins(counts[core:], STROKE_PERCENTILE / 100)) / 255)


def _stretch(ink: np.ndarray, floor: float, stroke_level: float) -> np.ndarray:
    """Map ``floor`` to 0 and ``stroke_level`` to 1, linearly, clipped (in place, with
    Python floats, so that the float32 ink stays float32)."""
    ink -= floor
    ink /= stroke_level - floor
    return np.clip(ink, 0, 1, out=ink)
