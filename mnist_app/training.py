"""Minibatch stochastic gradient descent: epochs, shuffling, augmentation, validation, best weights.

With momentum mu and learning rate eta, every weight and bias p is updated as

    v <- mu v + (1 - mu) nabla_p C        p <- p - eta v

The book (chapter 3) writes momentum as v <- mu v - eta nabla C, p <- p + v. Both are the
same method: ours is the book's with eta scaled by (1 - mu), so its v is an average of
gradients with the scale of one gradient, and eta means the same step size with or
without momentum (the book's ``eta = 3.0`` works unchanged when momentum is on). With
mu = 0 both are plain SGD. The learning rate follows a cosine from eta down to 0 over the
epochs (``schedule="cosine"``) or stays at eta ("constant").
"""

from __future__ import annotations

import contextlib
import math
import signal
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Callable, Iterator

import numpy as np

from mnist_app.augment import random_shifts
from mnist_app.distortions import Distortions, random_distortions
from mnist_app.errors import TrainingDiverged
from mnist_app.inputs import check_images, check_labels, one_hot, to_inputs
from mnist_app.training_progress import FirstEpochProgress, Monitor, ProgressRecord
from mnist_app.network import Network
from mnist_app.reading import ReadingConvention

SCHEDULES = ("cosine", "constant")
MAX_SHIFT = 4  # pixels: the largest random translation of a training image
CHUNK_EXAMPLES = 2048  # how many uint8 images become floats at once: the rest stay uint8
MONITOR_EXAMPLES = 10000  # training images on which cost and accuracy are reported per epoch


