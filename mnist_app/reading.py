"""How a model reads its inputs: the network once, or five times with the picture moved.

MNIST places a digit by its centre of mass, and a redrawn picture (a photo, a canvas) lands
there only to within a pixel; a 30-neuron network's answer can change with that pixel. A
model whose file says ``"average_shifts": true`` therefore reads each picture five times,
as it is and moved one pixel up, down, left and right, and averages the ten outputs. The
network is the same 784-30-10; only how often it looks changes. ``scripts/shift_study.py``
measures what it gains on the validation split and the realistic sets, and what it costs:
about 5 microseconds of network time an image instead of 0.5, against milliseconds of
preprocessing.
"""

from __future__ import annotations

from typing import Union

import numpy as np

from mnist_app.augment import shift
from mnist_app.constants import FRAME, INPUT_SIZE
from mnist_app.network import Network

# (rows, columns) each reading moves the picture by; the first is the picture as it is.
SHIFTS = ((0, 0), (-1, 0), (1, 0), (0, -1), (0, 1))


class ShiftAveraged:
    """A network that reads every input at each of SHIFTS and averages the outputs.

    Has what :class:`~mnist_app.network.Network` has for reading: ``feedforward(x)`` maps
    inputs (m, 784) in [0, 1] to outputs (m, 10), and ``weights`` are the network's.
    """

    def __init__(self, network: Network):
        self.network = network

    @property
    def weights(self) -> list[np.ndarray]:
        return self.network.weights

    def feedforward(self, x: np.ndarray) -> np.ndarray:
        pictures = np.asarray(x).reshape(len(x), FRAME, FRAME)
        outputs = [self.network.feedforward(shift(pictures, rows, columns).reshape(len(x), INPUT_SIZE))
                   for rows, columns in SHIFTS]
        return np.mean(outputs, axis=0)


Reader = Union[Network, ShiftAveraged]  # what reads prepared inputs: evaluate and Classifier take either


def reader(network: Network, metadata: dict) -> Reader:
    """What reads prepared inputs for the model ``metadata`` describes: ``network`` itself,
    or :class:`ShiftAveraged` around it if the file says ``"average_shifts": true``."""
    return ShiftAveraged(network) if metadata.get("average_shifts", False) else network
