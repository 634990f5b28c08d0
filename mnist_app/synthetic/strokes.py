"""Pen strokes: smooth paths through control points, hand wobble, and anti-aliased drawing.

Coordinates are pixels as (x, y) pairs, x to the right and y down, with pixel (row r,
column c) centred at (c, r). A stroke is an (k, 2) float array of points along the pen's
path plus the pen's width in pixels at each point; the drawing is an ink *coverage* map:
(h, w) float32 in [0, 1], 0 bare paper, 1 fully inked. Round caps and joins come for free
because a pixel's coverage depends only on its distance to the nearest segment.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from PIL import Image, ImageDraw

# Segments x pixels up to which all segments are measured against the whole canvas at
# once (fast for small canvases); past it each segment only visits its bounding box.
BROADCAST_LIMIT = 400_000


def smooth_path(points: np.ndarray, step: float) -> np.ndarray:
    """A Catmull-Rom curve through ``points`` (k, 2), sampled at most every ``step`` pixels.

    Every span between two control points gets as many samples as the longest one needs.

    The curve passes through every control point with a continuous tangent; the end
    tangents point along the first and last spans. Returns (m, 2) float64, m >= 2 (a
    single point is returned twice, which draws a dot).
    """
    points = np.asarray(points, dtype=np.float64)
    if len(points) == 1:
        return np.repeat(points, 2, axis=0)
    if len(points) == 2:
        length = float(np.hypot(*(points[1] - points[0])))
        t = np.linspace(0, 1, max(2, int(np.ceil(length / step)) + 1))[:, None]
        return points[0] + t * (points[1] - points[0])
    padded = np.vstack([2 * points[0] - points[1], points, 2 * points[-1] - points[-2]])
    p0, p1, p2, p3 = (padded[i:i + len(points) - 1, None, :] for i in range(4))  # one row per span
    longest = float(np.hypot(*np.diff(points, axis=0).T).max())
    t = np.linspace(0, 1, max(2, int(np.ceil(longest / step)) + 1))[:-1, None]
    curve = 0.5 * (2 * p1 + (p2 - p0) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t ** 2
                   + (3 * p1 - p0 - 3 * p2 + p3) * t ** 3)
    return np.vstack([curve.reshape(-1, 2), points[-1:]])


def arc_length(path: np.ndarray) -> np.ndarray:
    """Distance along ``path`` (m, 2) from its start to each point: (m,) float64, pixels."""
    return np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(path, axis=0).T))])


def smooth_noise_1d(length: int, wavelength: float, rng: np.random.Generator) -> np.ndarray:
    """Smooth noise of about unit amplitude at ``length`` samples, varying every ``wavelength``."""
    knots = rng.standard_normal(int(length / max(wavelength, 1.0)) + 3)
    return np.interp(np.linspace(0, len(knots) - 3, length) + 1, np.arange(len(knots)), knots)


def wobble(path: np.ndarray, amplitude: float, wavelength: float, rng: np.random.Generator) -> np.ndarray:
    """``path`` (m, 2) displaced sideways by a smooth tremor of ``amplitude`` pixels (rms)."""
    if len(path) < 3 or amplitude <= 0:
        return path
    tangent = np.gradient(path, axis=0)
    normal = np.stack([-tangent[:, 1], tangent[:, 0]], axis=1)
    normal /= np.maximum(np.hypot(*normal.T), 1e-9)[:, None]
    steps = np.diff(arc_length(path)).mean()
    shift = amplitude * smooth_noise_1d(len(path), wavelength / max(steps, 1e-9), rng)
    return path + normal * shift[:, None]


def pen_widths(path: np.ndarray, width: float, pressure: float, taper: float,
               rng: np.random.Generator) -> np.ndarray:
    """Pen width in pixels at each point of ``path`` (m, 2): (m,) float64.

    ``pressure`` is the relative rms change along the stroke (0 for a felt marker);
    ``taper`` the fraction of the width lost at both ends as the pen lands and lifts.
    Widths never fall below 1 pixel.
    """
    along = arc_length(path)
    total = max(along[-1], 1e-9)
    varying = 1 + pressure * smooth_noise_1d(len(path), max(3.0, len(path) / 3), rng)
    ends = np.minimum(along, total - along) / max(min(total / 2, 4 * width), 1e-9)
    landing = 1 - taper * (1 - np.clip(ends, 0, 1))
    return np.maximum(width * varying * landing, 1.0)


def nib_widths(path: np.ndarray, widths: np.ndarray, hairline: float, angle: float, pointed: bool = False
               ) -> np.ndarray:
    """The width a nib draws at each point of ``path`` (m, 2): (m,) float64, pixels.

    A broad nib (calligraphy, an italic fountain pen) with its edge at ``angle`` (radians,
    against the x axis) draws its full breadth ``widths`` (m,) (from :func:`pen_widths`)
    where the path runs across the edge and a ``hairline`` where it runs along it:
    hairline + (width - hairline) |sin(heading - angle)|. A ``pointed`` nib (copperplate,
    school cursive) spreads only when pulled: the full width on strokes heading at
    ``angle`` + 90 degrees (down, for an angle of 0 with y down), hairlines on every stroke
    pushed up or across, the sine clipped at 0 instead of taken absolute.
    """
    steps = np.gradient(np.asarray(path, dtype=np.float64), axis=0) if len(path) > 1 else np.zeros((len(path), 2))
    across = np.sin(np.arctan2(steps[:, 1], steps[:, 0]) - angle)
    across = np.maximum(across, 0) if pointed else np.abs(across)
    return hairline + np.maximum(widths - hairline, 0) * across


def transform(points: np.ndarray, rotation: float = 0.0, slant: float = 0.0,
              scale: Sequence[float] = (1.0, 1.0), centre: Sequence[float] = (0.0, 0.0)) -> np.ndarray:
    """``points`` (k, 2) scaled by ``scale`` (x, y), slanted, then rotated about ``centre``.

    ``slant`` shears x by ``slant`` times the height above ``centre`` (positive leans the
    top to the right, like italics); ``rotation`` is in degrees, counter-clockwise.
    """
    origin = np.asarray(centre, dtype=np.float64)
    shifted = (np.asarray(points, dtype=np.float64) - origin) * np.asarray(scale, dtype=np.float64)
    shifted[:, 0] -= slant * shifted[:, 1]
    angle = np.radians(rotation)
    cos, sin = np.cos(angle), np.sin(angle)
    x, y = shifted[:, 0], shifted[:, 1]
    return np.stack([cos * x + sin * y, -sin * x + cos * y], axis=1) + origin


def draw_strokes(strokes: Sequence[tuple[np.ndarray, np.ndarray]], shape: tuple[int, int]) -> np.ndarray:
    """Coverage (h, w) float32 of ``strokes``: pairs of path (m, 2) and widths (m,), pixels.

    Strokes combine by maximum, as ink does not get darker where two strokes cross.
    """
    starts, ends, half_widths = [], [], []
    for path, widths in strokes:
        path = np.asarray(path, dtype=np.float64)
        widths = np.asarray(widths, dtype=np.float64)
        if len(path) == 1:
            path, widths = np.repeat(path, 2, axis=0), np.repeat(widths, 2)
        starts.append(path[:-1])
        ends.append(path[1:])
        half_widths.append(np.stack([widths[:-1], widths[1:]], axis=1) / 2)
    if not starts:
        return np.zeros(shape, dtype=np.float32)
    return draw_segments(np.vstack(starts), np.vstack(ends), np.vstack(half_widths), shape)


def draw_segments(a: np.ndarray, b: np.ndarray, half: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Coverage (h, w) float32 of round-capped segments ``a`` -> ``b`` (n, 2), half-widths (n, 2).

    A pixel is covered by a segment by the local half-width plus half a pixel minus its
    distance to the segment, clipped to [0, 1]: a one-pixel anti-aliased edge.
    """
    canvas = np.zeros(shape, dtype=np.float32)
    if len(a) * canvas.size <= BROADCAST_LIMIT:
        rows, cols = np.mgrid[0:shape[0], 0:shape[1]]
        coverage = _segment_coverage(cols.ravel()[:, None], rows.ravel()[:, None], a, b, half)
        return coverage.max(axis=1, initial=0).reshape(shape).astype(np.float32)
    for segment in range(len(a)):
        reach = half[segment].max() + 1
        low = np.floor(np.minimum(a[segment], b[segment]) - reach).astype(int)
        high = np.ceil(np.maximum(a[segment], b[segment]) + reach).astype(int) + 1
        x0, y0 = max(low[0], 0), max(low[1], 0)
        x1, y1 = min(high[0], shape[1]), min(high[1], shape[0])
        if x0 >= x1 or y0 >= y1:
            continue
        rows, cols = np.mgrid[y0:y1, x0:x1]
        coverage = _segment_coverage(cols[..., None], rows[..., None], a[segment:segment + 1],
                                     b[segment:segment + 1], half[segment:segment + 1])[..., 0]
        np.maximum(canvas[y0:y1, x0:x1], coverage, out=canvas[y0:y1, x0:x1])
    return canvas


