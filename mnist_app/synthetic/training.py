"""Training images in MNIST's convention: non-digits, numbers of several digits, typed digits.

Every image goes through :func:`mnist_app.preprocess.to_mnist_image`, exactly as a user's
image does before the network sees it, so training sees what prediction will see (if
preprocessing changes, so do these). Results are (n, 28, 28) uint8, ink 255 on 0.

The generator choices differ from the evaluation non-digits
(:mod:`mnist_app.synthetic.nondigits`), so that the evaluation stays a held-out check:
other letters and symbols (:data:`TRAINING_SYMBOLS`), other faces (typed.TRAINING_FACES),
Lissajous loops and momentum scribbles instead of smooth random paths, ladders instead of
hatching, blots of any shape instead of round dots, thick dashes instead of pen bars.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
from PIL import Image

from mnist_app.errors import ImageError
from mnist_app.preprocess import to_mnist_image
from mnist_app.synthetic.nondigits import side_by_side
from mnist_app.synthetic.strokes import crop_to_ink, render_paths_quickly, smooth_path, transform
from mnist_app.synthetic.typed import TRAINING_FACES, has_glyph, installed, typed_ink

# Letters and symbols that look like no digit and are not among nondigits.EVALUATION_SYMBOLS.
TRAINING_SYMBOLS = "DJLUadehnrtuvy<>~^€¥¶πΩµ≠≤≥←→✗√∑≈±÷ΨЖДЯШЛλÆŒ♪"
Progress = Callable[[], object]


def _nothing() -> None:
    """The default progress callback: no progress shown."""


HEIGHT = 40  # pixels: non-digits are drawn about this tall, then fitted to 20x20 by preprocessing
# Blank border around each drawing, as a fraction of its size: PADDING, plus FILL_PADDING
# times the fraction of the drawing that is ink, so that even a solid blot stays well
# inside the paper that preprocessing estimates the background from.
PADDING, FILL_PADDING = 0.2, 2.0
LISSAJOUS_RATIOS = ((2, 3), (3, 2), (3, 4), (4, 3), (2, 5), (5, 2), (3, 5), (5, 3))


def nondigit_images(n: int, rng: np.random.Generator, advance: Progress = _nothing) -> np.ndarray:
    """``n`` images of things that are not a digit: (n, 28, 28) uint8 in MNIST's convention.

    A mix of typed symbols (when fonts are installed), loops, scribbles, zigzags, ladders,
    blots and dashes (see :data:`DRAWERS` for the weights).
    """
    fonts = installed(TRAINING_FACES)
    drawers = {name: weight for name, weight in DRAWERS.items() if fonts or name != "typed symbol"}
    names = list(drawers)
    weights = np.array([drawers[name] for name in names])
    kinds = rng.choice(len(names), size=n, p=weights / weights.sum())
    return _collect(n, lambda index, rng: _DRAW[names[kinds[index]]](rng, fonts), rng, advance)


def digit_pairs(digits: np.ndarray, n: int, rng: np.random.Generator, advance: Progress = _nothing) -> np.ndarray:
    """``n`` numbers of two (three in four) or three MNIST ``digits`` (m, 28, 28) uint8 side
    by side, as one image: (n, 28, 28) uint8, to be trained as "not a digit"."""
    def draw(index, rng):
        count = 2 if rng.random() < 0.75 else 3
        parts = []
        for source in digits[rng.integers(len(digits), size=count)]:
            ink = crop_to_ink(source.astype(np.float32) / 255)
            scale = rng.uniform(0.85, 1.15)
            if ink.size and scale != 1:
                size = (max(1, round(ink.shape[1] * scale)), max(1, round(ink.shape[0] * scale)))
                ink = np.asarray(Image.fromarray(ink).resize(size, Image.Resampling.BILINEAR))
            parts.append(ink)
        return side_by_side([part for part in parts if part.size], rng)
    return _collect(n, draw, rng, advance)


def typed_digit_images(n: int, rng: np.random.Generator, faces: Sequence = TRAINING_FACES,
                       advance: Progress = _nothing) -> tuple[np.ndarray, np.ndarray]:
    """``n`` digits typed in ``faces`` (the installed ones): images (n, 28, 28) uint8 and
    labels (n,) uint8. Slightly rotated (up to 8 degrees), 20-60 px before fitting.
    Raises FileNotFoundError if none of ``faces`` is installed (and n > 0)."""
    fonts = installed(faces)
    if n and not fonts:
        raise FileNotFoundError("none of the typed-digit fonts is installed")
    labels = rng.integers(0, 10, size=n).astype(np.uint8)

    def draw(index, rng):
        return typed_ink(str(labels[index]), fonts[rng.integers(len(fonts))], int(rng.integers(20, 61)), rng,
                         max_rotation=8)
    return _collect(n, draw, rng, advance), labels


def _collect(n: int, draw: Callable[[int, np.random.Generator], np.ndarray], rng: np.random.Generator,
             advance: Progress) -> np.ndarray:
    """``draw(index, rng)`` for each index, through preprocessing; a drawing that
    preprocessing finds empty is drawn again. ``advance()`` is called after each image."""
    images = np.zeros((n, 28, 28), dtype=np.uint8)
    for index in range(n):
        while True:
            ink = draw(index, rng)
            if ink.size:
                pad = int((PADDING + FILL_PADDING * ink.mean()) * max(ink.shape)) + 2
                try:
                    images[index] = to_mnist_image(np.pad(ink, pad))
                    break
                except ImageError:
                    pass
        advance()
    return images


def _pen(rng: np.random.Generator) -> float:
    """A pen width for a HEIGHT-pixel drawing: thin to marker, pixels."""
    return HEIGHT * rng.uniform(0.04, 0.2)


def _draw_path(points: np.ndarray, rng: np.random.Generator, smooth: bool = True) -> np.ndarray:
    """Ink map of a pen path through ``points`` (k, 2), scaled so its larger side is HEIGHT;
    smoothed through the points (Catmull-Rom) or, if they are already dense, joined."""
    points = points - points.min(axis=0)
    points = points * (HEIGHT / max(points.max(), 1e-9))
    path = smooth_path(points, step=2.0) if smooth else points
    return render_paths_quickly([path], [_pen(rng)])


def _typed_symbol(rng: np.random.Generator, fonts: list) -> np.ndarray:
    """A training symbol typed in a training face that has it (empty if it has not)."""
    symbol, font = TRAINING_SYMBOLS[rng.integers(len(TRAINING_SYMBOLS))], fonts[rng.integers(len(fonts))]
    if not has_glyph(font, symbol):  # the font's "missing" box would look like a 0
        return np.zeros((0, 0), dtype=np.float32)
    return typed_ink(symbol, font, int(HEIGHT * rng.uniform(0.6, 1.2)), rng, max_rotation=15)


def _loops(rng: np.random.Generator, fonts: list) -> np.ndarray:
    """A closed Lissajous knot: x = sin(a t + phase), y = sin(b t), a != b both 2-5 (a = b
    would be an ellipse, a 0; a 1 would be a figure eight or an arch)."""
    a, b = LISSAJOUS_RATIOS[rng.integers(len(LISSAJOUS_RATIOS))]
    t = np.linspace(0, 2 * np.pi, 90)
    points = np.stack([np.sin(a * t + rng.uniform(0, np.pi)), np.sin(b * t)], axis=1)
    return _draw_path(points * np.array([rng.uniform(0.6, 1.4), 1.0]), rng, smooth=False)


def _momentum_scribble(rng: np.random.Generator, fonts: list) -> np.ndarray:
    """A dense scribble: 12-24 steps of a random walk that keeps some of its direction."""
    steps = int(rng.integers(12, 25))
    velocity, position, points = np.zeros(2), np.zeros(2), []
    for _ in range(steps):
        velocity = 0.6 * velocity + rng.normal(0, 1, 2)
        position = position + velocity
        points.append(position)
    return _draw_path(np.array(points), rng)


def _zigzag(rng: np.random.Generator, fonts: list) -> np.ndarray:
    """5-9 sharp turns, like a signature's flourish or a crossed-out word."""
    turns = int(rng.integers(5, 10))
    xs = np.cumsum(rng.uniform(0.3, 1.0, turns)) * HEIGHT / 4
    ys = np.where(np.arange(turns) % 2, 0, HEIGHT) * rng.uniform(0.5, 1.0, turns)
    return render_paths_quickly([np.stack([xs, ys], axis=1)], [_pen(rng)])


