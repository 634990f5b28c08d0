"""How well a network reads a labelled set of images: accuracy, per-class accuracy, confusion.

Each function takes a :class:`~mnist_app.network.Network`, or the model's
:func:`~mnist_app.reading.reader` to score it as the app reads digits.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mnist_app.constants import N_CLASSES
from mnist_app.inputs import to_inputs
from mnist_app.reading import Reader


def classify(network: Reader, inputs: np.ndarray) -> np.ndarray:
    """The digit for each row of network inputs (m, 784): the index of the most active output."""
    return np.argmax(network.feedforward(inputs), axis=1)


def predict_digits(network: Reader, images: np.ndarray, batch: int = 10000) -> np.ndarray:
    """The digit for each image (m, 28, 28) (uint8, or floats in [0, 1]), shape (m,);
    converts ``batch`` images at a time."""
    dtype = network.weights[0].dtype
    digits = [classify(network, to_inputs(images[i : i + batch], dtype)) for i in range(0, len(images), batch)]
    return np.concatenate(digits) if digits else np.empty(0, dtype=np.int64)


def accuracy(network: Reader, images: np.ndarray, labels: np.ndarray) -> float:
    """Fraction of ``images`` (m, 28, 28) uint8 whose predicted digit equals ``labels`` (m,)."""
    return float(np.mean(predict_digits(network, images) == labels))


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


def evaluate(network: Reader, images: np.ndarray, labels: np.ndarray) -> Evaluation:
    """Classify every image (m, 28, 28) uint8 and tally the results against ``labels`` (m,)."""
    confusion = np.zeros((N_CLASSES, N_CLASSES), dtype=np.int64)
    np.add.at(confusion, (labels, predict_digits(network, images)), 1)
    return Evaluation(confusion)
