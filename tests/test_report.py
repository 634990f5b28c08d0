"""`mnist-app report` end to end on the fake MNIST: the page, its numbers and its errors."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from html import unescape
from html.parser import HTMLParser
from types import SimpleNamespace

import numpy as np
import pytest
from report_helpers import SECTION_IDS, embedded_pngs, fake_data, run_cli

from mnist_app import model_io
from mnist_app.confidence import RejectRule
from mnist_app.data import load_mnist
from mnist_app.model import Model
from mnist_app.network import Network
from mnist_app.reading import ReadingConvention
from mnist_app.report import render_report
from mnist_app.report.figures import (
    N_EXAMPLES,
    compute_figures,
    learning_curves,
    reject_cost,
    reliability,
    step_count,
)
from mnist_app.report.html import render


@pytest.fixture(scope="module")
def trained(fake_report, fake_mnist_files):
    """The session's fake model and report (report_helpers.fake_report), with evaluate
    --json's answer and the test set."""
    with fake_data(fake_mnist_files) as data_dir:
        status, evaluated = run_cli(["evaluate", "--model", str(fake_report.model), "--data-dir", str(data_dir),
                                     "--json"])
        assert status == 0
        mnist = load_mnist(data_dir)
    loaded = Model.load(fake_report.model)
    return SimpleNamespace(model=fake_report.model, loaded=loaded, network=loaded.network, metadata=loaded.metadata,
                           summary=fake_report.summary,
                           evaluation=json.loads(evaluated), html=fake_report.page.read_text(encoding="utf-8"),
                           images=mnist.test_images, labels=mnist.test_labels)


@pytest.fixture(scope="module")
def figures(trained):
    return compute_figures(trained.loaded, trained.images, trained.labels)


class _Outline(HTMLParser):
    """Collects the ids of the <section> elements and whether each has a heading."""

    def __init__(self):
        super().__init__()
        self.sections, self.headed, self._open = [], set(), None

    def handle_starttag(self, tag, attrs):
        if tag == "section":
            self._open = dict(attrs).get("id")
            self.sections.append(self._open)
        elif tag == "h2" and self._open:
            self.headed.add(self._open)


def test_the_history_has_one_entry_per_epoch(trained):
    history = trained.metadata["history"]
    assert [record["epoch"] for record in history] == [1, 2]
    assert history == trained.summary["history"]
    assert set(history[0]) == {"epoch", "seconds", "learning_rate", "train_cost", "train_accuracy",
                               "val_cost", "val_accuracy"}


def test_every_section_is_present_in_order_with_a_heading(trained):
    outline = _Outline()
    outline.feed(trained.html)
    assert outline.sections == list(SECTION_IDS)
    assert outline.headed == set(SECTION_IDS)
    for section in SECTION_IDS:
        assert f'href="#{section}"' in trained.html  # the navigation reaches it


def test_every_embedded_png_decodes(trained, figures):
    pictures = embedded_pngs(trained.html)
    digits = len(figures.confidently_wrong) + len(figures.least_sure)
    assert len(pictures) == digits + figures.hidden.total
    assert all(picture.size == (28, 28) for picture in pictures)
    assert sum(picture.mode == "RGB" for picture in pictures) == 30  # the hidden neurons' weights


def test_the_page_references_nothing_outside_itself(trained):
    html = trained.html
    assert "http" not in html.lower()
    assert not re.search(r"""\b(src|href)\s*=\s*(?!["']?(data:|#))""", html)  # only data: URIs and anchors
    assert "<script" not in html.lower() and "@import" not in html and "<link" not in html
    assert re.findall(r"url\(([^)]*)\)", html) == ["#weights-scale"]  # the colour bar's own gradient


