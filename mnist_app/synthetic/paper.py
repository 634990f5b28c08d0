"""Put an ink coverage map on a page and encode it the way people hand images over.

An *ink map* is (h, w) float32 coverage in [0, 1] (see :mod:`mnist_app.synthetic.strokes`),
already at the size it should have on the page. A *page* is (width, height) in pixels.
Every export places the ink at a random position on the page (wholly inside it) and
returns the encoded file's bytes; the same generator state gives the same bytes.

- :func:`photo_jpeg`: a phone photo of paper: tinted paper with texture, light falling off
  across the page, slightly blurred ink, sensor grain, JPEG; "cluttered photo" adds soft
  shadows, faint ruled lines, the table at one edge and red ink, now and then;
- :func:`canvas_png`: a web canvas export: RGBA, transparent pixels (0, 0, 0, 0), the
  strokes' colour at the stroke pixels and the coverage as alpha;
- :func:`white_png`: ink on a white canvas (drawing apps, "ink on white");
- :func:`scan_png`: a flatbed scan: grey, near-white paper, sometimes thresholded to 1 bit;
- :func:`screenshot_png`: flat background, crisp ink; light or dark mode.
"""

from __future__ import annotations

import functools
import io
from typing import Callable

import numpy as np
from PIL import Image, ImageFilter

Page = tuple[int, int]  # (width, height) in pixels
# Draws ink (h, w) coverage on a page and encodes it as an image file's bytes.
Export = Callable[[np.ndarray, Page, np.random.Generator], bytes]

GRAIN_TILE = 256  # sensor grain is a random tile of this many pixels, repeated
LIGHT_GRID = 24  # light and shadows are computed on this grid and interpolated
INK_COLOURS = np.array([[0.06, 0.06, 0.08], [0.08, 0.1, 0.35], [0.25, 0.25, 0.27],  # black, blue, pencil
                        [0.35, 0.08, 0.08]], dtype=np.float32)  # red


def encode(image: Image.Image, image_format: str, **options) -> bytes:
    """The bytes of ``image`` saved as ``image_format`` ("PNG", "JPEG", ...)."""
    buffer = io.BytesIO()
    image.save(buffer, image_format, **options)
    return buffer.getvalue()


def to_uint8(levels: np.ndarray) -> np.ndarray:
    """Levels in [0, 1] (any shape) as uint8 0-255, rounded and clipped."""
    return np.rint(np.clip(levels, 0, 1) * 255).astype(np.uint8)


def resize_ink(ink: np.ndarray, height: int) -> np.ndarray:
    """``ink`` (h, w) resized smoothly so that it is ``height`` pixels tall, aspect kept."""
    width = max(1, round(ink.shape[1] * height / max(ink.shape[0], 1)))
    resized = Image.fromarray(ink.astype(np.float32)).resize((width, max(1, height)), Image.Resampling.BILINEAR)
    return np.clip(np.asarray(resized), 0, 1)


def random_page(rng: np.random.Generator, long_side: tuple[int, int], portrait: float = 0.5,
                aspect: tuple[float, float] = (0.7, 1.0)) -> Page:
    """A page whose longer side is log-uniform in ``long_side`` pixels and shorter side
    ``aspect`` times that; portrait with probability ``portrait``."""
    longer = int(round(np.exp(rng.uniform(np.log(long_side[0]), np.log(long_side[1])))))
    shorter = max(1, round(longer * rng.uniform(*aspect)))
    return (shorter, longer) if rng.random() < portrait else (longer, shorter)


def place(ink: np.ndarray, page: Page, rng: np.random.Generator) -> tuple[np.ndarray, int, int]:
    """Where ``ink`` goes on ``page``: (ink cropped to the page, top row, left column)."""
    width, height = page
    ink = ink[:height, :width]
    top = int(rng.integers(0, height - ink.shape[0] + 1))
    left = int(rng.integers(0, width - ink.shape[1] + 1))
    return ink, top, left


# Not augment.blur, which keeps a batch of 28 x 28 frames their size; this grows one ink map by 3 sigma.
def blur(ink: np.ndarray, sigma: float) -> np.ndarray:
    """``ink`` (h, w) in [0, 1] blurred by a Gaussian of ``sigma`` pixels (8-bit precision).

    The map grows by 3 sigma on each side so that the blur is not cut off.
    """
    if sigma <= 0.05:
        return ink
    padding = int(np.ceil(3 * sigma))
    padded = Image.fromarray(to_uint8(np.pad(ink, padding)))
    return np.asarray(padded.filter(ImageFilter.GaussianBlur(sigma)), dtype=np.float32) / 255


