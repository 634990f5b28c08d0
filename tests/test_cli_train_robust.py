"""`mnist-app train` with the robust recipe's options (--nondigits, --typed, --distort,
--teacher, --deskew), end to end on the small fake MNIST, a couple of epochs each."""

from __future__ import annotations

from dataclasses import asdict

import numpy as np
import pytest

from mnist_app import model_io
from mnist_app.data import load_mnist
from mnist_app.inputs import to_inputs
from mnist_app.distortions import STANDARD_DISTORTIONS
from mnist_app.cli import main
from mnist_app.cli import train as train_command
from mnist_app.network import Network
from mnist_app.model import Model
from mnist_app.synthetic.typed import TRAINING_FACES, installed

FAST = ["--epochs", "2", "--batch-size", "16", "--validation", "200", "--quiet"]


def train(fake_mnist_dir, model, *flags: str) -> int:
    return main(["train", "--data-dir", str(fake_mnist_dir), "--output", str(model), *FAST, *flags])


def test_robust_training_records_its_recipe_and_a_calibrated_rule(fake_mnist_dir, tmp_path):
    if not installed(TRAINING_FACES):
        pytest.skip("--typed needs the DejaVu training faces")
    model = tmp_path / "robust.npz"
    assert train(fake_mnist_dir, model, "--nondigits", "40", "--typed", "20", "--distort", "0.5") == 0
    network, metadata = model_io.load(model)
    assert metadata["deskew"] is True and metadata["average_shifts"] is True
    rule = metadata["reject"]
    assert 0 <= rule["not_a_digit_below"] <= rule["unsure_below"] <= 1
    # calibrated on the validation digits read correctly, as the app reads them: about 1%
    # of them (2 of ~200) unsure, or only the near ties if those are more (a weak model's)
    validation = load_mnist(fake_mnist_dir)
    readout = Model.from_file_contents(network, metadata).read(validation.train_images[-200:])
    correct = readout.outputs[readout.digits == validation.train_labels[-200:]].astype(np.float64)
    strongest, top_two = correct.max(axis=1), np.sort(np.rint(correct * 1000), axis=1)[:, -2:]
    ties = int((top_two[:, 1] - top_two[:, 0] <= 100).sum())  # within 10 points as printed
    flagged = int(((strongest < rule["unsure_below"]) | (top_two[:, 1] - top_two[:, 0] <= 100)).sum())
    assert len(correct) > 100 and ties <= flagged <= max(ties + 1, 3)
    hyper = metadata["hyperparameters"]
    assert hyper["nondigits"] == 40 and hyper["typed"] == 20 and hyper["deskew"] is True
    assert hyper["distortions"] == pytest.approx(asdict(STANDARD_DISTORTIONS.scaled(0.5)))
    assert "teacher" not in metadata and hyper["distill"] == 0


def test_no_deskew_is_recorded_and_the_default_run_has_nondigits_and_a_rule(fake_mnist_dir, tmp_path):
    model = tmp_path / "plain.npz"
    assert train(fake_mnist_dir, model, "--no-deskew", "--no-average-shifts") == 0
    network, metadata = model_io.load(model)
    assert metadata["deskew"] is False and metadata["hyperparameters"]["deskew"] is False
    assert metadata["average_shifts"] is False  # read once, and scored so:
    test = load_mnist(fake_mnist_dir)
    read_once = network.feedforward(to_inputs(test.test_images)).argmax(axis=1)
    assert metadata["test_accuracy"] == np.mean(read_once == test.test_labels)
    # every model train makes has a rule, and trains on non-digits: 4% of its 800 training digits
    assert metadata["hyperparameters"]["nondigits"] == 32
    assert 0 < metadata["reject"]["not_a_digit_below"] <= metadata["reject"]["unsure_below"] < 1


