"""Teach the network one example: plain SGD steps on a throw-away copy of its weights.

A learner draws a digit the network misreads, says what it is, and watches backprop fix
it. Every number comes from the model's own :meth:`Network.backprop` (BP1-BP4), run on a
float64 copy of the weights, so the model itself never changes:

    lesson = teach(network, picture, label=5, eta=0.5)
    lesson.cost, lesson.cost_after          # C before and after the step
    lesson.delta_output                     # BP1: delta^L, shape (10,)
    lesson.why                              # d a^L_read / d x, shape (784,)

``picture`` is a (28, 28) uint8 picture as the network sees it (deskewed if the model
reads deskewed digits: :meth:`mnist_app.reading.ReadingConvention.prepare`). It is read once, as the book's
network reads: not the five shifted readings of :mod:`mnist_app.reading`.

For one example (m = 1), BP3 says dC/db^l = delta^l, so the deltas are the bias gradients
that ``backprop`` returns; no second implementation of the equations is needed. The input
gradient ``why`` is BP2 carried one layer further down, to the input, for the "cost"
C = a^L_j (the read digit's output activation): its BP1 delta is e_j sigma'(z^L_j).

The module does no printing and no file I/O.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from mnist_app.constants import DEFAULT_TEACH_ETA, FRAME, N_CLASSES
from mnist_app.inputs import one_hot, to_inputs
from mnist_app.limits import MAX_CORRECTIONS, MAX_TEACH_ETA, MAX_TEACH_STEPS
from mnist_app.network import Network, sigmoid_prime_from_activation
from mnist_app.training import MomentumSGD

FINITE_DIFFERENCE_STEP = 1e-6  # h of the central differences (C(p + h) - C(p - h)) / 2h


@dataclass(frozen=True)
class Correction:
    """One step a learner asked for: ``picture`` (28, 28) uint8 as the network sees it,
    the ``label`` it should have been read as, and the learning rate ``eta``."""

    picture: np.ndarray
    label: int
    eta: float


@dataclass(frozen=True)
class Lesson:
    """One or more SGD steps on one example, and every number of the first.

    Shapes for a 784-30-10 network: ``input`` (784,) in [0, 1]; ``zs`` and ``activations``
    the forward pass as :meth:`Network.forward` returns it, one row dropped (z^2 (30,),
    z^3 (10,); a^1 = input, a^2 (30,), a^3 (10,)); ``delta_output`` delta^L (10,) and
    ``delta_hidden`` delta^2 (30,), the first hidden layer's; ``nabla_b`` and ``nabla_w``
    shaped as the network's biases and weights. ``costs`` holds C before each step and
    after the last, ``readings`` the argmax of a^L at the same moments. ``why`` (784,) is
    d a^L_j / d x for the digit j the network read before the step. ``network_after`` is
    the copy after all steps.
    """

    input: np.ndarray
    label: int
    eta: float
    zs: list[np.ndarray]
    activations: list[np.ndarray]
    nabla_b: list[np.ndarray]
    nabla_w: list[np.ndarray]
    costs: list[float]
    readings: list[int]
    outputs_after: np.ndarray
    why: np.ndarray
    network_after: Network

    @property
    def steps(self) -> int:
        return len(self.costs) - 1

    @property
    def outputs(self) -> np.ndarray:
        """a^L before the step, (10,)."""
        return self.activations[-1]

    @property
    def hidden(self) -> np.ndarray:
        """a^2, the first hidden layer's activations before the step."""
        return self.activations[1]

    @property
    def delta_output(self) -> np.ndarray:
        return self.nabla_b[-1]  # BP3 for one example: dC/db^L = delta^L

    @property
    def delta_hidden(self) -> np.ndarray:
        return self.nabla_b[0]

    @property
    def cost(self) -> float:
        return self.costs[0]

    @property
    def cost_after(self) -> float:
        return self.costs[-1]

    @property
    def read_digit(self) -> int:
        """The digit the network read before the step: the one ``why`` explains."""
        return self.readings[0]

    def to_json(self, decimals: int | None = None) -> dict:
        """The lesson as ``mnist-app backprop --json`` prints it: floats (rounded to
        ``decimals`` if given), the gradients laid out as the weights file lays out
        weights_i and biases_i."""
        def floats(values):
            array = np.asarray(values, dtype=np.float64)
            return (array if decimals is None else np.round(array, decimals)).tolist()

        return {
            "input": floats(self.input),
            "label": self.label,
            "eta": self.eta,
            "cost": floats(self.cost),
            "cost_after": floats(self.cost_after),
            "outputs": floats(self.outputs),
            "outputs_after": floats(self.outputs_after),
            "hidden": floats(self.hidden),
            "delta_output": floats(self.delta_output),
            "delta_hidden": floats(self.delta_hidden),
            "nabla_b": [floats(nabla) for nabla in self.nabla_b],
            "nabla_w": [floats(nabla) for nabla in self.nabla_w],
            "why": floats(self.why),
        }


