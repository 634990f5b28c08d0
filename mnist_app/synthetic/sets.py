"""The seeded evaluation sets: encoded image files and what each one shows.

Each builder returns a :class:`LabelledSet` of ``count`` files (the bytes a user would
hand to the app) and labels, 0-9 or NOT_A_DIGIT. Sets that redraw real handwriting take
MNIST digits ((n, 28, 28) uint8) and their labels, and use them in order; the others
write digits 0-9 in turn. A builder called with a generator in the same state gives
the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from mnist_app.constants import NOT_A_DIGIT
from mnist_app.synthetic import families, nondigits
from mnist_app.synthetic.fonts import split_families
from mnist_app.synthetic.glyphs import HANDS, Hand
from mnist_app.synthetic.handwriting import NIB_BREADTH, handwritten_digit, nib_written_digit
from mnist_app.synthetic.paper import EXPORTS, Page, random_page, resize_ink
from mnist_app.synthetic.pens import BOLD_MARKER, THIN_PEN, enlarged, pen_drawing
from mnist_app.synthetic.typed import EVALUATION_FACES, installed, typed_ink

CANVAS = (280, 280)  # the drawing canvas of the thin-pen and marker sets, pixels


@dataclass(frozen=True)
class LabelledSet:
    """``files``: encoded images (bytes); ``labels``: (n,) int64, 0-9 or NOT_A_DIGIT."""

    name: str
    files: list[bytes]
    labels: np.ndarray


def export(ink: np.ndarray, how: str, page: Page, rng: np.random.Generator) -> bytes:
    """``ink`` on a ``page`` exported as ``how`` (a key of paper.EXPORTS); ink larger than
    95 % of the page is first shrunk to fit."""
    fit = min(1.0, 0.95 * page[1] / max(ink.shape[0], 1), 0.95 * page[0] / max(ink.shape[1], 1))
    if fit < 1.0:
        ink = resize_ink(ink, max(1, int(ink.shape[0] * fit)))
    return EXPORTS[how](ink, page, rng)


def _build(name: str, count: int, rng: np.random.Generator,
           make: Callable[[int, np.random.Generator], tuple[bytes, int]]) -> LabelledSet:
    files, labels = [], []
    for index in range(count):
        file, label = make(index, rng)
        files.append(file)
        labels.append(label)
    return LabelledSet(name, files, np.array(labels, dtype=np.int64))


def _choose(rng: np.random.Generator, options: dict[str, float]) -> str:
    """A key of ``options`` drawn with the given weights."""
    keys = list(options)
    weights = np.array(list(options.values()), dtype=np.float64)
    return keys[rng.choice(len(keys), p=weights / weights.sum())]


def _any_digit(digit_index: int, digits, labels, height: int, pen: float, rng: np.random.Generator):
    """(ink, label): MNIST digit ``digit_index`` enlarged or redrawn, or a hand's glyph."""
    source = _choose(rng, {"mnist": 0.4, "pen": 0.3, "hand": 0.3})
    label = int(labels[digit_index % len(labels)])
    digit = digits[digit_index % len(digits)]
    if source == "mnist":
        return enlarged(digit, height, rng), label
    if source == "pen":
        return pen_drawing(digit, height, pen, rng), label
    return handwritten_digit(label, height, pen, rng), label


def _redrawn_or_hand(index: int, digits: np.ndarray, labels: np.ndarray, height: int, pen: float,
                     rng: np.random.Generator) -> tuple[np.ndarray, int]:
    """(ink, label): MNIST digit ``index`` redrawn from its centre lines with ``pen`` (two
    times in three), else digit ``index % 10`` in a hand's glyphs."""
    if rng.random() < 2 / 3:
        return pen_drawing(digits[index % len(digits)], height, pen, rng), int(labels[index % len(labels)])
    return handwritten_digit(index % 10, height, pen, rng), index % 10


