"""What training gained for the robust model: checked inputs, "not a digit" targets,
deskewed digits, distortions, distillation from a teacher and the per-epoch record.

Networks here are small and train for a few epochs on MNIST test digits from the
committed sample, so every test runs in well under a second.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from mnist_app import augment, reading, training
from mnist_app.constants import NOT_A_DIGIT
from mnist_app.distortions import STANDARD_DISTORTIONS, Distortions, random_distortions
from mnist_app.inputs import check_images, one_hot, to_inputs
from mnist_app.network import Network
from mnist_app.reading import ReadingConvention
from mnist_app.training import Hyperparameters, train
from mnist_sample import mnist_sample

IMAGES, LABELS = mnist_sample()
DIGITS, DIGIT_LABELS = IMAGES[:60], LABELS[:60].astype(np.int64)
QUICK = {"batch_size": 10, "learning_rate": 1.0, "shift": 0, "l2": 0.0}


def bars(n: int, seed: int) -> np.ndarray:
    """``n`` (n, 28, 28) uint8 pictures of a horizontal bar 3 px thick, 10-15 px long, placed
    at random: a stand-in for "not a digit"."""
    rng = np.random.default_rng(seed)
    images = np.zeros((n, 28, 28), dtype=np.uint8)
    for image in images:
        top, left = rng.integers(6, 20), rng.integers(4, 10)
        image[top:top + 3, left:left + rng.integers(10, 16)] = 255
    return images


def small_network(seed: int = 0) -> Network:
    return Network([784, 30, 10], rng=np.random.default_rng(seed))


def record_training_inputs(network: Network) -> list[np.ndarray]:
    """Make ``network`` remember the inputs x of every minibatch it is trained on."""
    seen: list[np.ndarray] = []
    backprop = network.backprop

    def recording(x, y, l2):
        seen.append(x.copy())
        return backprop(x, y, l2)

    network.backprop = recording
    return seen


# --- inputs and targets --------------------------------------------------------------


@pytest.mark.parametrize("images, message", [
    (DIGITS.astype(np.float32), r"floats outside \[0, 1\]"),  # 0-255 as floats: not scaled
    (np.full((2, 28, 28), np.nan, np.float32), r"floats outside \[0, 1\]"),
    (np.full((2, 28, 28), -0.1), r"floats outside \[0, 1\]"),
    (np.zeros((2, 27, 27), np.uint8), r"shape \(m, 28, 28\) or \(m, 784\)"),
    (np.zeros((2, 783), np.uint8), r"shape \(m, 28, 28\) or \(m, 784\)"),
    (np.zeros((28, 28), np.uint8), r"shape \(m, 28, 28\) or \(m, 784\)"),
    (DIGITS.astype(np.int32), "uint8 0-255 or floats in"),
], ids=["0-255 floats", "NaN", "negative", "27x27", "783 columns", "one image", "int32"])
def test_check_images_refuses_the_wrong_scale_shape_or_type(images, message):
    with pytest.raises(ValueError, match=message):
        check_images(images)


def test_check_images_accepts_rows_of_784_and_floats_in_0_1():
    np.testing.assert_array_equal(check_images(DIGITS.reshape(60, 784)), DIGITS)
    floats = DIGITS / 255.0
    assert check_images(floats) is floats
    assert check_images(np.zeros((0, 28, 28), np.float32)).shape == (0, 28, 28)


def test_one_hot_of_not_a_digit_is_all_zeros():
    targets = one_hot(np.array([3, NOT_A_DIGIT, 0]))
    assert targets.shape == (3, 10)
    np.testing.assert_array_equal(targets, np.eye(10)[[3, 0, 0]] * np.array([[1], [0], [1]]))


def test_training_on_non_digits_leaves_every_output_low_for_them():
    nondigits = bars(20, seed=1)
    images = np.concatenate([DIGITS, nondigits])
    labels = np.concatenate([DIGIT_LABELS, np.full(20, NOT_A_DIGIT)])
    network = small_network()
    train(network, images, labels, DIGITS, DIGIT_LABELS, Hyperparameters(epochs=30, deskew=False, **QUICK),
          np.random.default_rng(0))
    strongest_for_bars = network.feedforward(to_inputs(nondigits)).max()
    assert strongest_for_bars < 0.5  # all ten outputs, every bar
    digit_outputs = network.feedforward(to_inputs(DIGITS))
    assert np.mean(digit_outputs.argmax(axis=1) == DIGIT_LABELS) >= 0.95
    assert np.median(digit_outputs.max(axis=1)) > 2 * strongest_for_bars


def test_validation_labels_must_be_digits():
    labels = DIGIT_LABELS.copy()
    labels[0] = NOT_A_DIGIT
    with pytest.raises(ValueError, match="validation labels must be digits 0-9"):
        train(small_network(), DIGITS, DIGIT_LABELS, DIGITS, labels, Hyperparameters(epochs=1), np.random.default_rng(0))


# --- deskewing -----------------------------------------------------------------------


def test_prepare_deskews_in_batches_as_in_one_go(monkeypatch):
    monkeypatch.setattr(reading, "DESKEW_BATCH", 7)  # several batches, the last one short
    np.testing.assert_array_equal(ReadingConvention(deskew=True).prepare(DIGITS), augment.deskew(DIGITS))


@pytest.mark.parametrize("distortions", [Distortions(), STANDARD_DISTORTIONS.scaled(0.5)], ids=["plain", "distorted"])
def test_deskew_training_feeds_the_network_deskewed_digits(distortions):
    """In the first epoch the network sees each training digit (distorted first, if asked)
    deskewed; the images come in the order and with the distortions that the rng draws."""
    network = small_network()
    seen = record_training_inputs(network)
    hyper = Hyperparameters(epochs=1, deskew=True, distortions=distortions, **QUICK)
    train(network, DIGITS, DIGIT_LABELS, DIGITS[:0], DIGIT_LABELS[:0], hyper, np.random.default_rng(3))
    replay = np.random.default_rng(3)  # train draws the order first, then the distortions
    expected = DIGITS[replay.permutation(len(DIGITS))]
    if distortions.any:
        expected = random_distortions(expected, distortions, replay)
    np.testing.assert_allclose(np.concatenate(seen), to_inputs(augment.deskew(expected)), atol=1e-6)


def test_deskew_training_measures_validation_on_deskewed_digits():
    network = small_network()
    validation, labels = IMAGES[100:160], LABELS[100:160]
    result = train(network, DIGITS, DIGIT_LABELS, validation, labels, Hyperparameters(epochs=1, deskew=True, **QUICK),
                   np.random.default_rng(0))

    def cost(images):
        return network.cost_value(to_inputs(images), one_hot(labels))

    measured = result.history[0].val_cost
    assert measured == pytest.approx(cost(augment.deskew(validation)), rel=1e-5)
    assert measured != pytest.approx(cost(validation), rel=1e-3)


# --- distillation --------------------------------------------------------------------


@pytest.mark.parametrize("distill", [0.0, 0.5, 1.0])
def test_distill_mixes_the_teachers_outputs_into_the_targets(distill):
    teacher = Network([784, 50, 10], rng=np.random.default_rng(9))
    hyper = Hyperparameters(distill=distill, batch_size=16, shift=0)
    batches = list(training._minibatches(DIGITS, DIGIT_LABELS, hyper, np.random.default_rng(2), np.float32,
                                         teacher=teacher, convention=ReadingConvention()))
    x, y = (np.concatenate(parts) for parts in zip(*batches))
    labels = DIGIT_LABELS[np.random.default_rng(2).permutation(len(DIGITS))]
    expected = (1 - distill) * one_hot(labels) + distill * teacher.feedforward(x)
    np.testing.assert_allclose(y, expected, atol=1e-6)
    assert [len(part) for part in batches[0]] == [16, 16]


# --- the record of each epoch ----------------------------------------------------------


@pytest.mark.parametrize("schedule", ["cosine", "constant"])
def test_each_epoch_records_its_learning_rate_and_validation(schedule):
    hyper = Hyperparameters(epochs=4, schedule=schedule, deskew=False, **{**QUICK, "learning_rate": 2.0})
    records = []
    result = train(small_network(), DIGITS[:40], DIGIT_LABELS[:40], DIGITS[40:], DIGIT_LABELS[40:], hyper,
                   np.random.default_rng(0), on_epoch=records.append)
    assert result.history == records and [r.epoch for r in records] == [1, 2, 3, 4]
    expected = [2.0 * 0.5 * (1 + math.cos(math.pi * e / 4)) for e in range(4)] if schedule == "cosine" else [2.0] * 4
    assert [r.learning_rate for r in records] == pytest.approx(expected)
    for record in records:
        assert record.val_cost > 0 and 0 <= record.val_accuracy <= 1
        assert record.train_cost > 0 and 0 <= record.train_accuracy <= 1 and record.seconds >= 0
    assert result.best_val_accuracy == max(r.val_accuracy for r in records)


def test_without_validation_images_the_record_says_none():
    result = train(small_network(), DIGITS, DIGIT_LABELS, DIGITS[:0], DIGIT_LABELS[:0],
                   Hyperparameters(epochs=2, deskew=False, **QUICK), np.random.default_rng(0))
    assert [(r.val_cost, r.val_accuracy) for r in result.history] == [(None, None)] * 2
    assert result.best_epoch == 2
