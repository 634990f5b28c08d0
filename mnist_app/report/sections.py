"""The report's seven sections, each a function from the figures to its HTML.

Colours mean the same in every chart: training figures are blue, validation figures orange.
"""

from __future__ import annotations

from html import escape
from typing import Any

import numpy as np

from mnist_app.confidence import NEAR_TIE
from mnist_app.constants import N_CLASSES
from mnist_app.report import images, svg
from mnist_app.report.blocks import data_table, facts_table, figure, gallery, ordinal
from mnist_app.report.figures import ReportFigures
from mnist_app.training import MONITOR_EXAMPLES

TRAINING_COLOUR = "#1f6fb4"  # training figures, in every chart
VALIDATION_COLOUR = "#e8710a"  # validation figures, in every chart
NEUTRAL_COLOUR = "#4a4a52"  # a series that is neither
DIRECTION_COLOURS = ("#1b9e77", "#7b3294")  # the curves of one robustness sweep
CORRECT_CELL = "#dcefe2"  # confusion matrix diagonal
ZERO_TEXT = "#b8b8c0"
MIN_BAND_DIGITS = 10  # a band of confidence with fewer digits is too noisy to plot
HYPERPARAMETER_NAMES = {
    "epochs": "epochs", "batch_size": "batch size", "learning_rate": "learning rate \u03b7",
    "schedule": "learning-rate schedule", "momentum": "momentum \u03bc", "l2": "L2, the book's \u03bb/n",
    "shift": "random shifts in training (pixels)", "validation": "validation images",
    "distortions": "random distortions in training", "distill": "weight of the teacher's outputs",
    "deskew": "reads digits deskewed", "nondigits": "generated non-digits in training",
    "typed": "generated typed digits in training",
}
RULE_NAMES = {  # the thresholds of mnist_app.confidence.RejectRule, in words
    "not_a_digit_below": '"not a digit" when the strongest output is below',
    "unsure_below": f'"unsure" (as is a near tie: the two strongest within {NEAR_TIE * 100:.0f} points) '
                    "when the strongest output is below",
}
INITIALISATIONS = {"scaled": "weights ~ N(0, 1/n_in), biases ~ N(0, 1)", "normal": "weights and biases ~ N(0, 1)"}