def test_the_numbers_agree_with_evaluate(trained, figures):
    assert figures.evaluation.to_json() == trained.evaluation
    evaluation = trained.evaluation
    assert f"{evaluation['correct']}/{evaluation['total']} ({evaluation['accuracy']:.2%})" in trained.html
    for accuracy in evaluation["per_class"]:
        assert f"{accuracy:.2%}" in trained.html
    assert figures.reliability.counts.sum() == evaluation["total"]
    assert figures.reliability.correct.sum() == evaluation["correct"]


def test_the_galleries_hold_the_right_digits_in_order(figures, trained):
    wrong = figures.confidently_wrong
    assert len(wrong) == min(N_EXAMPLES, trained.evaluation["total"] - trained.evaluation["correct"])
    assert all(example.digit != example.label for example in wrong)
    assert [e.confidence for e in wrong] == sorted((e.confidence for e in wrong), reverse=True)
    unsure = figures.least_sure
    assert len(unsure) == N_EXAMPLES
    assert [e.confidence for e in unsure] == sorted(e.confidence for e in unsure)
    for example in wrong + unsure:
        assert np.array_equal(example.image, trained.images[example.index])
        assert example.label == trained.labels[example.index]
        assert example.runner_up != example.digit and example.runner_up_probability <= example.confidence


def test_the_figures_describe_the_network_and_its_training(figures, trained):
    hidden = figures.hidden
    weights = trained.network.weights
    assert hidden.incoming.shape == (30, 28, 28) and hidden.outgoing.shape == (30, 10)
    np.testing.assert_allclose(hidden.incoming[4].ravel(), weights[0][4])
    np.testing.assert_allclose(hidden.outgoing[:, 7], weights[1][7])
    assert hidden.incoming_limit == pytest.approx(np.percentile(np.abs(weights[0]), 99))
    assert hidden.outgoing_limit == pytest.approx(np.abs(weights[1]).max())

    curves = figures.curves
    assert list(curves.epochs) == [1, 2] and curves.source == "history"
    assert curves.best_epoch == trained.summary["best_epoch"]
    np.testing.assert_allclose(curves.val_accuracy, [r["val_accuracy"] for r in trained.summary["history"]])

    for curve in figures.robustness:
        untouched = list(curve.strengths).index(0)
        assert curve.images == len(trained.images) and curve.stride == 1
        for values in curve.accuracies.values():  # strength 0 is the untouched test set
            assert values[untouched] == pytest.approx(trained.evaluation["accuracy"])
            assert np.all((values >= 0) & (values <= 1))
    assert figures.reject.rule == trained.metadata["reject"]  # every model train makes has a rule


def test_progress_is_called_once_per_step(trained):
    calls = []
    compute_figures(trained.loaded, trained.images[:20], trained.labels[:20],
                    on_step=lambda: calls.append(1))
    assert len(calls) == step_count()


def test_reliability_bins_by_confidence():
    confidence = np.array([0.15, 0.55, 0.58, 0.97, 0.995, 1.0])
    correct = np.array([False, True, False, True, True, False])
    result = reliability(confidence, correct, edges=(0.1, 0.5, 0.99, 1.0))
    assert result.counts.tolist() == [1, 3, 2]
    assert result.correct.tolist() == [0, 2, 1]
    np.testing.assert_allclose(result.mean_confidence, [0.15, (0.55 + 0.58 + 0.97) / 3, 0.9975])
    np.testing.assert_allclose(result.accuracy, [0, 2 / 3, 0.5])
    gaps = np.array([0 - 0.15, 2 / 3 - 0.7, 0.5 - 0.9975])
    assert result.calibration_error == pytest.approx(np.sum(np.abs(gaps) * [1, 3, 2]) / 6)
    assert result.underconfidence == pytest.approx(np.sum(gaps * [1, 3, 2]) / 6)


def test_the_reject_rule_cost_counts_flagged_and_caught_digits():
    flags = np.array([(False, False), (True, False), (False, True), (True, False), (False, False)])
    readout = SimpleNamespace(unsure=flags[:, 0], not_a_digit=flags[:, 1])
    correct = np.array([True, False, True, True, False])
    cost = reject_cost(RejectRule(0.1, 0.5), readout, correct)
    assert (cost.total, cost.flagged, cost.not_a_digit, cost.unflagged_correct) == (5, 3, 1, 1)
    assert (cost.misread, cost.misread_flagged) == (2, 1)
    assert reject_cost(RejectRule(), readout, correct) is None


