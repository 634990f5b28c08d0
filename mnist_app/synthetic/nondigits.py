"""Things people hand the app that are not a digit, for evaluation: ink maps.

Kinds (:data:`KINDS`): letters and symbols typed in the evaluation faces or written by
hand, scribbles, simple shapes, a dot, a horizontal bar, hatching, stars, and numbers of
two or three digits ("42", "17", "305"). Left out because they look like a digit: the
letters O o I l S s Z z B b g q G, a circle or oval (0), a vertical bar (1).

Every function returns (h, w) float32 coverage in [0, 1] cropped to the ink, ``height``
pixels tall give or take the pen and the rotation.
"""

from __future__ import annotations

import numpy as np

from mnist_app.synthetic.glyphs import HANDS, Hand, Stroke
from mnist_app.synthetic.handwriting import draw_glyph, handwritten_digit
from mnist_app.synthetic.pens import enlarged, pen_drawing
from mnist_app.synthetic.strokes import crop_to_ink, pen_widths, render_paths, smooth_path, transform
from mnist_app.synthetic.typed import EVALUATION_FACES, installed, typed_ink

EVALUATION_SYMBOLS = "ACEFHKMNPRTVWXYkmwx#%&@*+=?!"
NUMBERS = ("42", "17", "305", "10", "99", "2024", "68", "731")

# Letters and symbols written by hand: unit-box strokes and the box's width / height.
_P = (((0.1, 1.0), (0.1, 0.0)), ((0.1, 0.0), (0.6, 0.0), (0.9, 0.22), (0.6, 0.48), (0.1, 0.48)))
LETTER_STROKES: dict[str, tuple[tuple[Stroke, ...], float]] = {
    "A": ((((0.0, 1.0), (0.5, 0.0)), ((0.5, 0.0), (1.0, 1.0)), ((0.22, 0.6), (0.78, 0.6))), 0.8),
    "E": ((((0.9, 0.0), (0.1, 0.0)), ((0.1, 0.0), (0.1, 1.0)), ((0.1, 1.0), (0.9, 1.0)), ((0.1, 0.5), (0.7, 0.5))),
          0.6),
    "F": ((((0.9, 0.0), (0.1, 0.0)), ((0.1, 0.0), (0.1, 1.0)), ((0.1, 0.48), (0.7, 0.48))), 0.55),
    "H": ((((0.1, 0.0), (0.1, 1.0)), ((0.9, 0.0), (0.9, 1.0)), ((0.1, 0.5), (0.9, 0.5))), 0.7),
    "K": ((((0.1, 0.0), (0.1, 1.0)), ((0.9, 0.0), (0.1, 0.55)), ((0.35, 0.4), (0.9, 1.0))), 0.65),
    "M": ((((0.05, 1.0), (0.1, 0.0)), ((0.1, 0.0), (0.5, 0.6)), ((0.5, 0.6), (0.9, 0.0)), ((0.9, 0.0), (0.95, 1.0))),
          0.9),
    "N": ((((0.1, 1.0), (0.1, 0.0)), ((0.1, 0.0), (0.9, 1.0)), ((0.9, 1.0), (0.9, 0.0))), 0.7),
    "T": ((((0.0, 0.0), (1.0, 0.0)), ((0.5, 0.0), (0.5, 1.0))), 0.7),
    "V": ((((0.0, 0.0), (0.5, 1.0)), ((0.5, 1.0), (1.0, 0.0))), 0.75),
    "W": ((((0.0, 0.0), (0.25, 1.0)), ((0.25, 1.0), (0.5, 0.35)), ((0.5, 0.35), (0.75, 1.0)),
           ((0.75, 1.0), (1.0, 0.0))), 1.0),
    "X": ((((0.0, 0.0), (1.0, 1.0)), ((1.0, 0.0), (0.0, 1.0))), 0.75),
    "Y": ((((0.0, 0.0), (0.5, 0.5)), ((1.0, 0.0), (0.5, 0.5)), ((0.5, 0.5), (0.5, 1.0))), 0.75),
    "C": ((((0.9, 0.15), (0.55, 0.0), (0.15, 0.2), (0.05, 0.55), (0.25, 0.92), (0.6, 1.0), (0.92, 0.85)),), 0.7),
    "P": (_P, 0.6),
    "R": (_P + (((0.45, 0.48), (0.9, 1.0)),), 0.65),
    "#": ((((0.35, 0.0), (0.25, 1.0)), ((0.75, 0.0), (0.65, 1.0)), ((0.0, 0.33), (1.0, 0.33)),
           ((0.0, 0.67), (1.0, 0.67))), 0.9),
    "+": ((((0.5, 0.1), (0.5, 0.9)), ((0.1, 0.5), (0.9, 0.5))), 1.0),
    "=": ((((0.05, 0.35), (0.95, 0.35)), ((0.05, 0.65), (0.95, 0.65))), 1.2),
    "*": ((((0.5, 0.0), (0.5, 1.0)), ((0.07, 0.25), (0.93, 0.75)), ((0.07, 0.75), (0.93, 0.25))), 1.0),
}
SHAPES: dict[str, tuple[Stroke, ...]] = {
    "triangle": (((0.5, 0.0), (1.0, 1.0)), ((1.0, 1.0), (0.0, 1.0)), ((0.0, 1.0), (0.5, 0.0))),
    "square": (((0.0, 0.0), (1.0, 0.0)), ((1.0, 0.0), (1.0, 1.0)), ((1.0, 1.0), (0.0, 1.0)), ((0.0, 1.0), (0.0, 0.0))),
    "star": (tuple((0.5 + 0.5 * np.sin(a), 0.55 - 0.5 * np.cos(a)) for a in np.arange(6) * 4 * np.pi / 5),),
    "heart": (((0.5, 0.3), (0.3, 0.02), (0.05, 0.15), (0.1, 0.5), (0.5, 1.0)),
              ((0.5, 0.3), (0.7, 0.02), (0.95, 0.15), (0.9, 0.5), (0.5, 1.0))),
    "arrow": (((0.0, 0.5), (1.0, 0.5)), ((0.7, 0.2), (1.0, 0.5)), ((1.0, 0.5), (0.7, 0.8))),
    "check mark": (((0.0, 0.55), (0.35, 1.0)), ((0.35, 1.0), (1.0, 0.0))),
}
SHAPE_WIDTHS = {"arrow": 1.6, "square": 1.0, "triangle": 1.1}


