"""How well a model reads a labelled set of pictures: accuracy, per-class accuracy, confusion.

Each function takes a :class:`~mnist_app.model.Model` and reads the pictures as it does
(:meth:`~mnist_app.model.Model.read`); ``Model(network)`` reads once and as they are, as
the book's network does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mnist_app.constants import N_CLASSES
from mnist_app.model import Model


def accuracy(model: Model, images: np.ndarray, labels: np.ndarray) -> float:
    """Fraction of ``images`` (m, 28, 28) (uint8, or floats in [0, 1]) whose digit, as
    ``model`` reads it, equals ``labels`` (m,)."""
    return float(np.mean(model.read(images).digits == labels))


@dataclass(frozen=True)
class Evaluation:
    """``confusion[true, predicted]`` counts images; the rest is derived from it."""

    confusion: np.ndarray  # (10, 10) int

    @property
    def correct(self) -> int:
        return int(np.trace(self.confusion))

    @property
    def total(self) -> int:
        return int(self.confusion.sum())

    @property
    def accuracy(self) -> float:
        return self.correct / self.total

    @property
    def per_class(self) -> list[float]:
        """Accuracy on the images of each true digit 0-9 (NaN-free: 0.0 for an absent digit)."""
        per_digit = self.confusion.sum(axis=1)
        return [float(self.confusion[d, d] / per_digit[d]) if per_digit[d] else 0.0 for d in range(N_CLASSES)]

    def to_json(self) -> dict:
        return {
            "accuracy": self.accuracy,
            "correct": self.correct,
            "total": self.total,
            "per_class": self.per_class,
            "confusion": self.confusion.tolist(),
        }


def tally(digits: np.ndarray, labels: np.ndarray) -> Evaluation:
    """The :class:`Evaluation` of the digits read, ``digits`` (m,), against ``labels`` (m,)."""
    confusion = np.zeros((N_CLASSES, N_CLASSES), dtype=np.int64)
    np.add.at(confusion, (labels, digits), 1)
    return Evaluation(confusion)


def evaluate(model: Model, images: np.ndarray, labels: np.ndarray) -> Evaluation:
    """Read every image (m, 28, 28) (uint8, or floats in [0, 1]) with ``model`` and tally
    the results against ``labels`` (m,)."""
    return tally(model.read(images).digits, labels)
