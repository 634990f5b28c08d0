"""Pictures that decode quickly but are costly to read: long runs of touching strokes, pages
of marks, textures.

Each is a PNG of a few kB to a few hundred kB, well inside every decoding bound; what it
attacks is the work done on its marks (finding them, grouping them, weighing the ways to
cut them into digits). ``CONTENT`` maps a file name to a function building its bytes,
deterministically; ``QUICK_CONTENT`` names the slice --quick runs.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageDraw

PAPER, INK = 255, 0


def _png(picture: Image.Image) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    return buffer.getvalue()


def _paper(width: int, height: int) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    picture = Image.new("L", (width, height), PAPER)
    return picture, ImageDraw.Draw(picture)


def waves(count: int, length: int, height: int, period: float, pen: int, gap: int = 12) -> bytes:
    """``count`` sine waves side by side, each ``length`` pixels long and ``height`` tall,
    ``period`` pixels per radian: a stroke that touches itself all along."""
    picture, draw = _paper(count * (length + gap) + 2 * gap, height + 2 * gap)
    columns = np.arange(0, length, 1.0)
    for index in range(count):
        rows = gap + height / 2 + (height / 2 - pen) * np.sin(columns / period)
        draw.line(list(zip((gap + index * (length + gap) + columns).tolist(), rows.tolist())), fill=INK, width=pen)
    return _png(picture)


def ring_chain(count: int) -> bytes:
    """``count`` rings, each overlapping the next."""
    picture, draw = _paper(count * 43 + 80, 200)
    for index in range(count):
        draw.ellipse([20 + index * 43, 60, 70 + index * 43, 140], outline=INK, width=6)
    return _png(picture)


def scribbles(count: int, seed: int) -> bytes:
    """``count`` digit-sized scribbles in a row, close together: each may be a doubtful digit."""
    rng = np.random.default_rng(seed)
    picture, draw = _paper(count * 44 + 40, 120)
    for index in range(count):
        left = 20 + index * 44
        draw.line([(left + rng.uniform(0, 38), 20 + rng.uniform(0, 80)) for _ in range(8)], fill=INK, width=4)
    return _png(picture)


def dots(rows: int, columns: int) -> bytes:
    """A page of square dots, ``rows`` x ``columns``."""
    page = np.full((rows * 14 + 20, columns * 14 + 20), PAPER, np.uint8)
    for row in range(rows):
        for column in range(columns):
            page[10 + row * 14:18 + row * 14, 10 + column * 14:18 + column * 14] = INK
    return _png(Image.fromarray(page))


def comb(width: int, step: int) -> bytes:
    """A long stroke with a tooth every ``step`` pixels: one mark as long as the picture."""
    picture, draw = _paper(width, 200)
    draw.line([(0, 180), (width, 180)], fill=INK, width=6)
    for left in range(0, width, step):
        draw.line([(left, 20), (left, 180)], fill=INK, width=3)
    return _png(picture)


def grid(size: int, step: int) -> bytes:
    """Ruled both ways every ``step`` pixels."""
    picture, draw = _paper(size, size)
    for at in range(0, size, step):
        draw.line([(at, 0), (at, size)], fill=INK, width=2)
        draw.line([(0, at), (size, at)], fill=INK, width=2)
    return _png(picture)


def spiral(size: int, turns: int) -> bytes:
    """One stroke wound ``turns`` times."""
    picture, draw = _paper(size, size)
    angles = np.linspace(0, 2 * np.pi * turns, 20000)
    radii = angles * (size / 2 - 10) / angles[-1]
    draw.line(list(zip((size / 2 + radii * np.cos(angles)).tolist(), (size / 2 + radii * np.sin(angles)).tolist())),
              fill=INK, width=3)
    return _png(picture)


def random_walk(width: int, steps: int, seed: int) -> bytes:
    """A pen walking right with momentum, across the whole picture."""
    rng = np.random.default_rng(seed)
    picture, draw = _paper(width, 300)
    points, velocity = [(0.0, 150.0)], np.array([3.0, 0.0])
    for _ in range(steps):
        velocity = velocity + rng.normal(0, 1.2, 2)
        velocity[0] = abs(velocity[0]) + 0.3
        velocity /= max(1.0, float(np.linalg.norm(velocity)) / 4)
        x, y = points[-1]
        points.append((x + velocity[0], float(np.clip(y + 3 * velocity[1], 10, 290))))
    draw.line(points, fill=INK, width=4)
    return _png(picture)


def blotches(count: int, seed: int) -> bytes:
    """``count`` round blots of 1-6 pixels strewn over a wide strip."""
    rng = np.random.default_rng(seed)
    picture, draw = _paper(3000, 400)
    for _ in range(count):
        x, y, radius = rng.uniform(0, 3000), rng.uniform(0, 400), rng.uniform(1, 6)
        draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=INK)
    return _png(picture)


def noise(size: int, seed: int) -> bytes:
    """Every pixel black or white at random."""
    return _png(Image.fromarray((np.random.default_rng(seed).random((size, size)) < 0.5).astype(np.uint8) * 255))


CONTENT = {
    "wave-4000x200.png": lambda: waves(1, 4000, 180, 12.5, 8),
    "wave-4000x60.png": lambda: waves(1, 4000, 40, 3.0, 3),
    "waves-8x11-heights.png": lambda: waves(8, 230, 20, 2.5, 2),
    "ring-chain-90.png": lambda: ring_chain(90),
    "scribbles-99.png": lambda: scribbles(99, seed=0),
    "dots-3x33.png": lambda: dots(3, 33),
    "dots-3x400.png": lambda: dots(3, 400),
    "comb-4000.png": lambda: comb(4000, 10),
    "grid-2000.png": lambda: grid(2000, 40),
    "spiral-1500.png": lambda: spiral(1500, 30),
    "random-walk-4000.png": lambda: random_walk(4000, 4000, seed=4),
    "blotches-3000.png": lambda: blotches(3000, seed=3),
    "noise-2000.png": lambda: noise(2000, seed=2),
}

QUICK_CONTENT = ("wave-4000x60.png", "waves-8x11-heights.png", "scribbles-99.png", "dots-3x400.png")