def thin_pens(digits: np.ndarray, labels: np.ndarray, count: int, rng: np.random.Generator) -> LabelledSet:
    """Digits drawn with a 2-6 px pen on a 280 px canvas, 45-85 % of its height: MNIST
    centre lines (two in three) or a hand's glyphs; RGBA canvas or ink on white."""
    def make(index, rng):
        height, pen = int(CANVAS[1] * rng.uniform(0.45, 0.85)), rng.uniform(*THIN_PEN)
        ink, label = _redrawn_or_hand(index, digits, labels, height, pen, rng)
        return export(ink, _choose(rng, {"canvas": 0.5, "white": 0.5}), CANVAS, rng), label
    return _build("thin pens (2-6 px on a 280 px canvas)", count, rng, make)


def bold_markers(digits: np.ndarray, labels: np.ndarray, count: int, rng: np.random.Generator) -> LabelledSet:
    """Digits drawn with an 8-20 px marker on a 280 px canvas (a fifth photographed)."""
    def make(index, rng):
        height, pen = int(CANVAS[1] * rng.uniform(0.5, 0.85)), rng.uniform(*BOLD_MARKER)
        ink, label = _redrawn_or_hand(index, digits, labels, height, pen, rng)
        how = _choose(rng, {"canvas": 0.4, "white": 0.4, "photo": 0.2})
        page = random_page(rng, (300, 900)) if how == "photo" else CANVAS
        return export(ink, how, page, rng), label
    return _build("bold markers (8-20 px on a 280 px canvas)", count, rng, make)


def small_on_sheet(digits: np.ndarray, labels: np.ndarray, count: int, rng: np.random.Generator) -> LabelledSet:
    """Photos of an 800-2000 px sheet with one digit 5-15 % of the sheet's height (with
    shadows, ruled lines, table edges now and then: paper.photo_jpeg's clutter)."""
    def make(index, rng):
        page = random_page(rng, (800, 2000))
        height = max(8, int(page[1] * rng.uniform(0.05, 0.15)))
        ink, label = _any_digit(index, digits, labels, height, max(2.0, height * rng.uniform(0.05, 0.15)), rng)
        return export(ink, "cluttered photo", page, rng), label
    return _build("small digit (5-15 % of the height) on an 800-2000 px sheet", count, rng, make)


def small_in_photo(digits: np.ndarray, labels: np.ndarray, count: int, rng: np.random.Generator) -> LabelledSet:
    """Photos 800-4000 px on the longer side with one digit 40-150 px tall, cluttered."""
    def make(index, rng):
        page = random_page(rng, (800, 4000), aspect=(0.66, 0.8))
        height = int(rng.uniform(40, 150))
        ink, label = _any_digit(index, digits, labels, height, max(2.0, height * rng.uniform(0.05, 0.15)), rng)
        return export(ink, "cluttered photo", page, rng), label
    return _build("40-150 px digit in an 800-4000 px photo", count, rng, make)


def handwriting(count: int, rng: np.random.Generator, hands: Sequence[Hand] = HANDS,
                name: str = f"handwriting-like glyphs ({len(HANDS)} hands)") -> LabelledSet:
    """Digits in the stroke ``hands`` (not MNIST), pen or marker, on paper, canvas or scans."""
    def make(index, rng):
        how = _choose(rng, {"photo": 0.35, "canvas": 0.25, "white": 0.2, "scan": 0.2})
        page = random_page(rng, (300, 1200)) if how in ("photo", "scan") else (int(rng.choice([200, 280, 400])),) * 2
        height = int(min(page) * rng.uniform(0.3, 0.8))
        pen = height * rng.choice([rng.uniform(0.02, 0.06), rng.uniform(0.06, 0.14)])
        hand = hands[rng.integers(len(hands))] if len(hands) != len(HANDS) else None
        return export(handwritten_digit(index % 10, height, max(pen, 1.5), rng, hand), how, page, rng), index % 10
    return _build(name, count, rng, make)


