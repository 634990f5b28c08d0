"""Which score of the five readings should the unsure rule judge, and at what price?

For the model (default: the shipped one) every picture is read five times (as it is and
moved a pixel each way, mnist_app.reading.SHIFTS). Candidate scores, each higher for a
surer digit: the strongest averaged output (the shipped rule), the gap between the two
strongest, the weakest of the five readings of the chosen digit, the strongest minus the
sum of the other nine, and a logistic mix of the log-odds of the first three, fitted to
tell the validation digits from non-digits of the *training* families. Then scores of how
TYPICAL the picture is of the digits learned, whatever the outputs say (scripts/typicality.py,
fitted on the training split, MNIST's first 50,000 images, as the network sees them): the
hidden layer's Mahalanobis distance to the nearest digit's mean under one shared covariance
(Lee et al. 2018), raw and as log-odds, and what the k leading principal components of the
pictures (of all digits, or of the digit read) leave unexplained; and each of those with
the strongest output (flagged if either is beyond its threshold, the price split between
them as flags the most non-digits of the training families). Then a SHAPE GATE beside the
strongest output (scripts/shape_gate.py): a picture is flagged if its ink has more holes,
more separate parts or (in one gate) more ink than all but GATE_SHARE of the correctly read
validation digits, for all digits or for the digit read; the gate's flags on those digits
count in the price, the strongest output's threshold takes the rest. Each score is calibrated as
``train`` calibrates its rule (mnist_app.confidence.calibrate: near ties always unsure,
then the weakest of the correctly read validation digits up to the price), at three
prices. The table gives what each flags: non-digits of the training families and of the
held-out families (mnist_app.synthetic.families; fresh drawings on pages and photos, not
the seed of docs/held-out-families.md), and correctly read digits of realistic sets drawn
from the validation split (photo-, canvas-like, thin pens) and of the held-out hands and
font families. Usage::

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
from mnist_app.constants import N_CLASSES, N_TRAIN_IMAGES, VALIDATION_IMAGES, VALIDATION_SPLIT  # noqa: E402
from mnist_app.model import Model, Readout  # noqa: E402
from mnist_app.predict import Classifier, Preprocessed, preprocess_or_error  # noqa: E402
from mnist_app.reading import SHIFTS  # noqa: E402
from mnist_app.synthetic import families, sets  # noqa: E402
import shape_gate  # noqa: E402
import typicality  # noqa: E402

PRICES = (0.01, 0.015, 0.02)  # share of the correctly read validation digits flagged
LOGISTIC_STEPS = 25  # Newton steps fitting the logistic mix
TRAINING_SPLIT = slice(0, N_TRAIN_IMAGES - VALIDATION_IMAGES)  # the digits typicality is fitted on
SUBSPACE_DIMENSIONS = (20, 40)  # k of the pictures' principal subspaces (all digits, and each digit's)
SPLITS = 10  # a combined rule's price is split between its two scores in this many steps
LOGIT_CLIP = 1e-6  # hidden activations clipped to [LOGIT_CLIP, 1 - LOGIT_CLIP] before their log-odds
GATE_PRICES = (0.01, 0.015)  # the shape gates' rows
GATE_SHARE = 0.0005  # a shape gate's limit lets this share of the correctly read validation digits beyond it
# The shape gates: (row name, the features they limit, whether each digit read has its own limits).
GATES = (("holes", ("holes",), False), ("holes, parts, ink", ("holes", "parts", "ink"), False),
         ("holes and parts by the digit read", ("holes", "parts"), True))


def readings(model: Model, pictures: np.ndarray) -> np.ndarray:
    """The five readings' raw outputs, (n, 5, 10) float64, of pictures (n, 28, 28) in [0, 1]."""
    seen = model.convention.prepare(pictures.astype(np.float32))
    return np.stack([model.network.feedforward(shift(seen, rows, columns).reshape(len(seen), -1))
                     for rows, columns in SHIFTS], axis=1).astype(np.float64)


