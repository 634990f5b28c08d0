"""Minibatch stochastic gradient descent: epochs, shuffling, augmentation, validation, best weights.

The update with momentum mu and learning rate eta is, for every weight and bias p,

    v <- mu v + (1 - mu) nabla_p C        p <- p - eta v

an exponential moving average of the gradient. Because the average has the scale of one
gradient, eta means the same step size with or without momentum, so the book's
``eta = 3.0`` works unchanged when momentum is on. The learning rate follows a cosine
from eta down to 0 over the epochs (``schedule="cosine"``) or stays at eta ("constant").
"""

from __future__ import annotations

import contextlib
import math
import signal
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Iterator

import numpy as np

from mnist_app.errors import TrainingDiverged
from mnist_app.evaluate import classify, to_inputs
from mnist_app.network import Network

SCHEDULES = ("cosine", "constant")
CHUNK_EXAMPLES = 2048  # how many uint8 images become floats at once: the rest stay uint8
LOSS_SAMPLE = 10000  # training images on which the loss is reported after each epoch


@dataclass(frozen=True)
class Hyperparameters:
    """Settings of the SGD loop; ``validate`` raises ValueError naming the first bad one.

    The defaults are the best found for the 784-30-10 network with cross-entropy cost and
    N(0, 1/n_in) weights, chosen on the validation split (the last 10,000 training images,
    three seeds each; the README has the numbers). Momentum 0.9 scored 0.1 points higher
    there but is off by default: with the book's quadratic cost and N(0, 1) weights it
    made 4 seeds in 5 stall at 77-87% (it accumulates the push of all ten outputs towards
    0 into saturation, where sigma'(z) stops the quadratic cost's gradient).
    """

    epochs: int = 45
    batch_size: int = 64
    learning_rate: float = 3.0
    momentum: float = 0.0
    l2: float = 1e-4
    schedule: str = "cosine"
    shift: int = 1  # augmentation: translate each training image by up to this many pixels

    def validate(self) -> None:
        checks = [
            (self.epochs >= 1, f"epochs must be at least 1, got {self.epochs}"),
            (self.batch_size >= 1, f"batch size must be at least 1, got {self.batch_size}"),
            (self.learning_rate > 0 and math.isfinite(self.learning_rate),
             f"learning rate must be a positive number, got {self.learning_rate}"),
            (0 <= self.momentum < 1, f"momentum must be in [0, 1), got {self.momentum}"),
            (self.l2 >= 0 and math.isfinite(self.l2), f"l2 must be >= 0, got {self.l2}"),
            (self.schedule in SCHEDULES, f"schedule must be one of {', '.join(SCHEDULES)}, got {self.schedule!r}"),
            (0 <= self.shift <= 4, f"shift must be 0 to 4 pixels, got {self.shift}"),
        ]
        for ok, message in checks:
            if not ok:
                raise ValueError(message)

    def learning_rate_at(self, epoch: int) -> float:
        """eta for epoch ``epoch`` (0-based)."""
        if self.schedule == "constant":
            return self.learning_rate
        return self.learning_rate * 0.5 * (1.0 + math.cos(math.pi * epoch / self.epochs))


@dataclass(frozen=True)
class EpochRecord:
    epoch: int  # 1-based
    seconds: float
    train_loss: float  # mean unregularised cost on LOSS_SAMPLE training images after the epoch
    val_accuracy: float | None  # fraction correct on the validation images (None without any)


@dataclass
class TrainingResult:
    history: list[EpochRecord] = field(default_factory=list)
    best_epoch: int = 0  # 0 when no epoch finished (interrupted during the first)
    best_val_accuracy: float | None = None
    interrupted: bool = False


def random_shifts(images: np.ndarray, max_shift: int, rng: np.random.Generator) -> np.ndarray:
    """Each image (m, 28, 28) translated by its own random (dy, dx) in [-max_shift, max_shift],
    filling with black; a cheap augmentation that teaches the network small offsets."""
    m, height, width = images.shape
    padded = np.pad(images, ((0, 0), (max_shift, max_shift), (max_shift, max_shift)))
    offsets = rng.integers(0, 2 * max_shift + 1, size=(m, 2))
    shifted = np.empty_like(images)
    # One slice per distinct offset instead of a per-image loop: at most (2s+1)^2 copies.
    for dy in range(2 * max_shift + 1):
        for dx in range(2 * max_shift + 1):
            chosen = (offsets[:, 0] == dy) & (offsets[:, 1] == dx)
            shifted[chosen] = padded[chosen, dy : dy + height, dx : dx + width]
    return shifted


class MomentumSGD:
    """Keeps one velocity per parameter and applies the update described in the module docstring."""

    def __init__(self, parameters: list[np.ndarray], momentum: float):
        self.parameters = parameters
        self.momentum = momentum
        self.velocities = [np.zeros_like(p) for p in parameters]

    def step(self, gradients: list[np.ndarray], learning_rate: float) -> None:
        if not self.momentum:
            for p, g in zip(self.parameters, gradients):
                p -= learning_rate * g
            return
        for p, v, g in zip(self.parameters, self.velocities, gradients):
            v *= self.momentum
            v += (1.0 - self.momentum) * g
            p -= learning_rate * v


