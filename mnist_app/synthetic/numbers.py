"""Seeded pictures of whole numbers: 2-8 digits side by side, as people write them.

A number is written digit by digit (MNIST digits enlarged or redrawn with a pen, or a
stroke hand's glyphs) on one line: the gaps are uneven and some neighbours touch or
overlap, the baseline drifts, digits vary in size, and a line may carry specks or sit on
a ruled line. Typed numbers are typed whole, with the font's own spacing. The ink is then
exported as a photo, canvas, scan... by :mod:`mnist_app.synthetic.paper`'s renderers.

Each family builds a :class:`NumberSet`; the same generator state gives the same bytes.
``scripts/measure_realistic.py --numbers`` reads them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from mnist_app.synthetic.glyphs import HANDS
from mnist_app.synthetic.handwriting import NIB_BREADTH, handwritten_digit, nib_written_digit
from mnist_app.synthetic.nondigits import dot
from mnist_app.synthetic.pens import THIN_PEN, enlarged, pen_drawing
from mnist_app.synthetic.sets import _choose, export
from mnist_app.synthetic.strokes import crop_to_ink
from mnist_app.synthetic.typed import EVALUATION_FACES, installed, typed_ink

DIGITS_PER_NUMBER = (2, 8)  # a number has this many digits, both included
TOUCHING_SHARE = 0.25  # numbers in which neighbours are pushed together until they touch
INK = 0.3  # coverage that counts as ink when deciding whether two digits touch
MARGIN = 0.1  # paper left around a number, as a fraction of its height


@dataclass(frozen=True)
class NumberSet:
    """``files``: encoded images (bytes); ``numbers``: the digits each shows, left to right;
    ``touching``: (n,) bool, whether two of its digits' strokes touch or overlap."""

    name: str
    files: list[bytes]
    numbers: list[str]
    touching: np.ndarray


@dataclass(frozen=True)
class Line:
    """How one number is laid out; lengths are fractions of the digit height.

    ``gaps``: (low, high) space between neighbours' ink; ``touch``: push neighbours
    together until their strokes meet; ``drift``: the baseline rises or falls by up to this
    over the line; ``sizes``: each digit's height varies by up to this fraction; ``specks``:
    how many specks of ink lie around; ``ruled``: the line sits on a faint ruled line."""

    gaps: tuple[float, float] = (0.05, 0.45)
    touch: bool = False
    drift: float = 0.1
    sizes: float = 0.08
    specks: int = 0
    ruled: bool = False


