"""Accuracy of a model on digits as people supply them; prints a markdown table.

Kinds of input, all seeded so every run prints the same numbers for the same model:

- the committed MNIST test sample (tests/data/mnist_test_sample.npz) fed as is, and through
  mnist_app.preprocess (which should change nothing);
- the same digits rendered as phone photos (JPEG) and as transparent canvas exports (PNG)
  by mnist_app/synthetic;
- digits typed in the DejaVu fonts.

Usage::

    python scripts/measure_realistic.py [--model PATH] [--count N] [--per-face N]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import realistic_digits  # noqa: E402  (lives beside the tests that also use it)
from mnist_app.predict import Classifier  # noqa: E402

PHOTO_SEED, CANVAS_SEED, TYPED_SEED = 0, 1, 2


def accuracy_row(name: str, classifier: Classifier, sources, labels: np.ndarray) -> str:
    """One markdown table row: kind, images, correct, accuracy, milliseconds per image."""
    started = time.perf_counter()
    digits = [prediction.digit for prediction in classifier.predict_many(sources)]
    per_image = (time.perf_counter() - started) / len(labels) * 1000
    correct = int(np.sum(np.array(digits) == labels))
    return f"| {name} | {len(labels)} | {correct} | {correct / len(labels):.1%} | {per_image:.1f} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", metavar="PATH", help="weights file (default: the shipped model)")
    parser.add_argument("--count", type=int, default=500, metavar="N",
                        help="MNIST sample digits to use, at most 500 (default: 500)")
    parser.add_argument("--per-face", type=int, default=5, metavar="N",
                        help="times each digit is typed in each font (default: 5)")
    args = parser.parse_args()

    classifier = Classifier.load(args.model)
    images, labels = realistic_digits.mnist_sample()
    images, labels = images[: args.count], labels[: args.count]
    photo_rng, canvas_rng = np.random.default_rng(PHOTO_SEED), np.random.default_rng(CANVAS_SEED)

    print("| input | images | correct | accuracy | ms per image |")
    print("| --- | ---: | ---: | ---: | ---: |")
    as_is = classifier.predict_vectors(images.reshape(len(images), -1).astype(np.float32) / 255)
    correct = int(np.sum(np.array([p.digit for p in as_is]) == labels))
    print(f"| MNIST test sample, as is | {len(labels)} | {correct} | {correct / len(labels):.1%} | - |")
    print(accuracy_row("MNIST test sample, through preprocess", classifier, images, labels))
    print(accuracy_row("photo-like (JPEG, 400-1200 px, uneven light, noise)", classifier,
                       [realistic_digits.photo_of(digit, photo_rng) for digit in images], labels))
    print(accuracy_row("canvas-like (RGBA PNG, transparent background)", classifier,
                       [realistic_digits.canvas_of(digit, canvas_rng) for digit in images], labels))
    fonts = realistic_digits.typed_fonts()
    if fonts:
        files, typed_labels = realistic_digits.typed_set(np.random.default_rng(TYPED_SEED), args.per_face)
        print(accuracy_row(f"typed (DejaVu, {len(fonts)} faces)", classifier, files, typed_labels))
    else:
        print(f"| typed: skipped, no DejaVu fonts in {realistic_digits.FONT_DIR} | 0 | - | - | - |")


if __name__ == "__main__":
    main()
