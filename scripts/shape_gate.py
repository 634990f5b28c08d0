"""The shape of the ink in 28x28 pictures, for a gate beside the reject rule: holes,
separate parts and how much ink (studied by scripts/rule_study.py; not shipped).

Digits are a few strokes: at most two holes (0 4 6 8 9; three in a few 8s), one or two
parts, a limited amount of ink in their 20x20 box, whatever generator drew them; hatching,
grids and looping scribbles are not. Measured on pictures in MNIST's convention, (n, 28,
28) in [0, 1], ink 1 on 0, as the network sees them (Readout.pictures); a pixel is ink if
at least INK_LEVEL. A batch is labelled at once (mnist_app.preprocess.parts.label_parts):
the pictures stacked into one tall mask, each apart from the next.
"""

from __future__ import annotations

import numpy as np

from mnist_app.preprocess.parts import label_parts

INK_LEVEL = 0.5  # a pixel at least this dark is ink
MIN_HOLE = 2  # paper enclosed by ink counts as a hole from this many pixels
MIN_PART = 3  # ink counts as a part from this many pixels


def holes(pictures: np.ndarray, min_area: int = MIN_HOLE) -> np.ndarray:
    """(n,) int: the regions of paper of at least ``min_area`` pixels that ink encloses
    (paper 4-connected, since ink is 8-connected), of ``pictures`` (n, 28, 28)."""
    n, height, width = pictures.shape
    paper = np.ones((n, height + 3, width + 2), dtype=bool)  # a paper border; a row of non-paper apart
    paper[:, 1:-2, 1:-1] = pictures < INK_LEVEL
    paper[:, -1] = False
    labels, count = label_parts(paper.reshape(n * (height + 3), width + 2), diagonal=False)
    labels = labels.reshape(n, height + 3, width + 2)
    areas = np.bincount(labels.ravel(), minlength=count + 1)
    outside = np.zeros(count + 1, dtype=bool)
    outside[labels[:, 0, 0]] = True  # the border's paper, one region per picture
    outside[0] = True
    return _per_picture(labels, (areas >= min_area) & ~outside)


def parts(pictures: np.ndarray, min_area: int = MIN_PART) -> np.ndarray:
    """(n,) int: the separate (8-connected) parts of ink of at least ``min_area`` pixels."""
    n, height, width = pictures.shape
    ink = np.zeros((n, height + 1, width), dtype=bool)  # a row of paper apart
    ink[:, :-1] = pictures >= INK_LEVEL
    labels, count = label_parts(ink.reshape(n * (height + 1), width))
    labels = labels.reshape(n, height + 1, width)
    counted = np.bincount(labels.ravel(), minlength=count + 1) >= min_area
    counted[0] = False
    return _per_picture(labels, counted)


def ink_share(pictures: np.ndarray) -> np.ndarray:
    """(n,) float: the share of the picture's pixels that are ink."""
    return (pictures >= INK_LEVEL).mean(axis=(1, 2))


def _per_picture(labels: np.ndarray, counted: np.ndarray) -> np.ndarray:
    """(n,) how many of the labels counted (bool per label) lie in each of labels (n, h, w)."""
    n = len(labels)
    flat = labels.reshape(n, -1)
    first = np.zeros(len(counted), dtype=np.int64)  # each label's picture
    pictures_of = np.repeat(np.arange(n), flat.shape[1])
    first[flat.ravel()] = pictures_of
    return np.bincount(first[counted], minlength=n)
