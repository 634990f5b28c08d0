"""The text output of ``mnist-app backprop``: a :class:`~mnist_app.teach.Lesson` in the book's
symbols (layer 1 is the input x, layer L the output), as lines to print."""

from __future__ import annotations

import numpy as np

from mnist_app.constants import N_CLASSES

LARGEST = 5  # entries listed for the vectors and matrices too long to print whole
VALUES_PER_LINE = 10


def _values(vector: np.ndarray, decimals: int = 4, indent: int = 0) -> str:
    """``vector`` with a sign and ``decimals`` decimals, 10 to a line (later lines indented)."""
    texts = [f"{v:+.{decimals}f}" for v in vector]
    rows = [" ".join(texts[i:i + VALUES_PER_LINE]) for i in range(0, len(texts), VALUES_PER_LINE)]
    return "[" + ("\n" + " " * (indent + 1)).join(rows) + "]"


def _largest(array: np.ndarray, name: str) -> str:
    """The LARGEST entries of ``array`` by magnitude, with their indices (0-based)."""
    order = np.argsort(-np.abs(array), axis=None)[:LARGEST]
    entries = []
    for flat in order:
        index = np.unravel_index(flat, array.shape)
        entries.append(f"{name}[{','.join(str(int(i)) for i in index)}] = {array[index]:+.4g}")
    return ", ".join(entries)


def describe(name: str, lesson, deskewed: bool) -> list[str]:
    """The lesson's lines in the book's symbols: layer 1 is the input x, layer L the output."""
    layers = len(lesson.activations)  # L
    out = layers
    y = np.eye(N_CLASSES)[lesson.label]
    seen = "deskewed 28x28" if deskewed else "28x28"
    lines = [
        f"{name}: read as {lesson.read_digit}; teaching it is {lesson.label} "
        f"(η = {lesson.eta:g}, {lesson.steps} step{'s' if lesson.steps > 1 else ''}, "
        "plain SGD on this one example)",
        "",
        f"Forward pass (x = a^1: the {seen} picture as the network sees it, 784 values in [0, 1])",
    ]
    for l in range(2, layers + 1):
        z, a = lesson.zs[l - 2], lesson.activations[l - 1]
        for label, vector in ((f"z^{l} = w^{l} a^{l - 1} + b^{l}", z), (f"a^{l} = σ(z^{l})", a)):
            head = f"  {label + f' ({len(vector)})':<26}: "
            lines += (head + _values(vector, 3, len(head))).split("\n")
    lines += [
        f"  y = e_{lesson.label} (one-hot), C = {lesson.cost:.6f}  (the model's cost)",
        "",
        f"BP1  δ^{out} = ∂C/∂z^{out} = {_bp1_formula(lesson)}:",
        f"       {_values(lesson.delta_output)}",
    ]
    if lesson.network_after.cost.name != "cross-entropy":
        lines.append(f"       (a^{out} − y = {_values(lesson.outputs - y)})")
    for l in range(out - 1, 1, -1):
        delta = lesson.nabla_b[l - 2]
        lines.append(f"BP2  δ^{l} = ((w^{l + 1})ᵀ δ^{l + 1}) * σ'(z^{l}): "
                     f"|δ^{l}| = {np.linalg.norm(delta):.4g}; largest {_largest(delta, f'δ^{l}')}")
    for l in range(out, 1, -1):
        nabla_b, nabla_w = lesson.nabla_b[l - 2], lesson.nabla_w[l - 2]
        lines.append(f"BP3  ∂C/∂b^{l} = δ^{l}: |∂C/∂b^{l}| = {np.linalg.norm(nabla_b):.4g}")
        lines.append(f"BP4  ∂C/∂w^{l}_jk = a^{l - 1}_k δ^{l}_j ({nabla_w.shape[0]}x{nabla_w.shape[1]}): "
                     f"|∂C/∂w^{l}| = {np.linalg.norm(nabla_w):.4g}; largest {_largest(nabla_w, f'∂C/∂w^{l}')}")
    lines += ["", f"Update  w ← w − η ∂C/∂w, b ← b − η ∂C/∂b  (η = {lesson.eta:g})"]
    for step in range(lesson.steps):
        lines.append(f"  step {step + 1}: C {lesson.costs[step]:.6f} → {lesson.costs[step + 1]:.6f}, "
                     f"reads {lesson.readings[step]} → {lesson.readings[step + 1]}")
    lines += [
        f"After: a^{out} = {_values(lesson.outputs_after)}",
        f"       C = {lesson.cost_after:.6f} (was {lesson.cost:.6f}); reads {lesson.readings[-1]}",
    ]
    return lines


def _bp1_formula(lesson) -> str:
    return "a^L − y (cross-entropy)" if lesson.network_after.cost.name == "cross-entropy" \
        else "(a^L − y) * σ'(z^L) (quadratic)"


def describe_check(errors: dict) -> str:
    """The --check lines: relative errors of backprop against central differences."""
    parts = ", ".join(f"{name} {error:.1e}" for name, error in errors.items() if name != "all")
    return (f"Check: backprop vs central differences, relative error {errors['all']:.1e} "
            f"(float64; per array: {parts})")
