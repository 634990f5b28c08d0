"""Teaching one example: mnist_app.teach, `mnist-app backprop` and POST /api/backprop.

Every number is checked against tests/teach_oracle.py, which recomputes the step from the
weights file with numpy and never calls Network.backprop.
"""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import teach_oracle
from mnist_app import model_io, teach
from mnist_app.cli import main
from mnist_app.network import Network
from mnist_app.predict import Classifier
from mnist_app.web.app import make_app
from mnist_sample import mnist_sample
from test_web_app import call, canvas_png, multipart

MODEL_PATH = model_io.default_model_path()


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier.load()


@pytest.fixture(scope="module")
def sample():
    return mnist_sample()


@pytest.fixture(scope="module")
def digit_file(tmp_path_factory, sample) -> Path:
    """A 7 from the MNIST test set, dark ink on white paper as a scan would have it."""
    path = tmp_path_factory.mktemp("teach") / "seven.png"
    Image.fromarray(255 - sample[0][0]).save(path)
    assert sample[1][0] == 7
    return path


def grey_levels(answer: dict) -> np.ndarray:
    """The answer's input (784,) as the exact grey levels / 255 it stands for (the API
    rounds floats to 6 decimals)."""
    return np.rint(np.array(answer["input"]) * 255) / 255


