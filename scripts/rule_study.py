"""Which score of the five readings should the unsure rule judge, and at what price?

For the model (default: the shipped one) every picture is read five times (as it is and
moved a pixel each way, mnist_app.reading.SHIFTS). Candidate scores, each higher for a
surer digit: the strongest averaged output (the shipped rule), the gap between the two
strongest, the weakest of the five readings of the chosen digit, the strongest minus the
sum of the other nine, and a logistic mix of the log-odds of the first three, fitted to
tell the validation digits from non-digits of the *training* families. Each score is
calibrated as ``train`` calibrates its rule (mnist_app.confidence.calibrate: near ties
always unsure, then the weakest of the correctly read validation digits up to the price),
at three prices. The table gives what each flags: non-digits of the training families and
of the held-out families (mnist_app.synthetic.families; fresh drawings on pages and photos,
not the seed of docs/held-out-families.md), and correctly read digits of realistic sets
drawn from the validation split (photo-, canvas-like, thin pens) and of the held-out
hands and font families. Usage::

    python scripts/rule_study.py [--model PATH] [--data-dir DIR] [--count N] [--seed N]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchmark_notes import add_data_dir_option, add_model_option, add_sets_options, load_mnist_or_exit, write_markdown  # noqa: E402
from mnist_app.augment import shift  # noqa: E402
from mnist_app.confidence import NEAR_TIE, NOT_A_DIGIT_SHARE, near_tie, thresholds  # noqa: E402
from mnist_app.constants import VALIDATION_SPLIT  # noqa: E402
from mnist_app.model import Model  # noqa: E402
from mnist_app.predict import Classifier, Preprocessed, preprocess_or_error  # noqa: E402
from mnist_app.reading import SHIFTS  # noqa: E402
from mnist_app.synthetic import families, sets  # noqa: E402

PRICES = (0.01, 0.015, 0.02)  # share of the correctly read validation digits flagged
LOGISTIC_STEPS = 25  # Newton steps fitting the logistic mix


def readings(model: Model, pictures: np.ndarray) -> np.ndarray:
    """The five readings' raw outputs, (n, 5, 10) float64, of pictures (n, 28, 28) in [0, 1]."""
    seen = model.convention.prepare(pictures.astype(np.float32))
    return np.stack([model.network.feedforward(shift(seen, rows, columns).reshape(len(seen), -1))
                     for rows, columns in SHIFTS], axis=1).astype(np.float64)


