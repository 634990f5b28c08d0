"""Seeded renders of digits as people actually supply them, to measure preprocessing.

Handwriting comes from real MNIST test digits (``tests/data/mnist_test_sample.npz``, made by
``scripts/make_test_sample.py``), redrawn as:

- a phone photo: dark ink on textured paper, uneven light, off-centre, noisy, JPEG;
- a canvas export: RGBA PNG, transparent background, dark or coloured strokes.

Typed digits are rendered with the DejaVu fonts. Every render returns the encoded file's
bytes, exactly what a user would hand to the app; the same seed gives the same bytes.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

SAMPLE_PATH = Path(__file__).resolve().parent / "data" / "mnist_test_sample.npz"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
TYPED_FACES = (
    "DejaVuSans.ttf",
    "DejaVuSans-Bold.ttf",
    "DejaVuSans-Oblique.ttf",
    "DejaVuSansCondensed.ttf",
    "DejaVuSansMono.ttf",
    "DejaVuSansMono-Bold.ttf",
    "DejaVuSerif.ttf",
    "DejaVuSerif-Bold.ttf",
    "DejaVuSerif-Italic.ttf",
    "DejaVuSerifCondensed.ttf",
)
MNIST_BOX_FRACTION = 20 / 28  # an MNIST digit fills 20 of the frame's 28 pixels
PHOTO_JPEG_QUALITY = 70


def mnist_sample() -> tuple[np.ndarray, np.ndarray]:
    """The committed MNIST test digits: images (n, 28, 28) uint8 and labels (n,) uint8."""
    with np.load(SAMPLE_PATH) as sample:
        return sample["images"], sample["labels"]


def photo_of(digit: np.ndarray, rng: np.random.Generator,
             long_side: tuple[int, int] = (400, 1200)) -> bytes:
    """JPEG bytes: the (28, 28) MNIST ``digit`` written in dark ink on paper and photographed.

    The picture's longer side is drawn from ``long_side`` (pixels); the digit is 25-55 % of
    its shorter side, anywhere in it, mildly rotated; the light falls off by up to 45 %
    across the page; paper texture, sensor noise and JPEG quality 70 are added.
    """
    width, height = _picture_size(rng, long_side)
    ink = _ink_layer(digit, round(rng.uniform(0.25, 0.55) * min(width, height)), rng)
    coverage = _place(ink, width, height, rng)[..., None]

    paper = rng.uniform(0.75, 0.95) * np.array([1.0, 0.97, 0.9], dtype=np.float32)
    ink_colour = rng.choice([[0.08, 0.08, 0.1], [0.1, 0.12, 0.35], [0.2, 0.2, 0.2]]).astype(np.float32)
    pixels = paper + (ink_colour - paper) * coverage
    pixels += 0.04 * _smooth_noise(width, height, cells=12, rng=rng)[..., None]  # paper texture
    pixels *= _falloff(width, height, rng)[..., None]
    pixels += rng.uniform(0.01, 0.03) * rng.standard_normal(pixels.shape, dtype=np.float32)
    return _encode(pixels, "JPEG", quality=PHOTO_JPEG_QUALITY)


def canvas_of(digit: np.ndarray, rng: np.random.Generator) -> bytes:
    """RGBA PNG bytes: the (28, 28) MNIST ``digit`` drawn on a transparent web canvas.

    The canvas is 200-400 pixels; the digit is 45-85 % of it, anywhere in it, in black or a
    random colour; transparent pixels are (0, 0, 0, 0) as browsers export them.
    """
    size = int(rng.choice([200, 280, 400]))
    ink = _ink_layer(digit, round(rng.uniform(0.45, 0.85) * size), rng)
    alpha = _place(ink, size, size, rng)
    colour = np.zeros(3) if rng.random() < 0.5 else rng.uniform(0, 0.8, 3)
    rgba = np.zeros((size, size, 4), dtype=np.float32)
    rgba[..., :3] = np.where(alpha[..., None] > 0, colour, 0)
    rgba[..., 3] = alpha
    return _encode(rgba, "PNG")


def typed_fonts() -> list[Path]:
    """The DejaVu faces used for typed digits that are installed (may be empty)."""
    return [FONT_DIR / face for face in TYPED_FACES if (FONT_DIR / face).exists()]


def typed_digit(digit: int, font: Path, rng: np.random.Generator) -> bytes:
    """PNG bytes: ``digit`` typed in ``font`` at 24-160 px, somewhere on a screenshot.

    Mostly black on white; one in five is light on dark (a dark-mode screen).
    """
    font_size = int(rng.integers(24, 161))
    typeface = ImageFont.truetype(str(font), font_size)
    left, top, right, bottom = typeface.getbbox(str(digit))
    width = round((right - left) * rng.uniform(1.3, 4.0))
    height = round((bottom - top) * rng.uniform(1.3, 3.0))
    dark_mode = rng.random() < 0.2
    page = Image.new("L", (width, height), 30 if dark_mode else 255)
    x = rng.uniform(0, width - (right - left)) - left
    y = rng.uniform(0, height - (bottom - top)) - top
    ImageDraw.Draw(page).text((x, y), str(digit), font=typeface, fill=235 if dark_mode else 0)
    buffer = io.BytesIO()
    page.save(buffer, "PNG")
    return buffer.getvalue()


def typed_set(rng: np.random.Generator, per_face: int = 2) -> tuple[list[bytes], np.ndarray]:
    """Every digit typed ``per_face`` times in each installed face: (files, labels)."""
    files, labels = [], []
    for font in typed_fonts():
        for digit in range(10):
            for _ in range(per_face):
                files.append(typed_digit(digit, font, rng))
                labels.append(digit)
    return files, np.array(labels, dtype=np.uint8)


def _picture_size(rng: np.random.Generator, long_side: tuple[int, int]) -> tuple[int, int]:
    longer = int(rng.integers(long_side[0], long_side[1] + 1))
    shorter = round(longer * rng.uniform(0.75, 1.0))
    return (longer, shorter) if rng.random() < 0.5 else (shorter, longer)


def _ink_layer(digit: np.ndarray, digit_px: int, rng: np.random.Generator) -> np.ndarray:
    """Ink coverage in [0, 1] of ``digit`` drawn ``digit_px`` tall: (h, w) float32.

    The 28x28 digit is upsampled smoothly, its edges sharpened like a pen stroke (the
    cut-off level varies the stroke width a little), rotated by up to 8 degrees and
    cropped to the ink.
    """
    frame_px = max(28, round(digit_px / MNIST_BOX_FRACTION))
    smooth = Image.fromarray(digit).resize((frame_px, frame_px), Image.Resampling.BICUBIC)
    smooth = smooth.rotate(rng.uniform(-8, 8), resample=Image.Resampling.BICUBIC, expand=True)
    levels = np.asarray(smooth, dtype=np.float32) / 255
    cut = rng.uniform(0.2, 0.45)  # the level that becomes the middle of the stroke edge
    ink = np.clip((levels - cut) / 0.3 + 0.5, 0, 1)
    rows = np.flatnonzero(ink.any(axis=1))
    cols = np.flatnonzero(ink.any(axis=0))
    if rows.size == 0:
        return ink[:0, :0]  # a blank "digit": the render shows only paper
    return ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]


def _place(ink: np.ndarray, width: int, height: int, rng: np.random.Generator) -> np.ndarray:
    """``ink`` pasted at a random position on a (height, width) zero layer (cropped if larger)."""
    ink = ink[:height, :width]
    top = int(rng.integers(0, height - ink.shape[0] + 1))
    left = int(rng.integers(0, width - ink.shape[1] + 1))
    layer = np.zeros((height, width), dtype=np.float32)
    layer[top:top + ink.shape[0], left:left + ink.shape[1]] = ink
    return layer


def _smooth_noise(width: int, height: int, cells: int, rng: np.random.Generator) -> np.ndarray:
    """Low-frequency noise, about unit variance: a random cells x cells grid, interpolated."""
    grid = Image.fromarray(rng.normal(0, 1, (cells, cells)).astype(np.float32))
    return np.asarray(grid.resize((width, height), Image.Resampling.BICUBIC))


def _falloff(width: int, height: int, rng: np.random.Generator) -> np.ndarray:
    """Light level across the page: 1 at the bright edge down to 0.55-0.8, random direction."""
    angle = rng.uniform(0, 2 * np.pi)
    across = np.linspace(0, np.cos(angle), width, dtype=np.float32)
    down = np.linspace(0, np.sin(angle), height, dtype=np.float32)
    ramp = across[None, :] + down[:, None]
    ramp = (ramp - ramp.min()) / (ramp.max() - ramp.min())
    return 1 - rng.uniform(0.2, 0.45) * ramp


def _encode(pixels: np.ndarray, image_format: str, **options) -> bytes:
    """Bytes of ``pixels`` (h, w, 3 or 4) in [0, 1] saved as ``image_format``."""
    image = Image.fromarray(np.rint(np.clip(pixels, 0, 1) * 255).astype(np.uint8))
    buffer = io.BytesIO()
    image.save(buffer, image_format, **options)
    return buffer.getvalue()
