"""confidence: the "unsure" / "not a digit" rule, alone and as the Classifier and the
`predict` command apply it from a model file's metadata.

The models here are hand-made networks whose ten outputs are the same for every input
(zero weights, chosen biases), so each test controls the strongest output exactly.
"""

from __future__ import annotations

import json
from decimal import Decimal

import numpy as np
import pytest
from PIL import Image

from mnist_app import model_io
from mnist_app.cli import main
from mnist_app.confidence import RejectRule, calibrate
from mnist_app.errors import ImageError, NotADigit
from mnist_app.network import Network
from mnist_app.predict import Classifier, Prediction
from mnist_sample import mnist_sample

RULE = RejectRule(not_a_digit_below=0.3, unsure_below=0.6)
SEVEN = mnist_sample()[0][0]  # any readable image will do: the networks ignore their input
# The strongest raw output (for digit 4) of the networks below: not a digit, unsure, clear.
WEAK, MIDDLING, STRONG = 0.2, 0.45, 0.9


def outputs_with_strongest(strongest: float) -> np.ndarray:
    """Ten raw outputs (10,), 0.05 everywhere but ``strongest`` for digit 4."""
    outputs = np.full(10, 0.05)
    outputs[4] = strongest
    return outputs


def network_answering(outputs: np.ndarray) -> Network:
    """A 784-1-10 network whose outputs are ``outputs`` (10,) for every input."""
    weights = [np.zeros((1, 784), np.float32), np.zeros((10, 1), np.float32)]
    biases = [np.zeros(1, np.float32), np.log(outputs / (1 - outputs)).astype(np.float32)]
    return Network.from_parameters(weights, biases)


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> dict[tuple[float, bool], str]:
    """(strongest output, carries RULE) -> path of a weights file."""
    directory = tmp_path_factory.mktemp("rule-models")
    paths = {}
    for strongest in (WEAK, MIDDLING, STRONG):
        for with_rule in (True, False):
            path = directory / f"{strongest}-{'rule' if with_rule else 'none'}.npz"
            metadata = {"reject": RULE.to_metadata()} if with_rule else {}
            model_io.save(path, network_answering(outputs_with_strongest(strongest)), metadata)
            paths[strongest, with_rule] = str(path)
    return paths


