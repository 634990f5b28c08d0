"""`train` and `evaluate` end to end, on a small generated dataset so they run in seconds."""

import json
import os
import signal

import numpy as np
import pytest

from mnist_app import model_io
from mnist_app.cli import main
from mnist_app.cli import train as cli_train
from mnist_app.data import TEST_IMAGES, TEST_LABELS, TRAIN_IMAGES, TRAIN_LABELS

FAST = ["--epochs", "3", "--batch-size", "16", "--validation", "200", "--quiet"]


def test_train_saves_a_model_that_evaluate_reads(fake_mnist_dir, tmp_path, capsys):
    model = tmp_path / "out" / "model.npz"
    assert main(["train", "--data-dir", str(fake_mnist_dir), "--output", str(model), *FAST]) == 0
    printed = capsys.readouterr().out
    assert "test accuracy: " in printed and f"saved {model}" in printed

    network, metadata = model_io.load(model)
    assert network.sizes == [784, 30, 10]
    assert metadata["seed"] == 0 and metadata["hyperparameters"]["epochs"] == 3
    assert len(metadata["training_data_sha256"]) == 2

    assert main(["evaluate", "--model", str(model), "--data-dir", str(fake_mnist_dir), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["total"] == 200 and report["correct"] == round(report["accuracy"] * 200)
    assert report["accuracy"] == pytest.approx(metadata["test_accuracy"])
    assert report["accuracy"] > 0.9  # the generated digits are easy; chance is 0.1
    assert np.array(report["confusion"]).sum() == 200 and len(report["per_class"]) == 10


def test_train_json_reports_every_epoch_on_the_last_line(fake_mnist_dir, tmp_path, capsys):
    model = tmp_path / "model.npz"
    argv = ["train", "--data-dir", str(fake_mnist_dir), "--output", str(model), "--json", "--hidden", "20,15", *FAST]
    assert main(argv) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["output"] == str(model)
    assert [epoch["epoch"] for epoch in summary["history"]] == [1, 2, 3]
    assert "epochs" not in summary  # the history is printed once
    assert set(summary["history"][0]) == {
        "epoch", "seconds", "learning_rate", "train_cost", "train_accuracy", "val_cost", "val_accuracy"}
    assert summary["hyperparameters"]["sizes"] == [784, 20, 15, 10]
    assert 0.0 <= summary["test_accuracy"] <= 1.0
    best = max(summary["history"], key=lambda epoch: epoch["val_accuracy"])
    assert summary["best_epoch"] == best["epoch"]


def test_same_seed_same_file_but_its_stamps(fake_mnist_dir, tmp_path):
    """What models/README.md promises of train_shipped_model.sh, on a small run with the
    same kinds of flags: the same weights bit for bit, and the same metadata but for the
    creation time and the seconds each epoch took. Compared as the raw npz members."""
    model, kept = tmp_path / "model.npz", tmp_path / "first.npz"
    flags = ["--seed", "3", "--momentum", "0.9", "--distort", "0.5", "--nondigits", "40", *FAST]
    for _ in range(2):
        if model.exists():
            model.rename(kept)
        assert main(["train", "--data-dir", str(fake_mnist_dir), "--output", str(model), *flags]) == 0
    with np.load(kept) as first, np.load(model) as second:
        assert sorted(first.files) == sorted(second.files)
        for name in first.files:
            if name != "metadata":
                assert first[name].dtype == second[name].dtype and first[name].tobytes() == second[name].tobytes()
        meta_first, meta_second = (json.loads(str(archive["metadata"])) for archive in (first, second))
    for metadata in (meta_first, meta_second):
        assert metadata.pop("created_utc")
        assert all(epoch.pop("seconds") >= 0 for epoch in metadata["history"])
    assert meta_first == meta_second


def test_validation_zero_trains_on_everything(fake_mnist_dir, tmp_path, capsys):
    argv = ["train", "--data-dir", str(fake_mnist_dir), "--output", str(tmp_path / "m.npz"), "--epochs", "2", "--validation", "0", "--quiet", "--json"]
    assert main(argv) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["best_epoch"] == 2 and summary["validation_accuracy"] is None


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--epochs", "0"], "argument --epochs: expected a whole number from 1 to 10000, got '0'"),
        (["--lr", "-1"], "argument --lr: expected a finite number in (0, inf), got '-1'"),
        (["--validation", "60000"], "argument --validation: expected a whole number from 0 to 59999"),
        (["--seed", "-1"], "argument --seed: expected a whole number from 0 to"),
        (["--hidden", "10000000000"], "argument --hidden: expected layer sizes like 30 or 100,30"),
        (["--hidden", "30,x"], "argument --hidden: expected layer sizes like 30 or 100,30"),
        (["--timeout", "inf"], "argument --timeout: expected a finite number"),
    ],
)
def test_bad_settings_exit_2_with_one_line(fake_mnist_dir, tmp_path, capsys, flags, message):
    argv = ["train", "--data-dir", str(fake_mnist_dir), "--output", str(tmp_path / "m.npz"), "--quiet", *flags]
    assert main(argv) == 2
    error = capsys.readouterr().err
    assert error.startswith("mnist-app: error: ") and message in error and error.count("\n") == 1
    assert not (tmp_path / "m.npz").exists()