def photo_jpeg(ink: np.ndarray, page: Page, rng: np.random.Generator, clutter: bool = False) -> bytes:
    """JPEG bytes: ``ink`` written on paper and photographed, ``page`` pixels in size.

    With ``clutter``, one photo in three has a soft shadow across it, one in seven faint
    ruled lines, one in ten the table showing past an edge of the sheet, and one in ten
    red ink.
    """
    width, height = page
    light = _light(width, height, rng, shadow=clutter and rng.random() < 1 / 3)
    paper = rng.uniform(0.78, 0.97) * np.array([1.0, rng.uniform(0.95, 1.0), rng.uniform(0.85, 0.98)],
                                                dtype=np.float32)
    lines = _ruled_lines(height, rng)[:, None] if clutter and rng.random() < 0.15 else None
    grain = _grain(width, height, rng.uniform(0.008, 0.03), rng)
    ink = blur(ink, rng.uniform(0.2, 0.9) * max(1.0, max(ink.shape) / 150))
    ink, top, left = place(ink, page, rng)
    box = (slice(top, top + ink.shape[0]), slice(left, left + ink.shape[1]))
    colour = INK_COLOURS[rng.choice(len(INK_COLOURS), p=[0.5, 0.25, 0.15, 0.1] if clutter else [0.55, 0.3, 0.15, 0])]
    edge = _table_edge(width, height, rng) if clutter and rng.random() < 0.1 else None
    channels = []
    for c in range(3):
        surface = np.full((height, width), paper[c], dtype=np.float32)
        if lines is not None:
            surface -= lines * (paper[c] - (0.55, 0.65, 0.85)[c] * paper[c])
        surface[box] += (colour[c] - surface[box]) * ink
        if edge is not None:
            mask, table = edge
            surface += (table[c] - surface) * mask
        channels.append(Image.fromarray(to_uint8(surface * light + grain)))
    return encode(Image.merge("RGB", channels), "JPEG", quality=int(rng.integers(60, 93)))


def canvas_png(ink: np.ndarray, page: Page, rng: np.random.Generator) -> bytes:
    """RGBA PNG bytes: ``ink`` drawn on a transparent canvas, black or a random colour."""
    width, height = page
    ink, top, left = place(ink, page, rng)
    colour = np.zeros(3) if rng.random() < 0.6 else rng.uniform(0, 0.8, 3)
    rgba = np.zeros((height, width, 4), dtype=np.uint8)
    rgba[top:top + ink.shape[0], left:left + ink.shape[1], 3] = to_uint8(ink)
    rgba[..., :3] = np.where(rgba[..., 3:] > 0, to_uint8(colour), 0)
    return encode(Image.fromarray(rgba), "PNG")


def white_png(ink: np.ndarray, page: Page, rng: np.random.Generator) -> bytes:
    """PNG bytes: ``ink`` on an opaque white canvas; grey or RGB, black or coloured ink."""
    coverage = _on_page(ink, page, rng)
    if rng.random() < 0.5:
        return encode(Image.fromarray(to_uint8(1 - (1 - rng.uniform(0, 0.25)) * coverage)), "PNG")
    colour = INK_COLOURS[rng.integers(len(INK_COLOURS))]
    return encode(Image.fromarray(to_uint8(1 - (1 - colour) * coverage[..., None])), "PNG")


def scan_png(ink: np.ndarray, page: Page, rng: np.random.Generator) -> bytes:
    """PNG bytes: a grey flatbed scan of ``ink`` on paper; one in three is 1-bit."""
    width, height = page
    paper, ink_level = rng.uniform(0.88, 1.0), rng.uniform(0.05, 0.4)
    coverage = _on_page(blur(ink, rng.uniform(0.3, 0.7)), page, rng)
    levels = paper + (ink_level - paper) * coverage + _grain(width, height, rng.uniform(0.005, 0.02), rng)
    if rng.random() < 1 / 3:
        return encode(Image.fromarray(levels > (paper + ink_level) / 2).convert("1"), "PNG")  # white paper
    return encode(Image.fromarray(to_uint8(levels)), "PNG")