def log_odds(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def scores(outputs: np.ndarray) -> dict[str, np.ndarray]:
    """Each candidate score, (n,), of readings (n, 5, 10); the logistic mix's inputs too."""
    mean = outputs.mean(axis=1)
    chosen = mean.argmax(axis=1)
    ranked = np.sort(mean, axis=1)
    weakest = outputs[np.arange(len(outputs)), :, chosen].min(axis=1)
    return {"strongest output (shipped)": ranked[:, -1], "gap to the runner-up": ranked[:, -1] - ranked[:, -2],
            "weakest of the five readings": weakest,
            "strongest minus the other nine": 2 * ranked[:, -1] - mean.sum(axis=1),
            "mix": np.stack([log_odds(ranked[:, -1]), log_odds(ranked[:, -2]), log_odds(weakest)], axis=1)}


def fit_logistic(digits: np.ndarray, nondigits: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mean, scale, weights) of a logistic regression, digits 1 against non-digits 0, each
    side weighted equally, features standardised; Newton's method with a small ridge."""
    features = np.concatenate([digits, nondigits])
    mean, scale = features.mean(axis=0), features.std(axis=0) + 1e-9
    x = np.column_stack([(features - mean) / scale, np.ones(len(features))])
    y = np.r_[np.ones(len(digits)), np.zeros(len(nondigits))]
    weight = np.r_[np.full(len(digits), 0.5 / len(digits)), np.full(len(nondigits), 0.5 / len(nondigits))]
    w = np.zeros(x.shape[1])
    for _ in range(LOGISTIC_STEPS):
        p = 1 / (1 + np.exp(-x @ w))
        hessian = (x * (weight * p * (1 - p))[:, None]).T @ x + 1e-3 * np.eye(len(w))
        w -= np.linalg.solve(hessian, x.T @ (weight * (p - y)) + 1e-3 * w)
    return mean, scale, w


def pictures_of(classifier: Classifier, labelled: sets.LabelledSet) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """(pictures (k, 28, 28), labels (k,), several-digits flags (k,), images in all) of the
    images preprocessing reads (the others were "no digit found" and are never flagged);
    a picture ``classifier`` reads as several digits is refused by predict, so flagged."""
    kept = [(outcome, label) for outcome, label in
            ((preprocess_or_error(classifier, file), label) for file, label in zip(labelled.files, labelled.labels))
            if isinstance(outcome, Preprocessed)]
    pictures = np.array([outcome.vector.reshape(28, 28) for outcome, _ in kept], dtype=np.float32)
    return (pictures.reshape(-1, 28, 28), np.array([label for _, label in kept]),
            np.array([outcome.several_digits for outcome, _ in kept], dtype=bool), len(labelled.files))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_model_option(parser)
    add_data_dir_option(parser)
    add_sets_options(parser, count=300, seed=11)
    args = parser.parse_args()
    model = Model.load(args.model)
    classifier = Classifier(model)
    mnist = load_mnist_or_exit(args.data_dir)
    digits, labels = mnist.train_images[VALIDATION_SPLIT], mnist.train_labels[VALIDATION_SPLIT]
    seeds = iter(np.random.SeedSequence(args.seed).spawn(16))
    groups = {}  # name -> (readings, labels, several digits, images)
    for held_out in (False, True):
        side = "held-out" if held_out else "training"
        for group in families.GROUPS:
            labelled = sets.family_nondigits(group, held_out, args.count, np.random.default_rng(next(seeds)))
            groups[f"non-digits, {side}"] = groups.get(f"non-digits, {side}", []) + [pictures_of(classifier, labelled)]
    for build in (sets.photo_mnist, sets.canvas_mnist, sets.thin_pens):
        groups.setdefault("validation photo, canvas, thin pens", []).append(
            pictures_of(classifier, build(digits, labels, args.count, np.random.default_rng(next(seeds)))))
    for build in (sets.hands_split, sets.typed_split):
        groups.setdefault("held-out hands and font families", []).append(
            pictures_of(classifier, build(True, args.count, np.random.default_rng(next(seeds)))))
    read = {name: [(scores(outputs), outputs.mean(axis=1), y, several, n)
                   for outputs, y, several, n in ((readings(model, p), y, several, n) for p, y, several, n in parts)]
            for name, parts in groups.items()}
    validation_outputs = readings(model, digits.astype(np.float32) / 255)
    validation = scores(validation_outputs)
    correct = validation_outputs.mean(axis=1).argmax(axis=1) == labels
    mean, scale, w = fit_logistic(validation["mix"][correct],
                                  np.concatenate([s["mix"] for s, *_ in read["non-digits, training"]]))

    def mixed(score: dict[str, np.ndarray]) -> np.ndarray:
        return np.column_stack([(score["mix"] - mean) / scale, np.ones(len(score["mix"]))]) @ w

    names = [name for name in validation if name != "mix"] + ["logistic mix of the first three"]

    def value(score: dict[str, np.ndarray], name: str) -> np.ndarray:
        return mixed(score) if name.startswith("logistic") else score[name]

    rows = ["| score | price | " + " | ".join(read) + " |", "| --- | ---: |" + " ---: |" * len(read)]
    for name in names:
        tied = near_tie(validation_outputs.mean(axis=1))[correct]
        for price in PRICES:
            _, threshold = thresholds(value(validation, name)[correct], tied, NOT_A_DIGIT_SHARE, price)
            cells = []
            for group, parts in read.items():
                flagged = total = 0
                for score_of, outputs, y, several, images in parts:
                    doubt = (value(score_of, name) < threshold) | near_tie(outputs)
                    if group.startswith("non-digits"):
                        flagged, total = flagged + (doubt | several).sum(), total + images
                    else:
                        right = outputs.argmax(axis=1) == y
                        flagged, total = flagged + (doubt & right).sum(), total + right.sum()
                cells.append(f"{flagged / max(total, 1):.1%}")
            rows.append(f"| {name} | {price:.1%} | " + " | ".join(cells) + " |")
            print(rows[-1], flush=True)
    ties = near_tie(validation_outputs.mean(axis=1))[correct].mean()
    body = [__doc__.split("\n\n")[0].replace("\n", " "), "",
            f"Model: {args.model or 'the shipped model'}. {args.count} images a set, seed {args.seed}. "
            "Non-digits: the share flagged (unsure, not a digit, or several digits); digits: the share "
            "of the correctly read ones flagged.", "", *rows, "",
            f"Near ties (the two strongest within {NEAR_TIE * 100:.0f} points as printed), always unsure and "
            f"counted in every price: {ties:.2%} of the {correct.sum():,} correctly read validation digits."]
    print(write_markdown("rule-study", "Scores for the unsure rule, and its price", body))


if __name__ == "__main__":
    main()