def smooth_field(points: np.ndarray, size: float, rng: np.random.Generator) -> np.ndarray:
    """A smooth random scalar field at ``points`` (k, 2): (k,) with unit rms, varying over
    distances of about ``size`` pixels (the sum of three random plane waves)."""
    directions = rng.standard_normal((3, 2))
    phases = rng.uniform(0, 2 * np.pi, 3)
    waves = np.sin(np.asarray(points, dtype=np.float64) @ directions.T * (np.pi / size) + phases)
    return np.sqrt(2 / 3) * waves.sum(axis=1)


def smooth_warp(points: np.ndarray, amplitude: float, size: float, rng: np.random.Generator) -> np.ndarray:
    """``points`` (k, 2) moved by a smooth random displacement of about ``amplitude``
    pixels (rms per axis) varying over about ``size`` pixels: an elastic distortion."""
    points = np.asarray(points, dtype=np.float64)
    return points + amplitude * np.stack([smooth_field(points, size, rng) for _ in range(2)], axis=1)


def crop_to_ink(ink: np.ndarray, margin: int = 0) -> np.ndarray:
    """``ink`` (h, w) cut down to the bounding box of its nonzero pixels plus ``margin``."""
    rows = np.flatnonzero(ink.any(axis=1))
    cols = np.flatnonzero(ink.any(axis=0))
    if rows.size == 0:
        return ink[:0, :0]
    return ink[max(rows[0] - margin, 0):rows[-1] + 1 + margin, max(cols[0] - margin, 0):cols[-1] + 1 + margin]