def _ladder(rng: np.random.Generator, fonts: list) -> np.ndarray:
    """2-5 stacked horizontal strokes, sometimes crossed by one slanted stroke."""
    count = int(rng.integers(2, 6))
    length = HEIGHT * rng.uniform(0.6, 1.5)
    paths = [transform(np.array([[0.0, k * HEIGHT / count], [length, k * HEIGHT / count + rng.normal(0, 2)]]),
                       rotation=rng.normal(0, 5)) for k in range(count)]
    if rng.random() < 0.3:
        paths.append(np.array([[0.0, HEIGHT], [length, 0.0]]))
    return render_paths_quickly(paths, [max(_pen(rng), 3.0)] * len(paths))


def _blot(rng: np.random.Generator, fonts: list) -> np.ndarray:
    """A filled blot: a capsule at most as long as it is wide, any orientation."""
    width = HEIGHT * rng.uniform(0.3, 1.0)
    end = transform(np.array([[width * rng.uniform(0, 1), 0.0]]), rotation=rng.uniform(0, 180))
    return render_paths_quickly([np.vstack([[0.0, 0.0], end])], [width])


def _dash(rng: np.random.Generator, fonts: list) -> np.ndarray:
    """A thick dash within 25 degrees of horizontal, 2-8 times as long as it is thick."""
    thickness = HEIGHT * rng.uniform(0.1, 0.4)
    ends = transform(np.array([[0.0, 0.0], [thickness * rng.uniform(2, 8), 0.0]]), rotation=rng.uniform(-25, 25))
    return render_paths_quickly([ends], [thickness])


_DRAW = {"typed symbol": _typed_symbol, "loops": _loops, "scribble": _momentum_scribble, "zigzag": _zigzag,
         "ladder": _ladder, "blot": _blot, "dash": _dash}
DRAWERS = {"typed symbol": 0.4, "loops": 0.12, "scribble": 0.14, "zigzag": 0.1, "ladder": 0.1, "blot": 0.07,
           "dash": 0.07}  # kind of non-digit -> share of nondigit_images
