"""The committed MNIST test digits (``tests/data/mnist_test_sample.npz``), made by
``scripts/make_test_sample.py``, from which realistic test images are drawn."""

from __future__ import annotations

from pathlib import Path

import numpy as np

SAMPLE_PATH = Path(__file__).resolve().parent / "data" / "mnist_test_sample.npz"


def mnist_sample() -> tuple[np.ndarray, np.ndarray]:
    """Images (500, 28, 28) uint8 and labels (500,) uint8 of the first MNIST test digits."""
    with np.load(SAMPLE_PATH) as sample:
        return sample["images"], sample["labels"]