@dataclass(frozen=True)
class Hyperparameters:
    """Settings of the SGD loop; ``validate`` raises ValueError naming the first bad one.

    The defaults are the best found for the 784-30-10 network with cross-entropy cost and
    N(0, 1/n_in) weights, chosen on the validation split (the last 10,000 training images).
    ``l2`` is the book's lambda / n (lambda = 5 with n = 50,000 is l2 = 1e-4).
    """

    epochs: int = 45
    batch_size: int = 64
    learning_rate: float = 3.0
    momentum: float = 0.0
    l2: float = 1e-4
    schedule: str = "cosine"
    shift: int = 1  # augmentation: translate each training image by up to this many pixels
    distortions: Distortions = Distortions()  # augmentation: random turns, slants, pens...
    distill: float = 0.0  # weight of the teacher's outputs in the targets (0: labels only)
    deskew: bool = True  # the network reads digits deskewed (mnist_app.reading), as it will predict

    def validate(self) -> None:
        checks = [
            (self.epochs >= 1, f"epochs must be at least 1, got {self.epochs}"),
            (self.batch_size >= 1, f"batch size must be at least 1, got {self.batch_size}"),
            (self.learning_rate > 0 and math.isfinite(self.learning_rate),
             f"learning rate must be a positive number, got {self.learning_rate}"),
            (0 <= self.momentum < 1, f"momentum must be in [0, 1), got {self.momentum}"),
            (self.l2 >= 0 and math.isfinite(self.l2), f"l2 must be >= 0, got {self.l2}"),
            (self.schedule in SCHEDULES, f"schedule must be one of {', '.join(SCHEDULES)}, got {self.schedule!r}"),
            (0 <= self.shift <= MAX_SHIFT, f"shift must be 0 to {MAX_SHIFT} pixels, got {self.shift}"),
            (0 <= self.distill <= 1, f"distill must be in [0, 1], got {self.distill}"),
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
    """What was measured after one epoch: Nielsen's four ``monitor_*`` quantities and more.

    Costs are the mean unregularised cost per example; accuracies are fractions. The
    training figures use the first MONITOR_EXAMPLES training images, unaugmented; the
    validation ones are None when there are no validation images.
    """

    epoch: int  # 1-based
    seconds: float  # wall time of the epoch's SGD steps and measurements
    learning_rate: float  # eta used in this epoch
    train_cost: float | None  # None only if train() was given no training images
    train_accuracy: float | None
    val_cost: float | None
    val_accuracy: float | None


@dataclass
class TrainingResult:
    history: list[EpochRecord] = field(default_factory=list)
    best_epoch: int = 0  # 0 when no epoch finished (interrupted during the first)
    best_val_accuracy: float | None = None
    interrupted: bool = False

    def summary(self) -> dict:
        """The run as a weights file's metadata records it (JSON-ready)."""
        return {"history": [asdict(record) for record in self.history], "best_epoch": self.best_epoch,
                "validation_accuracy": self.best_val_accuracy, "interrupted": self.interrupted}


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
    teacher: Network | None = None,
    on_progress: Callable[[ProgressRecord], None] | None = None,
    stop: Callable[[], bool] | None = None,
) -> TrainingResult:
    """Train ``network`` in place by minibatch SGD and leave it holding its best weights.

    ``train_images``: (n, 28, 28) or (n, 784), uint8 0-255 or floats in [0, 1];
    ``train_labels``: (n,) digits, or NOT_A_DIGIT for an image that holds none. The
    validation pair likewise, digits only (it may be empty). With a ``teacher`` network
    (distillation), each target is (1 - distill) x the one-hot label + distill x the
    teacher's outputs for the same augmented image. After
    each epoch the cost and accuracy are measured and passed to ``on_epoch``; at the end
    the network gets back the weights of the epoch with the best validation accuracy (of
    the last epoch if there are no validation images). Ctrl-C (in the main thread) stops
    after the current minibatch: the result then says ``interrupted`` and the best weights
    so far are kept. ``stop``, if given, is asked after every minibatch and stops the run the
    same way when it answers True (from another thread or process: a stop button).
    ``on_progress`` gets a :class:`ProgressRecord` before training starts and then every
    PROGRESS_EXAMPLES examples of the first epoch. Raises ValueError for bad arguments and TrainingDiverged if the
    weights stop being finite.
    """
    hyper.validate()
    train_images = check_images(train_images, "training images")
    train_labels = check_labels(train_labels, len(train_images), "training labels", not_a_digit=True)
    val_images = check_images(val_images, "validation images")
    val_labels = check_labels(val_labels, len(val_images), "validation labels")
    dtype = network.weights[0].dtype
    optimizer = MomentumSGD(network.weights + network.biases, hyper.momentum)
    convention = ReadingConvention(deskew=hyper.deskew)
    chunk_convention = ReadingConvention(deskew=hyper.deskew and hyper.distortions.any)
    if hyper.deskew and not chunk_convention.deskew:
        # Shifts and deskewing commute (deskewing keeps the centre of mass), so without
        # distortions every image is deskewed once instead of once per epoch.
        train_images = convention.prepare(train_images)
    training_monitor = Monitor.of(chunk_convention.prepare(train_images[:MONITOR_EXAMPLES]),
                                  train_labels[:MONITOR_EXAMPLES], dtype)
    validation_monitor = Monitor.of(convention.prepare(val_images), val_labels, dtype)
    progress = FirstEpochProgress(on_progress, len(train_images), validation_monitor)
    result = TrainingResult()
    best_weights, best_biases = _copies(network)

    progress.after(0, network)
    with _stop_requested_on_ctrl_c(stop) as stop_requested:
        for epoch in range(1, hyper.epochs + 1):
            started = time.perf_counter()
            learning_rate = hyper.learning_rate_at(epoch - 1)
            examples = 0
            for x, y in _minibatches(train_images, train_labels, hyper, rng, dtype, teacher, chunk_convention):
                nabla_b, nabla_w = network.backprop(x, y, hyper.l2)
                optimizer.step(nabla_w + nabla_b, learning_rate)
                if stop_requested():
                    break
                examples += len(x)
                if epoch == 1:
                    progress.after(examples, network)
            if stop_requested():
                result.interrupted = True
                if not result.history:  # no epoch finished: keep what we have
                    best_weights, best_biases = _copies(network)
                break
            _check_finite(network, epoch, hyper)
            train_cost, train_accuracy = training_monitor.measure(network)
            val_cost, val_accuracy = validation_monitor.measure(network)
            if val_accuracy is None or result.best_val_accuracy is None or val_accuracy > result.best_val_accuracy:
                result.best_epoch, result.best_val_accuracy = epoch, val_accuracy
                best_weights, best_biases = _copies(network)
            record = EpochRecord(epoch, time.perf_counter() - started, learning_rate,
                                 train_cost, train_accuracy, val_cost, val_accuracy)
            result.history.append(record)
            if on_epoch:
                on_epoch(record)

    network.weights, network.biases = best_weights, best_biases
    return result


