"""Digits and symbols typed in system fonts, as ink maps.

The DejaVu faces are split in two halves, one for training (:data:`TRAINING_FACES`, with
the Liberation faces) and one for evaluation (:data:`EVALUATION_FACES`), so a typed-digit
score measures faces the network never saw. Each half mixes sans, serif and mono, upright
and slanted, regular and bold. Fonts missing on this machine are skipped.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from mnist_app.synthetic.strokes import crop_to_ink

DEJAVU_DIR = Path("/usr/share/fonts/truetype/dejavu")
LIBERATION_DIR = Path("/usr/share/fonts/truetype/liberation")
EVALUATION_FACES = tuple(DEJAVU_DIR / name for name in (
    "DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf", "DejaVuSans-ExtraLight.ttf",
    "DejaVuSansCondensed.ttf", "DejaVuSansCondensed-BoldOblique.ttf", "DejaVuSansMono-Bold.ttf",
    "DejaVuSansMono-Oblique.ttf", "DejaVuSerif.ttf", "DejaVuSerif-BoldItalic.ttf",
    "DejaVuSerifCondensed-Bold.ttf", "DejaVuSerifCondensed-Italic.ttf",
))
TRAINING_FACES = tuple(DEJAVU_DIR / name for name in (
    "DejaVuSans-BoldOblique.ttf", "DejaVuSansCondensed-Bold.ttf", "DejaVuSansCondensed-Oblique.ttf",
    "DejaVuSansMono.ttf", "DejaVuSansMono-BoldOblique.ttf", "DejaVuSerif-Bold.ttf", "DejaVuSerif-Italic.ttf",
    "DejaVuSerifCondensed.ttf", "DejaVuSerifCondensed-BoldItalic.ttf", "DejaVuMathTeXGyre.ttf",
)) + tuple(LIBERATION_DIR / name for name in (
    "LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf", "LiberationSans-Italic.ttf",
    "LiberationSansNarrow-Regular.ttf", "LiberationSansNarrow-BoldItalic.ttf", "LiberationSerif-Regular.ttf",
    "LiberationSerif-BoldItalic.ttf", "LiberationMono-Regular.ttf", "LiberationMono-Bold.ttf",
))
RENDER_EM = 64  # glyphs are rendered at this font size (pixels per em), then resized


def installed(faces: Sequence[Path]) -> list[Path]:
    """The fonts among ``faces`` that exist on this machine, in the same order."""
    return [face for face in faces if face.exists()]


@functools.lru_cache(maxsize=64)
def _font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size)


@functools.lru_cache(maxsize=4096)
def has_glyph(font: Path, character: str) -> bool:
    """True if ``font`` draws ``character`` with a glyph of its own, not the "missing" box."""
    face = _font(font, RENDER_EM)
    missing = face.getmask("\U0010FFFD")  # a private-use code point no font draws
    drawn = face.getmask(character)
    return drawn.size != missing.size or bytes(drawn) != bytes(missing)


def typed_ink(text: str, font: Path, height: int, rng: np.random.Generator,
              max_rotation: float = 4.0, em: int | None = None) -> np.ndarray:
    """Ink map of ``text`` typed in ``font``, its ink ``height`` pixels tall (before rotation).

    The text is rendered at ``em`` pixels per em (RENDER_EM, or the size that gives
    ``height`` directly when that is larger), resized to ``height`` and turned by up to
    ``max_rotation`` degrees. Returns (h, w) float32 coverage, cropped; (0, 0) if the
    font has no ink for ``text``.
    """
    size = em or RENDER_EM
    for _ in range(2):  # a second pass renders at the size that gives ``height`` directly
        face = _font(font, size)
        left, top, right, bottom = map(int, face.getbbox(text))  # whole pixels (Pillow annotates floats)
        if bottom <= top or right <= left:
            return np.zeros((0, 0), dtype=np.float32)
        if em is not None or bottom - top >= height:
            break
        size = int(np.ceil(size * height / (bottom - top)))
    page = Image.new("L", (right - left + 4, bottom - top + 4), 0)
    ImageDraw.Draw(page).text((2 - left, 2 - top), text, font=face, fill=255)
    ink_height = bottom - top
    if ink_height != height:
        scale = height / ink_height
        page = page.resize((max(1, round(page.width * scale)), max(1, round(page.height * scale))),
                           Image.Resampling.LANCZOS if scale < 1 else Image.Resampling.BICUBIC)
    if max_rotation:
        page = page.rotate(rng.uniform(-max_rotation, max_rotation), resample=Image.Resampling.BICUBIC,
                           expand=True)
    return crop_to_ink(np.asarray(page, dtype=np.float32) / 255)
