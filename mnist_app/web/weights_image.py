"""The first hidden layer's incoming weights as one PNG sheet: each neuron's 784 weights
drawn as a 28x28 tile, in the report's diverging colour map (blue negative, white zero,
red positive) on the report's one scale for every neuron, so the page and the report
show the same pictures and tiles can be compared.

The page cuts tile i out of the sheet to show what hidden neuron i responds to: red
pixels excite it when inked, blue ones inhibit it.
"""

from __future__ import annotations

import base64
import io
import math
from dataclasses import dataclass

import numpy as np
from PIL import Image

from mnist_app.constants import FRAME
from mnist_app.report.figures import WEIGHT_SCALE_PERCENTILE
from mnist_app.report.images import diverging, hex_colour

COLUMNS = 10  # tiles per row of the sheet
# Weights sent as one byte each (weight_levels): level 128 + round(LEVELS x w / scale),
# clipped to 1..255, so level k stands for w = (k - 128) / LEVELS x scale.
LEVELS = 127


@dataclass(frozen=True)
class WeightSheet:
    """The PNG and how to cut it: ``count`` tiles of ``tile`` x ``tile`` pixels, ``columns``
    per row, neuron i at column i % columns, row i // columns. Weights of magnitude
    ``scale`` or more get the darkest colours."""

    png: bytes
    count: int
    columns: int
    tile: int
    scale: float

    def describe(self, url: str) -> dict:
        """What the page needs to use the sheet, as JSON."""
        return {"url": url, "count": self.count, "columns": self.columns,
                "tile": self.tile, "scale": round(self.scale, 6)}


def weight_sheet(weights: np.ndarray, columns: int = COLUMNS) -> WeightSheet:
    """The sheet for a layer's ``weights``, shape (n_hidden, 784): row i = neuron i's
    incoming weights, one per input pixel, row-major. Past the last neuron, the sheet is
    white."""
    count = weights.shape[0]
    tiles = np.asarray(weights, dtype=np.float64).reshape(count, FRAME, FRAME)
    scale = weight_scale(tiles)
    colours = diverging(tiles, scale)  # (count, 28, 28, 3) uint8
    rows = math.ceil(count / columns)
    sheet = np.full((rows * FRAME, columns * FRAME, 3), 255, dtype=np.uint8)
    for index, tile in enumerate(colours):
        row, column = divmod(index, columns)
        sheet[row * FRAME:(row + 1) * FRAME, column * FRAME:(column + 1) * FRAME] = tile
    buffer = io.BytesIO()
    Image.fromarray(sheet).save(buffer, format="PNG", optimize=True)
    return WeightSheet(buffer.getvalue(), count, columns, FRAME, scale)


def weight_scale(weights: np.ndarray) -> float:
    """The weight that gets the darkest colours: the same for every neuron of a layer."""
    return float(np.percentile(np.abs(weights), WEIGHT_SCALE_PERCENTILE)) or 1.0


def weight_levels(weights: np.ndarray) -> dict:
    """A layer's ``weights`` (n_hidden, 784) as JSON-ready bytes, one a weight (see LEVELS),
    row-major, for a page that draws them with :func:`level_colours`:
    ``{"count": n_hidden, "scale": s, "levels": base64 of n_hidden x 784 bytes}``."""
    scale = weight_scale(weights)
    levels = np.clip(np.rint(128 + LEVELS * (np.asarray(weights) / scale)), 1, 255).astype(np.uint8)
    return {"count": int(weights.shape[0]), "scale": round(scale, 6),
            "levels": base64.b64encode(levels.tobytes()).decode("ascii")}


def level_colours() -> list[str]:
    """The colour of each level 0-255 of :func:`weight_levels`, as "#rrggbb": the sheet's
    diverging map, so live pictures look like the shipped model's."""
    return [hex_colour(rgb) for rgb in diverging((np.arange(256) - 128) / LEVELS, 1.0)]
