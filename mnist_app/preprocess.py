"""Turn any user image into the 784-vector the network reads, in MNIST's convention.

MNIST digits are 28x28 grey levels: light ink (255) on black (0), the digit scaled to fit
a 20x20 box keeping its aspect ratio, then placed so that its centre of mass is at the
centre of the frame. This module reproduces that from photos, scans, canvas exports and
typed digits, in four steps:

1. decode (:mod:`mnist_app.decode`): open the image upright, first frame only;
2. grey: any Pillow mode -> grey levels in [0, 1], transparency flattened onto a backdrop
   that contrasts with the strokes;
3. ink: decide which side is ink, remove the (possibly uneven) background and map paper to
   0 and strokes to 1, keeping the anti-aliased levels at the stroke edges;
4. frame: drop small specks, crop to the digit, scale it to fit 20x20, centre it by mass.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from mnist_app.constants import BOX, FRAME, INPUT_SIZE
from mnist_app.decode import ImageSource, load_image
from mnist_app.errors import ImageError

CENTRE = 14.0  # row and column (pixel index) of the centre of mass in MNIST's test set
WORK_SIZE = 128  # larger images are reduced to this many pixels on their longer side

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
# Ink below this level (after stretching) counts only next to stronger ink.
FAINT_INK = 0.3
# Ink parts lighter than this fraction of the heaviest part are specks; parts closer than
# LINK_FRACTION of the image size are joined first so a broken stroke stays whole.
SPECK_FRACTION = 0.05
LINK_FRACTION = 0.01
# A "digit" smaller than this fraction of the image's longer side is a speck on blank paper.
MIN_DIGIT_FRACTION = 0.03
MIN_DIGIT_PIXELS = 3


def to_mnist_image(source: ImageSource) -> np.ndarray:
    """The digit in ``source`` as MNIST draws it: a (28, 28) uint8 array, ink 255 on 0.

    Raises ImageError if the image cannot be read or holds no digit.
    """
    ink = _ink_levels(_grey_levels(load_image(source, max_side=WORK_SIZE)))
    digit = _crop(_without_specks(ink))
    return np.rint(_centre_by_mass(_fit_box(digit)) * 255).astype(np.uint8)


def to_mnist_vector(source: ImageSource) -> np.ndarray:
    """The network's input for ``source``: shape (784,) float32 in [0, 1], row-major."""
    return to_mnist_image(source).reshape(INPUT_SIZE).astype(np.float32) / 255


def _grey_levels(image: Image.Image) -> np.ndarray:
    """Grey levels of ``image`` as an (h, w) float32 array in [0, 1], 0 black, 1 white.

    The image is first reduced (area average) to at most WORK_SIZE pixels on its longer
    side. 16-bit, 32-bit and float images are scaled by their full range. Transparent
    pixels are composited onto white when the visible pixels are mostly dark, else onto
    black, so canvas strokes on a transparent background contrast with it.
    """
    if image.mode == "F" or image.mode.startswith("I"):  # I, I;16, I;16B, ...
        values = np.nan_to_num(_reduced_array(image.convert("F")), nan=0.0, posinf=0.0, neginf=0.0)
        return np.clip(values / _full_scale(values.max()), 0, 1)
    if "A" in image.getbands() or "a" in image.getbands() or "transparency" in image.info:
        grey_alpha = _reduced_array(image.convert("LA")) / 255
        return _flatten(grey_alpha[..., 0], grey_alpha[..., 1])
    try:
        grey = image.convert("L")
    except ValueError:  # e.g. LAB, which Pillow converts only to RGB(A)
        grey = image.convert("RGB").convert("L")
    return _reduced_array(grey) / 255


