"""The settings of a live run, read from a JSON object and checked against their ranges.

Every setting is optional; what is not given is the book's network trained as
``mnist-app train`` trains it, over fewer epochs. ``init`` is ``"normal"`` for the book's
first N(0, 1) weights or ``"scaled"`` for N(0, 1/n_in).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from mnist_app.constants import DEFAULT_COST, DEFAULT_HIDDEN, DEFAULT_INIT
from mnist_app.limits import LIVE_BATCH_SIZE, LIVE_EPOCHS, LIVE_ETA, LIVE_EXAMPLES, LIVE_HIDDEN
from mnist_app.network import COSTS, INITIALISATIONS
from mnist_app.training import Hyperparameters

DEFAULT_EPOCHS = 10


class SettingError(ValueError):
    """A setting outside its range; the message names the setting and the range."""


@dataclass(frozen=True)
class RunSettings:
    """What one live run trains: a 784-``hidden``-10 network on the first ``examples``
    MNIST training images for ``epochs`` epochs of minibatch SGD."""

    hidden: int = DEFAULT_HIDDEN[0]
    epochs: int = DEFAULT_EPOCHS
    eta: float = Hyperparameters.learning_rate
    batch_size: int = Hyperparameters.batch_size
    examples: int = LIVE_EXAMPLES[1]
    cost: str = DEFAULT_COST
    init: str = DEFAULT_INIT

    @classmethod
    def from_json(cls, data) -> "RunSettings":
        """The settings in ``data`` (a decoded JSON object); SettingError for an unknown
        setting, a wrong type or a value out of range."""
        if not isinstance(data, dict):
            raise SettingError("the settings must be a JSON object, e.g. {\"hidden\": 30, \"epochs\": 5}")
        known = asdict(cls())
        for name in data:
            if name not in known:
                raise SettingError(f"unknown setting {str(name)[:40]!r}; the settings are {', '.join(known)}")
        return cls(
            hidden=_whole(data, "hidden", LIVE_HIDDEN, known),
            epochs=_whole(data, "epochs", LIVE_EPOCHS, known),
            eta=_number(data, "eta", LIVE_ETA, known),
            batch_size=_whole(data, "batch_size", LIVE_BATCH_SIZE, known),
            examples=_whole(data, "examples", LIVE_EXAMPLES, known),
            cost=_choice(data, "cost", sorted(COSTS), known),
            init=_choice(data, "init", INITIALISATIONS, known),
        )

    def hyperparameters(self) -> Hyperparameters:
        """The SGD loop's settings: these, and ``mnist-app train``'s defaults for the rest."""
        return Hyperparameters(epochs=self.epochs, batch_size=self.batch_size, learning_rate=self.eta)

    def to_json(self) -> dict:
        return asdict(self)


def _whole(data: dict, name: str, bounds: tuple[int, int], defaults: dict) -> int:
    value = data.get(name, defaults[name])
    low, high = bounds
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise SettingError(f"{name} must be a whole number from {low:,} to {high:,}, got {_shown(value)}")
    return value


def _number(data: dict, name: str, bounds: tuple[float, float], defaults: dict) -> float:
    value = data.get(name, defaults[name])
    low, high = bounds
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
            math.isfinite(value) and low <= value <= high):
        raise SettingError(f"{name} must be a number from {low:g} to {high:g}, got {_shown(value)}")
    return float(value)


def _choice(data: dict, name: str, choices, defaults: dict) -> str:
    value = data.get(name, defaults[name])
    if value not in choices:
        raise SettingError(f"{name} must be one of {', '.join(repr(c) for c in choices)}, got {_shown(value)}")
    return value


def _shown(value) -> str:
    return repr(value)[:40]
