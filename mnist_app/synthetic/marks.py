"""Pen marks that are not a digit: scribbles and shapes drawn by quick random processes.

Every drawer takes ``(height, pen, rng)``: the mark's size in pixels (its larger side, give
or take), the pen's width in pixels and a ``numpy.random.Generator``, and returns an ink
map, (h, w) float32 coverage in [0, 1] cropped to the ink (Pillow's quick round-pen
drawing, :func:`~mnist_app.synthetic.strokes.render_paths_quickly`). They are the
families of :mod:`mnist_app.synthetic.families` together with the hand-drawn shapes of
:mod:`mnist_app.synthetic.nondigits`.
"""

from __future__ import annotations

import numpy as np

from mnist_app.synthetic.strokes import render_paths_quickly, smooth_path, transform

LISSAJOUS_RATIOS = ((2, 3), (3, 2), (3, 4), (4, 3), (2, 5), (5, 2), (3, 5), (5, 3))


def _draw(paths: list[np.ndarray], pen: float, height: float, smooth: bool = True) -> np.ndarray:
    """Ink of ``paths`` (each (k, 2)), scaled together so their larger side is ``height``,
    each smoothed through
    its points (Catmull-Rom) or, if they are already dense, joined."""
    stacked = np.vstack(paths)
    low = stacked.min(axis=0)
    scale = height / max(float((stacked.max(axis=0) - low).max()), 1e-9)
    fitted = [(p - low) * scale for p in paths]
    return render_paths_quickly([smooth_path(p, step=2.0) if smooth else p for p in fitted], [pen] * len(paths))


def lissajous(height: float, pen: float, rng: np.random.Generator) -> np.ndarray:
    """A closed Lissajous knot: x = sin(a t + phase), y = sin(b t), a != b both 2-5 (a = b
    would be an ellipse, a 0; a 1 would be a figure eight or an arch)."""
    a, b = LISSAJOUS_RATIOS[rng.integers(len(LISSAJOUS_RATIOS))]
    t = np.linspace(0, 2 * np.pi, 90)
    points = np.stack([np.sin(a * t + rng.uniform(0, np.pi)), np.sin(b * t)], axis=1)
    return _draw([points * np.array([rng.uniform(0.6, 1.4), 1.0])], pen, height, smooth=False)


def momentum_walk(height: float, pen: float, rng: np.random.Generator) -> np.ndarray:
    """A dense scribble: 12-24 steps of a random walk that keeps some of its direction."""
    velocity, position, points = np.zeros(2), np.zeros(2), []
    for _ in range(int(rng.integers(12, 25))):
        velocity = 0.6 * velocity + rng.normal(0, 1, 2)
        position = position + velocity
        points.append(position)
    return _draw([np.array(points)], pen, height)


def looping_walk(height: float, pen: float, rng: np.random.Generator) -> np.ndarray:
    """A pen that keeps moving while its turning rate wanders: curls, loops and S-bends.
    40-90 steps of equal length; the turning rate follows its own momentum."""
    heading, turn, position, points = rng.uniform(0, 2 * np.pi), 0.0, np.zeros(2), [np.zeros(2)]
    persistence = rng.uniform(0.7, 0.95)
    for _ in range(int(rng.integers(40, 91))):
        turn = persistence * turn + rng.normal(0, 0.12)
        heading += turn
        position = position + np.array([np.cos(heading), np.sin(heading)])
        points.append(position)
    return _draw([np.array(points)], pen, height, smooth=False)


def spiral(height: float, pen: float, rng: np.random.Generator) -> np.ndarray:
    """An Archimedean spiral of 1.5-3.5 turns, squashed and wobbly, drawn from the inside."""
    turns = rng.uniform(1.5, 3.5)
    theta = np.linspace(0, 2 * np.pi * turns, int(60 * turns))
    radius = (0.2 + theta) * (1 + 0.08 * rng.standard_normal(len(theta)).cumsum() / np.sqrt(len(theta)))
    points = np.stack([radius * np.cos(theta) * rng.uniform(0.6, 1.4), radius * np.sin(theta)], axis=1)
    return _draw([points], pen, height, smooth=False)


def zigzag(height: float, pen: float, rng: np.random.Generator) -> np.ndarray:
    """5-9 sharp turns, like a signature's flourish."""
    turns = int(rng.integers(5, 10))
    xs = np.cumsum(rng.uniform(0.3, 1.0, turns)) * height / 4
    ys = np.where(np.arange(turns) % 2, 0, height) * rng.uniform(0.5, 1.0, turns)
    return render_paths_quickly([np.stack([xs, ys], axis=1)], [pen])


def cross_out(height: float, pen: float, rng: np.random.Generator) -> np.ndarray:
    """A word scratched out: 6-14 quick strokes back and forth along a wide band."""
    strokes = int(rng.integers(6, 15))
    width = height * rng.uniform(1.5, 3.0)
    xs = np.where(np.arange(strokes) % 2, width, 0.0) + rng.normal(0, 0.08 * width, strokes)
    ys = np.linspace(0, height * rng.uniform(0.3, 0.7), strokes) + rng.normal(0, 0.08 * height, strokes)
    return _draw([transform(np.stack([xs, ys], axis=1), rotation=rng.normal(0, 8))], pen, width)


