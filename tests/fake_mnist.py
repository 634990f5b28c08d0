"""Small generated stand-ins for the MNIST files, for tests that must not need the real data."""

from __future__ import annotations

import functools
import gzip
import hashlib
import struct
from pathlib import Path

import numpy as np

from mnist_app.data import TEST_IMAGES, TEST_LABELS, TRAIN_IMAGES, TRAIN_LABELS


def idx_bytes(array: np.ndarray) -> bytes:
    """Encode a uint8 array as IDX: magic 00 00 08, ndim, big-endian uint32 sizes, values."""
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


def write_gzip(path: Path, content: bytes) -> str:
    """Write ``content`` gzipped to ``path``; return the sha256 of ``content``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(content, compresslevel=1, mtime=0))
    return hashlib.sha256(content).hexdigest()


def fake_digits(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` images (n, 28, 28) uint8 and balanced labels (n,) uint8 that a small net can learn.

    Each class is a fixed pattern of three blurred strokes (the same for every seed), drawn
    at a random brightness with Gaussian noise; labels cycle through 0-9, then are shuffled.
    """
    patterns = _class_patterns()
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(n) % 10).astype(np.uint8)
    brightness = rng.uniform(0.6, 1.0, size=(n, 1, 1))
    noise = rng.normal(0.0, 0.15, size=(n, 28, 28))
    images = np.clip(patterns[labels] * brightness + noise, 0.0, 1.0)
    return (images * 255).astype(np.uint8), labels


@functools.cache
def _class_patterns() -> np.ndarray:
    """(10, 28, 28) floats in [0, 1]: three random blurred line segments per class."""
    rng = np.random.default_rng(12345)
    rows, cols = np.mgrid[0:28, 0:28]
    patterns = np.zeros((10, 28, 28))
    for digit in range(10):
        for (row0, col0), (row1, col1) in rng.uniform(4, 24, size=(3, 2, 2)):
            for t in np.linspace(0.0, 1.0, 10):
                row, col = row0 + t * (row1 - row0), col0 + t * (col1 - col0)
                blob = np.exp(-((rows - row) ** 2 + (cols - col) ** 2) / 3.0)
                patterns[digit] = np.maximum(patterns[digit], blob)
    return patterns


def write_fake_mnist(
    directory: Path, n_train: int = 1000, n_test: int = 200, seed: int = 0
) -> dict[str, str]:
    """Write the four MNIST ``.gz`` files of a fake dataset into ``directory``.

    Returns file name -> sha256 of its decompressed content: the table to patch over
    ``mnist_app.data.FILES`` so that ``load_mnist(directory)`` accepts the files.
    """
    train_images, train_labels = fake_digits(n_train, seed)
    test_images, test_labels = fake_digits(n_test, seed + 1)
    arrays = {
        TRAIN_IMAGES: train_images,
        TRAIN_LABELS: train_labels,
        TEST_IMAGES: test_images,
        TEST_LABELS: test_labels,
    }
    return {
        name: write_gzip(Path(directory) / name, idx_bytes(array)) for name, array in arrays.items()
    }


class FakeMnistSource:
    """A stand-in for :class:`mnist_app.live.run.MnistFiles` holding a generated MNIST of
    ``n_train`` training and ``n_test`` test images (seeded), that a training process can
    load without files or hashes. Picklable, so it reaches the process by value."""

    def __init__(self, n_train: int = 3000, n_test: int = 200, seed: int = 0, delay: float = 0.0):
        self.n_train, self.n_test, self.seed = n_train, n_test, seed
        self.delay = delay  # seconds loading takes: time for a test's stream to connect first

    def missing(self) -> list[str]:
        return []

    def how_to_get(self) -> str:
        return "the fake MNIST is always there"

    def load(self):
        import time

        from mnist_app.data import FILES, Mnist

        time.sleep(self.delay)
        train_images, train_labels = fake_digits(self.n_train, self.seed)
        test_images, test_labels = fake_digits(self.n_test, self.seed + 1)
        return Mnist(train_images, train_labels, test_images, test_labels, sha256=dict(FILES))


class BrokenMnistSource(FakeMnistSource):
    """A source whose loading, in the training process, raises ``error`` (an exception
    instance) or, with ``exit_status``, ends the process at once as a crash would."""

    def __init__(self, error: Exception | None = None, exit_status: int | None = None):
        super().__init__()
        self.error, self.exit_status = error, exit_status

    def load(self):
        import os

        if self.exit_status is not None:
            os._exit(self.exit_status)
        raise self.error
