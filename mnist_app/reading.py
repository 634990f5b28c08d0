"""How a model reads its pictures: deskewed or as they are, once or five times.

A model's file records its reading convention, and everything that reads digits with the
model follows it through :class:`ReadingConvention` (held by :class:`mnist_app.model.Model`):

- ``"deskew": true``: every picture is first sheared upright (:func:`mnist_app.augment.deskew`),
  at training, evaluation and prediction alike (models made before mnist_app 0.2 were not).
- ``"average_shifts": true``: MNIST places a digit by its centre of mass, and a redrawn
  picture (a photo, a canvas) lands there only to within a pixel; a 30-neuron network's
  answer can change with that pixel. So the network reads each picture five times, as it
  is and moved one pixel up, down, left and right, and the ten outputs are averaged. The
  network is the same 784-30-10; only how often it looks changes.
  ``scripts/shift_study.py`` measures what it gains on the validation split and the
  realistic sets, and what it costs: about 5 microseconds of network time an image
  instead of 0.5, against milliseconds of preprocessing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mnist_app.augment import deskew, shift
from mnist_app.constants import FRAME, INPUT_SIZE
from mnist_app.network import Network

# (rows, columns) each reading moves the picture by; the first is the picture as it is.
SHIFTS = ((0, 0), (-1, 0), (1, 0), (0, -1), (0, 1))
DESKEW_BATCH = 512  # pictures deskewed at once: each needs about 50 KB of temporary arrays


@dataclass(frozen=True)
class ReadingConvention:
    """How a network reads: ``deskew`` its pictures first; ``average_shifts``: average the
    outputs of the five readings at SHIFTS. The defaults read as the book's network does."""

    deskew: bool = False
    average_shifts: bool = False

    @classmethod
    def from_metadata(cls, metadata: dict) -> "ReadingConvention":
        """The convention a model file's (checked) metadata records; absent keys are False."""
        return cls(deskew=metadata.get("deskew", False), average_shifts=metadata.get("average_shifts", False))

    def to_metadata(self) -> dict:
        return {"deskew": self.deskew, "average_shifts": self.average_shifts}

    def prepare(self, pictures: np.ndarray) -> np.ndarray:
        """``pictures`` (m, 28, 28), uint8 or floats in [0, 1], as the network sees them:
        deskewed if the convention says so (same shape and dtype), else unchanged."""
        if not self.deskew:
            return pictures
        return np.concatenate([deskew(pictures[i:i + DESKEW_BATCH])
                               for i in range(0, len(pictures), DESKEW_BATCH)] or [pictures])

    def outputs(self, network: Network, inputs: np.ndarray, first: np.ndarray | None = None) -> np.ndarray:
        """The raw outputs (m, 10) for prepared ``inputs`` (m, 784) in [0, 1]: one reading, or
        the mean of the readings at SHIFTS. ``first``, if given, is the network's output for
        the inputs as they are, already computed (the reading at SHIFTS[0])."""
        if first is None:
            first = network.feedforward(inputs)
        if not self.average_shifts:
            return first
        pictures = inputs.reshape(len(inputs), FRAME, FRAME)
        moved = [network.feedforward(shift(pictures, rows, columns).reshape(len(inputs), INPUT_SIZE))
                 for rows, columns in SHIFTS[1:]]
        return np.mean([first, *moved], axis=0)
