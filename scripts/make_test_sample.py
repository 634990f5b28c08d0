"""Write tests/data/mnist_test_sample.npz: the first digits of the real MNIST test set.

The tests and scripts/measure_realistic.py read this committed sample, so they never need
the full data set. Usage::

    python scripts/make_test_sample.py /path/to/mnist   # the folder with the four .gz files
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from benchmark_notes import SAMPLE_PATH
from mnist_app.atomic import atomic_write
from mnist_app.data import load_mnist

SAMPLE_SIZE = 500


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mnist_dir", type=Path, help="folder holding the four MNIST .gz files")
    parser.add_argument("--count", type=int, default=SAMPLE_SIZE,
                        help=f"digits to keep (default: {SAMPLE_SIZE})")
    args = parser.parse_args()
    mnist = load_mnist(args.mnist_dir, mirrors=[])  # verified against the hash table; no download
    with atomic_write(SAMPLE_PATH) as file:
        np.savez_compressed(file, images=mnist.test_images[: args.count],
                            labels=mnist.test_labels[: args.count])
    print(f"wrote {args.count} digits to {SAMPLE_PATH} ({SAMPLE_PATH.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
