"""The strokes MNIST's digits cross in their middle rows, per digit: mnist_app.preprocess.crossings.MAX_CROSSINGS.

Counts :func:`mnist_app.preprocess.crossings.crossings` over MNIST's training digits
0-49999 (the validation split left out), as drawn, and prints for each digit its median
and the percentile the segmenter allows (a piece crossing more strokes than that digit's
allowance pays for each stroke beyond it). Usage::

    python scripts/crossings.py --data-dir /path/to/mnist [--percentile 99]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchmark_notes import add_data_dir_option, load_mnist_or_exit  # noqa: E402
from mnist_app.constants import VALIDATION_SPLIT  # noqa: E402
from mnist_app.preprocess.crossings import crossings  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_data_dir_option(parser)
    parser.add_argument("--percentile", type=float, default=99.0, help="the allowance's percentile (default: 99)")
    args = parser.parse_args()
    mnist = load_mnist_or_exit(args.data_dir)
    training = slice(0, VALIDATION_SPLIT.start)
    counts, labels = crossings(mnist.train_images[training]), mnist.train_labels[training]
    print("| digit | median | percentile " + f"{args.percentile:g} |\n| --- | ---: | ---: |")
    for digit in range(10):
        mine = counts[labels == digit]
        print(f"| {digit} | {np.median(mine):.2f} | {np.percentile(mine, args.percentile):.2f} |")


if __name__ == "__main__":
    main()
