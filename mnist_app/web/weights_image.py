"""The first hidden layer's incoming weights as one PNG: each neuron's 784 weights drawn as
a 28x28 tile, in a diverging colour map (blue negative, white zero, red positive) with the
same scale for every neuron, so tiles can be compared.

The page cuts tile i out of the sheet to show what hidden neuron i responds to: red
pixels excite it when inked, blue ones inhibit it.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

import numpy as np
from PIL import Image

from mnist_app.constants import FRAME

COLUMNS = 10  # tiles per row of the sheet
# Colours at -1, 0 and +1 of the scaled weight (ColorBrewer's RdBu ends, a neutral centre).
NEGATIVE = np.array([33, 102, 172], dtype=np.float64)
ZERO = np.array([247, 247, 247], dtype=np.float64)
POSITIVE = np.array([178, 24, 43], dtype=np.float64)
# The scale is this percentile of |w| over the whole layer: the few largest weights then
# saturate instead of washing every other tile out to white.
SCALE_PERCENTILE = 98


@dataclass(frozen=True)
class WeightSheet:
    """The PNG and how to cut it: ``count`` tiles of ``tile`` x ``tile`` pixels, ``columns``
    per row, neuron i at column i % columns, row i // columns. Weights of magnitude
    ``scale`` or more get the full colour."""

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
    incoming weights, one per input pixel, row-major."""
    count = weights.shape[0]
    tiles = np.asarray(weights, dtype=np.float64).reshape(count, FRAME, FRAME)
    scale = float(np.percentile(np.abs(tiles), SCALE_PERCENTILE)) or 1.0
    colours = diverging_colours(tiles / scale)  # (count, 28, 28, 3)
    rows = math.ceil(count / columns)
    sheet = np.full((rows * FRAME, columns * FRAME, 3), 255, dtype=np.uint8)
    for index, tile in enumerate(colours):
        row, column = divmod(index, columns)
        sheet[row * FRAME:(row + 1) * FRAME, column * FRAME:(column + 1) * FRAME] = tile
    buffer = io.BytesIO()
    Image.fromarray(sheet).save(buffer, format="PNG", optimize=True)
    return WeightSheet(buffer.getvalue(), count, columns, FRAME, scale)


def diverging_colours(values: np.ndarray) -> np.ndarray:
    """RGB uint8 colours, shape values.shape + (3,), for ``values`` clipped to [-1, 1]:
    NEGATIVE at -1, ZERO at 0, POSITIVE at +1, linear in between."""
    v = np.clip(values, -1.0, 1.0)[..., np.newaxis]
    end = np.where(v < 0, NEGATIVE, POSITIVE)
    return np.rint(ZERO + np.abs(v) * (end - ZERO)).astype(np.uint8)
