"""Training images in MNIST's convention: non-digits, numbers of several digits, typed and
hand-written digits.

Every image goes through :func:`mnist_app.preprocess.to_mnist_image`, exactly as a user's
image does before the network sees it, so training sees what prediction will see (if
preprocessing changes, so do these). Results are (n, 28, 28) uint8, ink 255 on 0.

Only the families on the training side of :mod:`mnist_app.synthetic.families` are drawn
(and only hands and font families on that side), so the held-out families stay an honest
check; the typed digits never use the DejaVu faces of the typed-digit evaluation set.

Images are made in chunks of CHUNK, each from its own seed drawn from the caller's
generator, so the result is the same whether the chunks are made in this process or by a
pool of worker processes (``mapper``: e.g. a pool's ``map``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np
from PIL import Image

from mnist_app.errors import FontsMissing, ImageError
from mnist_app.preprocess import to_mnist_image
from mnist_app.synthetic import families
from mnist_app.synthetic.fonts import split_families
from mnist_app.synthetic.glyphs import HANDS
from mnist_app.synthetic.handwriting import handwritten_digit
from mnist_app.synthetic.nondigits import side_by_side
from mnist_app.synthetic.strokes import crop_to_ink
from mnist_app.synthetic.typed import EVALUATION_FACES, TRAINING_FACES, has_glyph, installed, typed_ink

Progress = Callable[[int], object]  # called with the number of images just made
Mapper = Callable[[Callable, Iterable], Iterable]
CHUNK = 200  # images made from one seed


def _nothing(count: int) -> None:
    """The default progress callback: no progress shown."""


HEIGHT = 40  # pixels: training drawings are about this tall, then fitted to 20x20 by preprocessing
# Blank border around each drawing, as a fraction of its size: PADDING, plus FILL_PADDING
# times the fraction of the drawing that is ink, so that even a solid blot stays well
# inside the paper that preprocessing estimates the background from.
PADDING, FILL_PADDING = 0.2, 2.0


def nondigit_images(n: int, rng: np.random.Generator, advance: Progress = _nothing,
                    mapper: Mapper = map) -> np.ndarray:
    """``n`` images of things that are not a digit: (n, 28, 28) uint8 in MNIST's convention,
    from the training families (:func:`mnist_app.synthetic.families.split`), each group of
    families equally likely: typed letters and symbols (when fonts are installed), letters
    written by the training hands, scribbles, shapes."""
    families.families()  # found once here, before any worker process is forked
    return _generate(n, _nondigit, [None] * n, rng, advance, mapper)


def digit_pairs(digits: np.ndarray, n: int, rng: np.random.Generator, advance: Progress = _nothing,
                mapper: Mapper = map) -> np.ndarray:
    """``n`` numbers of two (three in four) or three MNIST ``digits`` (m, 28, 28) uint8 side
    by side, as one image: (n, 28, 28) uint8, to be trained as "not a digit"."""
    sources = [digits[rng.integers(len(digits), size=2 if rng.random() < 0.75 else 3)] for _ in range(n)]
    return _generate(n, _pair, sources, rng, advance, mapper)


def training_faces() -> list[Path]:
    """The fonts typed digits are trained on: TRAINING_FACES and every face of the training
    font families, less the DejaVu faces the typed-digit evaluation uses, each drawing all
    ten digits."""
    faces = dict.fromkeys(installed(TRAINING_FACES))
    for paths in split_families(held_out=False, digits=True).values():
        faces.update(dict.fromkeys(paths))
    return [face for face in faces if face not in EVALUATION_FACES
            and all(has_glyph(face, digit) for digit in "0123456789")]


NO_TYPED_FONT = ("no font to type digits in is installed (on Debian or Ubuntu: "
                 "apt-get install fonts-dejavu-core fonts-liberation)")


def require_training_faces() -> list[Path]:
    """:func:`training_faces`; raises FontsMissing (naming the packages to install) if
    there is none."""
    faces = training_faces()
    if not faces:
        raise FontsMissing(NO_TYPED_FONT)
    return faces


def fonts_used(typed: int, nondigits: int) -> dict[str, list[str]]:
    """What a training run with ``typed`` typed digits and ``nondigits`` non-digits types
    in, for the model file: the font files' names and the font families, sorted."""
    return {"typed_digit_faces": sorted(face.name for face in training_faces()) if typed else [],
            "nondigit_families": sorted(family.name for family in families.split(False, "typed")) if nondigits else []}


