"""`mnist-app train --start-from MODEL [--hard-nondigits N]`: fine-tuning a saved model, and
hard-negative mining with it, end to end on the small fake MNIST."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

from mnist_app import model_io
from mnist_app.cli import main
from mnist_app.cli import train as train_command
from mnist_app.cli.train_data import HARD_REPEAT
from mnist_app.constants import NOT_A_DIGIT
from mnist_app.network import Network

FAST = ["--epochs", "1", "--batch-size", "16", "--validation", "200", "--quiet", "--nondigits", "0"]


def train(fake_mnist_dir, model, *flags: str) -> int:
    return main(["train", "--data-dir", str(fake_mnist_dir), "--output", str(model), *FAST, *flags])


def constant_network(output_biases: list[float]) -> Network:
    """A 784-30-10 network whose outputs are sigmoid(output_biases) for every picture."""
    network = Network([784, 30, 10], rng=np.random.default_rng(0))
    network.weights[1][:] = 0
    network.biases[1][:] = output_biases
    return network


def test_fine_tuning_starts_from_the_given_weights_and_records_them(fake_mnist_dir, tmp_path, capsys):
    start = tmp_path / "start.npz"
    assert train(fake_mnist_dir, start, "--seed", "5") == 0
    start_network, start_metadata = model_io.load(start)
    tuned, fresh = tmp_path / "tuned.npz", tmp_path / "fresh.npz"
    # a step too small to move any weight by 1e-4: the run ends where it started
    assert train(fake_mnist_dir, tuned, "--start-from", str(start), "--lr", "1e-7", "--json") == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert train(fake_mnist_dir, fresh, "--lr", "1e-7") == 0
    tuned_network, metadata = model_io.load(tuned)
    fresh_network, _ = model_io.load(fresh)
    for mine, theirs, random in zip(tuned_network.weights, start_network.weights, fresh_network.weights):
        assert np.abs(mine - theirs).max() < 1e-4 and np.abs(random - theirs).max() > 0.1
    assert summary["test_accuracy"] == pytest.approx(start_metadata["test_accuracy"], abs=0.01)
    record = metadata["started_from"]
    assert record["seed"] == 5 and record["history"] == start_metadata["history"]
    with np.load(start) as archive:  # the file's own arrays, in the order of the layers
        arrays = [archive[f"{kind}_{layer}"] for kind in ("weights", "biases") for layer in range(2)]
    assert record["weights_sha256"] == hashlib.sha256(b"".join(a.tobytes() for a in arrays)).hexdigest()
    assert "started_from" not in start_metadata and "hard_nondigits_kept" not in summary


@pytest.mark.parametrize("output_biases, kept", [
    ([8.0] + [-8.0] * 9, 12),  # every picture read as 0 at 99.97%: none doubted, all kept
    ([-8.0] * 10, 0),  # every output near 0: a near tie, flagged, none kept
], ids=["sure of everything", "sure of nothing"])
def test_hard_nondigits_keeps_what_the_start_model_reads_without_doubt(
        fake_mnist_dir, tmp_path, capsys, output_biases, kept):
    start = tmp_path / "start.npz"
    model_io.save(start, constant_network(output_biases), {"deskew": True, "average_shifts": True})
    model = tmp_path / "tuned.npz"
    assert train(fake_mnist_dir, model, "--start-from", str(start), "--hard-nondigits", "12", "--json") == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["hard_nondigits_kept"] == kept and summary["hyperparameters"]["hard_nondigits"] == 12


def test_hard_nondigits_change_the_training_data_only_by_the_kept_pictures(fake_mnist_dir, tmp_path, monkeypatch):
    start = tmp_path / "start.npz"
    model_io.save(start, constant_network([8.0] + [-8.0] * 9), {"deskew": True})
    seen = []
    real_train = train_command.train

    def recording_train(network, images, labels, *rest, **options):
        seen.append(labels)
        return real_train(network, images, labels, *rest, **options)

    monkeypatch.setattr(train_command, "train", recording_train)
    assert train(fake_mnist_dir, tmp_path / "a.npz", "--start-from", str(start)) == 0
    assert train(fake_mnist_dir, tmp_path / "b.npz", "--start-from", str(start), "--hard-nondigits", "5") == 0
    without, with_hard = seen
    assert len(with_hard) - len(without) == 5 * HARD_REPEAT
    assert (with_hard[len(without):] == NOT_A_DIGIT).all()


@pytest.mark.parametrize("start_sizes, start_metadata, flags, message", [
    ([784, 20, 10], {"deskew": True}, [], "has layers 784-20-10; this run's are 784-30-10 (--hidden)"),
    ([784, 30, 10], {"deskew": False}, [], "reads digits as they are; train on from it the same way"),
    ([784, 30, 10], {"deskew": True}, ["--cost", "quadratic"], "was trained with --cost cross-entropy"),
    (None, None, ["--hard-nondigits", "10"], "--hard-nondigits needs --start-from"),
], ids=["other sizes", "other convention", "other cost", "mining without a start"])
def test_a_start_that_does_not_fit_is_a_usage_error_before_loading_data(
        fake_mnist_dir, tmp_path, capsys, monkeypatch, start_sizes, start_metadata, flags, message):
    def no_data(args):
        raise AssertionError("MNIST was loaded before --start-from was checked")

    monkeypatch.setattr(train_command, "load_mnist_from_args", no_data)
    if start_sizes:
        start = tmp_path / "start.npz"
        model_io.save(start, Network(start_sizes, rng=np.random.default_rng(0)), start_metadata)
        flags = ["--start-from", str(start), *flags]
    model = tmp_path / "tuned.npz"
    assert train(fake_mnist_dir, model, *flags) == 2
    error = capsys.readouterr().err
    assert error.startswith("mnist-app: error: ") and message in error and error.count("\n") == 1
    assert not model.exists()


def test_a_missing_start_model_is_one_line_exit_1(fake_mnist_dir, tmp_path, capsys):
    assert train(fake_mnist_dir, tmp_path / "tuned.npz", "--start-from", str(tmp_path / "none.npz")) == 1
    error = capsys.readouterr().err
    assert error == f"mnist-app: error: {tmp_path / 'none.npz'}: no such model file\n"