def test_the_reject_rule_of_the_model_file_is_costed_on_the_test_set(trained):
    rule = {"not_a_digit_below": 0.3, "unsure_below": 0.8}  # the fake model is weak: its strongest outputs reach 0.89-0.92
    model = Model(trained.network, ReadingConvention(), RejectRule(**rule), trained.metadata)  # read once, as is
    figures = compute_figures(model, trained.images, trained.labels)
    (w1, w2), (b1, b2) = trained.network.weights, trained.network.biases  # the network by hand
    hidden = 1 / (1 + np.exp(-(trained.images.reshape(-1, 784) / 255.0 @ w1.T + b1)))
    outputs = 1 / (1 + np.exp(-(hidden @ w2.T + b2)))
    strongest = outputs.max(axis=1)
    top_two = np.sort(np.round(outputs * 1000), axis=1)[:, -2:]  # in tenths of a point, as printed
    flagged = (strongest < 0.8) | (top_two[:, 1] - top_two[:, 0] <= 100)  # weak, or a near tie
    correct = outputs.argmax(axis=1) == trained.labels
    cost = figures.reject
    assert cost.rule == rule and cost.total == len(trained.labels)
    assert (cost.flagged, cost.not_a_digit) == (flagged.sum(), (strongest < 0.3).sum())
    assert cost.unflagged_correct == (correct & ~flagged).sum() and cost.misread_flagged == (~correct & flagged).sum()
    assert 0 < cost.flagged < cost.total  # the thresholds were chosen so that the test means something
    page = unescape(render(figures))
    assert f"{cost.flagged} of {cost.total}" in page and "near tie" in page
    assert "five times, as it is and moved one pixel" in unescape(render(compute_figures(
        trained.loaded, trained.images[:20], trained.labels[:20])))  # the model section says how it reads


def test_a_model_in_the_old_format_or_without_history_still_renders(trained, figures):
    old = {key: value for key, value in trained.metadata.items() if key != "history"}
    old["epochs"] = [{"epoch": r["epoch"], "seconds": r["seconds"], "train_loss": r["train_cost"],
                      "val_accuracy": r["val_accuracy"]} for r in trained.metadata["history"]]
    page = render_report(Model.from_file_contents(trained.network, old), trained.images[:40], trained.labels[:40])
    assert "mnist_app 0.1" in page and "Cost per epoch" in page
    assert page.count("Not recorded in this model file.") == 1  # the learning rate

    for history, note in [(None, "This model file records no training history."), ("garbage", "cannot be read")]:
        metadata = {key: value for key, value in old.items() if key != "epochs"}
        if history is not None:
            metadata["history"] = history
        curves, curves_note = learning_curves(metadata)
        page = render(replace(figures, metadata=metadata, curves=curves, curves_note=curves_note))
        assert curves is None and note in page
        assert all(f'<section id="{section}">' in page for section in SECTION_IDS)


def test_text_from_the_model_file_is_escaped(figures):
    metadata = {**figures.metadata, "seed": "<script>alert(1)</script>",
                "hyperparameters": {"epochs": "<img src=x onerror=alert(1)>"}}
    page = render(replace(figures, metadata=metadata))
    assert "<script>" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


HISTORY = [{"epoch": 1, "train_cost": 0.5, "learning_rate": 0.1}, {"epoch": 2, "train_cost": 0.4, "learning_rate": 0.1}]