@pytest.mark.parametrize("teacher_metadata, student_flags", [
    ({"deskew": False}, []),
    ({}, []),  # a model from before deskewing existed reads digits as they are
    ({"deskew": True}, ["--no-deskew"]),
], ids=["raw teacher, deskewed student", "old teacher, deskewed student", "deskewed teacher, raw student"])
def test_a_teacher_of_the_other_convention_is_a_usage_error_before_loading_data(
        fake_mnist_dir, tmp_path, capsys, monkeypatch, teacher_metadata, student_flags):
    teacher = tmp_path / "teacher.npz"
    model_io.save(teacher, Network([784, 40, 10], rng=np.random.default_rng(0)), teacher_metadata)

    def no_data(args):
        raise AssertionError("MNIST was loaded before the teacher was checked")

    monkeypatch.setattr(train_command, "load_mnist_from_args", no_data)
    model = tmp_path / "student.npz"
    assert train(fake_mnist_dir, model, "--teacher", str(teacher), *student_flags) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"mnist-app: error: --teacher {teacher} reads digits ") and error.count("\n") == 1
    assert not model.exists()


def test_a_teacher_of_the_same_convention_is_recorded(fake_mnist_dir, tmp_path):
    teacher = tmp_path / "teacher.npz"
    model_io.save(teacher, Network([784, 40, 10], rng=np.random.default_rng(0)),
                  {"deskew": True, "test_accuracy": 0.5})
    model = tmp_path / "student.npz"
    assert train(fake_mnist_dir, model, "--teacher", str(teacher), "--distill", "0.3") == 0
    _, metadata = model_io.load(model)
    assert metadata["teacher"]["sizes"] == [784, 40, 10] and metadata["teacher"]["test_accuracy"] == 0.5
    assert metadata["hyperparameters"]["distill"] == 0.3


@pytest.fixture
def no_fonts(tmp_path, monkeypatch):
    """A machine with no font at all: the font search finds an empty folder."""
    from mnist_app.synthetic import families, fonts, training
    empty = tmp_path / "no-fonts"
    monkeypatch.setattr(fonts, "FONT_DIRS", (empty,))
    monkeypatch.setattr(training, "TRAINING_FACES", tuple(empty / face.name for face in TRAINING_FACES))
    fonts.font_families.cache_clear(), families.families.cache_clear()
    yield
    fonts.font_families.cache_clear(), families.families.cache_clear()


def test_typed_digits_without_fonts_is_one_line_naming_what_to_install(fake_mnist_dir, tmp_path, capsys, no_fonts):
    assert train(fake_mnist_dir, tmp_path / "model.npz", "--typed", "10") == 1
    captured = capsys.readouterr()
    assert captured.err.splitlines() == ["mnist-app: error: no font to type digits in is installed "
                                         "(on Debian or Ubuntu: apt-get install fonts-dejavu-core fonts-liberation)"]
    assert not (tmp_path / "model.npz").exists()


def test_nondigits_without_fonts_are_drawn_without_typed_families(fake_mnist_dir, tmp_path, no_fonts):
    assert train(fake_mnist_dir, tmp_path / "model.npz", "--nondigits", "10") == 0
    assert model_io.load(tmp_path / "model.npz")[1]["fonts"] == {"typed_digit_faces": [], "nondigit_families": []}


def test_the_fonts_a_run_typed_in_are_recorded(fake_mnist_dir, tmp_path):
    if not installed(TRAINING_FACES):
        pytest.skip("--typed needs the DejaVu training faces")
    assert train(fake_mnist_dir, tmp_path / "model.npz", "--typed", "10", "--nondigits", "10") == 0
    fonts = model_io.load(tmp_path / "model.npz")[1]["fonts"]
    assert {face.name for face in installed(TRAINING_FACES)} <= set(fonts["typed_digit_faces"])
    assert "DejaVu Sans" in fonts["nondigit_families"] and fonts["nondigit_families"] == sorted(fonts["nondigit_families"])