def nib_pens(count: int, rng: np.random.Generator) -> LabelledSet:
    """Digits in the stroke hands written with a nib, thick strokes and hairlines: a broad
    nib (calligraphy, an italic fountain pen) for every other digit, a pointed one
    (copperplate, school cursive) for the rest; 40-100 px tall, the nib 10-16 % of that
    across, photographed at 1-3 times that size. Held out of training and tuning."""
    def make(index, rng):
        height = int(rng.uniform(40, 100))
        ink = nib_written_digit(index % 10, height, height * rng.uniform(*NIB_BREADTH), rng, pointed=index % 2 == 1)
        ink = resize_ink(ink, int(ink.shape[0] * rng.uniform(1, 3)))
        page = random_page(rng, (max(ink.shape) * 2, max(ink.shape) * 5))
        return export(ink, "photo", page, rng), index % 10
    return _build("nib pens (thick strokes and hairlines), photos", count, rng, make)


def typed_of(digit: int, font, rng: np.random.Generator, how: str | None = None) -> bytes:
    """``digit`` typed in ``font`` (a path), 20-160 px tall, exported as ``how`` (a key of
    paper.EXPORTS; by default a screenshot, document, photo, scan or canvas at random)."""
    height = int(np.exp(rng.uniform(np.log(20), np.log(160))))
    ink = typed_ink(str(digit), font, height, rng, max_rotation=3)
    page = (int(ink.shape[1] * rng.uniform(1.3, 4.0)) + 4, int(ink.shape[0] * rng.uniform(1.3, 3.0)) + 4)
    how = how or _choose(rng, {"screenshot": 0.4, "white": 0.2, "photo": 0.2, "scan": 0.1, "canvas": 0.1})
    if how == "photo":
        page = (max(page[0], 300), max(page[1], 300))
    return export(ink, how, page, rng)