@pytest.mark.parametrize("odd, shown", [
    ({"hyperparameters": {"init": [1, 2]}}, "[1, 2]"),
    ({"hyperparameters": {"init": {"scale": 2}}}, "scale 2"),
    ({"history": [{**HISTORY[0], "learning_rate": 1.7e308}, HISTORY[1]]}, "beyond the 1e+12 a chart can show"),
    ({"history": [{**HISTORY[0], "train_cost": -1.7e308}, HISTORY[1]]}, "beyond the 1e+12 a chart can show"),
    ({"history": [{**HISTORY[0], "epoch": 1e300}, HISTORY[1]]}, "beyond the 1e+12 a chart can show"),
    ({"history": [{**HISTORY[0], "epoch": 10**300}, HISTORY[1]]}, "beyond the 1e+12 a chart can show"),
], ids=["init-list", "init-object", "rate-1.7e308", "cost-minus-1.7e308", "epoch-1e300", "epoch-int-1e300"])
def test_odd_metadata_still_renders_every_section(figures, odd, shown):
    metadata = {**figures.metadata, **odd}
    curves, curves_note = learning_curves(metadata)
    page = render(replace(figures, metadata=metadata, curves=curves, curves_note=curves_note))
    assert shown in page and all(f'<section id="{section}">' in page for section in SECTION_IDS)


def test_float_images_in_the_books_format_are_read_and_drawn_as_grey_levels(trained):
    images, labels = trained.images[:60], trained.labels[:60]  # enough for every gallery
    grey, floats = (compute_figures(trained.loaded, pictures, labels) for pictures in (images, images / 255.0))
    assert floats.evaluation.to_json() == grey.evaluation.to_json()
    assert len(grey.least_sure) == N_EXAMPLES
    for grey_example, scaled in zip(grey.least_sure, floats.least_sure):
        assert scaled.image.dtype == np.uint8 and np.array_equal(grey_example.image, scaled.image)


def test_deeper_and_shallower_networks_render_their_first_layer(trained):
    network = Network([784, 12, 8, 10], rng=np.random.default_rng(0))
    page = render_report(Model(network), trained.images[:20], trained.labels[:20])
    assert "more hidden layers" in page
    assert sum(picture.mode == "RGB" for picture in embedded_pngs(page)) == 12  # one per hidden neuron
    page = render_report(Model(Network([784, 10], rng=np.random.default_rng(0))), trained.images[:20],
                         trained.labels[:20])
    assert "no hidden layer" in page and sum(picture.mode == "RGB" for picture in embedded_pngs(page)) == 10


@pytest.mark.parametrize("bad, message", [
    (lambda tmp, model: ["--output", str(tmp)], "is a directory"),
    (lambda tmp, model: ["--output", str(model)], "is the model file itself"),
    (lambda tmp, model: ["--output", str(tmp / "file.txt" / "report.html")], "cannot write the report here"),
    (lambda tmp, model: ["--model", str(tmp / "missing.npz")], "no such model file"),
])
def test_bad_arguments_fail_in_one_line_before_any_data_is_read(bad, message, trained, tmp_path, capsys):
    (tmp_path / "file.txt").write_text("not a directory")
    # The data directory is empty and the mirror unreachable, so reading data would fail differently.
    argv = ["report", "--model", str(trained.model), "--data-dir", str(tmp_path / "nodata"),
            "--mirror", "http://127.0.0.1:9/", *bad(tmp_path, trained.model)]
    status, printed = run_cli(argv)
    error = capsys.readouterr().err
    assert status == 1 and printed == ""
    assert len(error.splitlines()) == 1 and error.startswith("mnist-app: error: ") and message in error
    assert not (tmp_path / "nodata").exists()


def test_a_network_that_does_not_read_digits_is_refused(tmp_path, capsys):
    model = tmp_path / "wide.npz"
    model_io.save(model, Network([784, 5, 3], rng=np.random.default_rng(0)), {})
    status, _ = run_cli(["report", "--model", str(model), "--data-dir", str(tmp_path / "nodata")])
    assert status == 1
    # model_io refuses it as it loads (a weights file must read digits), before the report's own check
    assert "layer sizes [784, 5, 3] do not read digits: expected 784 inputs" in capsys.readouterr().err
