"""Calibrate a model file's reject rule again, at another price, without touching its weights.

``train`` calibrates the rule once, at the end of a run (:meth:`mnist_app.model.Model.calibrated`
on the validation split, at mnist_app.confidence.UNSURE_SHARE). This script makes the same
call on a saved model, so the shipped weights can take a new price without being trained
again, and ``train_shipped_model.sh`` still writes the same file. It writes ``--output``
with the same weights and metadata, "reject" replaced, and prints the old and new rule and
the share of the correctly read validation digits each flags. Usage::

    python scripts/recalibrate.py --data-dir /path/to/mnist [--model IN.npz] --output OUT.npz [--unsure-share 0.015]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchmark_notes import add_data_dir_option, add_model_option, load_mnist_or_exit  # noqa: E402
from mnist_app import model_io  # noqa: E402
from mnist_app.confidence import UNSURE_SHARE  # noqa: E402
from mnist_app.constants import VALIDATION_SPLIT  # noqa: E402
from mnist_app.model import Model  # noqa: E402


def price(model: Model, images, labels) -> float:
    """The share of the digits ``model`` reads correctly that its rule flags (unsure or not a digit)."""
    readout = model.read(images)
    right = readout.digits == labels
    return float((readout.unsure & right).sum() / right.sum())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_model_option(parser)
    parser.add_argument("--output", required=True, metavar="PATH", help="where to write the recalibrated model")
    parser.add_argument("--unsure-share", type=float, default=UNSURE_SHARE, metavar="SHARE",
                        help=f"share of correctly read validation digits flagged (default: {UNSURE_SHARE})")
    add_data_dir_option(parser)
    args = parser.parse_args()
    if not 0 < args.unsure_share < 1:
        parser.error("--unsure-share must be between 0 and 1")
    model = Model.load(args.model)
    mnist = load_mnist_or_exit(args.data_dir)
    images, labels = mnist.train_images[VALIDATION_SPLIT], mnist.train_labels[VALIDATION_SPLIT]
    new = model.calibrated(images, labels, args.unsure_share)
    metadata = {key: value for key, value in model.metadata.items() if key != "reject"}
    model_io.save(args.output, new.network, {**metadata, **new.to_metadata()})
    print(json.dumps({"before": {**model.rule.to_metadata(), "price": price(model, images, labels)},
                      "after": {**new.rule.to_metadata(), "price": price(new, images, labels)},
                      "unsure_share": args.unsure_share, "output": args.output}))


if __name__ == "__main__":
    main()