def check_label(label) -> int:
    """``label`` as a digit 0-9; ValueError otherwise (booleans and floats included)."""
    if isinstance(label, bool) or not isinstance(label, (int, np.integer)) or not 0 <= label < N_CLASSES:
        raise ValueError(f"the label must be a digit 0-9, got {label!r}")
    return int(label)


def check_eta(eta) -> float:
    """``eta`` as a finite learning rate in (0, MAX_TEACH_ETA]; ValueError otherwise."""
    if isinstance(eta, bool) or not isinstance(eta, (int, float, np.floating, np.integer)) \
            or not (math.isfinite(eta) and 0 < eta <= MAX_TEACH_ETA):
        raise ValueError(f"eta must be a finite number above 0 and at most {MAX_TEACH_ETA:g}, got {eta!r}")
    return float(eta)


def check_picture(picture, name: str = "the picture") -> np.ndarray:
    """``picture`` as a (28, 28) uint8 array of grey levels 0-255; ValueError otherwise."""
    array = np.asarray(picture)
    if array.shape != (FRAME, FRAME):
        raise ValueError(f"{name} must be {FRAME}x{FRAME} grey levels, got shape {array.shape}")
    if array.dtype != np.uint8:
        if not np.issubdtype(array.dtype, np.integer) or array.min() < 0 or array.max() > 255:
            raise ValueError(f"{name} must hold whole grey levels 0-255")
        array = array.astype(np.uint8)
    return array


def throwaway_copy(network: Network) -> Network:
    """A float64 copy of ``network`` to take steps on; the original is never touched."""
    return Network.from_parameters([w.astype(np.float64) for w in network.weights],
                                   [b.astype(np.float64) for b in network.biases], network.cost.name)


class PlainSGD(MomentumSGD):
    """Plain SGD on a network's weights and biases, changed in place: w <- w - eta dC/dw,
    b <- b - eta dC/db; no momentum, no L2 (training's optimiser with momentum 0)."""

    def __init__(self, network: Network):
        super().__init__(network.weights + network.biases, momentum=0.0)
        self.network = network

    def step_on(self, x: np.ndarray, y: np.ndarray, eta: float) -> tuple[list, list]:
        """One step for inputs ``x`` (m, 784) and targets ``y`` (m, 10); returns the
        gradients it took, (nabla_b, nabla_w)."""
        nabla_b, nabla_w = self.network.backprop(x, y)
        self.step(nabla_w + nabla_b, eta)
        return nabla_b, nabla_w


def replay(network: Network, corrections: Sequence[Correction]) -> Network:
    """A throw-away copy of ``network`` after one SGD step for each correction, in order.
    ValueError if there are more than MAX_CORRECTIONS or one is malformed."""
    if len(corrections) > MAX_CORRECTIONS:
        raise ValueError(f"at most {MAX_CORRECTIONS} corrections are replayed, got {len(corrections)}")
    taught = throwaway_copy(network)
    sgd = PlainSGD(taught)
    for correction in corrections:
        x = to_inputs(check_picture(correction.picture)[np.newaxis], np.float64)
        sgd.step_on(x, one_hot(np.array([check_label(correction.label)]), np.float64), check_eta(correction.eta))
    return taught