def typed(count: int, rng: np.random.Generator) -> LabelledSet:
    """Digits 0-9 in turn typed in the evaluation faces in turn (see :func:`typed_of`).
    Empty if none of the faces is installed."""
    faces = installed(EVALUATION_FACES)
    if not faces:
        return LabelledSet("typed (no evaluation fonts installed)", [], np.zeros(0, dtype=np.int64))

    def make(index, rng):
        return typed_of(index % 10, faces[(index // 10) % len(faces)], rng), index % 10
    return _build(f"typed (DejaVu, {len(faces)} faces held out from training)", count, rng, make)


def photo_of(digit: np.ndarray, rng: np.random.Generator, long_side: tuple[int, int] = (400, 1200)) -> bytes:
    """JPEG bytes: the MNIST ``digit`` (28, 28) written on paper and photographed. The
    longer side is drawn from ``long_side`` pixels; the digit is 25-55 % of the shorter."""
    page = random_page(rng, long_side, aspect=(0.75, 1.0))
    return export(enlarged(digit, int(min(page) * rng.uniform(0.25, 0.55)), rng), "photo", page, rng)


def canvas_of(digit: np.ndarray, rng: np.random.Generator) -> bytes:
    """RGBA PNG bytes: the MNIST ``digit`` on a transparent 200, 280 or 400 px canvas,
    45-85 % of its height."""
    size = int(rng.choice([200, 280, 400]))
    return export(enlarged(digit, int(size * rng.uniform(0.45, 0.85)), rng), "canvas", (size, size), rng)


def photo_mnist(digits: np.ndarray, labels: np.ndarray, count: int, rng: np.random.Generator) -> LabelledSet:
    """MNIST digits in order, photographed (see :func:`photo_of`)."""
    return _build("photo-like MNIST (JPEG, 400-1200 px)", count, rng,
                  lambda index, rng: (photo_of(digits[index % len(digits)], rng), int(labels[index % len(labels)])))


def canvas_mnist(digits: np.ndarray, labels: np.ndarray, count: int, rng: np.random.Generator) -> LabelledSet:
    """MNIST digits in order, as canvas exports (see :func:`canvas_of`)."""
    return _build("canvas-like MNIST (RGBA PNG, transparent)", count, rng,
                  lambda index, rng: (canvas_of(digits[index % len(digits)], rng), int(labels[index % len(labels)])))


def _nondigit_page(rng: np.random.Generator) -> tuple[str, Page, int, float]:
    """(export, page, height px, pen px) for one non-digit: canvases, white, photos, scans."""
    how = _choose(rng, {"canvas": 0.3, "white": 0.25, "photo": 0.2, "cluttered photo": 0.15, "scan": 0.1})
    photographed = how in ("photo", "cluttered photo", "scan")
    page = random_page(rng, (300, 1500)) if photographed else (int(rng.choice([200, 280, 400])),) * 2
    height = int(min(page) * rng.uniform(0.3, 0.7))
    pen = max(1.5, height * rng.choice([rng.uniform(0.02, 0.06), rng.uniform(0.06, 0.14)]))
    return how, page, height, pen


def not_digit_kind(index: int) -> str:
    """The kind (one of nondigits.KINDS) of the ``index``-th image of :func:`not_digits`."""
    return nondigits.KINDS[index % len(nondigits.KINDS)]


def not_digits(digits: np.ndarray, labels: np.ndarray, count: int, rng: np.random.Generator) -> LabelledSet:
    """Non-digits of every kind in turn (:func:`not_digit_kind`), on canvases, white, photos, scans."""
    def make(index, rng):
        how, page, height, pen = _nondigit_page(rng)
        kind = not_digit_kind(index)
        ink = nondigits.nondigit(kind, height, pen, digits, labels, rng)
        if ink.size == 0:  # a typed symbol without fonts: draw it by hand instead
            ink = nondigits.nondigit("written symbol", height, pen, digits, labels, rng)
        return export(ink, how, page, rng), NOT_A_DIGIT
    return _build("not a digit (letters, symbols, scribbles, shapes, numbers)", count, rng, make)


def family_nondigits(group: str, held_out: bool, count: int, rng: np.random.Generator) -> LabelledSet:
    """Non-digits from the families of ``group`` (families.GROUPS) on one side of the split
    (held out of training, or trained on: new drawings), the families in turn, on the same
    pages as :func:`not_digits`. Empty if the group has no family there (no fonts)."""
    chosen = families.split(held_out, group)
    side = "held-out" if held_out else "training"
    if not chosen:
        return LabelledSet(f"{group}, {side} families (none installed)", [], np.zeros(0, dtype=np.int64))

    def make(index, rng):
        how, page, height, pen = _nondigit_page(rng)
        while not (ink := chosen[index % len(chosen)].draw(height, pen, rng)).size:
            index += 1
        return export(ink, how, page, rng), NOT_A_DIGIT
    return _build(f"{group}, {len(chosen)} {side} families", count, rng, make)


def hands_split(held_out: bool, count: int, rng: np.random.Generator) -> LabelledSet:
    """Like :func:`handwriting`, in the hands on one side of families.HELD_OUT only."""
    hands = [hand for hand in HANDS if (hand.name in families.HELD_OUT) == held_out]
    return handwriting(count, rng, hands, f"handwriting-like glyphs, {len(hands)} "
                       f"{'held-out' if held_out else 'training'} hands")


def typed_split(held_out: bool, count: int, rng: np.random.Generator) -> LabelledSet:
    """Digits 0-9 in turn typed in the font families on one side of the split: the held-out
    families, or the faces typed digits are trained on (training.training_faces), each
    face in turn (see :func:`typed_of`). Empty without such fonts."""
    from mnist_app.synthetic.training import training_faces  # here: it imports preprocessing

    faces = ([face for paths in split_families(True, digits=True).values() for face in paths] if held_out
             else training_faces())
    side = "held-out font families" if held_out else "training fonts"
    if not faces:
        return LabelledSet(f"typed, {side} (none installed)", [], np.zeros(0, dtype=np.int64))

    def make(index, rng):
        return typed_of(index % 10, faces[(index // 10) % len(faces)], rng), index % 10
    return _build(f"typed, {len(faces)} faces of the {side}", count, rng, make)
