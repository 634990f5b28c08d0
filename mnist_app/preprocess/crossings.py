"""How many strokes a framed digit's middle rows cross: two touching digits read as one cross more.

A row through the middle of a 0, a 4 or an 8 crosses two strokes, through a 1 or a 7
one; through two digits side by side, three or four. The network reads many such pairs,
framed as one digit, confidently (a "00" as a 0, an "11" as a 4), but their strokes say
two: MAX_CROSSINGS holds, for each digit, the 99th percentile of ``crossings`` over
MNIST's training digits 0-49999 as drawn, measured by ``python scripts/crossings.py``.
"""

from __future__ import annotations

import numpy as np

INK_LEVEL = 128  # a picture's pixels at or above this level (of 255) are ink
MIDDLE_ROWS = (0.2, 0.8)  # the rows counted, as shares of the ink's height from its top
# The 99th percentile of crossings over MNIST's training digits 0-49999 of each digit, 0-9.
MAX_CROSSINGS = np.array([2.50, 1.25, 1.94, 1.67, 2.08, 1.67, 2.50, 1.71, 2.08, 2.08])


def crossings(pictures: np.ndarray) -> np.ndarray:
    """The mean count of strokes (runs of ink, INK_LEVEL) a row crosses in the MIDDLE_ROWS
    of each of ``pictures`` (n, h, w) uint8: (n,) float, 0.0 for a picture with no ink."""
    ink: np.ndarray = np.asarray(pictures) >= INK_LEVEL
    if ink.shape[0] == 0:
        return np.zeros(0)
    starts = ink[:, :, 0].astype(np.int64) + (ink[:, :, 1:] & ~ink[:, :, :-1]).sum(axis=2)  # (n, h)
    inked = np.asarray(ink.any(axis=2))
    top = inked.argmax(axis=1)
    height = np.where(inked.any(axis=1), ink.shape[1] - inked[:, ::-1].argmax(axis=1) - top, 0)
    first = top + (MIDDLE_ROWS[0] * height).astype(np.int64)
    last = top + np.maximum((MIDDLE_ROWS[1] * height).astype(np.int64), first - top + 1)
    rows = np.arange(ink.shape[1])[None, :]
    band = (rows >= first[:, None]) & (rows < last[:, None]) & (height[:, None] > 0)
    return (starts * band).sum(axis=1) / np.maximum(band.sum(axis=1), 1)