def _copies(network: Network) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Copies of the network's weights and biases, to restore later."""
    return [w.copy() for w in network.weights], [b.copy() for b in network.biases]


def _minibatches(
    images: np.ndarray, labels: np.ndarray, hyper: Hyperparameters, rng: np.random.Generator, dtype,
    teacher: Network | None, convention: ReadingConvention,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """One epoch of shuffled minibatches (x (m, 784), y (m, 10)) of ``dtype``.

    The images stay uint8 in memory; a chunk of them at a time is shuffled, distorted,
    shifted, prepared as ``convention`` says (deskewed) and converted, and the minibatches
    are views into that chunk.
    """
    order = rng.permutation(len(images))
    chunk = hyper.batch_size * max(1, CHUNK_EXAMPLES // hyper.batch_size)
    for start in range(0, len(order), chunk):
        indices = order[start : start + chunk]
        chunk_images = images[indices]
        if hyper.distortions.any:
            chunk_images = random_distortions(chunk_images, hyper.distortions, rng)
        if hyper.shift:
            chunk_images = random_shifts(chunk_images, hyper.shift, rng)
        x = to_inputs(convention.prepare(chunk_images), dtype)
        y = one_hot(labels[indices], dtype)
        if teacher is not None and hyper.distill:
            y = (1 - hyper.distill) * y + hyper.distill * teacher.feedforward(x).astype(dtype)
        for first in range(0, len(indices), hyper.batch_size):
            yield x[first : first + hyper.batch_size], y[first : first + hyper.batch_size]


def _check_finite(network: Network, epoch: int, hyper: Hyperparameters) -> None:
    """Raise TrainingDiverged, naming the likely cause, if any weight is NaN or infinite."""
    if all(np.isfinite(p).all() for p in network.weights + network.biases):
        return
    if hyper.learning_rate * hyper.l2 >= 1:
        # Each step multiplies the weights by (1 - eta l2): at or below 0 they flip sign
        # and grow instead of decaying.
        cause = (f"eta x l2 = {hyper.learning_rate * hyper.l2:g} is 1 or more, so the L2 term "
                 "overshoots; l2 is the book's lambda/n (lambda = 5 over n = 50,000 is 1e-4)")
    else:
        cause = "the learning rate is too high"
    raise TrainingDiverged(f"the weights became infinite or NaN in epoch {epoch}: {cause}")


@contextlib.contextmanager
def _stop_requested_on_ctrl_c(stop: Callable[[], bool] | None = None) -> Iterator[Callable[[], bool]]:
    """Within the block, the first Ctrl-C only sets a flag (read by calling the yielded function,
    which also asks ``stop``); a second one interrupts at once. Outside the main thread signals
    cannot be caught, and only ``stop`` can set the flag."""
    requested = threading.Event()

    def stop_requested() -> bool:
        if stop is not None and not requested.is_set() and stop():
            requested.set()
        return requested.is_set()

    if threading.current_thread() is not threading.main_thread():
        yield stop_requested
        return

    def request_stop(signum, frame):
        requested.set()
        signal.signal(signal.SIGINT, previous)

    previous = signal.signal(signal.SIGINT, request_stop)
    try:
        yield stop_requested
    finally:
        signal.signal(signal.SIGINT, previous)