def teach(network: Network, picture: np.ndarray, label: int, eta: float = DEFAULT_TEACH_ETA, steps: int = 1) -> Lesson:
    """``steps`` SGD steps at learning rate ``eta`` on one example, ``picture`` (28, 28)
    uint8 as the network sees it, with target ``label``, on a throw-away copy of
    ``network``. ValueError for a bad label, eta, picture or step count."""
    label, eta, picture = check_label(label), check_eta(eta), check_picture(picture)
    if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= MAX_TEACH_STEPS:
        raise ValueError(f"steps must be a whole number from 1 to {MAX_TEACH_STEPS}, got {steps!r}")
    taught = throwaway_copy(network)
    sgd = PlainSGD(taught)
    x = to_inputs(picture[np.newaxis], np.float64)
    y = one_hot(np.array([label]), np.float64)
    costs: list[float] = []
    readings: list[int] = []

    def measure() -> tuple[list[np.ndarray], list[np.ndarray]]:
        """The forward pass now; its cost and reading are recorded."""
        zs, activations = taught.forward(x)
        costs.append(taught.cost.fn(zs[-1], activations[-1], y))
        readings.append(int(activations[-1][0].argmax()))
        return zs, activations

    zs, activations = measure()
    why = input_gradient(taught, x, readings[0])
    nabla_b, nabla_w = sgd.step_on(x, y, eta)  # the first step, the one shown
    after = measure()[1]
    for _ in range(steps - 1):
        sgd.step_on(x, y, eta)
        after = measure()[1]
    return Lesson(x[0], label, eta, [z[0] for z in zs], [a[0] for a in activations], nabla_b, nabla_w,
                  costs, readings, after[-1][0], why, taught)


class _OutputActivation:
    """The "cost" C = a^L_j, the output activation of digit j, in the shape of a
    :mod:`mnist_app.network` cost. Its BP1 delta is e_j sigma'(z^L_j), so ``backprop``
    with it gives delta^l = d a^L_j / d z^l in every layer."""

    def __init__(self, digit: int):
        self.digit = digit

    def delta(self, z: np.ndarray, a: np.ndarray, y: np.ndarray) -> np.ndarray:
        selected = np.zeros_like(a)
        selected[:, self.digit] = 1.0
        return selected * sigmoid_prime_from_activation(a)


def input_gradient(network: Network, x: np.ndarray, digit: int) -> np.ndarray:
    """d a^L_digit / d x, shape (784,), for one input ``x`` (1, 784): BP2 one layer further,
    x-gradient = (w^2)^T delta^2, with delta^2 from ``backprop`` run for C = a^L_digit."""
    probe = copy.copy(network)
    probe.cost = _OutputActivation(digit)  # type: ignore[assignment]
    nabla_b, _ = probe.backprop(x, np.zeros((1, network.sizes[-1])))
    return nabla_b[0] @ network.weights[0]


def gradient_check(network: Network, picture: np.ndarray, label: int,
                   h: float = FINITE_DIFFERENCE_STEP, progress=None) -> dict[str, float]:
    """Backprop's gradients against central differences (C(p + h) - C(p - h)) / 2h for every
    weight and bias of a float64 copy of ``network``, on one example. Returns, per
    parameter array ("w^2", "b^2", ..., book numbering) and "all", the relative error
    ||g_backprop - g_differences|| / (||g_backprop|| + ||g_differences||).
    ``progress(n)`` is called after every n parameters, if given."""
    taught = throwaway_copy(network)
    x = to_inputs(check_picture(picture)[np.newaxis], np.float64)
    y = one_hot(np.array([check_label(label)]), np.float64)
    nabla_b, nabla_w = taught.backprop(x, y)
    errors, differences_all, backprop_all = {}, [], []
    for layer in range(len(taught.weights)):
        for kind, parameter, gradient in (("w", taught.weights[layer], nabla_w[layer]),
                                          ("b", taught.biases[layer], nabla_b[layer])):
            differences = _central_differences(taught, parameter, x, y, h, progress)
            errors[f"{kind}^{layer + 2}"] = _relative_error(gradient, differences)
            differences_all.append(differences.ravel())
            backprop_all.append(gradient.ravel())
    errors["all"] = _relative_error(np.concatenate(backprop_all), np.concatenate(differences_all))
    return errors


def _central_differences(network: Network, parameter: np.ndarray, x, y, h: float, progress) -> np.ndarray:
    flat = parameter.reshape(-1)  # a view: changing it changes the network
    differences = np.empty(flat.size)
    for i in range(flat.size):
        kept = flat[i]
        flat[i] = kept + h
        above = network.cost_value(x, y)
        flat[i] = kept - h
        below = network.cost_value(x, y)
        flat[i] = kept
        differences[i] = (above - below) / (2 * h)
    if progress is not None:
        progress(flat.size)
    return differences.reshape(parameter.shape)


def _relative_error(a: np.ndarray, b: np.ndarray) -> float:
    scale = float(np.linalg.norm(a) + np.linalg.norm(b))
    return float(np.linalg.norm(a - b) / scale) if scale else 0.0
