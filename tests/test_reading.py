"""A model that says "average_shifts" reads each picture five times, moved a pixel each
way, and averages the outputs; everything that scores or uses the model reads it so."""

from __future__ import annotations

import numpy as np
import pytest

from mnist_app.evaluate import predict_digits
from mnist_app.network import Network
from mnist_app.predict import Classifier
from mnist_app.augment import shift
from mnist_app.reading import SHIFTS, ShiftAveraged, reader


@pytest.fixture(scope="module")
def network():
    return Network([784, 30, 10], rng=np.random.default_rng(0))


def test_the_outputs_are_the_mean_over_the_five_positions(network):
    pictures = np.random.default_rng(1).random((3, 28, 28)).astype(np.float32)
    expected = np.mean([network.feedforward(shift(pictures, r, c).reshape(3, 784)) for r, c in SHIFTS], axis=0)
    np.testing.assert_allclose(ShiftAveraged(network).feedforward(pictures.reshape(3, 784)), expected, rtol=1e-6)
    assert len(set(SHIFTS)) == 5 and (0, 0) in SHIFTS


def test_only_a_model_that_says_so_reads_five_times(network):
    assert reader(network, {}) is network and reader(network, {"average_shifts": False}) is network
    assert isinstance(reader(network, {"average_shifts": True}), ShiftAveraged)


def test_the_classifier_and_the_scores_read_as_the_model_file_says(network):
    pictures = np.random.default_rng(2).random((4, 28, 28)).astype(np.float32)
    averaged = ShiftAveraged(network).feedforward(pictures.reshape(4, 784))
    single = network.feedforward(pictures.reshape(4, 784))
    assert not np.allclose(averaged, single)  # so the comparisons below can tell them apart
    predictions = Classifier(network, {"average_shifts": True}).predict_vectors(pictures.reshape(4, 784))
    np.testing.assert_allclose([p.probabilities for p in predictions], averaged, rtol=1e-5)
    reading = Classifier(network, {"average_shifts": True}).read_picture((pictures[0] * 255).astype(np.uint8))
    _, layers = network.forward(reading.image.reshape(1, 784).astype(np.float32) / 255)
    np.testing.assert_allclose(reading.hidden, layers[1][0], rtol=1e-6)  # the hidden layer: the picture as it is
    np.testing.assert_allclose(reading.outputs, ShiftAveraged(network).feedforward(
        reading.image.reshape(1, 784).astype(np.float32) / 255)[0], rtol=1e-6)
    np.testing.assert_array_equal(predict_digits(ShiftAveraged(network), pictures), averaged.argmax(axis=1))
