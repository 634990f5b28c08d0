"""The report's parts on their own: SVG charts, colour maps and PNGs, the recorded history."""

from __future__ import annotations

import base64
import io
import math
import xml.etree.ElementTree as ElementTree

import numpy as np
import pytest
from PIL import Image

from mnist_app.report import images, svg, ticks
from mnist_app.report.history import HistoryError, read_curves


def parse(chart: str) -> ElementTree.Element:
    """The chart as XML: it must be well formed to be inline SVG."""
    return ElementTree.fromstring(chart)


@pytest.mark.parametrize("low, high, expected", [
    (0.0, 1.0, [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]),
    (0.213, 0.61, [0.2, 0.3, 0.4, 0.5, 0.6, 0.7]),
    (88.2, 97.9, [88, 90, 92, 94, 96, 98]),
    (1, 45, [0, 10, 20, 30, 40, 50]),
])
def test_axes_get_round_ticks_that_cover_the_data(low, high, expected):
    start, stop, step = ticks.nice_range(low, high)
    np.testing.assert_allclose(ticks.ticks(start, stop, step), expected, atol=1e-9)


@pytest.mark.parametrize("value, step, text", [
    (0.25, 0.25, "0.25"), (2.5, 2.5, "2.5"), (-2.5, 2.5, "\u22122.5"), (40.0, 10.0, "40"), (0.3, 0.1, "0.3"),
    (-1e-17, 0.1, "0"), (1e-4, 5e-5, "0.00010"),
])
def test_tick_labels_carry_the_decimals_their_step_needs(value, step, text):
    assert ticks.tick_label(value, step) == text


def test_a_line_chart_has_axes_labels_a_legend_and_gaps_for_missing_values():
    series = [svg.Series("training", [1, 2, 3, 4], [0.5, 0.4, math.nan, 0.2], "#111"),
              svg.Series("validation", [1, 2, 3, 4], [0.6, 0.5, 0.45, 0.4], "#222", dashed=True)]
    chart = svg.line_chart(series, x_label="epoch", y_label="cost (mean per image)", title="Cost <per> epoch",
                           x_integer=True, lines=[svg.VerticalLine(3, "kept: epoch 3")])
    root = parse(chart)
    texts = [element.text for element in root.iter("text")]
    assert {"epoch", "cost (mean per image)", "training", "validation", "kept: epoch 3"} <= set(texts)
    assert {"1", "2", "3", "4"} <= set(texts)
    assert root.find("title").text == "Cost <per> epoch"  # escaped in the source, intact once parsed
    training_path = root.findall("path")[0].get("d")
    assert training_path.count("M") == 2  # the NaN split the line in two pieces
    assert 'viewBox="0 0 ' in chart and "width=" not in chart.split(">")[0]  # scales with the page


def test_a_bar_chart_draws_negative_bars_below_zero_and_its_labels():
    chart = svg.bar_chart(["a", "b", "c"], [2.0, -1.0, 0.5], title="bars", colours=["#f00", "#00f", "#0f0"],
                          y_range=(-2.0, 2.0), value_labels=["2", "-1", "0.5"], tooltips=["x", "y", "z"])
    root = parse(chart)
    bars = root.findall("rect")
    heights = [float(bar.get("height")) for bar in bars]
    assert heights[0] == pytest.approx(2 * heights[1], abs=0.2) and heights[1] == pytest.approx(2 * heights[2], abs=0.2)
    assert float(bars[1].get("y")) > float(bars[0].get("y"))  # the negative bar hangs below zero
    assert [bar.find("title").text for bar in bars] == ["x", "y", "z"]


def test_a_heatmap_has_one_cell_per_value():
    fills = [["#fff", "#000"], ["#000", "#fff"]]
    root = parse(svg.heatmap(fills, [["1", "2"], ["3", "4"]], [["#000"] * 2] * 2, row_labels=["r0", "r1"],
                             column_labels=["c0", "c1"], x_label="x", y_label="y", title="heat"))
    assert len(root.findall("rect")) == 4
    assert {"1", "2", "3", "4", "r0", "r1", "c0", "c1"} <= {element.text for element in root.iter("text")}


