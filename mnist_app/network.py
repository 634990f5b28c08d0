"""A fully connected sigmoid network and backpropagation, in the textbook's notation.

The notation is that of Michael Nielsen's *Neural Networks and Deep Learning*, chapter 2,
with one change: a minibatch of m examples is processed at once, one example per row.
For layer l with n_l neurons (layer 1 is the input):

    w^l  weights, shape (n_l, n_{l-1})       b^l  biases, shape (n_l,)
    z^l = a^{l-1} (w^l)^T + b^l              weighted inputs, shape (m, n_l)
    a^l = sigma(z^l)                         activations, shape (m, n_l); a^1 = x

In code ``weights[i]`` and ``biases[i]`` are w^l and b^l for l = i + 2, ``zs[i]`` is z^l
for the same l, and ``activations[j]`` is a^{j+1}. As in the book's ``network.py``,
backprop walks the layers with negative indices, which mean the same in all three lists:
``weights[-1]``, ``zs[-1]`` and ``activations[-1]`` all belong to the output layer L.

The cost of a minibatch is the mean over its examples of the per-example cost C_x, plus
the L2 term (l2 / 2) * sum of all squared weights. The book writes the L2 coefficient as
lambda / n for a training set of n examples; ``l2`` is that quotient.

The module does no printing and no file I/O.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from mnist_app.constants import DEFAULT_COST, DEFAULT_INIT, DEFAULT_SIZES


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function 1 / (1 + e^-z), elementwise.

    Written as (1 + tanh(z / 2)) / 2, which is the same function but never overflows:
    exp(-z) overflows for z below about -710 (-88 in float32), tanh saturates at +-1.
    """
    return 0.5 + 0.5 * np.tanh(0.5 * z)


def sigmoid_prime_from_activation(a: np.ndarray) -> np.ndarray:
    """sigma'(z) computed from a = sigma(z): sigma'(z) = a (1 - a)."""
    return a * (1.0 - a)