def log_odds(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, LOGIT_CLIP, 1 - LOGIT_CLIP)
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


def typicality_scores(model: Model, images: np.ndarray, labels: np.ndarray):
    """A function that gives, for a Readout, each typicality score (n,), higher for a more
    typical digit: minus the hidden layer's Mahalanobis distance (raw and as log-odds),
    minus the picture's residual off the principal subspace of all digits and off that of
    the digit the network read (mnist_app.typicality), all fitted on ``images`` (n, 28, 28)
    uint8 of the training split with their ``labels``."""
    fitted = model.read(images.astype(np.float32) / 255)
    gaussians = {"hidden": typicality.fit_gaussians(fitted.hidden, labels, N_CLASSES),
                 "hidden log-odds": typicality.fit_gaussians(log_odds(fitted.hidden), labels, N_CLASSES)}
    pictures = fitted.pictures.reshape(len(images), -1)
    largest = typicality.fit_subspace(pictures, max(SUBSPACE_DIMENSIONS))
    by_digit = typicality.fit_class_subspaces(pictures, labels, N_CLASSES, max(SUBSPACE_DIMENSIONS))
    del fitted, pictures

    def score(readout: Readout) -> dict[str, np.ndarray]:
        pictures = readout.pictures.reshape(len(readout.pictures), -1)
        found = {"Mahalanobis, hidden layer": -typicality.mahalanobis(readout.hidden, *gaussians["hidden"]),
                 "Mahalanobis, hidden log-odds": -typicality.mahalanobis(log_odds(readout.hidden),
                                                                          *gaussians["hidden log-odds"])}
        for k in SUBSPACE_DIMENSIONS:
            found[f"picture residual, k={k}"] = -typicality.residual(pictures, largest[0], largest[1][:k])
        for k in SUBSPACE_DIMENSIONS:
            found[f"residual off the read digit's pictures, k={k}"] = -typicality.class_residual(
                pictures, readout.digits, by_digit[0], by_digit[1][:, :k])
        return found
    return score


def shape_features(readout: Readout) -> dict[str, np.ndarray]:
    """Each of a Readout's pictures' holes, separate parts and ink share (n,), and the digit read."""
    return {"holes": shape_gate.holes(readout.pictures), "parts": shape_gate.parts(readout.pictures),
            "ink": shape_gate.ink_share(readout.pictures), "read": readout.digits}


def gate_limits(features: dict[str, np.ndarray], names: tuple[str, ...], by_digit: bool) -> dict[str, np.ndarray]:
    """name -> (N_CLASSES,) upper limits, the same for every digit unless ``by_digit``: what
    all but GATE_SHARE of ``features`` (of correctly read validation digits) stay within."""
    limits = {}
    for name in names:
        groups = [features["read"] == digit for digit in range(N_CLASSES)] if by_digit else [slice(None)] * N_CLASSES
        limits[name] = np.array([np.quantile(features[name][group], 1 - GATE_SHARE, method="higher")
                                 for group in groups])
    return limits


def gated(features: dict[str, np.ndarray], limits: dict[str, np.ndarray]) -> np.ndarray:
    """Boolean (n,): beyond any of the ``limits`` (of the digit read)."""
    return np.any([features[name] > limit[features["read"]] for name, limit in limits.items()], axis=0)