def _ink_levels(grey: np.ndarray) -> np.ndarray:
    """Ink in ``grey`` (h, w) in [0, 1]: float32 (h, w), 0 paper, 1 stroke core.

    The ink is whichever side of the background has the longer tail of grey levels, so
    dark pen on white paper and chalk on a blackboard both work. Raises
    ImageError("no digit found") when nothing stands out from the paper's noise.
    """
    if _ink_is_dark(grey):
        grey = 1 - grey
    background = _background(grey)
    # Ink as a fraction of the way from the local background to full ink, so strokes in a
    # shadow keep the level of strokes in the light; the gain is capped at 2 so that a
    # background already near full ink cannot blow small ripples up into strokes.
    ink = np.clip((grey - background) / np.maximum(1 - background, 0.5), 0, 1)
    return _stretch_strokes(ink)


def _full_scale(peak: float) -> float:
    """The level that means white: 1 for float images in [0, 1], else 255 or 65535."""
    for scale in (1.0, 255.0, 65535.0):
        if peak <= scale:
            return scale
    return float(peak)


def _reduced_array(image: Image.Image) -> np.ndarray:
    """``image`` as float32, area-averaged down to at most WORK_SIZE on its longer side."""
    scale = WORK_SIZE / max(image.size)
    if scale < 1:
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        # BOX averages areas; Pillow premultiplies alpha when resizing an "LA" image.
        image = image.resize(size, Image.Resampling.BOX, reducing_gap=2.0)
    return np.asarray(image, dtype=np.float32)


def _flatten(grey: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """``grey`` composited by ``alpha`` (both (h, w) in [0, 1]) onto white or black,
    whichever contrasts more with the alpha-weighted mean of the visible pixels."""
    visible = alpha.sum()
    if visible == 0:
        return np.ones_like(grey)
    stroke_grey = (grey * alpha).sum() / visible
    backdrop = 1.0 if stroke_grey < 0.5 else 0.0
    return alpha * grey + (1 - alpha) * backdrop


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
    grid = _spread(np.minimum, np.partition(cells, rank, axis=-1)[..., rank], 1)
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
    spread = weight_low * weight_high
    between = np.divide((mean * weight_low - sum_low) ** 2, spread,
                        out=np.zeros(len(spread)), where=spread > 0)
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


def _without_specks(ink: np.ndarray) -> np.ndarray:
    """``ink`` keeping only the digit: faint haze and parts much lighter than the main one go.

    Ink counts where it is at least FAINT_INK or touches such a pixel (its anti-aliased
    edge); fainter ink further out (compression ringing, smudges) is dropped. Parts closer
    than LINK_FRACTION of the image size are joined; joined parts with less than
    SPECK_FRACTION of the heaviest part's ink are specks.
    """
    strong = ink >= FAINT_INK
    link = max(1, round(LINK_FRACTION * max(ink.shape)))
    labels, parts = _label_parts(_spread(np.maximum, strong, link))
    masses = np.bincount(labels.ravel(), weights=ink.ravel(), minlength=parts + 1)
    masses[0] = 0  # label 0 is the paper
    keep = masses >= SPECK_FRACTION * masses.max()
    keep[0] = False
    return np.where(keep[labels], ink, 0).astype(np.float32)


def _spread(combine, values: np.ndarray, radius: int) -> np.ndarray:
    """``combine`` (np.maximum or np.minimum) over the square of side 2 * radius + 1 around
    each element of the 2-D ``values``, the square cut off at the edges."""
    for axis in (0, 1):
        spread = values.copy()
        for shift in range(1, radius + 1):
            ahead = [slice(None), slice(None)]
            behind = [slice(None), slice(None)]
            ahead[axis], behind[axis] = slice(shift, None), slice(None, -shift)
            spread[tuple(ahead)] = combine(spread[tuple(ahead)], values[tuple(behind)])
            spread[tuple(behind)] = combine(spread[tuple(behind)], values[tuple(ahead)])
        values = spread
    return values


def _label_parts(mask: np.ndarray) -> tuple[np.ndarray, int]:
    """8-connected parts of a boolean (h, w) mask: (labels (h, w) int32, count); 0 is background.

    Works on horizontal runs of set pixels: runs in adjacent rows that touch are linked
    (found with numpy), then joined by union-find, which needs one step per link.
    """
    height, width = mask.shape
    padded = np.zeros((height, width + 2), dtype=np.int8)
    padded[:, 1:-1] = mask
    edges = np.diff(padded, axis=1)
    run_rows, starts = np.nonzero(edges == 1)
    _, ends = np.nonzero(edges == -1)  # exclusive; same order as starts
    stride = width + 2
    start_keys = run_rows * stride + starts
    end_keys = run_rows * stride + ends
    # Runs of the next row touching run i are the index range [first, last): their end is
    # at or after i's start and their start at or before i's end (8-connectivity).
    first = np.searchsorted(end_keys, (run_rows + 1) * stride + starts, side="left")
    last = np.searchsorted(start_keys, (run_rows + 1) * stride + ends, side="right")
    links = np.maximum(last - first, 0)
    upper = np.repeat(np.arange(len(starts)), links)
    lower = np.repeat(first - np.cumsum(links) + links, links) + np.arange(links.sum())

    parent = list(range(len(starts)))  # union-find over the runs, with path halving

    def root(run: int) -> int:
        while parent[run] != run:
            parent[run] = parent[parent[run]]
            run = parent[run]
        return run

    for a, b in zip(upper.tolist(), lower.tolist()):
        root_a, root_b = root(a), root(b)
        if root_a != root_b:
            parent[max(root_a, root_b)] = min(root_a, root_b)
    roots = np.array([root(run) for run in range(len(parent))], dtype=np.intp)

    is_root = roots == np.arange(len(roots))
    part = np.cumsum(is_root)[roots]  # parts numbered 1, 2, ... in order of their roots
    labels = np.zeros((height, width + 1), dtype=np.int32)
    labels[run_rows, starts] = part
    labels[run_rows, ends] = -part
    return np.cumsum(labels, axis=1)[:, :width], int(is_root.sum())


def _crop(ink: np.ndarray) -> np.ndarray:
    """The bounding box of the nonzero ink; ImageError if it is too small to be a digit."""
    rows = np.flatnonzero(ink.any(axis=1))
    cols = np.flatnonzero(ink.any(axis=0))
    if rows.size == 0:
        raise ImageError("no digit found")
    extent = max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1
    if extent < max(MIN_DIGIT_PIXELS, MIN_DIGIT_FRACTION * max(ink.shape)):
        raise ImageError("no digit found")
    return ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]