class QuadraticCost:
    """C_x = 1/2 ||a^L - y||^2, the cost of the book's first network."""

    name = "quadratic"

    @staticmethod
    def fn(z: np.ndarray, a: np.ndarray, y: np.ndarray) -> float:
        """Mean cost over the rows of output activations ``a`` against targets ``y``, (m, n_L)."""
        return float(0.5 * np.sum((a - y) ** 2) / len(a))

    @staticmethod
    def delta(z: np.ndarray, a: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Output error delta^L = (a - y) sigma'(z^L), shape (m, n_L)."""
        return (a - y) * sigmoid_prime_from_activation(a)


class CrossEntropyCost:
    """C_x = -sum_j [y_j ln a_j + (1 - y_j) ln(1 - a_j)]: its delta^L has no sigma'(z) factor,
    so output neurons that are saturated and wrong still learn quickly."""

    name = "cross-entropy"

    @staticmethod
    def fn(z: np.ndarray, a: np.ndarray, y: np.ndarray) -> float:
        """Mean cost over the rows, computed from z so that it is finite even where a is 0 or 1.

        With a = sigma(z): -ln a = ln(1 + e^-z) and -ln(1 - a) = ln(1 + e^z), so
        C_x = sum_j [ln(1 + e^z_j) - y_j z_j].
        """
        return float(np.sum(np.logaddexp(0.0, z) - y * z) / len(z))

    @staticmethod
    def delta(z: np.ndarray, a: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Output error delta^L = a - y, shape (m, n_L)."""
        return a - y


COSTS = {cost.name: cost for cost in (QuadraticCost, CrossEntropyCost)}
INITIALISATIONS = ("normal", "scaled")


def initial_parameters(
    sizes: Sequence[int], init: str, rng: np.random.Generator, dtype=np.float32
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Random weights and biases for layer sizes ``sizes``.

    ``init="normal"``: every weight and bias ~ N(0, 1), the book's first choice.
    ``init="scaled"``: weights ~ N(0, 1/n_in), biases ~ N(0, 1); this keeps |z| small enough
    at the start that the hidden neurons are not saturated.
    """
    if init not in INITIALISATIONS:
        raise ValueError(f"unknown initialisation {init!r}; choose from {', '.join(INITIALISATIONS)}")
    weights, biases = [], []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        scale = 1.0 / np.sqrt(n_in) if init == "scaled" else 1.0
        weights.append((rng.standard_normal((n_out, n_in)) * scale).astype(dtype))
        biases.append(rng.standard_normal(n_out).astype(dtype))
    return weights, biases


class Network:
    """A fully connected feedforward network of sigmoid neurons.

    ``Network(sizes)`` starts from random weights (``init``, drawn from ``rng``);
    ``Network.from_parameters(weights, biases)`` wraps weights that already exist.
    ``weights[i]`` has shape (sizes[i + 1], sizes[i]) and ``biases[i]`` shape (sizes[i + 1],).
    """

    def __init__(
        self,
        sizes: Sequence[int] = DEFAULT_SIZES,
        cost: str = DEFAULT_COST,
        init: str = DEFAULT_INIT,
        rng: np.random.Generator | None = None,
        dtype=np.float32,
        *,
        parameters: tuple[Sequence[np.ndarray], Sequence[np.ndarray]] | None = None,
    ):
        if len(sizes) < 2 or any(int(n) < 1 for n in sizes):
            raise ValueError(f"sizes must list at least two positive layer sizes, got {list(sizes)}")
        if cost not in COSTS:
            raise ValueError(f"unknown cost {cost!r}; choose from {', '.join(COSTS)}")
        self.sizes = [int(n) for n in sizes]
        self.cost = COSTS[cost]
        if parameters is None:
            rng = rng if rng is not None else np.random.default_rng()
            parameters = initial_parameters(self.sizes, init, rng, dtype)
        self.weights, self.biases = list(parameters[0]), list(parameters[1])
        expected = [(n_out, n_in) for n_in, n_out in zip(self.sizes[:-1], self.sizes[1:])]
        if [w.shape for w in self.weights] != expected or [b.shape for b in self.biases] != [
                (n_out,) for n_out, _ in expected]:
            raise ValueError(f"weights and biases do not match the layer sizes {self.sizes}")

    @classmethod
    def from_parameters(
        cls, weights: Sequence[np.ndarray], biases: Sequence[np.ndarray], cost: str = DEFAULT_COST
    ) -> "Network":
        """A network holding the given weights and biases (used as they are, not copied)."""
        sizes = [weights[0].shape[1]] + [w.shape[0] for w in weights]
        return cls(sizes, cost, parameters=(weights, biases))

    def __repr__(self) -> str:
        return f"Network(sizes={self.sizes}, cost={self.cost.name!r}, dtype={self.weights[0].dtype})"

    def forward(self, x: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """The forward pass for inputs ``x`` of shape (m, n_1), keeping every layer:
        ``(zs, activations)`` with ``zs[i]`` = z^{i+2} and ``activations[j]`` = a^{j+1}."""
        activation = x
        activations = [x]
        zs = []
        for w, b in zip(self.weights, self.biases):
            z = activation @ w.T + b
            activation = sigmoid(z)
            zs.append(z)
            activations.append(activation)
        return zs, activations

    def feedforward(self, x: np.ndarray) -> np.ndarray:
        """Output activations a^L, shape (m, n_L), for inputs ``x`` of shape (m, n_1)."""
        return self.forward(x)[1][-1]

    def cost_value(self, x: np.ndarray, y: np.ndarray, l2: float = 0.0) -> float:
        """The regularised cost of the minibatch (``x``, targets ``y`` of shape (m, n_L))."""
        zs, activations = self.forward(x)
        return self.cost.fn(zs[-1], activations[-1], y) + l2_penalty(self.weights, l2)

    def backprop(
        self, x: np.ndarray, y: np.ndarray, l2: float = 0.0
    ) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """The gradient of the minibatch's cost with respect to every bias and weight.

        ``x``: inputs, shape (m, n_1); ``y``: target outputs, shape (m, n_L). Returns
        ``(nabla_b, nabla_w)`` in the book's order, where ``nabla_b[i]`` and ``nabla_w[i]``
        have the shapes of ``biases[i]`` and ``weights[i]``.

        Row x of ``delta`` is dC/dz for the minibatch's mean cost C = (1/m) sum_x C_x, that
        is the book's delta for example x divided by m. BP2 is linear in delta, so the 1/m
        set in BP1 carries through every layer and BP3 and BP4 become plain sums over the
        minibatch.
        """
        zs, activations = self.forward(x)
        nabla_b: list = [None] * len(self.biases)  # filled from the output layer back
        nabla_w: list = [None] * len(self.weights)

        delta = self.cost.delta(zs[-1], activations[-1], y) / len(x)  # BP1
        nabla_b[-1] = delta.sum(axis=0)  # BP3
        nabla_w[-1] = delta.T @ activations[-2]  # BP4
        # Layer -l counts back from the output: l = 2 is the last hidden layer. Its a^l is
        # activations[-l], the layer feeding it is activations[-l - 1], and the layer it
        # feeds has the weights weights[-l + 1].
        for l in range(2, len(self.sizes)):
            delta = (delta @ self.weights[-l + 1]) * sigmoid_prime_from_activation(activations[-l])  # BP2
            nabla_b[-l] = delta.sum(axis=0)  # BP3
            nabla_w[-l] = delta.T @ activations[-l - 1]  # BP4

        if l2:  # the L2 term (l2 / 2) sum w^2 adds l2 w to every weight's gradient
            for nabla, w in zip(nabla_w, self.weights):
                nabla += l2 * w
        return nabla_b, nabla_w


def l2_penalty(weights: Sequence[np.ndarray], l2: float) -> float:
    """(l2 / 2) * the sum of all squared weights."""
    if not l2:
        return 0.0
    return 0.5 * l2 * float(sum(np.sum(w.astype(np.float64) ** 2) for w in weights))
