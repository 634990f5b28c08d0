"""The SGD loop: it learns, it is reproducible, it keeps the best weights, it stops cleanly."""

import os
import signal

import numpy as np
import pytest

from mnist_app.errors import TrainingDiverged
from mnist_app.evaluate import accuracy
from mnist_app.model import Model
from mnist_app.network import Network
from mnist_app.augment import random_shifts
from mnist_app.training import Hyperparameters, train


def tiny_set(n=50, seed=0):
    """``n`` random sparse 28x28 uint8 images (5% of pixels lit) with random labels:
    learnable only by memorising."""
    rng = np.random.default_rng(seed)
    images = np.where(rng.random((n, 28, 28)) < 0.05, 255, 0).astype(np.uint8)
    return images, rng.integers(0, 10, size=n).astype(np.uint8)


def train_tiny(seed=0, **settings):
    images, labels = tiny_set()
    rng = np.random.default_rng(seed)
    network = Network([784, 30, 10], rng=rng)
    # deskew off: these tests read the network's accuracy on the raw images
    hyper = Hyperparameters(**{"epochs": 40, "batch_size": 10, "learning_rate": 1.0, "shift": 0, "l2": 0.0,
                               "deskew": False, **settings})
    result = train(network, images, labels, images, labels, hyper, rng)
    return network, result, images, labels


def test_overfits_a_tiny_set_and_the_loss_decreases():
    network, result, images, labels = train_tiny(momentum=0.9, schedule="cosine")
    assert accuracy(Model(network), images, labels) == 1.0
    losses = [record.train_cost for record in result.history]
    assert losses[-1] < 0.1 * losses[0]


def test_same_seed_gives_bit_identical_weights():
    first, _, _, _ = train_tiny(seed=5, epochs=3, shift=1)
    second, _, _, _ = train_tiny(seed=5, epochs=3, shift=1)
    other, _, _, _ = train_tiny(seed=6, epochs=3, shift=1)
    assert all(np.array_equal(a, b) for a, b in zip(first.weights + first.biases, second.weights + second.biases))
    assert not np.array_equal(first.weights[0], other.weights[0])


def test_keeps_the_weights_of_the_best_validation_epoch():
    network, result, images, labels = train_tiny(epochs=8)
    best = max(result.history, key=lambda record: record.val_accuracy)
    assert result.best_epoch == best.epoch
    assert accuracy(Model(network), images, labels) == result.best_val_accuracy == best.val_accuracy


def test_ctrl_c_stops_after_the_current_minibatch_and_keeps_the_best_weights():
    images, labels = tiny_set()
    rng = np.random.default_rng(0)
    network = Network([784, 30, 10], rng=rng)

    def press_ctrl_c_after_epoch_two(record):
        if record.epoch == 2:
            os.kill(os.getpid(), signal.SIGINT)

    result = train(network, images, labels, images, labels, Hyperparameters(epochs=10, deskew=False), rng,
                   press_ctrl_c_after_epoch_two)

    assert result.interrupted
    assert len(result.history) == 2
    assert accuracy(Model(network), images, labels) == result.best_val_accuracy
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_diverging_learning_rate_raises_instead_of_returning_nan_weights():
    # A step of 1e39 times a float32 gradient overflows to infinity.
    with np.errstate(all="ignore"), pytest.raises(TrainingDiverged, match="learning rate"):
        train_tiny(epochs=2, learning_rate=1e39)


@pytest.mark.parametrize(
    "bad",
    [dict(epochs=0), dict(batch_size=0), dict(learning_rate=-1.0), dict(learning_rate=float("nan")),
     dict(momentum=1.0), dict(l2=-0.1), dict(schedule="step"), dict(shift=9)],
)
def test_bad_hyperparameters_raise_value_error_naming_them(bad):
    name = next(iter(bad)).replace("_", " ")
    with pytest.raises(ValueError, match=name.split()[0]):
        Hyperparameters(**bad).validate()


def test_cosine_schedule_starts_at_eta_and_decays_towards_zero():
    hyper = Hyperparameters(epochs=10, learning_rate=0.5, schedule="cosine")
    rates = [hyper.learning_rate_at(epoch) for epoch in range(10)]
    assert rates[0] == 0.5 and rates[5] == pytest.approx(0.25) and 0 < rates[-1] < 0.02
    assert rates == sorted(rates, reverse=True)


def test_random_shifts_move_each_image_by_at_most_the_given_pixels():
    image = np.zeros((28, 28), dtype=np.uint8)
    image[10:14, 12:16] = 255
    shifted = random_shifts(np.repeat(image[None], 200, axis=0), 1, np.random.default_rng(0))
    offsets = set()
    for picture in shifted:
        rows, cols = np.nonzero(picture)
        offsets.add((rows.min() - 10, cols.min() - 12))
        assert picture.sum() == image.sum()
    assert offsets == {(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)}