@pytest.fixture(scope="module")
def seven_png(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("images") / "seven.png"
    Image.fromarray(SEVEN).save(path)
    return str(path)


# --- the rule ------------------------------------------------------------------------


def test_judge_compares_the_strongest_raw_output_with_each_threshold():
    outputs = np.stack([outputs_with_strongest(s) for s in (0.1, 0.3, 0.45, 0.6, 0.95)])
    unsure, not_a_digit = RULE.judge(outputs)
    assert unsure.tolist() == [True, True, True, False, False]  # "below": a tie is not flagged
    assert not_a_digit.tolist() == [True, False, False, False, False]


def test_judge_looks_at_the_raw_outputs_not_their_share():
    crowded = np.full((1, 10), 0.6)
    crowded[0, 4] = 0.95  # a 15% share, but a strong output well clear of the rest: not flagged
    lonely = np.full((1, 10), 0.001)
    lonely[0, 4] = 0.25  # a 97% share, but every output weak: not a digit
    assert RULE.judge(crowded)[0].tolist() == [False]
    assert RULE.judge(lonely)[1].tolist() == [True]


def test_a_model_without_a_rule_flags_only_near_ties():
    rule = RejectRule.from_metadata({"sizes": [784, 30, 10]})
    clear = np.stack([outputs_with_strongest(s) for s in (0.16, 0.5, 0.99)])  # 0.05 runners-up
    unsure, not_a_digit = rule.judge(np.concatenate([clear, np.zeros((1, 10))]))
    assert unsure.tolist() == [False, False, False, True] and not not_a_digit.any()


def percent_as_printed(value: float) -> Decimal:
    """The oracle of "as printed": the CLI's own format, read back as an exact decimal."""
    return Decimal(f"{value:.1%}".rstrip("%"))


def test_a_near_tie_as_printed_is_always_unsure():
    rng = np.random.default_rng(3)
    outputs = rng.uniform(0.5, 1.0, (4000, 10)) * rng.uniform(0, 1, (4000, 1))
    unsure, _ = RULE.judge(outputs)
    ranked = np.sort(outputs, axis=1)
    for row, flagged in zip(ranked, unsure):
        gap = percent_as_printed(row[-1]) - percent_as_printed(row[-2])
        assert flagged == (gap <= 10 or row[-1] < RULE.unsure_below), (row[-2:], gap)


@pytest.mark.parametrize("top, runner_up, unsure", [
    (0.349, 0.340, True),  # the narrow-script 4: printed 34.9% against a 1 at 34.0%
    (0.9504, 0.8496, True),  # printed 95.0% and 85.0%: exactly 10 points
    (0.9506, 0.8494, False),  # printed 95.1% and 84.9%: 10.2 points
    (0.99, 0.05, False),
])
def test_near_ties_at_the_edges_even_without_thresholds(top, runner_up, unsure):
    outputs = np.full((1, 10), 0.01)
    outputs[0, 4], outputs[0, 7] = top, runner_up
    assert bool(RejectRule().judge(outputs)[0][0]) is unsure


def test_the_rule_round_trips_through_json_metadata():
    metadata = json.loads(json.dumps({"reject": RULE.to_metadata()}))
    assert RejectRule.from_metadata(metadata) == RULE


@pytest.mark.parametrize("not_a_digit_share, unsure_share", [(0.01, 0.05), (0.1, 0.3)])
def test_calibrate_flags_the_chosen_shares_of_the_calibration_digits(not_a_digit_share, unsure_share):
    rng = np.random.default_rng(0)
    correct = rng.uniform(0, 0.2, (2000, 10))
    correct[np.arange(2000), rng.integers(0, 10, 2000)] = rng.beta(8, 1, 2000)  # one strong output each
    rule = calibrate(correct, not_a_digit_share, unsure_share)
    assert 0 <= rule.not_a_digit_below <= rule.unsure_below <= 1
    unsure, not_a_digit = rule.judge(correct)
    assert not_a_digit.mean() == pytest.approx(not_a_digit_share, abs=0.005)
    assert unsure.mean() == pytest.approx(unsure_share, abs=0.005)


def test_calibrate_counts_near_ties_in_the_unsure_share():
    rng = np.random.default_rng(1)
    correct = np.full((1000, 10), 0.01)
    correct[:, 3] = rng.uniform(0.5, 1.0, 1000)
    correct[:20, 5] = correct[:20, 3] - 0.05  # 2% near ties, more than the 1% asked for
    rule = calibrate(correct, 0.001, 0.01)
    assert rule.unsure_below == rule.not_a_digit_below
    correct[:5, 5] = 0.01  # 1.5% near ties: the threshold flags about 0.5% more
    unsure, _ = calibrate(correct, 0.001, 0.02).judge(correct)
    assert unsure.mean() == pytest.approx(0.02, abs=0.002)


# --- the Classifier ------------------------------------------------------------------


def test_predict_raises_not_a_digit_when_every_output_is_weak(models):
    with pytest.raises(NotADigit, match="^not a digit$"):
        Classifier.load(models[WEAK, True]).predict(SEVEN)
    assert issubclass(NotADigit, ImageError)  # callers that catch ImageError see it too


@pytest.mark.parametrize("strongest, unsure", [(MIDDLING, True), (STRONG, False)])
def test_a_digit_between_the_thresholds_is_unsure(models, strongest, unsure):
    prediction = Classifier.load(models[strongest, True]).predict(SEVEN)
    assert prediction.digit == 4 and prediction.unsure is unsure and prediction.not_a_digit is False


def test_without_a_rule_in_the_model_file_weak_outputs_are_read_unflagged(models):
    prediction = Classifier.load(models[WEAK, False]).predict(SEVEN)
    assert prediction.digit == 4 and not prediction.unsure and not prediction.not_a_digit


def test_predict_each_yields_not_a_digit_in_place(models, tmp_path):
    outcomes = list(Classifier.load(models[WEAK, True]).predict_each([SEVEN, tmp_path / "missing.png", SEVEN]))
    assert [type(outcome) for outcome in outcomes] == [NotADigit, ImageError, NotADigit]


def test_read_keeps_the_flags_instead_of_raising(models):
    reading = Classifier.load(models[WEAK, True]).read(SEVEN)
    assert isinstance(reading.prediction, Prediction)
    assert reading.prediction.not_a_digit and reading.prediction.unsure
    np.testing.assert_allclose(reading.outputs, outputs_with_strongest(WEAK), rtol=1e-5)


# --- the predict command -------------------------------------------------------------


def predict_command(capsys, model: str, *argv: str) -> tuple[int, str, str]:
    status = main(["predict", "--model", model, *argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.mark.parametrize("strongest, unsure", [(MIDDLING, True), (STRONG, False)])
def test_predict_json_says_whether_it_is_unsure(capsys, models, seven_png, strongest, unsure):
    status, out, _ = predict_command(capsys, models[strongest, True], "--json", seven_png)
    record = json.loads(out)
    assert status == 0 and record["digit"] == 4 and record["unsure"] is unsure


@pytest.mark.parametrize("strongest, unsure", [(MIDDLING, True), (STRONG, False)])
def test_predict_text_ends_with_unsure(capsys, models, seven_png, strongest, unsure):
    status, out, _ = predict_command(capsys, models[strongest, True], seven_png)
    assert status == 0 and out.startswith(f"{seven_png}: 4 (")
    assert out.endswith(" (unsure)\n") is unsure


def test_predict_reports_not_a_digit_as_the_image_error(capsys, models, seven_png):
    status, out, _ = predict_command(capsys, models[WEAK, True], "--json", seven_png)
    assert status == 1 and json.loads(out) == {"path": seven_png, "error": "not a digit"}
    status, out, err = predict_command(capsys, models[WEAK, True], seven_png)
    assert status == 1 and out == "" and err == f"mnist-app: error: {seven_png}: not a digit\n"
