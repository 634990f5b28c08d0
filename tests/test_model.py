"""Model: a network read by its convention and judged by its rule, loaded once from a file.
Expectations are computed by hand with numpy: the sigmoid layers, the rule's comparisons."""

from __future__ import annotations

import numpy as np
import pytest

from mnist_app import model_io
from mnist_app.confidence import RejectRule
from mnist_app.errors import ModelFileError
from mnist_app.model import Model
from mnist_app.network import Network
from mnist_app.predict import Classifier
from mnist_app.reading import ReadingConvention


@pytest.fixture(scope="module")
def network():
    return Network([784, 16, 10], rng=np.random.default_rng(3))


def by_hand(network: Network, inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(hidden, outputs) of a one-hidden-layer sigmoid network, computed directly."""
    (w1, w2), (b1, b2) = (w.astype(np.float64) for w in network.weights), (b.astype(np.float64) for b in network.biases)
    hidden = 1 / (1 + np.exp(-(inputs @ w1.T + b1)))
    return hidden, 1 / (1 + np.exp(-(hidden @ w2.T + b2)))


def test_read_gives_each_layer_of_the_network(network):
    pictures = np.random.default_rng(4).integers(0, 256, (5, 28, 28), dtype=np.uint8)
    readout = Model(network).read(pictures)
    hidden, outputs = by_hand(network, pictures.reshape(5, 784) / 255.0)
    np.testing.assert_allclose(readout.hidden, hidden, rtol=1e-5)
    np.testing.assert_allclose(readout.outputs, outputs, rtol=1e-5)
    np.testing.assert_array_equal(readout.digits, outputs.argmax(axis=1))
    np.testing.assert_array_equal(readout.pictures, pictures)  # no deskew: seen as given


def test_uint8_and_float_pictures_and_either_shape_read_alike(network):
    pictures = np.random.default_rng(5).integers(0, 256, (3, 28, 28), dtype=np.uint8)
    model = Model(network, ReadingConvention(average_shifts=True))
    as_bytes = model.read(pictures).outputs
    np.testing.assert_allclose(model.read(pictures.reshape(3, 784).astype(np.float32) / 255).outputs, as_bytes,
                               rtol=1e-5)
    np.testing.assert_array_equal(model.read(pictures.reshape(3, 784)).outputs, as_bytes)


def test_the_rule_flags_what_is_below_its_thresholds_and_near_ties():
    # One sigmoid layer with small random weights: its outputs for random pictures spread
    # enough that some top two are near ties and some are not.
    weights = (np.random.default_rng(0).standard_normal((10, 784)) * 0.1).astype(np.float32)
    network = Network.from_parameters([weights], [np.zeros(10, np.float32)])
    pictures = np.random.default_rng(6).integers(0, 256, (50, 28, 28), dtype=np.uint8)
    outputs = 1 / (1 + np.exp(-(pictures.reshape(50, 784) / 255.0 @ weights.T.astype(np.float64))))
    strongest = np.sort(outputs.max(axis=1))
    rule = RejectRule(not_a_digit_below=float(strongest[10] + strongest[11]) / 2,
                      unsure_below=float(strongest[30] + strongest[31]) / 2)
    top_two = np.sort(np.rint(outputs * 1000), axis=1)[:, -2:]  # tenths of a point, as printed
    near_tie = top_two[:, 1] - top_two[:, 0] <= 100
    readout = Model(network, rule=rule).read(pictures)
    assert readout.not_a_digit.sum() == 11
    np.testing.assert_array_equal(readout.unsure, (outputs.max(axis=1) < rule.unsure_below) | near_tie)
    np.testing.assert_array_equal(Model(network).read(pictures).unsure, near_tie)  # no thresholds: ties only
    assert 0 < near_tie.sum() < 50  # so that both comparisons can fail


def test_an_empty_batch_reads_as_empty_arrays(network):
    readout = Model(network).read(np.zeros((0, 28, 28), dtype=np.uint8))
    assert readout.outputs.shape == (0, 10) and readout.hidden.shape == (0, 16) and readout.digits.shape == (0,)


@pytest.mark.parametrize("pictures", [np.zeros((2, 27, 28), np.uint8), np.full((1, 784), 2.0), np.zeros((1, 784), int)])
def test_pictures_outside_the_convention_are_refused(network, pictures):
    with pytest.raises(ValueError, match="pictures"):
        Model(network).read(pictures)


def test_load_takes_the_convention_and_rule_from_the_file(network, tmp_path):
    path = tmp_path / "model.npz"
    written = {"deskew": True, "average_shifts": True, "reject": {"not_a_digit_below": 0.1, "unsure_below": 0.3}}
    model_io.save(path, network, {**written, "purpose": "tests"})
    model = Model.load(path)
    assert model.convention == ReadingConvention(deskew=True, average_shifts=True)
    assert model.rule == RejectRule(not_a_digit_below=0.1, unsure_below=0.3)
    assert model.metadata["purpose"] == "tests"
    assert model.to_metadata() == written
    np.testing.assert_array_equal(model.network.weights[0], network.weights[0])


def test_a_model_file_without_a_convention_reads_as_the_book_does(network, tmp_path):
    path = tmp_path / "old.npz"
    model_io.save(path, network, {})
    model = Model.load(path)
    assert model.convention == ReadingConvention(deskew=False, average_shifts=False)
    assert model.rule == RejectRule() and "reject" not in model.to_metadata()


def test_load_without_a_path_is_the_shipped_model(monkeypatch, tmp_path, network):
    path = tmp_path / "shipped.npz"
    model_io.save(path, network, {"purpose": "shipped"})
    monkeypatch.setattr(model_io, "default_model_path", lambda: path)
    assert Model.load().metadata["purpose"] == "shipped"
    with pytest.raises(ModelFileError, match="no such model file"):
        Model.load(tmp_path / "absent.npz")


def test_a_classifier_reports_the_models_averaged_outputs(network):
    pictures = np.random.default_rng(7).integers(0, 256, (4, 28, 28), dtype=np.uint8)
    model = Model(network, ReadingConvention(average_shifts=True))
    moved = [np.roll(pictures, shift, axis=axis) for shift, axis in ((0, 1), (-1, 1), (1, 1), (-1, 2), (1, 2))]
    for picture, (rows, columns) in zip(moved[1:], ((-1, 0), (1, 0), (0, -1), (0, 1))):  # clear the wrapped edge
        if rows:
            picture[:, 0 if rows > 0 else -1, :] = 0
        if columns:
            picture[:, :, 0 if columns > 0 else -1] = 0
    expected = np.mean([by_hand(network, p.reshape(4, 784) / 255.0)[1] for p in moved], axis=0)
    predictions = Classifier(model).predict_vectors(pictures.reshape(4, 784) / 255.0)
    np.testing.assert_allclose([p.probabilities for p in predictions], expected, rtol=1e-5)
    assert [p.digit for p in predictions] == list(expected.argmax(axis=1))