def typed_digit_images(n: int, rng: np.random.Generator, faces: Sequence[Path] | None = None,
                       advance: Progress = _nothing, mapper: Mapper = map) -> tuple[np.ndarray, np.ndarray]:
    """``n`` digits typed in ``faces`` (default :func:`training_faces`): images (n, 28, 28)
    uint8 and labels (n,) uint8. Slightly rotated (up to 8 degrees), 20-60 px before fitting.
    Raises FontsMissing if there is no face (and n > 0)."""
    fonts = training_faces() if faces is None else installed(faces)
    if n and not fonts:
        raise FontsMissing(NO_TYPED_FONT)
    labels = rng.integers(0, 10, size=n).astype(np.uint8)
    payloads = [(int(label), fonts[rng.integers(len(fonts))]) for label in labels]
    return _generate(n, _typed_digit, payloads, rng, advance, mapper), labels


def hand_digit_images(n: int, rng: np.random.Generator, advance: Progress = _nothing,
                      mapper: Mapper = map) -> tuple[np.ndarray, np.ndarray]:
    """``n`` digits written as pen strokes by the training hands (glyphs.HANDS less
    families.HELD_OUT): images (n, 28, 28) uint8 and labels (n,) uint8."""
    hands = [index for index, hand in enumerate(HANDS) if hand.name not in families.HELD_OUT]
    labels = rng.integers(0, 10, size=n).astype(np.uint8)
    payloads = [(int(label), hands[rng.integers(len(hands))]) for label in labels]
    return _generate(n, _hand_digit, payloads, rng, advance, mapper), labels


def _pen(rng: np.random.Generator) -> float:
    """A pen width for a HEIGHT-pixel drawing: thin to marker, pixels."""
    return HEIGHT * rng.uniform(0.04, 0.2)


def _nondigit(payload: None, rng: np.random.Generator) -> np.ndarray:
    return families.draw_from(families.split(held_out=False), HEIGHT * rng.uniform(0.7, 1.2), _pen(rng), rng)


def _pair(sources: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    parts = []
    for source in sources:
        ink = crop_to_ink(source.astype(np.float32) / 255)
        scale = rng.uniform(0.85, 1.15)
        if ink.size and scale != 1:
            size = (max(1, round(ink.shape[1] * scale)), max(1, round(ink.shape[0] * scale)))
            ink = np.asarray(Image.fromarray(ink).resize(size, Image.Resampling.BILINEAR))
        parts.append(ink)
    return side_by_side([part for part in parts if part.size], rng)


def _typed_digit(payload: tuple[int, Path], rng: np.random.Generator) -> np.ndarray:
    label, face = payload
    return typed_ink(str(label), face, int(rng.integers(20, 61)), rng, max_rotation=8)


def _hand_digit(payload: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    label, hand = payload
    return handwritten_digit(label, int(HEIGHT * rng.uniform(0.8, 1.5)), _pen(rng), rng, HANDS[hand], quick=True)


def _generate(n: int, draw: Callable, payloads: list, rng: np.random.Generator, advance: Progress,
              mapper: Mapper) -> np.ndarray:
    """``draw(payload, rng)`` for each of ``payloads`` (n), through preprocessing, in chunks
    of CHUNK each with its own seed, the chunks made by ``mapper``."""
    seeds = rng.integers(2 ** 63, size=-(-n // CHUNK))
    chunks = [(draw, payloads[i * CHUNK:(i + 1) * CHUNK], int(seed)) for i, seed in enumerate(seeds)]
    images = []
    for chunk in mapper(_make_chunk, chunks):
        images.append(chunk)
        advance(len(chunk))
    return np.concatenate(images) if images else np.zeros((0, 28, 28), dtype=np.uint8)


def _make_chunk(chunk: tuple[Callable, list, int]) -> np.ndarray:
    """One chunk's images: (len(payloads), 28, 28) uint8; a drawing that preprocessing
    finds empty (or that came out empty) is drawn again."""
    draw, payloads, seed = chunk
    rng = np.random.default_rng(seed)
    images = np.zeros((len(payloads), 28, 28), dtype=np.uint8)
    for index, payload in enumerate(payloads):
        while True:
            ink = draw(payload, rng)
            if ink.size:
                pad = int((PADDING + FILL_PADDING * ink.mean()) * max(ink.shape)) + 2
                try:
                    images[index] = to_mnist_image(np.pad(ink, pad))
                    break
                except ImageError:
                    pass
    return images
