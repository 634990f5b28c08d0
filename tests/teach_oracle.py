"""An independent computation of a teaching step, from the weights file with numpy alone.

It reads the .npz with ``np.load`` (not mnist_app's loader) and writes every equation out
for one 784-30-10 example, in the book's column-vector form: nothing of mnist_app's
network, backprop or teach is called. The tests check ``mnist-app backprop --json`` and
POST /api/backprop against it.
"""

from __future__ import annotations

import json

import numpy as np


def load_weights(path) -> tuple[list[np.ndarray], list[np.ndarray], str]:
    """(w^2, w^3), (b^2, b^3) as float64 and the cost's name, straight from the file."""
    with np.load(path, allow_pickle=False) as archive:
        weights = [archive[f"weights_{i}"].astype(np.float64) for i in range(2)]
        biases = [archive[f"biases_{i}"].astype(np.float64) for i in range(2)]
        cost = json.loads(str(archive["metadata"]))["cost"]
    return weights, biases, cost


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def forward(weights, biases, x):
    """z^2, a^2, z^3, a^3 for one input x (784,)."""
    z2 = weights[0] @ x + biases[0]
    a2 = _sigmoid(z2)
    z3 = weights[1] @ a2 + biases[1]
    return z2, a2, z3, _sigmoid(z3)


def cost(cost_name, a3, y) -> float:
    if cost_name == "cross-entropy":
        return float(-np.sum(y * np.log(a3) + (1 - y) * np.log(1 - a3)))
    return float(0.5 * np.sum((a3 - y) ** 2))


def step(weights, biases, cost_name, x, label, eta):
    """One SGD step; returns everything the --json shows and the new parameters."""
    y = np.zeros(10)
    y[label] = 1.0
    z2, a2, z3, a3 = forward(weights, biases, x)
    delta3 = a3 - y if cost_name == "cross-entropy" else (a3 - y) * a3 * (1 - a3)  # BP1
    delta2 = (weights[1].T @ delta3) * a2 * (1 - a2)  # BP2
    nabla_b = [delta2, delta3]  # BP3
    nabla_w = [np.outer(delta2, x), np.outer(delta3, a2)]  # BP4
    new_weights = [w - eta * g for w, g in zip(weights, nabla_w)]
    new_biases = [b - eta * g for b, g in zip(biases, nabla_b)]
    read = int(np.argmax(a3))
    # why: d a^3_read / d x by the chain rule, written out
    output_error = np.zeros(10)
    output_error[read] = a3[read] * (1 - a3[read])
    why = weights[0].T @ ((weights[1].T @ output_error) * a2 * (1 - a2))
    return {
        "input": x, "label": label, "eta": eta, "cost": cost(cost_name, a3, y), "outputs": a3,
        "hidden": a2, "delta_output": delta3, "delta_hidden": delta2, "nabla_b": nabla_b,
        "nabla_w": nabla_w, "why": why,
    }, new_weights, new_biases


def lesson(path, x, label, eta, steps=1, corrections=()):
    """The --json of ``steps`` steps on input ``x`` after replaying ``corrections``, a
    sequence of (input (784,), label, eta)."""
    weights, biases, cost_name = load_weights(path)
    for cx, clabel, ceta in corrections:
        _, weights, biases = step(weights, biases, cost_name, cx, clabel, ceta)
    first = None
    for _ in range(steps):
        record, weights, biases = step(weights, biases, cost_name, x, label, eta)
        first = first or record
    y = np.zeros(10)
    y[label] = 1.0
    after = forward(weights, biases, x)[3]
    return {**first, "outputs_after": after, "cost_after": cost(cost_name, after, y)}


def assert_matches(answer: dict, expected: dict, tolerance: float = 1e-6) -> None:
    """Every key of ``expected`` equals ``answer``'s to ``tolerance`` (absolute)."""
    for key, value in expected.items():
        if key in ("nabla_b", "nabla_w"):
            assert len(answer[key]) == len(value), key
            for got, want in zip(answer[key], value):
                np.testing.assert_allclose(np.array(got), want, rtol=0, atol=tolerance, err_msg=key)
        else:
            np.testing.assert_allclose(np.array(answer[key], dtype=float), value, rtol=0, atol=tolerance,
                                       err_msg=key)