def written_symbol(symbol: str, height: int, pen_width: float, rng: np.random.Generator,
                   hand: Hand | None = None, quick: bool = False) -> np.ndarray:
    """``symbol`` (a key of LETTER_STROKES) written by ``hand`` (a random one of HANDS if
    None); ``quick`` as for :func:`~mnist_app.synthetic.handwriting.draw_glyph`."""
    strokes, width = LETTER_STROKES[symbol]
    hand = HANDS[rng.integers(len(HANDS))] if hand is None else hand
    return draw_glyph(strokes, height, pen_width, rng, slant=hand.slant, width=width, pressure=hand.pressure,
                      quick=quick)


def typed_symbol(symbol: str, height: int, rng: np.random.Generator) -> np.ndarray:
    """``symbol`` typed in a random installed evaluation face (empty map if none is installed)."""
    faces = installed(EVALUATION_FACES)
    if not faces:
        return np.zeros((0, 0), dtype=np.float32)
    return typed_ink(symbol, faces[rng.integers(len(faces))], height, rng, max_rotation=8)


def shape(name: str, height: int, pen_width: float, rng: np.random.Generator, quick: bool = False) -> np.ndarray:
    """A hand-drawn shape: one of SHAPES; ``quick`` as for
    :func:`~mnist_app.synthetic.handwriting.draw_glyph`."""
    return draw_glyph(SHAPES[name], height, pen_width, rng, slant=rng.normal(0, 0.05),
                      width=SHAPE_WIDTHS.get(name, 0.95), pressure=0.1, max_rotation=12, quick=quick)


def scribble(height: int, pen_width: float, rng: np.random.Generator) -> np.ndarray:
    """A random smooth pen path through 5-10 points in a box ``height`` pixels tall."""
    count = int(rng.integers(5, 11))
    box = np.array([height * rng.uniform(0.6, 1.6), height])
    points = rng.uniform(0, 1, (count, 2)) * box
    path = smooth_path(points, step=max(1.0, pen_width / 2))
    return render_paths([path], [pen_widths(path, pen_width, 0.15, 0.3, rng)])


def dot(height: int, rng: np.random.Generator) -> np.ndarray:
    """A round blot of ink, about ``height`` pixels across."""
    centre = np.array([[0.0, 0.0]])
    diameter = height * rng.uniform(0.8, 1.2)
    return render_paths([centre], [np.array([diameter])])


def bar(height: int, pen_width: float, rng: np.random.Generator) -> np.ndarray:
    """A horizontal bar (within 12 degrees) ``height`` to 2 ``height`` pixels long."""
    length = height * rng.uniform(1.0, 2.0)
    ends = transform(np.array([[0.0, 0.0], [length, 0.0]]), rotation=rng.uniform(-12, 12))
    path = smooth_path(ends, step=max(1.0, pen_width / 2))
    return render_paths([path], [pen_widths(path, pen_width, 0.1, 0.2, rng)])