def render_paths(paths: Sequence[np.ndarray], widths: Sequence[np.ndarray]) -> np.ndarray:
    """Coverage of pen paths (each (m, 2), pixels, any origin), cropped to the ink: (h, w).

    The paths are shifted so the drawing starts at the top-left corner; the result is
    just large enough to hold every stroke with its width.
    """
    reach = max(float(np.max(w)) for w in widths) / 2 + 1
    low = np.min([p.min(axis=0) for p in paths], axis=0) - reach
    high = np.max([p.max(axis=0) for p in paths], axis=0) + reach
    shape = (int(np.ceil(high[1] - low[1])) + 1, int(np.ceil(high[0] - low[0])) + 1)
    return crop_to_ink(draw_strokes([(p - low, w) for p, w in zip(paths, widths)], shape))


def render_paths_quickly(paths: Sequence[np.ndarray], widths: Sequence[float], supersample: int = 4) -> np.ndarray:
    """Like :func:`render_paths` but each path has one width, drawn by Pillow.

    Each path (m, 2) is drawn ``supersample`` times larger with round joins and caps and
    reduced by area averaging: about 20 times faster than the exact coverage of
    :func:`draw_segments` on small drawings, and within a level or two of it.
    """
    reach = max(widths) / 2 + 1
    low = np.min([p.min(axis=0) for p in paths], axis=0) - reach
    high = np.max([p.max(axis=0) for p in paths], axis=0) + reach
    size = (int(np.ceil(high[0] - low[0])) + 1, int(np.ceil(high[1] - low[1])) + 1)
    page = Image.new("L", (size[0] * supersample, size[1] * supersample), 0)
    draw = ImageDraw.Draw(page)
    for path, width in zip(paths, widths):
        # Pixel centres are at integer coordinates; in the larger page they sit at k*s + (s-1)/2.
        points = (np.asarray(path, dtype=np.float64) - low) * supersample + (supersample - 1) / 2
        radius = width * supersample / 2
        draw.line(points.ravel().tolist(), fill=255, width=max(1, round(2 * radius)))
        for x, y in points[_caps_and_corners(points)].tolist():  # round caps and sharp joins
            draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=255)
    reduced = page.reduce(supersample)
    return crop_to_ink(np.asarray(reduced, dtype=np.float32) / 255)


def _caps_and_corners(path: np.ndarray, min_turn: float = 0.35) -> np.ndarray:
    """Boolean (m,): the ends of ``path`` (m, 2) and the points where it turns by more
    than ``min_turn`` radians, where a wide line needs a round join."""
    steps = np.diff(path, axis=0)
    headings = np.arctan2(steps[:, 1], steps[:, 0])
    turn = np.abs((np.diff(headings) + np.pi) % (2 * np.pi) - np.pi)
    return np.concatenate([[True], turn > min_turn, [True]])


def _segment_coverage(x: np.ndarray, y: np.ndarray, a: np.ndarray, b: np.ndarray,
                      half: np.ndarray) -> np.ndarray:
    """Coverage of pixels at (``x``, ``y``) by segments a -> b (n, 2) of half-widths (n, 2).

    ``x`` and ``y`` broadcast against a trailing segment axis; the half-width varies
    linearly along each segment.
    """
    direction = b - a
    length2 = np.maximum((direction ** 2).sum(axis=1), 1e-12)
    t = np.clip(((x - a[:, 0]) * direction[:, 0] + (y - a[:, 1]) * direction[:, 1]) / length2, 0, 1)
    distance = np.hypot(x - (a[:, 0] + t * direction[:, 0]), y - (a[:, 1] + t * direction[:, 1]))
    radius = half[:, 0] + t * (half[:, 1] - half[:, 0])
    return np.clip(radius + 0.5 - distance, 0, 1)
