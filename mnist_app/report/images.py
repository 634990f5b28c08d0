"""Arrays to pictures: colour maps and PNG data URIs, so a page can embed images inline.

A data URI carries the PNG itself (``data:image/png;base64,...``), so the page needs no
other file and no network. Images stay at their native size (a digit is 28 x 28 pixels,
a few hundred bytes); the page enlarges them with ``image-rendering: pixelated``.
"""

from __future__ import annotations

import base64
import io

import numpy as np
from PIL import Image

# ColorBrewer's RdBu, from blue (most negative) through white (zero) to red (most positive).
DIVERGING_ANCHORS = np.array([
    (5, 48, 97), (33, 102, 172), (67, 147, 195), (146, 197, 222), (209, 229, 240), (247, 247, 247),
    (253, 219, 199), (244, 165, 130), (214, 96, 77), (178, 24, 43), (103, 0, 31),
], dtype=float)
# ColorBrewer's Oranges, from white (none) to dark orange (most), for counts.
SEQUENTIAL_ANCHORS = np.array([
    (255, 245, 235), (254, 230, 206), (253, 208, 162), (253, 174, 107), (253, 141, 60),
    (241, 105, 19), (217, 72, 1), (166, 54, 3), (127, 39, 4),
], dtype=float)


def colour_map(fractions: np.ndarray, anchors: np.ndarray) -> np.ndarray:
    """Colours for ``fractions`` in [0, 1] (clipped), any shape -> shape + (3,) uint8,
    interpolating linearly between equally spaced ``anchors`` (k, 3)."""
    position = np.clip(np.nan_to_num(np.asarray(fractions, dtype=float)), 0.0, 1.0) * (len(anchors) - 1)
    below = np.minimum(np.floor(position).astype(int), len(anchors) - 2)
    weight = (position - below)[..., np.newaxis]
    colours = anchors[below] * (1.0 - weight) + anchors[below + 1] * weight
    return np.rint(colours).astype(np.uint8)


def diverging(values: np.ndarray, limit: float) -> np.ndarray:
    """RGB uint8 (shape + (3,)) for signed ``values``: blue below zero, white at zero, red above;
    ``-limit`` and ``+limit`` get the darkest colours and values beyond them are clipped."""
    return colour_map(0.5 + 0.5 * np.asarray(values, dtype=float) / limit, DIVERGING_ANCHORS)


def sequential(fractions: np.ndarray) -> np.ndarray:
    """RGB uint8 (shape + (3,)) for ``fractions`` in [0, 1]: white for 0 to dark orange for 1."""
    return colour_map(fractions, SEQUENTIAL_ANCHORS)


def hex_colour(rgb) -> str:
    """``(r, g, b)`` 0-255 -> ``"#rrggbb"``."""
    r, g, b = (int(c) for c in rgb)
    return f"#{r:02x}{g:02x}{b:02x}"


def text_colour_on(rgb) -> str:
    """Black or white, whichever reads better on the background ``rgb`` (by its luminance)."""
    r, g, b = (float(c) for c in rgb)
    return "#000" if 0.299 * r + 0.587 * g + 0.114 * b > 140 else "#fff"


def gradient_stops(anchors: np.ndarray) -> list[tuple[float, str]]:
    """(fraction, "#rrggbb") for each anchor of a colour map, for an SVG gradient."""
    return [(i / (len(anchors) - 1), hex_colour(rgb)) for i, rgb in enumerate(anchors)]


def png_bytes(pixels: np.ndarray) -> bytes:
    """The PNG file of ``pixels``: (h, w) grey or (h, w, 3) RGB, uint8."""
    pixels = np.asarray(pixels)
    if pixels.dtype != np.uint8 or pixels.ndim not in (2, 3) or (pixels.ndim == 3 and pixels.shape[2] != 3):
        raise ValueError(f"expected (h, w) or (h, w, 3) uint8 pixels, got {pixels.dtype} {pixels.shape}")
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def png_data_uri(pixels: np.ndarray) -> str:
    """A ``data:image/png;base64,...`` URI for ``pixels``: (h, w) grey or (h, w, 3) RGB, uint8."""
    return "data:image/png;base64," + base64.b64encode(png_bytes(pixels)).decode("ascii")
