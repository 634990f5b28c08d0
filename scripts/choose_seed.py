"""Choose the shipped model among runs of its recipe (and the weights shipped now).

The seed alone moves how many non-digits a run flags by several points (models/README.md),
so one run of a recipe says little: train it with a few seeds (the flags of
``train_shipped_model.sh``, other ``--seed``s), and this script picks one of them, or keeps
the shipped weights when given them too, on the training side only: never a held-out
family, never the test set. For each model file it measures

- its accuracy on the validation split (MNIST's training images 50,000-59,999) as the app
  reads it (deskewed, five shifted readings averaged);
- its calibrated unsure threshold, and the share of its correctly read validation digits
  the rule flags (the rule's price: near ties included);
- the share of fresh non-digits of the *training* families it flags (unsure or not a
  digit): ``--count`` drawings made as training makes them
  (mnist_app.synthetic.training.nondigit_images) from seed ``--seed``, not any run's seed.

The choice: of the runs whose validation accuracy is within ACCURACY_SLACK of the best, the
one that flags the most of those non-digits (ties: the higher validation accuracy). It is
copied to ``--output``, and the table written to docs/benchmarks/seed-choice.md. Usage::

    python scripts/choose_seed.py RUN.npz [RUN.npz ...] --output models/mnist-784-30-10.npz [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchmark_notes import add_data_dir_option, load_mnist_or_exit, write_markdown  # noqa: E402
from mnist_app.atomic import atomic_write  # noqa: E402
from mnist_app.constants import VALIDATION_SPLIT  # noqa: E402
from mnist_app.model import Model  # noqa: E402
from mnist_app.synthetic.training import nondigit_images  # noqa: E402

ACCURACY_SLACK = 0.0015  # runs this far below the best validation accuracy still compete (15 of 10,000 digits)


def measure(path: str, digits: np.ndarray, labels: np.ndarray, nondigits: np.ndarray) -> dict:
    """The run's validation accuracy, unsure threshold, price and share of non-digits flagged."""
    model = Model.load(path)
    readout = model.read(digits)
    right = readout.digits == labels
    flagged = model.read(nondigits)
    return {"path": path, "seed": model.metadata.get("seed"), "accuracy": right.mean(),
            "unsure_below": model.rule.unsure_below, "price": (readout.unsure & right).sum() / right.sum(),
            "nondigits_flagged": flagged.unsure.mean()}


def choose(runs: list[dict]) -> dict:
    """Of the runs within ACCURACY_SLACK of the best validation accuracy, the one that flags
    the most non-digits, then the most accurate."""
    best = max(run["accuracy"] for run in runs)
    return max((run for run in runs if run["accuracy"] >= best - ACCURACY_SLACK - 1e-12),
               key=lambda run: (run["nondigits_flagged"], run["accuracy"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", nargs="+", metavar="RUN.npz", help="model files made by train with different seeds")
    parser.add_argument("--output", required=True, metavar="PATH", help="where to copy the chosen run")
    parser.add_argument("--count", type=int, default=2000, help="training-family non-digits drawn (default: 2000)")
    parser.add_argument("--seed", type=int, default=2412, help="seed of those drawings (default: 2412)")
    add_data_dir_option(parser)
    args = parser.parse_args()
    mnist = load_mnist_or_exit(args.data_dir)
    digits, labels = mnist.train_images[VALIDATION_SPLIT], mnist.train_labels[VALIDATION_SPLIT]
    nondigits = nondigit_images(args.count, np.random.default_rng(args.seed))
    runs = [measure(path, digits, labels, nondigits) for path in args.runs]
    chosen = choose(runs)
    rows = ["| run | seed | validation accuracy, as the app reads | unsure below "
            f"| validation digits read right, flagged | training-family non-digits flagged (of {args.count:,}) |",
            "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for run in runs:
        mark = "**" if run is chosen else ""
        rows.append(f"| {mark}{Path(run['path']).name}{mark} | {run['seed']} | {run['accuracy']:.2%} "
                    f"| {run['unsure_below']:.3f} | {run['price']:.2%} | {run['nondigits_flagged']:.1%} |")
        print(rows[-1], flush=True)
    with open(chosen["path"], "rb") as source, atomic_write(args.output) as target:
        target.write(source.read())
    body = [__doc__.split("\n\n")[0], "",
            f"Chosen (in bold): of the runs within {ACCURACY_SLACK * 100:.2f} points of the best validation "
            "accuracy, the one that flags the most non-digits of the training families; copied to "
            f"`{args.output}`. How the runs of the committed table were trained: models/README.md.", "", *rows]
    print(write_markdown("seed-choice", "Choosing the shipped model among runs of its recipe", body))


if __name__ == "__main__":
    main()