def _plain(value: Any) -> str:
    """A metadata value as text: "yes"/"no", "name 1, name 2" for an object, else str()."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return ", ".join(f"{key.replace('_', ' ')} {_plain(item)}" for key, item in value.items()) or "none"
    return str(value)


def model_section(figures: ReportFigures) -> str:
    meta = figures.metadata
    stored = meta.get("hyperparameters")
    hyper: dict[str, Any] = stored if isinstance(stored, dict) else {}  # a JSON object
    evaluation = figures.evaluation
    rows = [
        ("test accuracy", f"<strong>{evaluation.correct}/{evaluation.total} ({evaluation.accuracy:.2%})</strong>, "
                          "as <code>mnist-app evaluate</code> reports it"),
        ("layers", f"{escape('-'.join(map(str, figures.sizes)))}: {figures.sizes[0]} pixels in, "
                   f"hidden sigmoid layers of {', '.join(map(str, figures.sizes[1:-1])) or 'none'}, "
                   f"{figures.sizes[-1]} sigmoid outputs"),
        ("cost", escape(figures.cost)),
    ]
    if figures.convention.average_shifts:
        rows.append(("reading", "every digit five times, as it is and moved one pixel up, down, left and "
                                "right, the ten outputs averaged"))
    if "init" in hyper:
        init = hyper["init"]  # a name mnist_app wrote, or whatever another tool did
        named = INITIALISATIONS.get(init) if isinstance(init, str) else None
        rows.append(("initialisation", escape(named or _plain(init))))
    for key, value in hyper.items():
        if key not in ("sizes", "cost", "init"):
            rows.append((HYPERPARAMETER_NAMES.get(key, key), escape(_plain(value))))
    if "seed" in meta:
        rows.append(("seed", escape(str(meta["seed"]))))
    curves = figures.curves
    if curves is not None and curves.total_seconds is not None:
        rows.append(("training time", f"{curves.total_seconds:.1f} s over {len(curves.epochs)} epochs "
                                      f"({curves.total_seconds / len(curves.epochs):.2f} s per epoch)"))
    if curves is not None and curves.best_epoch is not None:
        kept = f"epoch {curves.best_epoch}"
        if isinstance(meta.get("validation_accuracy"), (int, float)):
            kept += f" (validation accuracy {meta['validation_accuracy']:.2%})"
        rows.append(("weights kept from", kept))
    if meta.get("interrupted"):
        rows.append(("interrupted", "yes: training was stopped before its last epoch"))
    rows.append(("trained", escape(f"{meta.get('created_utc', 'unknown date')}, "
                                   f"mnist_app {meta.get('mnist_app_version', '(version unknown)')}")))
    hashes = meta.get("training_data_sha256")
    if isinstance(hashes, dict):
        rows += [(f"sha256 of {name}", f'<code class="hash">{escape(str(digest))}</code>')
                 for name, digest in hashes.items()]
    return facts_table(rows)


def learning_section(figures: ReportFigures) -> str:
    curves = figures.curves
    if curves is None:
        return (f'<p class="note">{escape(figures.curves_note)} Models trained by mnist_app 0.2 or later '
                "record one entry per epoch.</p>")
    epochs = curves.epochs
    lines = [svg.VerticalLine(curves.best_epoch, f"kept: epoch {curves.best_epoch}")] if curves.best_epoch else []

    def chart(title: str, y_label: str, pairs, question: str, scale: float = 1.0, y_range=None) -> str:
        series = [svg.Series(label, epochs, values * scale, colour, markers=len(epochs) <= 12)
                  for label, values, colour in pairs if values is not None]
        if not series:
            return figure(title, '<p class="note">Not recorded in this model file.</p>', question)
        return figure(title, svg.line_chart(series, x_label="epoch", y_label=y_label, title=title, x_integer=True,
                                            lines=lines, y_range=y_range), question)

    charts = [
        chart("Cost per epoch", "cost (mean per image)",
              [("training", curves.train_cost, TRAINING_COLOUR), ("validation", curves.val_cost, VALIDATION_COLOUR)],
              "Is it still learning, or overfitting? A validation cost that rises while the training cost "
              "falls means overfitting."),
        chart("Accuracy per epoch", "accuracy (%)",
              [("training", curves.train_accuracy, TRAINING_COLOUR),
               ("validation", curves.val_accuracy, VALIDATION_COLOUR)],
              "How many digits it reads right after each epoch; the gap between the lines is overfitting.", 100.0),
        chart("Learning rate", "learning rate \u03b7", [("\u03b7", curves.learning_rate, NEUTRAL_COLOUR)],
              "The step size of each epoch (the schedule).",
              y_range=(0.0, svg.nice_range(0.0, float(np.nanmax(curves.learning_rate)))[1])
              if curves.learning_rate is not None else None),
    ]
    older = ("" if curves.source == "history" else
             ' This file was written by mnist_app 0.1, which recorded only the training cost and the validation '
             'accuracy per epoch.')
    return (f'<p class="note">Training figures are measured on the first {MONITOR_EXAMPLES:,} training images '
            f'(not shifted), validation figures on the held-out images.{older}</p>'
            f'<div class="grid">{"".join(charts)}</div>')


def confusion_section(figures: ReportFigures) -> str:
    confusion = figures.evaluation.confusion
    off_diagonal = confusion * (1 - np.eye(N_CLASSES, dtype=confusion.dtype))
    scale = max(int(off_diagonal.max()), 1)
    fills, texts, text_colours, tooltips = [], [], [], []
    for true, row in enumerate(confusion):
        rgb = images.sequential(off_diagonal[true] / scale)
        fills.append([CORRECT_CELL if true == p else images.hex_colour(rgb[p]) for p in range(N_CLASSES)])
        texts.append([str(count) for count in row])
        text_colours.append([ZERO_TEXT if count == 0 else "#000" if true == p else images.text_colour_on(rgb[p])
                             for p, count in enumerate(row)])
        tooltips.append([f"true {true}, read as {p}: {count} of {row.sum()}" for p, count in enumerate(row)])
    digits = [str(d) for d in range(N_CLASSES)]
    heat = svg.heatmap(fills, texts, text_colours, row_labels=digits, column_labels=digits,
                       x_label="read as (predicted digit)", y_label="true digit", title="Confusion matrix",
                       tooltips=tooltips)
    per_class = figures.evaluation.per_class
    per_digit = confusion.sum(axis=1)
    errors = [100.0 * (1.0 - accuracy) if n else float("nan") for accuracy, n in zip(per_class, per_digit)]
    bars = svg.bar_chart(digits, errors, title="Misread, per digit", colours=VALIDATION_COLOUR,
                         x_label="true digit", y_label="misread (%)",
                         value_labels=[f"{e:.1f}" if n else "" for e, n in zip(errors, per_digit)])
    table = data_table(["digit", "test images", "read right", "accuracy"],
                       [[str(d), str(per_digit[d]), str(confusion[d, d]), f"{per_class[d]:.2%}"]
                        for d in range(N_CLASSES)])
    return (
        '<div class="grid">'
        + figure("Which digits are confused with which", heat,
                 f"Rows are the true digit, columns what the network read. Off the diagonal, darker orange means "
                 f"more mistakes (the darkest is {scale}).")
        + figure("Accuracy per digit", bars + table, "The share of each digit's test images that were misread.")
        + "</div>"
    )


def mistakes_section(figures: ReportFigures) -> str:
    wrong = figures.confidently_wrong
    wrong_gallery = gallery(wrong, lambda e: f'<span class="wrong">{e.label} read as {e.digit}</span>'
                                             f"<br>{e.confidence:.1%} sure") if wrong else \
        '<p class="note">No test digit was misread.</p>'
    unsure_gallery = gallery(figures.least_sure, lambda e: (
        f'<span class="{"right" if e.digit == e.label else "wrong"}">read {e.digit}</span> {e.confidence:.0%}'
        f"<br>or {e.runner_up} {e.runner_up_probability:.0%} \u00b7 true {e.label}"))
    return (
        "<p>Each picture is the 28\u00d728 test image exactly as the network saw it, enlarged. "
        "Confidence is the digit's output divided by the sum of all ten outputs.</p>"
        f"<h3>The most confidently wrong</h3>{wrong_gallery}"
        f"<h3>The least sure</h3><p class=\"note\">Its top two guesses; green when the top one is right.</p>"
        f"{unsure_gallery}"
    )


def network_section(figures: ReportFigures) -> str:
    hidden = figures.hidden
    limit = hidden.incoming_limit
    bar = svg.colour_bar(images.gradient_stops(images.DIVERGING_ANCHORS), -limit, limit, gradient_id="weights-scale",
                         label="incoming weight (same scale for every neuron)", title="Colour scale of the weights")
    cards = []
    digits = [str(d) for d in range(N_CLASSES)]
    for j, (incoming, bias) in enumerate(zip(hidden.incoming, hidden.biases)):
        picture = images.png_data_uri(images.diverging(incoming, limit))
        outgoing = ""
        if hidden.outgoing is not None:
            colours = [images.hex_colour(c) for c in images.diverging(hidden.outgoing[j], hidden.outgoing_limit)]
            outgoing = svg.bar_chart(digits, hidden.outgoing[j], title=f"Neuron {j + 1}: weights to the ten digits",
                                     colours=colours, y_range=(-hidden.outgoing_limit, hidden.outgoing_limit),
                                     tooltips=[f"to digit {d}: {w:+.2f}" for d, w in enumerate(hidden.outgoing[j])],
                                     width=180, height=120, font=16)
        cards.append(f'<figure class="neuron"><img class="pixels" src="{picture}" width="28" height="28" '
                     f'alt="incoming weights of hidden neuron {j + 1}">{outgoing}'
                     f"<figcaption><strong>neuron {j + 1}</strong><br>bias {bias:+.2f}</figcaption></figure>")
    shown = len(hidden.biases)
    more = f" The first {shown} of its {hidden.total} neurons are shown." if shown < hidden.total else ""
    if hidden.outgoing is not None:
        outgoing_text = ("Under each picture, the neuron's weights to the ten digit outputs, on one scale for all "
                         f"(\u00b1{hidden.outgoing_limit:.2f}): a tall red bar means the neuron votes for that digit.")
    elif len(figures.sizes) == 2:
        outgoing_text = "This network has no hidden layer: these are the ten output neurons, digits 0 to 9."
    else:
        outgoing_text = "This network has more hidden layers, so these neurons feed the next one, not the digits."
    return (
        f"<p>Each picture is one neuron of the first layer: its {hidden.incoming.shape[1] ** 2} incoming "
        "weights laid out as the pixels they multiply. Red pixels excite the neuron when inked, blue ones inhibit "
        f"it, white ones do not matter. The colours saturate at \u00b1{limit:.2f}, the 99th percentile of |w|, so "
        f"the few larger weights do not wash out the rest.{more} {outgoing_text}</p>"
        f'<div class="colour-bar">{bar}</div><div class="neurons">{"".join(cards)}</div>'
    )


def robustness_section(figures: ReportFigures) -> str:
    charts = []
    for curve in figures.robustness:
        series = [svg.Series(label, curve.strengths, accuracy * 100.0, colour, markers=True)
                  for (label, accuracy), colour in zip(curve.accuracies.items(), DIRECTION_COLOURS)]
        chart = svg.line_chart(series, x_label=curve.x_label, y_label="accuracy (%)", title=curve.title,
                               y_range=(0.0, 100.0))
        charts.append(figure(curve.title, chart, ""))
    sample = figures.robustness[0]
    which = "every test digit" if sample.stride == 1 else f"every {ordinal(sample.stride)} test digit"
    return (f"<p>Accuracy on {sample.images:,} test digits ({which}) after each of them is changed the same "
            "way; the point at 0 is the untouched sample. MNIST digits are centred and upright, so a "
            "network trained on them has rarely seen anything else.</p>"
            f'<div class="grid">{"".join(charts)}</div>')


def confidence_section(figures: ReportFigures) -> str:
    reliability = figures.reliability
    plotted = reliability.counts >= MIN_BAND_DIGITS
    diagonal = svg.Series("perfectly calibrated", [10, 100], [10, 100], "#9a9aa2", dashed=True)
    model = svg.Series("this network", reliability.mean_confidence[plotted] * 100,
                       reliability.accuracy[plotted] * 100, NEUTRAL_COLOUR, markers=True)
    chart = svg.line_chart([model, diagonal], x_label="confidence (%)", y_label="read correctly (%)",
                           title="Reliability", x_range=(10.0, 100.0), y_range=(0.0, 100.0))
    rows = [[f"{low:.0%}\u2013{high:.0%}", str(n), f"{a:.1%}" if n else "", f"{c:.1%}" if n else ""]
            for low, high, n, a, c in zip(reliability.edges[:-1], reliability.edges[1:], reliability.counts,
                                          reliability.accuracy, reliability.mean_confidence)]
    table = data_table(["confidence", "digits", "read right", "mean confidence"], rows)
    return (
        '<div class="grid">'
        + figure("How often it is right at each confidence", chart,
                 "Each dot is one band of confidence (from the table; bands of fewer than "
                 f"{MIN_BAND_DIGITS} digits are left out): its digits' mean confidence and the share of them read "
                 "right. Dots under the dashed line mean the network is surer than it should be, dots above it "
                 f"that it is right more often than it says. {calibration_summary(reliability.underconfidence)}")
        + figure("Digits per band of confidence", table,
                 f"Expected calibration error: {reliability.calibration_error:.2%} (the mean gap between confidence "
                 "and accuracy, over all digits).")
        + "</div>" + reject_text(figures)
    )


def calibration_summary(underconfidence: float) -> str:
    if abs(underconfidence) < 0.005:
        return "On average its confidence matches its accuracy to within half a point."
    side = "below" if underconfidence > 0 else "above"
    return f"On average its confidence is {100 * abs(underconfidence):.1f} percentage points {side} its accuracy."


def reject_text(figures: ReportFigures) -> str:
    cost = figures.reject
    if cost is None:
        return ('<h3>The "unsure" rule</h3><p class="note">This model file has no reject rule: only near ties '
                f"(the two strongest outputs within {NEAR_TIE * 100:.0f} points) are flagged as unsure.</p>")
    unflagged = cost.total - cost.flagged
    rows = [(RULE_NAMES.get(key, str(key)), f"{value:.3g}" if isinstance(value, float) else escape(str(value)))
            for key, value in cost.rule.items()]
    rows += [
        ("test digits flagged", f"{cost.flagged} of {cost.total} ({cost.flagged / cost.total:.2%}), "
                                f"{cost.not_a_digit} of them as not a digit"),
        ("accuracy on the rest", f"{cost.unflagged_correct}/{unflagged} ({cost.unflagged_correct / unflagged:.2%})"
                                 if unflagged else "no digit left unflagged"),
        ("misread digits caught", f"{cost.misread_flagged} of {cost.misread}"
                                  + (f" ({cost.misread_flagged / cost.misread:.1%})" if cost.misread else "")),
    ]
    return ('<h3>The "unsure" rule</h3><p>What the model\'s reject rule costs on the test set. It looks at the '
            "strongest of the ten outputs, as printed, and at the runner-up: a flagged reading is shown with a doubt "
            "or not at all, and the readings left are right more often.</p>" + facts_table(rows))