def split_price(first: np.ndarray, second: np.ndarray, tied: np.ndarray, price: float,
                others: tuple[np.ndarray, np.ndarray, np.ndarray]) -> tuple[float, float, float]:
    """(share, t1, t2): thresholds on two scores (n,) of correctly read validation digits
    (``tied``: their near ties), flagging ``price`` of them in all as ``score1 < t1 or
    score2 < t2 or tied``; ``share`` of the price goes to the first score and the near
    ties, the split (of SPLITS + 1 from the ties' share to all) that flags the most of
    ``others`` (first, second, flagged anyway), the non-digits of the training families."""
    best = None
    for share in np.linspace(tied.mean(), price, SPLITS + 1):
        t1 = thresholds(first, tied, 0.0, share)[1]
        flagged = tied | (first < t1)
        still = price * len(first) - flagged.sum()
        rest = np.sort(second[~flagged])
        t2 = float(np.quantile(rest, min(still / len(rest), 1.0))) if still > 0 and len(rest) else -np.inf
        caught = (others[2] | (others[0] < t1) | (others[1] < t2)).sum()
        if best is None or caught > best[0]:
            best = (caught, share / price, t1, t2)
    return best[1:]


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
    typical = typicality_scores(model, mnist.train_images[TRAINING_SPLIT], mnist.train_labels[TRAINING_SPLIT])
    seeds = iter(np.random.SeedSequence(args.seed).spawn(16))
    groups = {}  # name -> [(pictures, labels, several digits, images)]
    for held_out in (False, True):
        side = "held-out" if held_out else "training"
        for group in families.GROUPS:
            labelled = sets.family_nondigits(group, held_out, args.count, np.random.default_rng(next(seeds)))
            groups.setdefault(f"non-digits, {side}", []).append(pictures_of(classifier, labelled))
    for build in (sets.photo_mnist, sets.canvas_mnist, sets.thin_pens):
        groups.setdefault("validation photo, canvas, thin pens", []).append(
            pictures_of(classifier, build(digits, labels, args.count, np.random.default_rng(next(seeds)))))
    for build in (sets.hands_split, sets.typed_split):
        groups.setdefault("held-out hands and font families", []).append(
            pictures_of(classifier, build(True, args.count, np.random.default_rng(next(seeds)))))

    def all_scores(pictures: np.ndarray) -> tuple[dict[str, np.ndarray], np.ndarray]:
        outputs = readings(model, pictures)
        readout = model.read(pictures)
        return {**scores(outputs), **typical(readout), "shape": shape_features(readout)}, outputs.mean(axis=1)

    read = {name: [(*all_scores(p), y, several, n) for p, y, several, n in parts] for name, parts in groups.items()}
    validation, validation_mean = all_scores(digits.astype(np.float32) / 255)
    correct = validation_mean.argmax(axis=1) == labels
    tied = near_tie(validation_mean)[correct]
    strongest = "strongest output (shipped)"
    correct_shapes = {name: feature[correct] for name, feature in validation["shape"].items()}
    gate_rows, limit_texts = [], []  # (row name, price, thresholds on the strongest output and the gate)
    for gate, names, by_digit in GATES:
        most = gate_limits(correct_shapes, names, by_digit)
        limit_texts.append(f"{gate}: " + ", ".join(
            f"{name} " + ("/".join(f"{limit:g}" for limit in most[name]) + " for 0/1/.../9" if by_digit
                          else f"{most[name][0]:g}") for name in names))
        for score_of, *_ in [(validation,), *(part for parts in read.values() for part in parts)]:
            score_of[f"shape gate: {gate}"] = -gated(score_of["shape"], most).astype(float)
        stopped = gated(correct_shapes, most)
        for price in GATE_PRICES:
            t1 = thresholds(validation[strongest][correct], tied | stopped, NOT_A_DIGIT_SHARE, price)[1]
            gate_rows.append((f"strongest output or shape gate: {gate} ({stopped.mean():.2%} at the gate)", price,
                              {strongest: t1, f"shape gate: {gate}": -0.5}))
    mean, scale, w = fit_logistic(validation["mix"][correct],
                                  np.concatenate([s["mix"] for s, *_ in read["non-digits, training"]]))
    for score_of, *_ in [(validation,), *(part for parts in read.values() for part in parts)]:
        score_of["logistic mix of the first three"] = np.column_stack(
            [(score_of["mix"] - mean) / scale, np.ones(len(score_of["mix"]))]) @ w
    singles = [name for name in validation if name not in ("mix", "shape") and not name.startswith("shape gate")]
    pairs = [name for name in singles if name.startswith(("Mahalanobis", "picture", "residual"))]

    def training_nondigits(name: str) -> np.ndarray:
        return np.concatenate([score_of[name] for score_of, *_ in read["non-digits, training"]])

    anyway = np.concatenate([near_tie(outputs) | several for _, outputs, _, several, _ in read["non-digits, training"]])
    rules = []  # (row name, price, {score name: threshold}), each score's prices together
    for name in singles:
        for price in PRICES:
            rules.append((name, price, {name: thresholds(validation[name][correct], tied, NOT_A_DIGIT_SHARE, price)[1]}))
    for name in pairs:
        for price in PRICES:
            share, t1, t2 = split_price(validation[strongest][correct], validation[name][correct], tied, price,
                                        (training_nondigits(strongest), training_nondigits(name), anyway))
            rules.append((f"strongest output or {name} ({share:.0%} of the price on the first)", price,
                          {strongest: t1, name: t2}))
    rules += gate_rows
    rows = ["| score | price | " + " | ".join(read) + " |", "| --- | ---: |" + " ---: |" * len(read)]
    for name, price, limits in rules:
        cells = []
        for group, parts in read.items():
            flagged = total = 0
            for score_of, outputs, y, several, images in parts:
                doubt = near_tie(outputs) | np.any([score_of[s] < t for s, t in limits.items()], axis=0)
                if group.startswith("non-digits"):
                    flagged, total = flagged + (doubt | several).sum(), total + images
                else:
                    right = outputs.argmax(axis=1) == y
                    flagged, total = flagged + (doubt & right).sum(), total + right.sum()
            cells.append(f"{flagged / max(total, 1):.1%}")
        rows.append(f"| {name} | {price:.1%} | " + " | ".join(cells) + " |")
        print(rows[-1], flush=True)
    body = [__doc__.split("\n\n")[0].replace("\n", " "), "",
            f"Model: {args.model or 'the shipped model'}. {args.count} images a set, seed {args.seed}. "
            "Non-digits: the share flagged (unsure, not a digit, or several digits); digits: the share "
            "of the correctly read ones flagged.", "", *rows, "",
            f"Near ties (the two strongest within {NEAR_TIE * 100:.0f} points as printed), always unsure and "
            f"counted in every price: {tied.mean():.2%} of the {correct.sum():,} correctly read validation digits, "
            f"so a price of {PRICES[0]:.1%} leaves {PRICES[0] - tied.mean():.2%} of them to any score.", "",
            "Typicality (scripts/typicality.py) is fitted on MNIST's first 50,000 training images as the "
            "network sees them (deskewed): \"Mahalanobis\" is the distance of the hidden layer (30 "
            "activations, or their log-odds) to the nearest digit's mean under one covariance shared by the "
            "ten digits; \"picture residual\" is what the k leading principal components of all digits' "
            "pictures leave unexplained, \"residual off the read digit's pictures\" the same for the digit "
            "the network read. \"strongest output or X\" flags a picture if either score is beyond its "
            "threshold; the price is split between them (the share shown) as flags the most non-digits of "
            "the training families. The held-out families choose nothing.", "",
            f"Shape gates (scripts/shape_gate.py), on the pictures as the network sees them: ink is a pixel of at "
            f"least {shape_gate.INK_LEVEL}; a hole is paper of at least {shape_gate.MIN_HOLE} pixels enclosed by ink, "
            f"a part is connected ink of at least {shape_gate.MIN_PART} pixels, \"ink\" the share of the 784 pixels "
            f"that are ink. Each limit is the most that all but {GATE_SHARE:.2%} of the correctly read validation "
            "digits show (of the digit read, for the last gate); a picture beyond any limit is flagged, and the "
            "share of those digits the gate flags (shown) is paid out of the price before the strongest output's "
            f"threshold is set. Limits (at most): {'; '.join(limit_texts)}."]
    print(write_markdown("rule-study", "Scores for the unsure rule, and its price", body))


if __name__ == "__main__":
    main()
