"""How accuracy falls as the test digits are moved, turned, thinned or thickened, and blurred.

Each sweep applies one transform of :mod:`mnist_app.augment` to a fixed sample of the test
images at a series of strengths and measures the accuracy at each; strength 0 is the
untouched sample. The transforms are deterministic, so the curves are the same on every
run. The sample (every k-th image, at most MAX_IMAGES of them) keeps the 36 transformed
copies within the report's time budget: 2,000 images measure an accuracy near 90% to
about +-0.7 points (one standard error), far finer than the curves' changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from mnist_app import augment
from mnist_app.evaluate import accuracy
from mnist_app.model import Model

MAX_IMAGES = 2000  # test images in the robustness sample
Transform = Callable[[np.ndarray, float], np.ndarray]  # (images (m, 28, 28) uint8, strength) -> images


@dataclass(frozen=True)
class Sweep:
    """One transform at a series of strengths; ``directions`` maps a curve's label to the
    transform it applies (a shift has two: horizontal and vertical)."""

    title: str
    x_label: str  # the strength, with its unit
    strengths: tuple[float, ...]
    directions: dict[str, Transform]


SWEEPS = (
    Sweep("Shifted", "shift (pixels)", tuple(range(-4, 5)), {
        "right (+) or left (\u2212)": lambda images, pixels: augment.shift(images, 0, pixels),
        "down (+) or up (\u2212)": lambda images, pixels: augment.shift(images, pixels, 0),
    }),
    Sweep("Rotated", "rotation (degrees, + is anticlockwise)", tuple(range(-40, 41, 10)),
          {"rotated": augment.rotate}),
    Sweep("Thinner or thicker", "each stroke edge moved (pixels; + thickens)", (-1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2),
          {"stroke width": augment.stroke_width}),
    Sweep("Blurred", "Gaussian blur \u03c3 (pixels)", (0, 0.5, 1, 1.5, 2, 2.5), {"blurred": augment.blur}),
)


@dataclass(frozen=True)
class RobustnessCurve:
    """``accuracies[label][i]``: the fraction of the sample's ``images`` test digits (every
    ``stride``-th one) read correctly at ``strengths[i]``."""

    title: str
    x_label: str
    strengths: np.ndarray
    accuracies: dict[str, np.ndarray]
    images: int
    stride: int


def variant_count(sweeps=SWEEPS) -> int:
    """How many transformed copies of the test set the sweeps classify (strength 0 is free)."""
    return sum(len(s.directions) * sum(1 for strength in s.strengths if strength) for s in sweeps)


def robustness_curves(
    model: Model,
    images: np.ndarray,
    labels: np.ndarray,
    on_variant: Callable[[], None] = lambda: None,
    sweeps=SWEEPS,
    max_images: int = MAX_IMAGES,
) -> list[RobustnessCurve]:
    """Accuracy of ``model`` on a sample of ``images`` (m, 28, 28) uint8 under every sweep,
    each transformed image read as the model reads its pictures.

    The sample is every k-th image and label, with k the smallest stride leaving at most
    ``max_images``. ``on_variant`` is called after each transformed copy, for progress.
    """
    stride = -(-len(images) // max_images)
    images, labels = images[::stride], labels[::stride]
    baseline = accuracy(model, images, labels)
    curves = []
    for sweep in sweeps:
        accuracies = {}
        for label, transform in sweep.directions.items():
            values = []
            for strength in sweep.strengths:
                if strength:
                    values.append(accuracy(model, transform(images, strength), labels))
                    on_variant()
                else:
                    values.append(baseline)
            accuracies[label] = np.array(values)
        curves.append(RobustnessCurve(sweep.title, sweep.x_label, np.array(sweep.strengths, dtype=float),
                                      accuracies, len(images), stride))
    return curves
