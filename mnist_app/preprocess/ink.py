"""Find the ink: which side of the paper it lies on, the paper's (uneven) level, and how far
each pixel stands above it, stretched so paper is 0 and a stroke's core is 1."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from mnist_app.errors import ImageError
from mnist_app.preprocess.parts import spread

# Background estimate: a low percentile of the levels in each cell of a coarse grid, so
# strokes covering most of a cell do not lift it.
BACKGROUND_GRID = 8
BACKGROUND_PERCENTILE = 10
# Paper counts as noise up to this many robust standard deviations above its median.
NOISE_SIGMAS = 4.0
# The stroke level mapped to full ink: this percentile of the pixels brighter than paper.
STROKE_PERCENTILE = 90
# Strokes must stand this far above the noise floor (fraction of the full grey range).
MIN_CONTRAST = 0.08


@dataclass(frozen=True)
class Paper:
    """The page without its ink, measured on an overview of the whole picture.

    ``dark_ink``: the ink is darker than the paper (pen on paper) rather than lighter
    (chalk on a board, MNIST itself). ``background``: the paper's smooth level under the
    ink, float32 (h, w) at the overview's resolution, in the polarity where ink is light.
    """

    dark_ink: bool
    background: np.ndarray

    @classmethod
    def of(cls, overview: np.ndarray) -> "Paper":
        """The paper of an overview, grey levels (h, w) in [0, 1]."""
        dark_ink = _ink_is_dark(overview)
        return cls(dark_ink, _background(1 - overview if dark_ink else overview))

    def ink(self, levels: np.ndarray, region: tuple[float, float, float, float] | None = None) -> np.ndarray:
        """Ink in ``levels`` (h, w): float32, 0 paper, 1 stroke core (stretched).

        ``levels`` is the overview itself, or a sharper read of the overview's ``region``
        (left, top, right, bottom, in overview pixels). Raises ImageError("no digit found")
        when nothing stands out from the paper's noise.
        """
        if self.dark_ink:
            levels = 1 - levels
        background = self.background
        if region is not None or background.shape != levels.shape:
            height, width = levels.shape
            background = np.asarray(Image.fromarray(background).resize(
                (width, height), Image.Resampling.BILINEAR, box=region), dtype=np.float32)
        # Ink as a fraction of the way from the local background to full ink, so strokes in
        # a shadow keep the level of strokes in the light; the gain is capped at 2 so that a
        # background already near full ink cannot blow small ripples up into strokes.
        return _stretch_strokes(np.clip((levels - background) / np.maximum(1 - background, 0.5), 0, 1))


def _ink_is_dark(grey: np.ndarray) -> bool:
    """True if the darkest pixels lie further from the median (the paper) than the lightest."""
    darkest, median, lightest = _quantile_bins(_histogram(grey), [0.001, 0.5, 0.999])
    return median - darkest > lightest - median


def _background(levels: np.ndarray) -> np.ndarray:
    """Smooth estimate of the background under ink brighter than it: (h, w) float32.

    Each cell of a coarse grid takes a low percentile of its levels, then the lowest value
    in its 3x3 neighbourhood, so a cell filled by a thick stroke takes its neighbours'
    paper. The grid is interpolated back to full size.
    """
    height, width = levels.shape
    rows = min(BACKGROUND_GRID, height)
    cols = min(BACKGROUND_GRID, width)
    cell_h, cell_w = height // rows, width // cols
    cells = levels[: rows * cell_h, : cols * cell_w].reshape(rows, cell_h, cols, cell_w)
    cells = cells.transpose(0, 2, 1, 3).reshape(rows, cols, -1)
    rank = cells.shape[-1] * BACKGROUND_PERCENTILE // 100
    grid = spread(np.minimum, np.partition(cells, rank, axis=-1)[..., rank], 1)
    smooth = Image.fromarray(grid.astype(np.float32)).resize((width, height), Image.Resampling.BILINEAR)
    return np.asarray(smooth, dtype=np.float32)


def _histogram(levels: np.ndarray) -> np.ndarray:
    """Counts of ``levels`` in [0, 1] rounded to 256 steps: shape (256,); bin k is level k/255."""
    return np.bincount(np.rint(levels * 255).astype(np.uint8).ravel(), minlength=256)


def _quantile_bins(counts: np.ndarray, fractions) -> np.ndarray:
    """For each fraction, the first bin of the histogram ``counts`` where it is reached."""
    cumulative = np.cumsum(counts)
    return np.searchsorted(cumulative, np.multiply(fractions, cumulative[-1]))


def _otsu_split(counts: np.ndarray) -> int:
    """The first bin of the upper class in Otsu's best split of the histogram ``counts``.

    Maximises the between-class variance (mu * w0 - s0)^2 / (w0 * w1), where w0, w1 are the
    class sizes, s0 the sum of the lower class's levels and mu the overall mean level.
    """
    weight_low = np.cumsum(counts)[:-1]
    weight_high = weight_low[-1] + counts[-1] - weight_low
    sum_low = np.cumsum(counts * np.arange(len(counts)))[:-1]
    mean = (sum_low[-1] + counts[-1] * (len(counts) - 1)) / (weight_low[-1] + counts[-1])
    sizes = weight_low * weight_high
    between = np.divide((mean * weight_low - sum_low) ** 2, sizes,
                        out=np.zeros(len(sizes)), where=sizes > 0)
    return int(np.argmax(between)) + 1


def _stretch_strokes(ink: np.ndarray) -> np.ndarray:
    """Map the paper's noise floor to 0 and the stroke level to 1, linearly, clipped.

    Otsu's threshold splits the pixels into paper and strokes; the floor is the paper's
    median plus NOISE_SIGMAS robust standard deviations, the stroke level the
    STROKE_PERCENTILE of the strokes (so digits already in MNIST's range stay as they are).
    """
    counts = _histogram(ink)
    split = _otsu_split(counts)
    paper, strokes = counts[:split], counts[split:]
    if not paper.any() or not strokes.any():
        raise ImageError("no digit found")
    paper_bin = _quantile_bins(paper, 0.5)
    deviations = np.bincount(np.abs(np.arange(split) - paper_bin), weights=paper)
    noise = 1.4826 * _quantile_bins(deviations, 0.5)  # 1.4826 MAD = sigma if Gaussian
    stroke_level = (split + _quantile_bins(strokes, STROKE_PERCENTILE / 100)) / 255
    floor = (paper_bin + NOISE_SIGMAS * noise) / 255
    if stroke_level - floor < MIN_CONTRAST:
        raise ImageError("no digit found")
    return np.clip((ink - floor) / (stroke_level - floor), 0, 1)