def test_the_diverging_map_is_white_at_zero_and_symmetric():
    colours = images.diverging(np.array([-3.0, -1.0, 0.0, 1.0, 3.0]), limit=1.0)
    assert colours.dtype == np.uint8 and colours.shape == (5, 3)
    assert tuple(colours[2]) == (247, 247, 247)
    assert tuple(colours[0]) == tuple(colours[1]) == tuple(images.DIVERGING_ANCHORS[0])  # clipped at -limit
    assert tuple(colours[3]) == tuple(images.DIVERGING_ANCHORS[-1])
    assert colours[3][0] > colours[3][2] and colours[1][2] > colours[1][0]  # red above zero, blue below


def test_png_data_uris_round_trip_the_pixels():
    pixels = np.arange(28 * 28 * 3, dtype=np.uint32).reshape(28, 28, 3).astype(np.uint8)
    uri = images.png_data_uri(pixels)
    assert uri.startswith("data:image/png;base64,")
    decoded = np.asarray(Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))))
    assert np.array_equal(decoded, pixels)
    with pytest.raises(ValueError):
        images.png_data_uri(np.zeros((28, 28), dtype=np.float32))


def test_text_colour_contrasts_with_its_background():
    assert images.text_colour_on((255, 245, 235)) == "#000"
    assert images.text_colour_on((127, 39, 4)) == "#fff"


def test_history_is_read_from_the_current_format():
    metadata = {"best_epoch": 2, "history": [
        {"epoch": 1, "seconds": 0.5, "learning_rate": 3.0, "train_cost": 0.9, "train_accuracy": 0.8,
         "val_cost": 1.0, "val_accuracy": 0.7},
        {"epoch": 2, "seconds": 0.25, "learning_rate": 1.5, "train_cost": 0.5, "train_accuracy": 0.9,
         "val_cost": 0.6, "val_accuracy": 0.85}]}
    curves = read_curves(metadata)
    assert curves.source == "history" and curves.epochs.tolist() == [1, 2] and curves.best_epoch == 2
    assert curves.learning_rate.tolist() == [3.0, 1.5] and curves.total_seconds == pytest.approx(0.75)


def test_history_is_read_from_the_first_format_and_without_validation():
    metadata = {"epochs": [{"epoch": 1, "seconds": 0.4, "train_loss": 0.6, "val_accuracy": 0.9},
                           {"epoch": 2, "seconds": 0.4, "train_loss": 0.5, "val_accuracy": 0.95},
                           {"epoch": 3, "seconds": 0.4, "train_loss": 0.4, "val_accuracy": 0.93}]}
    curves = read_curves(metadata)
    assert curves.source == "epochs" and curves.train_cost.tolist() == [0.6, 0.5, 0.4]
    assert curves.learning_rate is None and curves.train_accuracy is None and curves.val_cost is None
    assert curves.best_epoch == 2  # no best_epoch recorded: the highest validation accuracy

    no_validation = {"history": [{"epoch": 1, "train_cost": 0.5, "val_cost": None, "val_accuracy": None}]}
    curves = read_curves(no_validation)
    assert curves.val_accuracy is None and curves.val_cost is None and curves.best_epoch is None


@pytest.mark.parametrize("metadata", [
    {"history": "x"}, {"history": []}, {"history": [1, 2]}, {"history": [{"epoch": "one"}]},
    {"history": [{"epoch": 1.5}]}, {"history": [{"epoch": 1, "train_cost": "low"}]},
    {"history": [{"epoch": 1, "train_cost": True}]},
])
def test_a_malformed_history_is_refused_with_a_reason(metadata):
    with pytest.raises(HistoryError):
        read_curves(metadata)


def test_no_history_is_none():
    assert read_curves({"seed": 0}) is None