def train(
    network: Network,
    train_images: np.ndarray,
    train_labels: np.ndarray,
    val_images: np.ndarray,
    val_labels: np.ndarray,
    hyper: Hyperparameters,
    rng: np.random.Generator,
    on_epoch: Callable[[EpochRecord], None] | None = None,
) -> TrainingResult:
    """Train ``network`` in place by minibatch SGD and leave it holding its best weights.

    ``train_images`` (n, 28, 28) uint8 with ``train_labels`` (n,); the validation pair
    likewise. After each epoch the validation accuracy is measured; at the end the network
    gets back the weights of the best epoch (of the last one if the validation set is empty). Ctrl-C (in the main thread) stops after the
    current minibatch: the result then says ``interrupted`` and the best weights so far
    are kept. Raises TrainingDiverged if the weights stop being finite.
    """
    hyper.validate()
    dtype = network.weights[0].dtype
    optimizer = MomentumSGD(network.weights + network.biases, hyper.momentum)
    n_weights = len(network.weights)
    result = TrainingResult()
    best_parameters = None
    loss_sample = _loss_sample(train_images, train_labels, dtype)
    val_inputs = to_inputs(val_images, dtype)  # converted once: validation runs every epoch

    def remember_if_best(epoch: int) -> float | None:
        """Validation accuracy now; keeps a copy of the weights if it is the best so far
        (without validation images, the latest weights count as the best)."""
        nonlocal best_parameters
        val_accuracy = float(np.mean(classify(network, val_inputs) == val_labels)) if len(val_labels) else None
        if best_parameters is None or val_accuracy is None or val_accuracy > result.best_val_accuracy:
            result.best_epoch, result.best_val_accuracy = epoch, val_accuracy
            best_parameters = [p.copy() for p in optimizer.parameters]
        return val_accuracy

    with _stop_requested_on_ctrl_c() as stop_requested:
        for epoch in range(hyper.epochs):
            started = time.perf_counter()
            learning_rate = hyper.learning_rate_at(epoch)
            for x, y in _minibatches(train_images, train_labels, hyper, rng, dtype):
                nabla_w, nabla_b = network.backprop(x, y, hyper.l2)
                optimizer.step(nabla_w + nabla_b, learning_rate)
                if stop_requested():
                    break
            if stop_requested():
                result.interrupted = True
                if best_parameters is None:  # no epoch finished: keep what we have
                    remember_if_best(0)
                break
            _check_finite(network, epoch + 1)
            val_accuracy = remember_if_best(epoch + 1)
            train_loss = network.cost_value(*loss_sample)
            record = EpochRecord(epoch + 1, time.perf_counter() - started, train_loss, val_accuracy)
            result.history.append(record)
            if on_epoch:
                on_epoch(record)

    network.weights[:] = best_parameters[:n_weights]
    network.biases[:] = best_parameters[n_weights:]
    return result


def _minibatches(
    images: np.ndarray, labels: np.ndarray, hyper: Hyperparameters, rng: np.random.Generator, dtype
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """One epoch of shuffled minibatches (x (m, 784), y (m, 10)) of ``dtype``.

    The images stay uint8 in memory; a chunk of them at a time is shuffled, shifted and
    converted, and the minibatches are views into that chunk.
    """
    order = rng.permutation(len(images))
    chunk = hyper.batch_size * max(1, CHUNK_EXAMPLES // hyper.batch_size)
    for start in range(0, len(order), chunk):
        indices = order[start : start + chunk]
        chunk_images = images[indices]
        if hyper.shift:
            chunk_images = random_shifts(chunk_images, hyper.shift, rng)
        x = to_inputs(chunk_images, dtype)
        y = np.eye(10, dtype=dtype)[labels[indices]]  # one-hot targets (m, 10)
        for first in range(0, len(indices), hyper.batch_size):
            yield x[first : first + hyper.batch_size], y[first : first + hyper.batch_size]


def _loss_sample(images: np.ndarray, labels: np.ndarray, dtype) -> tuple[np.ndarray, np.ndarray]:
    """Inputs and one-hot targets of the first LOSS_SAMPLE training images, unshifted.

    The training loss is measured on them once per epoch: cheaper than a cost per
    minibatch (a tenth of the time of backprop at batch 10) and the same images every time.
    """
    return to_inputs(images[:LOSS_SAMPLE], dtype), np.eye(10, dtype=dtype)[labels[:LOSS_SAMPLE]]


def _check_finite(network: Network, epoch: int) -> None:
    if not all(np.isfinite(p).all() for p in network.weights + network.biases):
        raise TrainingDiverged(
            f"the weights became infinite or NaN in epoch {epoch}: the learning rate is too high"
        )


@contextlib.contextmanager
def _stop_requested_on_ctrl_c() -> Iterator[Callable[[], bool]]:
    """Within the block, the first Ctrl-C only sets a flag (read by calling the yielded function);
    a second one interrupts at once. Outside the main thread signals cannot be caught, and the
    flag simply stays False."""
    requested = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield requested.is_set
        return

    def request_stop(signum, frame):
        requested.set()
        signal.signal(signal.SIGINT, previous)

    previous = signal.signal(signal.SIGINT, request_stop)
    try:
        yield requested.is_set
    finally:
        signal.signal(signal.SIGINT, previous)