def hatching(height: int, pen_width: float, rng: np.random.Generator) -> np.ndarray:
    """3-7 parallel strokes at 30-60 degrees from horizontal, as if shading an area."""
    count = int(rng.integers(3, 8))
    angle = np.radians(rng.uniform(30, 60)) * rng.choice([-1, 1])
    direction = np.array([np.cos(angle), -np.sin(angle)]) * height
    gap = height * rng.uniform(0.12, 0.3)
    paths = []
    for k in range(count):
        start = np.array([k * gap, 0.0]) + rng.normal(0, 0.03 * height, 2)
        paths.append(smooth_path(np.array([start, start + direction * rng.uniform(0.8, 1.1)]), step=2.0))
    return render_paths(paths, [pen_widths(p, pen_width, 0.1, 0.3, rng) for p in paths])


def number(text: str, height: int, pen_width: float, digits: np.ndarray, labels: np.ndarray,
           rng: np.random.Generator) -> np.ndarray:
    """``text`` (digits only) written side by side: MNIST digits from ``digits`` (n, 28, 28)
    with matching ``labels``, redrawn or enlarged, or a hand's glyphs, or typed."""
    style = rng.choice(["mnist", "pen", "hand", "typed"])
    hand = HANDS[rng.integers(len(HANDS))]
    faces = installed(EVALUATION_FACES)
    if style == "typed" and faces:
        return typed_ink(text, faces[rng.integers(len(faces))], height, rng)
    parts = []
    for character in text:
        digit = int(character)
        if style in ("mnist", "pen"):
            candidates = np.flatnonzero(labels == digit)
            source = digits[candidates[rng.integers(len(candidates))]] if len(candidates) else digits[0]
            ink = enlarged(source, height, rng, 4) if style == "mnist" else pen_drawing(source, height, pen_width, rng)
        else:
            ink = handwritten_digit(digit, height, pen_width, rng, hand)
        parts.append(ink)
    return side_by_side(parts, rng)


def side_by_side(parts: list[np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """Ink maps placed left to right, bottoms aligned give or take a little, with gaps from
    a slight overlap to a third of the height between them."""
    height = max(part.shape[0] for part in parts)
    gaps = [int(rng.uniform(-0.05, 0.3) * height) for _ in parts[1:]]
    width = sum(part.shape[1] for part in parts) + sum(gaps)
    canvas = np.zeros((height + height // 5, max(width, 1)), dtype=np.float32)
    left = 0
    for index, part in enumerate(parts):
        top = height - part.shape[0] + int(rng.integers(0, height // 5 + 1))
        region = canvas[top:top + part.shape[0], left:left + part.shape[1]]
        np.maximum(region, part[:region.shape[0], :region.shape[1]], out=region)
        left = max(0, left + part.shape[1] + (gaps[index] if index < len(gaps) else 0))
    return crop_to_ink(canvas)


KINDS = ("typed symbol", "written symbol", "scribble", "shape", "dot", "bar", "hatching", "star", "number")


def nondigit(kind: str, height: int, pen_width: float, digits: np.ndarray, labels: np.ndarray,
             rng: np.random.Generator) -> np.ndarray:
    """An ink map of ``kind`` (one of KINDS); ``digits``/``labels`` feed the numbers."""
    if kind == "typed symbol":
        return typed_symbol(EVALUATION_SYMBOLS[rng.integers(len(EVALUATION_SYMBOLS))], height, rng)
    if kind == "written symbol":
        return written_symbol(list(LETTER_STROKES)[rng.integers(len(LETTER_STROKES))], height, pen_width, rng)
    if kind == "scribble":
        return scribble(height, pen_width, rng)
    if kind in ("shape", "star"):
        names = ["star"] if kind == "star" else [name for name in SHAPES if name != "star"]
        return shape(names[rng.integers(len(names))], height, pen_width, rng)
    if kind == "dot":
        return dot(max(4, height // 6), rng)
    if kind == "bar":
        return bar(height, pen_width, rng)
    if kind == "hatching":
        return hatching(height, pen_width, rng)
    if kind == "number":
        return number(NUMBERS[rng.integers(len(NUMBERS))], height, pen_width, digits, labels, rng)
    raise ValueError(f"unknown kind of non-digit {kind!r}; expected one of {', '.join(KINDS)}")