@pytest.mark.parametrize("where, message", [
    ("directory", "is a directory; give a file name for the weights"),
    ("under-a-file", "{output.parent} is not a directory"),
])
def test_an_unwritable_output_fails_before_training(fake_mnist_dir, tmp_path, capsys, where, message):
    (tmp_path / "directory").mkdir()
    (tmp_path / "a-file").write_text("")
    output = {"directory": tmp_path / "directory", "under-a-file": tmp_path / "a-file" / "model.npz"}[where]
    assert main(["train", "--data-dir", str(fake_mnist_dir), "--output", str(output), *FAST[:-1]]) == 1
    captured = capsys.readouterr()
    assert captured.err == f"mnist-app: error: {output}: {message.format(output=output)}\n"  # no epoch ran
    assert captured.out == ""


def test_evaluate_with_a_broken_model_file_is_one_line_exit_1(fake_mnist_dir, tmp_path, capsys):
    broken = tmp_path / "broken.npz"
    broken.write_text("not weights")
    assert main(["evaluate", "--model", str(broken), "--data-dir", str(fake_mnist_dir)]) == 1
    error = capsys.readouterr().err
    assert error.startswith("mnist-app: error: ") and "not a readable .npz" in error and error.count("\n") == 1


def test_evaluate_needs_only_the_test_files(fake_mnist_dir, capsys):
    """The test set is all evaluate reads: with the training files gone and every mirror
    refusing, it still measures the 200 fake test digits (nothing is downloaded)."""
    for name in (TRAIN_IMAGES, TRAIN_LABELS):
        (fake_mnist_dir / name).unlink()
    argv = ["evaluate", "--data-dir", str(fake_mnist_dir), "--mirror", "http://127.0.0.1:9/", "--json", "--quiet"]
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out)["total"] == 200
    assert sorted(path.name for path in fake_mnist_dir.iterdir()) == sorted([TEST_IMAGES, TEST_LABELS])


def test_train_says_when_it_replaces_a_file(fake_mnist_dir, tmp_path, capsys):
    model = tmp_path / "model.npz"
    printed = []
    for _ in range(2):
        assert main(["train", "--data-dir", str(fake_mnist_dir), "--output", str(model), "--epochs", "1",
                     *FAST[2:]]) == 0
        printed.append(capsys.readouterr().out.splitlines()[-1])
    assert printed == [f"saved {model}", f"saved {model}, replacing the file that was there"]


def test_sigterm_stops_training_as_ctrl_c_does_keeping_the_weights(fake_mnist_dir, tmp_path, capsys, monkeypatch):
    """`kill` or `docker stop` during training: the run stops after the minibatch, the best
    weights so far are saved, and the exit status says SIGTERM (143), not Ctrl-C (130)."""
    def train_then_get_sigterm(*args, **kwargs):
        def on_epoch(record):
            if record.epoch == 1:
                os.kill(os.getpid(), signal.SIGTERM)
        return real_train(*args[:7], on_epoch, *args[8:], **kwargs)

    real_train = cli_train.train
    monkeypatch.setattr(cli_train, "train", train_then_get_sigterm)
    model = tmp_path / "model.npz"
    assert main(["train", "--data-dir", str(fake_mnist_dir), "--output", str(model), "--epochs", "5",
                 *FAST[2:]]) == 143
    assert capsys.readouterr().out.startswith("interrupted after 1 of 5 epochs\n")
    _, metadata = model_io.load(model)
    assert metadata["best_epoch"] == 1 and metadata["interrupted"]


@pytest.mark.parametrize("signum, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_stop_after_training_waits_for_the_save(fake_mnist_dir, tmp_path, capsys, monkeypatch, signum, status):
    """Ctrl-C or SIGTERM while the finished run is calibrated and tested (about 1 s): the
    run is saved whole, and the exit status says which signal came."""
    def evaluate_after_a_signal(*args, **kwargs):
        os.kill(os.getpid(), signum)
        return real_evaluate(*args, **kwargs)

    real_evaluate = cli_train.evaluate
    monkeypatch.setattr(cli_train, "evaluate", evaluate_after_a_signal)
    model = tmp_path / "model.npz"
    assert main(["train", "--data-dir", str(fake_mnist_dir), "--output", str(model), "--epochs", "1",
                 *FAST[2:]]) == status
    assert capsys.readouterr().out.splitlines()[-1] == f"saved {model}"
    _, metadata = model_io.load(model)
    assert "test_accuracy" in metadata and not metadata["interrupted"]