def screenshot_png(ink: np.ndarray, page: Page, rng: np.random.Generator) -> bytes:
    """PNG bytes: crisp ``ink`` on a flat background; one in five in dark mode."""
    coverage = _on_page(ink, page, rng)
    background, text = (0.12, 0.92) if rng.random() < 0.2 else (1.0, 0.0)
    return encode(Image.fromarray(to_uint8(background + (text - background) * coverage)), "PNG")


EXPORTS: dict[str, Export] = {
    "photo": photo_jpeg,
    "cluttered photo": functools.partial(photo_jpeg, clutter=True),
    "canvas": canvas_png,
    "white": white_png,
    "scan": scan_png,
    "screenshot": screenshot_png,
}


def _on_page(ink: np.ndarray, page: Page, rng: np.random.Generator) -> np.ndarray:
    """``ink`` pasted at a random position on a blank (height, width) coverage map."""
    width, height = page
    ink, top, left = place(ink, page, rng)
    coverage = np.zeros((height, width), dtype=np.float32)
    coverage[top:top + ink.shape[0], left:left + ink.shape[1]] = ink
    return coverage


def _light(width: int, height: int, rng: np.random.Generator, shadow: bool) -> np.ndarray:
    """Light on the page, (height, width) float32 around 1: a ramp losing 10-45 % in a
    random direction, a vignette, paper texture, and if ``shadow`` a soft shadow."""
    rows, cols = np.mgrid[0:LIGHT_GRID, 0:LIGHT_GRID] / (LIGHT_GRID - 1)
    angle = rng.uniform(0, 2 * np.pi)
    ramp = cols * np.cos(angle) + rows * np.sin(angle)
    ramp = (ramp - ramp.min()) / (ramp.max() - ramp.min())
    light = 1 - rng.uniform(0.1, 0.45) * ramp
    light -= rng.uniform(0, 0.2) * ((cols - 0.5) ** 2 + (rows - 0.5) ** 2)
    if shadow:  # a hand or phone between the lamp and the page
        normal = rng.uniform(0, 2 * np.pi)
        side = (cols - 0.5) * np.cos(normal) + (rows - 0.5) * np.sin(normal) - rng.uniform(-0.3, 0.4)
        light *= 1 - rng.uniform(0.15, 0.4) / (1 + np.exp(-side / rng.uniform(0.02, 0.1)))
    light += rng.uniform(0.01, 0.04) * rng.standard_normal((LIGHT_GRID, LIGHT_GRID))  # texture
    grid = Image.fromarray(light.astype(np.float32))
    return np.asarray(grid.resize((width, height), Image.Resampling.BICUBIC))


def _grain(width: int, height: int, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """Sensor grain of ``sigma`` (levels in [0, 1]): a random tile, repeated over the page."""
    tile = rng.normal(0, sigma, (GRAIN_TILE, GRAIN_TILE)).astype(np.float32)
    reps = (height // GRAIN_TILE + 1, width // GRAIN_TILE + 1)
    return np.tile(tile, reps)[:height, :width]


def _ruled_lines(height: int, rng: np.random.Generator) -> np.ndarray:
    """Faint ruled lines across the page: (height,) float32 strength in [0, 0.25]."""
    spacing = height * rng.uniform(0.03, 0.07)
    thickness = max(1.0, height / 600)
    distance = np.abs((np.arange(height) - rng.uniform(0, spacing) + spacing / 2) % spacing - spacing / 2)
    return (rng.uniform(0.08, 0.25) * np.clip(thickness - distance + 0.5, 0, 1)).astype(np.float32)


def _table_edge(width: int, height: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The table showing past one edge of the sheet: (mask broadcastable to the page, colour)."""
    side = int(rng.integers(4))
    extent = width if side < 2 else height
    inside = np.arange(extent, dtype=np.float32)
    if side % 2:
        inside = inside[::-1]
    mask = np.clip(extent * rng.uniform(0.02, 0.06) - inside + 0.5, 0, 1)
    mask = mask[None, :] if side < 2 else mask[:, None]
    return mask, rng.uniform(0.15, 0.5) * np.array([1.0, 0.9, 0.8], dtype=np.float32)