def write_line(inks: list[np.ndarray], height: int, line: Line, rng: np.random.Generator) -> tuple[np.ndarray, bool]:
    """(ink map of the digits ``inks`` written left to right as ``line`` says, whether two
    neighbours' strokes touch). ``height`` is the digits' nominal height in pixels."""
    drift = rng.uniform(-line.drift, line.drift) * height
    margin = int(height * (0.5 + abs(line.drift))) + 2
    total = sum(ink.shape[1] for ink in inks) + int((len(inks) * line.gaps[1] + 2) * height) + 2 * margin
    canvas = np.zeros((height * 2 + 2 * margin, total), dtype=np.float32)
    owner = np.full(canvas.shape, -1, dtype=np.int16)
    touching = False
    right_edge = margin
    for index, ink in enumerate(inks):
        baseline = margin + height + drift * index / max(len(inks) - 1, 1) + rng.normal(0, 0.03) * height
        top = int(round(baseline)) - ink.shape[0]
        rows = slice(top, top + ink.shape[0])
        left = _next_left(canvas[rows], ink, right_edge, line, height, rng) if index else margin
        columns = slice(left, left + ink.shape[1])
        region = canvas[rows, columns]
        ours = ink >= INK
        touching |= bool((ours & (owner[rows, columns] >= 0)).any())
        owner[rows, columns][ours] = index
        np.maximum(region, ink, out=region)
        right_edge = max(right_edge, left + ink.shape[1])
    if line.ruled:
        rule = margin + height + int(abs(drift) / 2) + int(rng.integers(0, 3))
        canvas[rule:rule + max(1, height // 40)] = np.maximum(canvas[rule:rule + max(1, height // 40)],
                                                           rng.uniform(0.25, 0.45))
    ink = crop_to_ink(canvas)
    if line.ruled:  # the rule runs past the digits, as on a page
        ink = np.pad(ink, ((0, 0), (height, height)), mode="edge")
    for _ in range(line.specks):
        speck = dot(max(1, int(height * rng.uniform(0.02, 0.06))), rng)
        top = int(rng.integers(0, max(1, ink.shape[0] - speck.shape[0])))
        left = int(rng.integers(0, max(1, ink.shape[1] - speck.shape[1])))
        region = ink[top:top + speck.shape[0], left:left + speck.shape[1]]
        np.maximum(region, speck[:region.shape[0], :region.shape[1]], out=region)
    return ink, touching


def _next_left(band: np.ndarray, ink: np.ndarray, right_edge: int, line: Line, height: int,
               rng: np.random.Generator) -> int:
    """The column where the next digit ``ink`` starts, given the canvas rows ``band`` it
    will cover: a gap after the strokes already there, or overlapping them if touching."""
    placed = band >= INK
    ours = ink >= INK
    shared = placed.any(axis=1) & ours.any(axis=1)
    if shared.any():
        rightmost = band.shape[1] - 1 - np.argmax(placed[:, ::-1], axis=1)  # per row
        leftmost = np.argmax(ours, axis=1)
        contact = int((rightmost - leftmost)[shared].max()) + 1  # the left at which ink first meets
    else:
        contact = right_edge - ink.shape[1] // 3
    if line.touch:
        return max(0, contact - int(rng.uniform(0.0, 0.04) * height))
    return contact + 1 + int(rng.uniform(*line.gaps) * height)


def _digit_count(rng: np.random.Generator) -> int:
    return int(rng.integers(DIGITS_PER_NUMBER[0], DIGITS_PER_NUMBER[1] + 1))


Digit = Callable[[int, int, np.random.Generator], tuple[np.ndarray, int]]  # (index, height, rng) -> (ink, label)


def _build(name: str, count: int, rng: np.random.Generator, draw: Digit, height: Callable,
           line: Callable, how: Callable) -> NumberSet:
    """``count`` numbers: digits from ``draw``, ``height(rng)`` px tall, laid out by
    ``line(rng, touch)``, exported by ``how(ink, rng)`` -> bytes."""
    files, numbers, touching = [], [], []
    next_digit = 0
    for _ in range(count):
        size = height(rng)
        layout = line(rng, rng.random() < TOUCHING_SHARE)
        inks, labels = [], []
        for _ in range(_digit_count(rng)):
            digit_height = max(8, int(size * rng.uniform(1 - layout.sizes, 1 + layout.sizes)))
            ink, label = draw(next_digit, digit_height, rng)
            next_digit += 1
            inks.append(ink)
            labels.append(str(label))
        ink, touches = write_line(inks, size, layout, rng)
        files.append(how(ink, rng))
        numbers.append("".join(labels))
        touching.append(touches)
    return NumberSet(name, files, numbers, np.array(touching, dtype=bool))


def _with_margin(ink: np.ndarray) -> np.ndarray:
    """``ink`` with MARGIN of its height of paper on every side, so that a number never runs
    off the page (a mark along the picture's edge is taken for the page's own edge)."""
    return np.pad(ink, int(MARGIN * ink.shape[0]) + 1)


def _on_photo(ink: np.ndarray, rng: np.random.Generator, clutter: bool = False) -> bytes:
    """``ink`` photographed on a sheet 1.1-2.5 times its width (at least 300 px)."""
    ink = _with_margin(ink)
    width = max(300, int(ink.shape[1] * rng.uniform(1.1, 2.5)))
    page = (width, max(200, int(width * rng.uniform(0.4, 1.0))))
    return export(ink, "cluttered photo" if clutter else "photo", page, rng)


def _on_canvas(ink: np.ndarray, rng: np.random.Generator) -> bytes:
    """``ink`` on a wide drawing canvas (RGBA or white), with a margin on every side."""
    ink = _with_margin(ink)
    page = (int(ink.shape[1] * rng.uniform(1.05, 1.5)) + 8, int(ink.shape[0] * rng.uniform(1.2, 2.0)) + 8)
    return export(ink, _choose(rng, {"canvas": 0.6, "white": 0.4}), page, rng)


def _plain(rng: np.random.Generator, touch: bool) -> Line:
    return Line(touch=touch)


def mnist_photos(digits: np.ndarray, labels: np.ndarray, count: int, rng: np.random.Generator) -> NumberSet:
    """MNIST digits side by side, written 40-160 px tall, photographed on paper."""
    def draw(index, height, rng):
        return enlarged(digits[index % len(digits)], height, rng), int(labels[index % len(labels)])
    return _build("MNIST digits on paper photos", count, rng, draw, lambda rng: int(rng.uniform(40, 160)),
                  _plain, _on_photo)


def mnist_canvases(digits: np.ndarray, labels: np.ndarray, count: int, rng: np.random.Generator) -> NumberSet:
    """MNIST digits side by side, 80-240 px tall, as wide canvas exports."""
    def draw(index, height, rng):
        return enlarged(digits[index % len(digits)], height, rng), int(labels[index % len(labels)])
    return _build("MNIST digits on wide canvases", count, rng, draw, lambda rng: int(rng.uniform(80, 240)),
                  _plain, _on_canvas)


def thin_pens(digits: np.ndarray, labels: np.ndarray, count: int, rng: np.random.Generator) -> NumberSet:
    """MNIST digits redrawn from their centre lines with a 2-6 px pen, on canvases."""
    def draw(index, height, rng):
        return pen_drawing(digits[index % len(digits)], height, rng.uniform(*THIN_PEN), rng), \
            int(labels[index % len(labels)])
    return _build("thin-pen numbers (MNIST centre lines, 2-6 px)", count, rng, draw,
                  lambda rng: int(rng.uniform(90, 220)), _plain, _on_canvas)


def hands(count: int, rng: np.random.Generator, nib: bool = False) -> NumberSet:
    """Digits in one stroke hand per number (not MNIST), photographed or on canvases; with
    ``nib``, each number written with a broad or a pointed nib (thick strokes and
    hairlines, as :func:`~mnist_app.synthetic.sets.nib_pens` draws single digits) and
    photographed."""
    writer = [HANDS[0], False]  # the number's hand, and whether its nib is pointed

    def height(rng):
        writer[0] = HANDS[rng.integers(len(HANDS))]  # a new writer for each number
        if nib:
            writer[1] = bool(rng.random() < 0.5)
        return int(rng.uniform(50, 200))

    def draw(index, height, rng):
        digit = int(rng.integers(10))
        if nib:
            breadth = height * rng.uniform(*NIB_BREADTH)
            return nib_written_digit(digit, height, breadth, rng, writer[1], writer[0]), digit
        pen = max(1.5, height * rng.uniform(0.03, 0.12))
        return handwritten_digit(digit, height, pen, rng, hand=writer[0]), digit

    def how(ink, rng):
        return _on_photo(ink, rng) if nib or rng.random() < 0.5 else _on_canvas(ink, rng)
    name = "nib-pen numbers (thick strokes and hairlines), photos" if nib else "handwriting-like numbers"
    return _build(f"{name} ({len(HANDS)} hands)", count, rng, draw, height, _plain, how)


def untidy(digits: np.ndarray, labels: np.ndarray, count: int, rng: np.random.Generator) -> NumberSet:
    """Any digits, a strongly drifting baseline, specks, sizes that vary, a ruled line now
    and then, on cluttered photos."""
    def draw(index, height, rng):
        if rng.random() < 0.5:
            return enlarged(digits[index % len(digits)], height, rng), int(labels[index % len(labels)])
        digit = int(rng.integers(10))
        return handwritten_digit(digit, height, max(1.5, height * rng.uniform(0.04, 0.1)), rng), digit

    def line(rng, touch):
        return Line(gaps=(0.0, 0.8), touch=touch, drift=0.35, sizes=0.15, specks=int(rng.integers(0, 5)),
                    ruled=rng.random() < 0.3)
    return _build("untidy numbers (drift, specks, ruled lines, cluttered photos)", count, rng, draw,
                  lambda rng: int(rng.uniform(50, 160)), line, lambda ink, rng: _on_photo(ink, rng, clutter=True))


def typed(count: int, rng: np.random.Generator) -> NumberSet:
    """Numbers typed whole in the evaluation faces, as screenshots, documents and photos.
    Empty if none of the faces is installed."""
    faces = installed(EVALUATION_FACES)
    files, numbers = [], []
    for index in range(count if faces else 0):
        number = "".join(str(d) for d in rng.integers(0, 10, _digit_count(rng)))
        ink = _with_margin(typed_ink(number, faces[index % len(faces)], int(rng.uniform(24, 120)), rng, max_rotation=2))
        how = _choose(rng, {"screenshot": 0.4, "white": 0.3, "photo": 0.3})
        page = (int(ink.shape[1] * rng.uniform(1.1, 2.0)) + 8, int(ink.shape[0] * rng.uniform(1.5, 4.0)) + 8)
        files.append(export(ink, how, page, rng))
        numbers.append(number)
    return NumberSet(f"typed numbers (DejaVu, {len(faces)} faces)", files, numbers, np.zeros(len(files), dtype=bool))
