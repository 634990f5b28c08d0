"""A trained model: the network, how it reads (its reading convention) and when it doubts.

    model = Model.load()                  # the shipped model, or Model.load("my.npz")
    readout = model.read(pictures)        # pictures in MNIST's convention, (n, 28, 28)
    readout.digits, readout.outputs, readout.unsure, readout.not_a_digit

The weights file is opened, checked and turned into a Model in one place (:meth:`Model.load`);
everything that reads digits (``predict``, ``evaluate``, ``report``, ``train``, the web
app) reads them through :meth:`Model.read`, so the deskew, the five shifted readings and
the reject rule are applied the same way everywhere. Nothing else looks the convention up
in the metadata dict.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from typing import NamedTuple

import numpy as np

from mnist_app import model_io
from mnist_app.confidence import NOT_A_DIGIT_SHARE, UNSURE_SHARE, RejectRule, calibrate
from mnist_app.inputs import check_images, to_inputs
from mnist_app.network import Network
from mnist_app.reading import ReadingConvention

READ_BATCH = 10_000  # pictures read at once: five shifted float32 copies of 10,000 are 160 MB


class Readout(NamedTuple):  # not a dataclass, whose methods compile at import (docs/speed.md)
    """What the network made of n pictures.

    ``pictures``: (n, 28, 28) as the network saw them (deskewed if the model deskews), in
    the dtype given to :meth:`Model.read`. ``hidden``: (n, n_hidden), the first hidden
    layer's activations in (0, 1) for each picture as it is (not shifted). ``outputs``:
    (n, 10), the raw sigmoid outputs, averaged over the shifted readings if the model makes
    them. ``unsure`` and ``not_a_digit``: (n,) booleans, the model's reject rule.
    """

    pictures: np.ndarray
    hidden: np.ndarray
    outputs: np.ndarray
    unsure: np.ndarray
    not_a_digit: np.ndarray

    @property
    def digits(self) -> np.ndarray:
        """(n,) int: the most active output for each picture."""
        return self.outputs.argmax(axis=1)


@dataclass(frozen=True)
class Model:
    """A network (784 inputs, 10 outputs) with its reading convention and reject rule.

    ``metadata`` is the model file's record (history, hyperparameters, accuracies), kept
    for reports; reading never consults it.
    """

    network: Network
    convention: ReadingConvention = ReadingConvention()
    rule: RejectRule = RejectRule()
    metadata: dict = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | os.PathLike | None = None) -> "Model":
        """The model saved at ``path`` (the shipped one if None); ModelFileError if bad."""
        network, metadata = model_io.load(model_io.default_model_path() if path is None else path)
        return cls.from_file_contents(network, metadata)

    @classmethod
    def from_file_contents(cls, network: Network, metadata: dict) -> "Model":
        """The model a weights file holds: ``network`` and its ``metadata`` (as
        :func:`mnist_app.model_io.load` returns them, checked)."""
        return cls(network, ReadingConvention.from_metadata(metadata), RejectRule.from_metadata(metadata), metadata)

    def to_metadata(self) -> dict:
        """The metadata keys from which :meth:`from_file_contents` rebuilds this model's
        reading; "reject" only if the rule flags anything."""
        rule = {"reject": self.rule.to_metadata()} if self.rule != RejectRule() else {}
        return {**self.convention.to_metadata(), **rule}

    def calibrated(self, images: np.ndarray, labels: np.ndarray, unsure_share: float = UNSURE_SHARE) -> "Model":
        """This model with its reject rule calibrated on the validation digits ``images`` (n,
        28, 28), ``labels`` (n,), that it reads correctly: ``train`` calls it, and
        ``scripts/recalibrate.py`` for another price (``unsure_share``) on the same weights."""
        readout = self.read(images)
        rule = calibrate(readout.outputs[readout.digits == labels], NOT_A_DIGIT_SHARE, unsure_share)
        return replace(self, rule=rule)

    def read(self, pictures: np.ndarray) -> Readout:
        """Read ``pictures`` in MNIST's convention: (n, 28, 28) or (n, 784), uint8 0-255 (ink
        255 on 0) or floats in [0, 1]. ValueError for any other shape, dtype or range."""
        pictures = check_images(pictures, "pictures")
        parts = [self._read(pictures[i:i + READ_BATCH]) for i in range(0, len(pictures), READ_BATCH)]
        if not parts:
            parts = [self._read(pictures)]
        return Readout(*(np.concatenate(arrays) for arrays in zip(*parts)))

    def _read(self, pictures: np.ndarray) -> tuple[np.ndarray, ...]:
        seen = self.convention.prepare(pictures)
        inputs = to_inputs(seen, self.network.weights[0].dtype)
        _, activations = self.network.forward(inputs)
        outputs = self.convention.outputs(self.network, inputs, first=activations[-1])
        unsure, not_a_digit = self.rule.judge(outputs)
        return seen, activations[1], outputs, unsure, not_a_digit
