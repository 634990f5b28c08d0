"""predict: the Classifier (model loaded once, images batched) and the `predict` command."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mnist_sample import mnist_sample
from mnist_app import model_io
from mnist_app.cli import main
from mnist_app.errors import ImageError, ModelFileError, NoDigitFound
from mnist_app.image_folder import list_images
from mnist_app.model import Model
from mnist_app.network import Network
from mnist_app.predict import Classifier, Prediction
from mnist_app.synthetic import sets, typed
from test_preprocess import encode, png_claiming_size


class FixedNetwork(Network):
    """A 784-10 network that gives every input the same output activations."""

    def __init__(self, activations):
        super().__init__([784, 10], rng=np.random.default_rng(0))
        self.activations = np.asarray(activations, dtype=float)

    def forward(self, x):
        outputs = np.tile(self.activations, (len(x), 1))
        return [outputs], [x, outputs]


class RecordingNetwork(Network):
    """A copy of ``network`` that records the shape of each batch it reads."""

    def __init__(self, network):
        super().__init__(network.sizes, parameters=(network.weights, network.biases))
        self.batches = []

    def forward(self, x):
        self.batches.append(x.shape)
        return super().forward(x)


@pytest.fixture(scope="module")
def model_path(tmp_path_factory) -> Path:
    """A small seeded 784-16-10 network saved as a weights file (its guesses are arbitrary)."""
    path = tmp_path_factory.mktemp("model") / "small.npz"
    model_io.save(path, Network([784, 16, 10], rng=np.random.default_rng(0)), {"purpose": "tests"})
    return path


# The outputs of a 784-10 network with zero weights and biases logit(KNOWN_OUTPUTS): the
# same for every picture, whatever its reading convention, so the expected text is known
# in closed form, without running the code under test.
KNOWN_OUTPUTS = (0.01, 0.02, 0.40, 0.03, 0.04, 0.05, 0.06, 0.93, 0.07, 0.25)


@pytest.fixture(scope="module")
def known_model_path(tmp_path_factory) -> Path:
    """A 784-10 weights file whose outputs are KNOWN_OUTPUTS for any input."""
    path = tmp_path_factory.mktemp("model") / "known.npz"
    outputs = np.array(KNOWN_OUTPUTS)
    biases = np.log(outputs / (1 - outputs))
    model_io.save(path, Network.from_parameters([np.zeros((10, 784))], [biases]), {"purpose": "tests"})
    return path


@pytest.fixture(scope="module")
def digits_dir(tmp_path_factory) -> Path:
    """Six MNIST test digits as PNG files, with a text file and a hidden file beside them."""
    directory = tmp_path_factory.mktemp("digits")
    images, labels = mnist_sample()
    for index in range(6):
        Image.fromarray(images[index]).save(directory / f"{index}-label{labels[index]}.png")
    (directory / "notes.txt").write_text("not an image")
    (directory / ".hidden.png").write_bytes(b"")
    return directory


def run_cli(capsys, *argv: str) -> tuple[int, list[str], list[str]]:
    """Exit status, stdout lines and stderr lines of ``mnist-app ARGV``."""
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out.splitlines(), captured.err.splitlines()


# --- Classifier ----------------------------------------------------------------------


def test_probabilities_are_the_raw_outputs_the_rule_judges():
    classifier = Classifier(Model(FixedNetwork([0.1] * 8 + [0.4, 0.8])))
    prediction = classifier.predict(mnist_sample()[0][0])
    assert prediction.digit == 9
    assert prediction.confidence == pytest.approx(0.8)
    assert prediction.probabilities == pytest.approx((0.1,) * 8 + (0.4, 0.8))
    assert [digit for digit, _ in prediction.top(3)] == [9, 8, 0]


def test_predict_many_sends_batches_and_keeps_the_order(model_path):
    images = mnist_sample()[0][:5]
    network = RecordingNetwork(model_io.load(model_path)[0])
    classifier = Classifier(Model(network))
    one_by_one = [classifier.predict(image).probabilities for image in images]
    network.batches.clear()
    batched = [prediction.probabilities for prediction in classifier.predict_many(images, batch_size=2)]
    np.testing.assert_allclose(batched, one_by_one, rtol=1e-5)
    assert network.batches == [(2, 784), (2, 784), (1, 784)]


def test_predict_each_yields_an_error_in_place_of_a_bad_image(tmp_path):
    seven = mnist_sample()[0][0]
    classifier = Classifier(Model(FixedNetwork([0.5] * 10)))
    outcomes = list(classifier.predict_each([seven, tmp_path / "missing.png", seven]))
    assert [type(outcome) for outcome in outcomes] == [Prediction, ImageError, Prediction]
    assert str(outcomes[1]) == "no such file"


def test_predict_many_names_the_image_that_failed(tmp_path):
    seven = mnist_sample()[0][0]
    with pytest.raises(ImageError, match="missing.png: no such file$"):
        Classifier(Model(FixedNetwork([0.5] * 10))).predict_many([seven, tmp_path / "missing.png"])


def test_load_without_a_path_uses_the_shipped_model(model_path, monkeypatch):
    monkeypatch.setattr(model_io, "default_model_path", lambda: model_path)
    classifier = Classifier.load()
    assert classifier.metadata["purpose"] == "tests"


def test_a_bad_model_file_raises_model_file_error(tmp_path):
    (tmp_path / "bad.npz").write_bytes(b"not an npz")
    with pytest.raises(ModelFileError):
        Classifier.load(tmp_path / "bad.npz")


def image_files(directory: Path) -> list[Path]:
    return list_images(directory).files


def test_image_files_lists_images_sorted_and_skips_the_rest(digits_dir, tmp_path):
    labels = mnist_sample()[1][:6]
    assert [path.name for path in image_files(digits_dir)] == [f"{i}-label{label}.png" for i, label in enumerate(labels)]
    assert list_images(digits_dir).skipped == []  # a text file and a hidden one are not named like images
    with pytest.raises(ImageError, match="^no image files in this directory$"):
        image_files(tmp_path)


@pytest.fixture
def folder_with_oddities(digits_dir, tmp_path) -> Path:
    """Two of digits_dir's images, and beside them entries named like images that are not
    files: a broken link, a FIFO, a directory and a link to /dev/zero."""
    folder = tmp_path / "photos"
    folder.mkdir()
    for path in image_files(digits_dir)[:2]:
        (folder / path.name).write_bytes(path.read_bytes())
    (folder / "gone.png").symlink_to(tmp_path / "deleted.png")
    os.mkfifo(folder / "pipe.jpg")
    (folder / "sub.png").mkdir()
    (folder / "zero.png").symlink_to("/dev/zero")
    return folder


ODDITIES_NOTE = ("skipped 4 entries named like an image but not a file: gone.png: a broken link; "
                 "pipe.jpg: a FIFO (named pipe); sub.png: a directory; zero.png: a device")


def test_a_folder_names_what_it_skipped_on_one_stderr_line(capsys, known_model_path, folder_with_oddities):
    status, out, err = run_cli(capsys, "predict", "--model", str(known_model_path), "--json",
                               str(folder_with_oddities))
    assert status == 0  # the good files' status: skipping is not a failure
    assert [json.loads(line)["path"] for line in out] == sorted(str(path) for path in folder_with_oddities.glob("?-*"))
    assert err == [f"mnist-app: warning: {folder_with_oddities}: {ODDITIES_NOTE}"]


def test_a_folder_of_nothing_but_skipped_entries_says_what_they_are(capsys, known_model_path, folder_with_oddities):
    for path in folder_with_oddities.glob("?-*"):
        path.unlink()
    status, out, err = run_cli(capsys, "predict", "--model", str(known_model_path), str(folder_with_oddities))
    assert status == 1 and out == []
    assert err == [f"mnist-app: error: {folder_with_oddities}: no image files in this directory ({ODDITIES_NOTE})"]


def test_past_five_skipped_entries_the_rest_are_counted(tmp_path):
    for index in range(8):
        (tmp_path / f"{index}.png").symlink_to(tmp_path / "nowhere")
    with pytest.raises(ImageError) as raised:
        list_images(tmp_path)
    assert str(raised.value).endswith("skipped 8 entries named like an image but not a file: 0.png: a broken link; "
                                      "1.png: a broken link; 2.png: a broken link; 3.png: a broken link; "
                                      "4.png: a broken link; and 3 more)")


# --- the predict command -------------------------------------------------------------


def test_text_output_is_one_line_per_image_in_sorted_order(capsys, known_model_path, digits_dir):
    status, out, err = run_cli(capsys, "predict", "--model", str(known_model_path), str(digits_dir))
    assert status == 0 and err == []
    expected_names = sorted(path.name for path in digits_dir.glob("[0-9]*.png"))  # the hidden and text files skipped
    assert out == [f"{digits_dir / name}: 7 (93.0%)" for name in expected_names]  # KNOWN_OUTPUTS' largest


def test_top_k_lists_the_k_most_likely_digits(capsys, known_model_path, digits_dir):
    path = str(image_files(digits_dir)[0])
    status, out, _ = run_cli(capsys, "predict", "--model", str(known_model_path), "--top-k", "3", path)
    assert status == 0
    assert out == [f"{path}: 7 (93.0%), 2 (40.0%), 9 (25.0%)"]  # KNOWN_OUTPUTS ranked by hand


def test_json_output_is_one_object_per_image(capsys, model_path, digits_dir):
    status, out, err = run_cli(capsys, "predict", "--model", str(model_path), "--json", str(digits_dir))
    assert status == 0 and err == []
    records = [json.loads(line) for line in out]
    assert [record["path"] for record in records] == [str(path) for path in image_files(digits_dir)]
    for record in records:
        assert set(record) == {"path", "digit", "confidence", "unsure", "probabilities"}
        assert len(record["probabilities"]) == 10
        assert all(0 <= p <= 1 for p in record["probabilities"])
        assert record["digit"] == int(np.argmax(record["probabilities"]))
        assert record["confidence"] == max(record["probabilities"])


def test_images_named_one_by_one_go_through_the_network_together(capsys, model_path, digits_dir, monkeypatch):
    network = RecordingNetwork(model_io.load(model_path)[0])
    monkeypatch.setattr(Classifier, "load", classmethod(lambda cls, path=None: cls(Model(network))))
    files = [str(path) for path in image_files(digits_dir)]
    status, out, _ = run_cli(capsys, "predict", *files, str(digits_dir))
    assert status == 0 and len(out) == 2 * len(files)
    assert network.batches == [(2 * len(files), 784)]


def test_a_progress_bar_shows_on_a_terminal_when_the_output_goes_elsewhere(capsys, model_path, digits_dir,
                                                                            monkeypatch):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)  # stdout stays captured, not a terminal
    missing = str(digits_dir / "missing.png")
    status, out, err = run_cli(capsys, "predict", "--model", str(model_path), str(digits_dir), missing)
    assert status == 1 and len(out) == len(image_files(digits_dir))
    assert f"mnist-app: error: {missing}: no such file" in err
    total = len(out) + 1
    assert any(line.startswith("reading:") and f"/{total} [" in line for line in err)


@pytest.fixture(scope="module")
def bad_inputs(tmp_path_factory) -> dict[str, tuple[Path, str]]:
    """name -> (path, the error the predict command reports for it)."""
    directory = tmp_path_factory.mktemp("bad")
    png = encode(Image.fromarray(mnist_sample()[0][0]), "PNG")
    contents = {
        "text.png": (b"seven\n", "not an image Pillow can identify (unknown format or damaged header)"),
        "truncated.png": (png[: len(png) // 2], "cannot decode image: image file is truncated"),
        "zero-byte.png": (b"", "empty file"),
        "bomb.png": (png_claiming_size(30000, 30000),
                     "image too large: over 89,478,485 pixels (possible decompression bomb)"),
        "blank.png": (encode(Image.new("L", (64, 64), 255), "PNG"), "no digit found"),
    }
    inputs = {}
    for name, (content, message) in contents.items():
        (directory / name).write_bytes(content)
        inputs[name] = (directory / name, message)
    (directory / "empty-dir").mkdir()
    inputs["empty-dir"] = (directory / "empty-dir", "no image files in this directory")
    inputs["missing.png"] = (directory / "missing.png", "no such file")
    return inputs


@pytest.mark.parametrize("name", ["text.png", "truncated.png", "zero-byte.png", "bomb.png", "blank.png",
                                  "empty-dir", "missing.png"])
def test_a_bad_input_gets_one_error_line_and_the_rest_is_read(capsys, model_path, digits_dir, bad_inputs, name):
    bad_path, message = bad_inputs[name]
    good = str(image_files(digits_dir)[0])
    status, out, err = run_cli(capsys, "predict", "--model", str(model_path), good, str(bad_path), good)
    assert status == 1
    assert len(out) == 2 and all(line.startswith(f"{good}: ") for line in out)
    assert err == [f"mnist-app: error: {bad_path}: {message}"]

    status, out, err = run_cli(capsys, "predict", "--model", str(model_path), "--json", good, str(bad_path))
    assert status == 1 and err == []
    assert json.loads(out[1]) == {"path": str(bad_path), "error": message}


@pytest.fixture(scope="module")
def awkward_images(tmp_path_factory) -> dict[str, Path]:
    """The first MNIST test digit (a 7) saved in unusual modes and containers."""
    directory = tmp_path_factory.mktemp("awkward")
    seven = mnist_sample()[0][0]
    paper = Image.fromarray(255 - seven).resize((112, 112), Image.Resampling.BICUBIC)
    alpha = Image.fromarray(seven).resize((280, 280), Image.Resampling.BICUBIC)
    photo = Image.open(io.BytesIO(sets.photo_of(seven, np.random.default_rng(0), (800, 800))))
    files = {
        "16-bit.png": encode(Image.fromarray(np.asarray(paper).astype(np.uint16) * 257), "PNG"),
        "palette.png": encode(paper.convert("P"), "PNG"),
        "cmyk.jpg": encode(paper.convert("CMYK"), "JPEG", quality=90),
        "animated.gif": encode(paper, "GIF", save_all=True, duration=100,
                               append_images=[Image.new("L", paper.size, 255)]),
        "12-megapixel.jpg": encode(photo.resize((4000, 3000), Image.Resampling.BILINEAR), "JPEG", quality=85),
        "canvas.png": encode(Image.merge("RGBA", [Image.new("L", alpha.size, 0)] * 3 + [alpha]), "PNG"),
    }
    for name, content in files.items():
        (directory / name).write_bytes(content)
    return {name: directory / name for name in files}


def test_awkward_formats_are_read_through_the_command(capsys, model_path, awkward_images):
    paths = [str(path) for path in awkward_images.values()]
    status, out, err = run_cli(capsys, "predict", "--model", str(model_path), "--json", *paths)
    assert status == 0 and err == []
    assert [json.loads(line)["path"] for line in out] == paths
    assert all("digit" in json.loads(line) for line in out)


def test_dash_reads_one_image_from_stdin(capsys, model_path, digits_dir, monkeypatch):
    path = image_files(digits_dir)[0]
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(path.read_bytes())))
    status, out, _ = run_cli(capsys, "predict", "--model", str(model_path), "--json", "-")
    assert status == 0
    record = json.loads(out[0])
    assert record["path"] == "-"
    assert record["digit"] == Classifier.load(model_path).predict(path).digit


def test_a_second_dash_says_stdin_was_already_read(capsys, model_path, digits_dir, monkeypatch):
    path = image_files(digits_dir)[0]
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(path.read_bytes())))
    status, out, _ = run_cli(capsys, "predict", "--model", str(model_path), "--json", "-", "-")
    first, second = (json.loads(line) for line in out)
    assert status == 1
    assert first["digit"] == Classifier.load(model_path).predict(path).digit  # the first one is read
    assert second == {"path": "-", "error": "stdin was already read: give - once"}


@pytest.mark.parametrize("k", ["0", "11", "two"])
def test_top_k_out_of_range_is_a_usage_error(capsys, model_path, digits_dir, k):
    assert main(["predict", "--model", str(model_path), "--top-k", k, str(digits_dir)]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("mnist-app: error: argument --top-k: ") and captured.out == ""


def test_a_missing_model_is_one_error_line(capsys, tmp_path, digits_dir):
    status, out, err = run_cli(capsys, "predict", "--model", str(tmp_path / "none.npz"), str(digits_dir))
    assert status == 1 and out == []
    assert len(err) == 1 and err[0].startswith("mnist-app: error: ") and "none.npz" in err[0]


def _python_m_mnist_app(*argv: str, env_overrides: dict | None = None, **popen) -> subprocess.Popen:
    environment = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent), **(env_overrides or {})}
    return subprocess.Popen([sys.executable, "-m", "mnist_app", *argv], env=environment,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **popen)


def test_a_closed_pipe_stops_the_command_quietly(model_path, digits_dir):
    process = _python_m_mnist_app("predict", "--model", str(model_path), str(digits_dir))
    process.stdout.close()  # like `| head -0`: the reader is gone before the first line
    error = process.stderr.read().decode()
    assert process.wait(timeout=60) == 1
    assert error == ""


def test_a_file_name_the_output_encoding_cannot_show_is_escaped(model_path, digits_dir, tmp_path):
    undecodable = os.fsdecode(b"seven-\xff.png")  # not UTF-8: Python holds it as a surrogate
    (tmp_path / undecodable).write_bytes(image_files(digits_dir)[0].read_bytes())
    process = _python_m_mnist_app("predict", "--model", str(model_path), str(tmp_path),
                                  env_overrides={"PYTHONIOENCODING": "utf-8"})  # strict
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0 and err == b""
    assert out.decode().startswith(f"{tmp_path}/seven-\\udcff.png: ")


def test_the_command_reads_stdin_in_a_real_process(model_path, digits_dir):
    process = _python_m_mnist_app("predict", "--model", str(model_path), "--json", "-", stdin=subprocess.PIPE)
    out, err = process.communicate(image_files(digits_dir)[0].read_bytes(), timeout=60)
    assert process.returncode == 0 and err == b""
    assert json.loads(out)["path"] == "-"


# --- the shipped model on realistic input --------------------------------------------

# A few points below what the shipped weights score on exactly these seeded images (in the
# comments; "not a digit" counts as wrong). The images are deterministic, so a drop below a
# floor means preprocessing (or the model) got worse, not bad luck.
ACCURACY_FLOORS = {
    "mnist through preprocess": 0.96,  # 490/500 = 98.0 %
    "photo": 0.94,  # 50/50
    "canvas": 0.96,  # 99/100
    "typed": 0.95,  # 100/100
}


def realistic_inputs(kind: str) -> tuple[list, np.ndarray]:
    """Seeded test inputs of one kind and their labels."""
    images, labels = mnist_sample()
    if kind == "mnist through preprocess":
        return list(images), labels
    if kind == "photo":
        rng = np.random.default_rng(20)
        return [sets.photo_of(d, rng, long_side=(400, 700)) for d in images[:50]], labels[:50]
    if kind == "canvas":
        rng = np.random.default_rng(21)
        return [sets.canvas_of(d, rng) for d in images[:100]], labels[:100]
    if not typed.installed(typed.EVALUATION_FACES):
        pytest.skip(f"no DejaVu fonts in {typed.DEJAVU_DIR}")
    fonts, rng = typed.installed(typed.EVALUATION_FACES), np.random.default_rng(22)
    labels = np.arange(100) % 10
    return [sets.typed_of(d, fonts[i // 10 % len(fonts)], rng, "screenshot") for i, d in enumerate(labels)], labels


@pytest.fixture(scope="module")
def shipped_classifier() -> Classifier:
    return Classifier.load()  # models/mnist-784-30-10.npz


@pytest.mark.parametrize("kind", ACCURACY_FLOORS)
def test_shipped_model_reads_realistic_digits(shipped_classifier, kind):
    sources, labels = realistic_inputs(kind)
    digits = [getattr(outcome, "digit", None) for outcome in shipped_classifier.predict_each(sources)]
    assert np.mean(np.array(digits) == labels) >= ACCURACY_FLOORS[kind]


def test_colour_arrays_read_like_the_same_picture_in_grey():
    classifier = Classifier.load()
    seven = mnist_sample()[0][0]  # the first test digit, a 7
    grey = 255 - np.kron(seven, np.ones((4, 4), dtype=np.uint8))  # dark ink on white, 112x112
    expected = classifier.predict(grey)
    rgb = np.repeat(grey[..., None], 3, axis=2)
    rgba = np.concatenate([rgb, np.full_like(grey, 255)[..., None]], axis=2)
    for colour in (rgb, rgba, rgb.astype(np.float32) / 255):
        assert classifier.predict(colour).digit == expected.digit == 7


@pytest.mark.parametrize("source, message", [
    ([[0, 255], [255, 0]], "cannot read an image from a Python list"),
    (42, "cannot read an image from a Python int"),
    (np.zeros((8, 8, 2), dtype=np.uint8), "expected a non-empty (h, w) grey"),
    (np.full((8, 8, 3), 2.0), "must be uint8 0-255 or floats in [0, 1]"),
])
def test_sources_that_are_no_image_raise_a_clear_image_error(source, message):
    with pytest.raises(ImageError, match=re.escape(message)):
        Classifier.load().predict(source)


def test_images_that_fail_keep_none_of_their_pixels_alive():
    """An error held for its batch must not hold the frames that read the image: each of
    these blank pictures is read through a 4 MB float32 copy of itself."""
    blank = np.zeros((1000, 1000))
    tracemalloc.start()
    try:
        outcomes = list(Classifier(Model(FixedNetwork([0.5] * 10))).predict_each([blank] * 10))
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [type(outcome) for outcome in outcomes] == [NoDigitFound] * 10
    assert held < blank.size * 4  # less than one picture's copy, for all ten errors


def test_every_image_extension_names_a_format_the_decoder_opens():
    """Pillow's own registry (it imports every plugin, so only here) is the oracle."""
    from PIL import Image

    from mnist_app.decode import FORMATS, IMAGE_EXTENSIONS

    registered = Image.registered_extensions()
    assert {registered[extension] for extension in IMAGE_EXTENSIONS} == set(FORMATS)
