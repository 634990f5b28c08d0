"""The digit's parts are labelled as scipy.ndimage labels them (an independent oracle:
8-connected parts numbered in the raster order of their first pixel)."""

from __future__ import annotations

import numpy as np
import pytest

from mnist_app.preprocess.parts import label_parts

ndimage = pytest.importorskip("scipy.ndimage", reason="scipy (the oracle) is not installed")


def masks():
    rng = np.random.default_rng(23)
    for shape in [(1, 1), (1, 40), (40, 1), (7, 9), (60, 80), (128, 97)]:
        for density in (0.0, 0.2, 0.5, 0.65, 1.0):
            yield rng.random(shape) < density
    snake = np.zeros((41, 41), dtype=bool)  # one part that winds back and forth
    snake[::4] = True
    for row in range(0, 37, 4):
        snake[row:row + 4, 40 if row % 8 == 0 else 0] = True
    yield snake


@pytest.mark.parametrize("mask", list(masks()))
def test_parts_are_labelled_as_scipy_labels_them(mask):
    labels, count = label_parts(mask)
    expected, expected_count = ndimage.label(mask, structure=np.ones((3, 3), dtype=int))
    assert count == expected_count
    assert np.array_equal(labels, expected)