def _fit_box(digit: np.ndarray) -> np.ndarray:
    """``digit`` scaled (anti-aliased) so its longer side is BOX pixels; values in [0, 1]."""
    height, width = digit.shape
    if max(height, width) == BOX:  # already MNIST's size, e.g. a digit from MNIST itself
        return digit
    scale = BOX / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    resized = Image.fromarray(digit).resize(size, Image.Resampling.LANCZOS)
    return np.clip(np.asarray(resized, dtype=np.float32), 0, 1)


def _centre_by_mass(digit: np.ndarray) -> np.ndarray:
    """``digit`` placed in a FRAME x FRAME zero frame with its centre of mass at CENTRE.

    The shift is rounded to whole pixels, as in MNIST, and limited so the digit stays
    inside the frame. Raises ImageError if ``digit`` holds no ink.
    """
    height, width = digit.shape
    mass = digit.sum()
    if mass <= 0:  # a faint speck that vanished when scaled down
        raise ImageError("no digit found")
    row_centre = (digit.sum(axis=1) @ np.arange(height)) / mass
    col_centre = (digit.sum(axis=0) @ np.arange(width)) / mass
    top = min(max(round(CENTRE - row_centre), 0), FRAME - height)
    left = min(max(round(CENTRE - col_centre), 0), FRAME - width)
    frame = np.zeros((FRAME, FRAME), dtype=np.float32)
    frame[top:top + height, left:left + width] = digit
    return frame
