"""The learning curves recorded in a model file's metadata, in either format mnist_app wrote.

``"history"`` (mnist_app 0.2): one object per epoch with epoch, seconds, learning_rate,
train_cost, train_accuracy, val_cost and val_accuracy. ``"epochs"`` (0.1): epoch,
seconds, train_loss (the same quantity as train_cost) and val_accuracy. A model saved
without validation images has null validation figures.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from mnist_app.limits import MAX_CHARTED_FIGURE

# Our name -> the keys it has had in model files, newest first.
FIELDS = {
    "seconds": ("seconds",),
    "learning_rate": ("learning_rate",),
    "train_cost": ("train_cost", "train_loss"),
    "train_accuracy": ("train_accuracy",),
    "val_cost": ("val_cost",),
    "val_accuracy": ("val_accuracy",),
}


class HistoryError(ValueError):
    """The metadata holds a history that is not a list of per-epoch objects of numbers."""


@dataclass(frozen=True)
class LearningCurves:
    """Per-epoch figures, one value per epoch, NaN where an epoch did not measure it.

    ``epochs``: (n,) int, 1-based. Costs are the mean unregularised cost per image;
    accuracies are fractions; ``learning_rate`` is eta for the epoch; ``seconds`` is its wall
    time. A figure the file never recorded is None. ``best_epoch`` is the epoch whose weights
    were kept (None if the file does not say and there is no validation accuracy to tell).
    """

    epochs: np.ndarray
    seconds: np.ndarray | None
    learning_rate: np.ndarray | None
    train_cost: np.ndarray | None
    train_accuracy: np.ndarray | None
    val_cost: np.ndarray | None
    val_accuracy: np.ndarray | None
    best_epoch: int | None
    source: str  # the metadata key they came from: "history" or "epochs"

    @property
    def total_seconds(self) -> float | None:
        return None if self.seconds is None else float(np.nansum(self.seconds))


def read_curves(metadata: dict) -> LearningCurves | None:
    """The learning curves in ``metadata``; None if it records none; HistoryError if malformed."""
    source = next((key for key in ("history", "epochs") if key in metadata), None)
    if source is None:
        return None
    records = metadata[source]
    if not isinstance(records, list) or not records or not all(isinstance(r, dict) for r in records):
        raise HistoryError(f'"{source}" is not a non-empty list of per-epoch objects')
    epochs = np.array([_number(r.get("epoch", i + 1), "epoch") for i, r in enumerate(records)])
    if not (np.isfinite(epochs).all() and (epochs == np.round(epochs)).all()):
        raise HistoryError(f'"{source}" has epoch numbers that are not whole numbers')
    series = {}
    for name, keys in FIELDS.items():
        key = next((k for k in keys if any(k in r for r in records)), None)
        values = None if key is None else np.array([_number(r.get(key), key) for r in records])
        series[name] = None if values is None or np.isnan(values).all() else values
    epochs = epochs.astype(int)
    return LearningCurves(epochs=epochs, **series, best_epoch=_best_epoch(metadata, epochs, series["val_accuracy"]),
                          source=source)


def _number(value, key: str) -> float:
    """A recorded figure as a float; None (not measured) becomes NaN. HistoryError past
    MAX_CHARTED_FIGURE, where chart axes would overflow."""
    if value is None:
        return math.nan
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise HistoryError(f"{key} = {value!r} is not a number")
    if not abs(value) <= MAX_CHARTED_FIGURE:
        raise HistoryError(f"{key} holds a number beyond the {MAX_CHARTED_FIGURE:g} a chart can show")
    return float(value)


def _best_epoch(metadata: dict, epochs: np.ndarray, val_accuracy: np.ndarray | None) -> int | None:
    """The file's best_epoch if it names a recorded epoch, else the first with the highest
    validation accuracy (the rule train uses), else None."""
    recorded = metadata.get("best_epoch")
    if isinstance(recorded, int) and not isinstance(recorded, bool) and recorded in epochs:
        return recorded
    if val_accuracy is None:
        return None
    return int(epochs[np.nanargmax(val_accuracy)])