def ladder(height: float, pen: float, rng: np.random.Generator) -> np.ndarray:
    """2-5 stacked horizontal strokes, sometimes crossed by one slanted stroke."""
    count = int(rng.integers(2, 6))
    length = height * rng.uniform(0.6, 1.5)
    paths = [transform(np.array([[0.0, k * height / count], [length, k * height / count + rng.normal(0, 2)]]),
                       rotation=rng.normal(0, 5)) for k in range(count)]
    if rng.random() < 0.3:
        paths.append(np.array([[0.0, height], [length, 0.0]]))
    return render_paths_quickly(paths, [max(pen, 3.0)] * len(paths))


def grid(height: float, pen: float, rng: np.random.Generator) -> np.ndarray:
    """2-4 roughly vertical and 2-4 roughly horizontal lines crossing (a tic-tac-toe board)."""
    size, paths = height, []
    for vertical in (True, False):
        for k in range(int(rng.integers(2, 5))):
            at = size * (k + 1) / 5 + rng.normal(0, 0.04 * size)
            ends = np.array([[at, -0.05 * size], [at + rng.normal(0, 0.05 * size), 1.05 * size]])
            paths.append(ends if vertical else ends[:, ::-1])
    return render_paths_quickly([transform(p, rotation=rng.normal(0, 6)) for p in paths], [pen] * len(paths))


def frame(height: float, pen: float, rng: np.random.Generator) -> np.ndarray:
    """A box drawn in one go: a rectangle 1.2-3 times as wide as tall (or as tall as wide),
    its corners a little off, sometimes with a mark inside."""
    aspect = rng.uniform(1.2, 3.0)
    corners = np.array([[0, 0], [aspect, 0], [aspect, 1], [0, 1], [0, 0]], dtype=np.float64)
    if rng.random() < 0.5:
        corners = corners[:, ::-1]
    corners += rng.normal(0, 0.04, corners.shape)
    paths = [corners * height]
    if rng.random() < 0.3:
        paths.append(np.array([[0.3, 0.5], [0.7, 0.5]]) * corners.max(axis=0) * height)
    return render_paths_quickly([transform(p, rotation=rng.normal(0, 5)) for p in paths], [pen] * len(paths))


def curved_arrow(height: float, pen: float, rng: np.random.Generator) -> np.ndarray:
    """An arrow: a bent shaft and a two-stroke head at its end, pointing any way."""
    bend = rng.uniform(-0.4, 0.4)
    shaft = smooth_path(np.array([[0.0, 0.0], [0.5, bend], [1.0, 0.0]]), step=0.02)
    tip, back = shaft[-1], shaft[-6]
    direction = (tip - back) / np.linalg.norm(tip - back)
    normal = np.array([-direction[1], direction[0]])
    head = rng.uniform(0.15, 0.3)
    barbs = [np.array([tip - head * (direction + side * 0.7 * normal), tip]) for side in (1, -1)]
    rotation = rng.uniform(0, 360)
    paths = [transform(p * height, rotation=rotation) for p in (shaft, *barbs)]
    return render_paths_quickly(paths, [pen] * 3)


def underline(height: float, pen: float, rng: np.random.Generator) -> np.ndarray:
    """A long line under a word: straight, wavy or doubled, within 8 degrees of horizontal."""
    length = height * rng.uniform(2.0, 5.0)
    xs = np.linspace(0, length, 40)
    wave = rng.choice([0.0, rng.uniform(0.03, 0.1)]) * height
    lines = [np.stack([xs, wave * np.sin(xs / length * rng.uniform(4, 12)) + offset], axis=1)
             for offset in ([0.0] if rng.random() < 0.7 else [0.0, height * rng.uniform(0.15, 0.3)])]
    rotation = rng.uniform(-8, 8)
    return render_paths_quickly([transform(line, rotation=rotation) for line in lines], [pen] * len(lines))


def tick(height: float, pen: float, rng: np.random.Generator) -> np.ndarray:
    """A quick tick: a short stroke down, a long one up to the right, at a random lean."""
    corner = np.array([rng.uniform(0.2, 0.45), 1.0])
    points = np.array([[0.0, rng.uniform(0.45, 0.75)], corner, [1.0, rng.uniform(-0.1, 0.2)]])
    return _draw([transform(points * height, rotation=rng.normal(0, 12))], pen, height)


def cross(height: float, pen: float, rng: np.random.Generator) -> np.ndarray:
    """Two crossing strokes at any angles (an x, a +, or in between)."""
    first = rng.uniform(0, 180)
    paths = [transform(np.array([[-0.5, 0.0], [0.5, 0.0]]) * height * rng.uniform(0.7, 1.0), rotation=angle)
             for angle in (first, first + rng.uniform(50, 130))]
    return render_paths_quickly(paths, [pen, pen])


def blot(height: float, pen: float, rng: np.random.Generator) -> np.ndarray:
    """A filled blot: a capsule at most as long as it is wide, any orientation (``pen`` unused)."""
    width = height * rng.uniform(0.3, 1.0)
    end = transform(np.array([[width * rng.uniform(0, 1), 0.0]]), rotation=rng.uniform(0, 180))
    return render_paths_quickly([np.vstack([[0.0, 0.0], end])], [width])


def dash(height: float, pen: float, rng: np.random.Generator) -> np.ndarray:
    """A thick dash within 25 degrees of horizontal, 2-8 times as long as it is thick."""
    thickness = height * rng.uniform(0.1, 0.4)
    ends = transform(np.array([[0.0, 0.0], [thickness * rng.uniform(2, 8), 0.0]]), rotation=rng.uniform(-25, 25))
    return render_paths_quickly([ends], [thickness])