def run_cli(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# ------------------------------------------------------------------------ the numbers

@pytest.mark.parametrize("label, eta, steps", [(3, 0.5, 1), (7, 0.1, 1), (1, 2.0, 3)])
def test_backprop_json_matches_numpy_from_the_weights_file(capsys, digit_file, label, eta, steps):
    code, out, err = run_cli(capsys, "backprop", str(digit_file), "--label", str(label),
                             "--eta", str(eta), "--steps", str(steps), "--json")
    assert code == 0 and err == ""
    answer = json.loads(out)
    assert set(answer) == {"input", "label", "eta", "cost", "cost_after", "outputs", "outputs_after", "hidden",
                           "delta_output", "delta_hidden", "nabla_b", "nabla_w", "why"}
    x = np.array(answer["input"])
    assert x.shape == (784,) and np.allclose(x * 255, np.rint(x * 255))  # grey levels / 255
    teach_oracle.assert_matches(answer, teach_oracle.lesson(MODEL_PATH, x, label, eta, steps))
    assert [np.shape(w) for w in answer["nabla_w"]] == [(30, 784), (10, 30)]  # as weights_0, weights_1


def test_backprop_reads_the_picture_once_as_the_network_sees_it(capsys, digit_file, classifier):
    code, out, _ = run_cli(capsys, "backprop", str(digit_file), "--label", "7", "--json")
    picture = classifier.read(digit_file).image  # deskewed, as the shipped model reads
    assert np.array_equal(np.rint(np.array(json.loads(out)["input"]) * 255), picture.reshape(-1))


def test_the_text_output_names_the_book_equations(capsys, digit_file):
    code, out, _ = run_cli(capsys, "backprop", str(digit_file), "--label", "3", "--steps", "2")
    assert code == 0
    for text in ("z^2", "a^3 = σ(z^3)", "BP1  δ^3", "BP2  δ^2", "BP3  ∂C/∂b^2", "BP4  ∂C/∂w^2",
                 "w ← w − η ∂C/∂w", "step 2:", "After: a^3"):
        assert text in out


def test_check_agrees_with_finite_differences_to_1e_6(capsys, digit_file):
    code, out, _ = run_cli(capsys, "backprop", str(digit_file), "--label", "3", "--check", "--json")
    errors = json.loads(out)["check"]
    assert set(errors) == {"w^2", "b^2", "w^3", "b^3", "all"}
    assert max(errors.values()) <= 1e-6


def test_the_check_fails_for_a_wrong_gradient(classifier, sample):
    """The check can fail: a backprop whose bias gradients are 10% off is caught (on a
    784-5-10 network, so that the differences take a sixth of the shipped one's time)."""
    network = Network([784, 5, 10], rng=np.random.default_rng(0))

    def wrong_backprop(x, y, l2=0.0):
        nabla_b, nabla_w = type(network).backprop(network, x, y)
        return [b * 1.1 for b in nabla_b], nabla_w

    picture = classifier.model.convention.prepare(sample[0][:1])[0]
    original = teach.throwaway_copy
    try:
        teach.throwaway_copy = lambda _: network
        network.backprop = wrong_backprop
        errors = teach.gradient_check(network, picture, 3)
    finally:
        teach.throwaway_copy = original
    assert errors["b^2"] > 1e-3 and errors["b^3"] > 1e-3


def test_one_step_at_eta_0_1_lowers_the_cost_on_every_picture(classifier, sample):
    rng = np.random.default_rng(0)
    digits = classifier.model.convention.prepare(sample[0][:60])
    noise = rng.integers(0, 256, (10, 28, 28), dtype=np.uint8)
    sparse = (rng.random((10, 28, 28)) < 0.1).astype(np.uint8) * 255
    for picture in [*digits, *noise, *sparse, np.zeros((28, 28), np.uint8), np.full((28, 28), 255, np.uint8)]:
        for label in range(10):
            lesson = teach.teach(classifier.network, picture, label, eta=0.1)
            assert lesson.cost_after < lesson.cost


def test_teaching_never_changes_the_model(classifier, sample):
    before = [w.copy() for w in classifier.network.weights + classifier.network.biases]
    picture = classifier.model.convention.prepare(sample[0][:1])[0]
    teach.teach(classifier.network, picture, 3, eta=5.0, steps=10)
    teach.replay(classifier.network, [teach.Correction(picture, 3, 1.0)])
    assert all(np.array_equal(a, b) for a, b in zip(before, classifier.network.weights + classifier.network.biases))


def test_why_is_the_gradient_of_the_read_digits_output(classifier, sample):
    """Against the oracle's chain rule and against central differences on the input."""
    picture = classifier.model.convention.prepare(sample[0][:1])[0]
    lesson = teach.teach(classifier.network, picture, 3)
    x = lesson.input
    expected = teach_oracle.lesson(MODEL_PATH, x, 3, 0.5)["why"]
    np.testing.assert_allclose(lesson.why, expected, rtol=0, atol=1e-9)
    weights, biases, _ = teach_oracle.load_weights(MODEL_PATH)
    h = 1e-6
    for k in (100, 300, 400, 500, 600):
        bump = np.zeros(784)
        bump[k] = h
        difference = (teach_oracle.forward(weights, biases, x + bump)[3][lesson.read_digit]
                      - teach_oracle.forward(weights, biases, x - bump)[3][lesson.read_digit]) / (2 * h)
        assert abs(difference - lesson.why[k]) <= 1e-6


def test_why_writes_a_red_blue_png(capsys, digit_file, tmp_path):
    target = tmp_path / "why.png"
    code, out, _ = run_cli(capsys, "backprop", str(digit_file), "--label", "3", "--why", str(target), "--json")
    why = np.array(json.loads(out)["why"]).reshape(28, 28)
    pixels = np.asarray(Image.open(target).convert("RGB"), dtype=int)[5::10, 5::10]  # one per input pixel
    strong = np.abs(why) > 0.3 * np.abs(why).max()
    red_above_blue = pixels[..., 0] > pixels[..., 2]
    assert strong.any() and np.array_equal(red_above_blue[strong], why[strong] > 0)
    assert pixels.shape == (28, 28, 3)


# ------------------------------------------------------------------------ bad input, CLI

@pytest.mark.parametrize("argv", [
    ["--label", "10"], ["--label", "-1"], ["--label", "seven"], ["--label", "3", "--eta", "0"],
    ["--label", "3", "--eta", "-1"], ["--label", "3", "--eta", "nan"], ["--label", "3", "--eta", "inf"],
    ["--label", "3", "--eta", "100.5"], ["--label", "3", "--steps", "101"], ["--label", "3", "--steps", "0"], [],
])
def test_bad_arguments_are_one_line_and_exit_2(capsys, digit_file, argv):
    code, out, err = run_cli(capsys, "backprop", str(digit_file), *argv)
    assert code == 2 and out == ""
    assert err.startswith("mnist-app: error: ") and err.count("\n") == 1


def test_why_never_replaces_what_is_not_a_regular_file(capsys, digit_file, tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for target in (tmp_path, fifo):
        code, out, err = run_cli(capsys, "backprop", str(digit_file), "--label", "3", "--why", str(target))
        assert code == 1 and out == "" and err.startswith("mnist-app: error: ") and err.count("\n") == 1
    assert fifo.is_fifo()


def test_why_says_when_it_replaces_a_file_and_never_replaces_the_image(capsys, digit_file, tmp_path):
    target = tmp_path / "why.png"
    lines = []
    for _ in range(2):
        code, out, _ = run_cli(capsys, "backprop", str(digit_file), "--label", "3", "--why", str(target))
        assert code == 0
        lines.append(out.splitlines()[-1])
    assert lines[0].startswith(f"why: wrote {target} (red:")
    assert lines[1].startswith(f"why: wrote {target}, replacing the file that was there (red:")

    image = tmp_path / "digit.png"
    image.write_bytes(digit_file.read_bytes())
    code, out, err = run_cli(capsys, "backprop", str(image), "--label", "3", "--why", str(tmp_path / "." / "digit.png"))
    assert code == 1 and out == "" and "is the image itself" in err and err.count("\n") == 1
    assert image.read_bytes() == digit_file.read_bytes()


def test_a_blank_image_is_one_error_line(capsys, tmp_path):
    blank = tmp_path / "blank.png"
    Image.new("L", (64, 64), 255).save(blank)
    code, _, err = run_cli(capsys, "backprop", str(blank), "--label", "3")
    assert code == 1 and err == f"mnist-app: error: {blank}: no digit found\n"  # named, as predict names it


@pytest.mark.parametrize("call_args, message", [
    ({"label": 10}, "label"), ({"label": True}, "label"), ({"eta": 0.0}, "eta"), ({"eta": float("nan")}, "eta"),
    ({"eta": 101}, "eta"), ({"steps": 101}, "steps"), ({"picture": np.zeros((27, 28), np.uint8)}, "28x28"),
])
def test_the_library_refuses_bad_arguments(classifier, call_args, message):
    arguments = {"picture": np.zeros((28, 28), np.uint8), "label": 3, "eta": 0.5, "steps": 1, **call_args}
    with pytest.raises(ValueError, match=message):
        teach.teach(classifier.network, arguments.pop("picture"), **arguments)


# ------------------------------------------------------------------------ POST /api/backprop

@pytest.fixture(scope="module")
def app(classifier, tmp_path_factory):
    return make_app(classifier, data_dir=tmp_path_factory.mktemp("no-mnist"))


def post(app, png: bytes, label="3", eta=None, corrections=None):
    fields = [("image", "digit.png", png), ("label", None, str(label).encode())]
    if eta is not None:
        fields.append(("eta", None, str(eta).encode()))
    if corrections is not None:
        fields.append(("corrections", None, corrections if isinstance(corrections, bytes)
                       else json.dumps(corrections).encode()))
    return call(app, "POST", "/api/backprop", *multipart(fields))


def test_api_answers_the_json_keys_and_the_reading_after(app, sample):
    answer = post(app, canvas_png(sample[0][0], 128), label=3, eta=0.5)
    assert answer.status == 200
    result = answer.json()
    x = grey_levels(result)
    teach_oracle.assert_matches(result, teach_oracle.lesson(MODEL_PATH, x, 3, 0.5))
    reading = result["reading_after"]
    assert {"digit", "probabilities", "input", "hidden", "outputs"} <= set(reading)
    assert np.array_equal(np.array(reading["input"]).reshape(-1), np.rint(x * 255))


def test_api_replays_the_corrections_from_the_shipped_weights(app, sample, classifier):
    """Two requests' worth of page state: the answer is the oracle's replay, and the
    server's model is the same after as before."""
    before = [w.copy() for w in classifier.network.weights]
    first = post(app, canvas_png(sample[0][1], 128), label=5, eta=0.8).json()
    correction = {"picture": first["reading_after"]["input"], "label": 5, "eta": 0.8}
    second = post(app, canvas_png(sample[0][2], 128), label=4, eta=0.3, corrections=[correction] * 2).json()
    replayed = [(grey_levels(first), 5, 0.8)] * 2
    expected = teach_oracle.lesson(MODEL_PATH, grey_levels(second), 4, 0.3, corrections=replayed)
    teach_oracle.assert_matches(second, expected)
    assert all(np.array_equal(a, b) for a, b in zip(before, classifier.network.weights))


def test_api_takes_another_step_when_asked_again(app, sample):
    png = canvas_png(sample[0][0], 128)
    first = post(app, png, label=3, eta=0.1).json()
    again = post(app, png, label=3, eta=0.1,
                 corrections=[{"picture": first["reading_after"]["input"], "label": 3, "eta": 0.1}]).json()
    assert again["cost"] == pytest.approx(first["cost_after"], abs=1e-6)
    assert again["outputs"][3] > first["outputs"][3]


def picture_rows(rows: int = 28, columns: int = 28, value=0):
    return [[value] * columns for _ in range(rows)]


@pytest.mark.parametrize("fields, message", [
    ({"label": "10"}, "label"), ({"label": "x"}, "label"), ({"label": "-1"}, "label"),
    ({"eta": "0"}, "eta"), ({"eta": "-0.5"}, "eta"), ({"eta": "nan"}, "eta"), ({"eta": "inf"}, "eta"),
    ({"eta": "1e3"}, "eta"), ({"eta": "fast"}, "eta"),
    ({"corrections": [{"picture": picture_rows(), "label": 1, "eta": 1}] * 33}, "at most 32"),
    ({"corrections": [{"picture": picture_rows(27), "label": 1, "eta": 1}]}, "28x28"),
    ({"corrections": [{"picture": picture_rows(28, 29), "label": 1, "eta": 1}]}, "28x28"),
    ({"corrections": [{"picture": picture_rows()[:27] + [[0] * 27], "label": 1, "eta": 1}]}, "28 rows"),
    ({"corrections": [{"picture": picture_rows(value=0.5), "label": 1, "eta": 1}]}, "grey levels"),
    ({"corrections": [{"picture": picture_rows(value=256), "label": 1, "eta": 1}]}, "grey levels"),
    ({"corrections": [{"picture": picture_rows(), "label": 12, "eta": 1}]}, "label"),
    ({"corrections": [{"picture": picture_rows(), "label": 1, "eta": 0}]}, "eta"),
    ({"corrections": [{"picture": picture_rows(), "label": 1}]}, "picture, label and eta"),
    ({"corrections": {"picture": 1}}, "list"), ({"corrections": b"[[["}, "JSON"),
    ({"corrections": b"[" * 300_000}, "bytes"), ({"corrections": b"[" * 100_000}, "nested too deeply"),
    ({"corrections": json.dumps([{"picture": picture_rows(), "label": 1, "eta": 1}] * 20, indent=40).encode()},
     "bytes"),
])
def test_api_bad_input_is_a_400_naming_it(app, sample, fields, message):
    answer = post(app, canvas_png(sample[0][0], 128), **fields)
    assert answer.status == 400 and message in answer.json()["error"]


def test_api_needs_a_form_with_a_label(app, sample):
    raw = call(app, "POST", "/api/backprop", canvas_png(sample[0][0], 128), "image/png")
    assert raw.status == 400 and "multipart/form-data" in raw.json()["error"]
    unlabelled = call(app, "POST", "/api/backprop", *multipart([("image", "d.png", canvas_png(sample[0][0], 128))]))
    assert unlabelled.status == 400 and "'label'" in unlabelled.json()["error"]
    assert call(app, "GET", "/api/backprop").status == 405


def test_api_gzips_its_large_answer_for_clients_that_accept_it(app, sample):
    fields = multipart([("image", "digit.png", canvas_png(sample[0][0], 128)), ("label", None, b"3")])
    plain = call(app, "POST", "/api/backprop", *fields)
    zipped = call(app, "POST", "/api/backprop", *fields, headers={"Accept-Encoding": "br, gzip;q=0.9"})
    assert "content-encoding" not in plain.headers and plain.headers["vary"] == "Accept-Encoding"
    assert zipped.headers["content-encoding"] == "gzip" and len(zipped.body) < len(plain.body) / 3
    assert gzip.decompress(zipped.body) == plain.body
