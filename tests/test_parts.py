"""The digit's parts are labelled as a plain flood fill labels them (an independent oracle:
8-connected parts, or 4-connected ones, numbered in the raster order of their first
pixel), and as scipy.ndimage.label does where scipy is installed."""

from __future__ import annotations

from collections import deque

import numpy as np
import pytest

from mnist_app.preprocess.line_ink import WEAK_INK, even_marks
from mnist_app.preprocess.parts import FAINT_INK, label_parts, part_boxes, spread


def flood_fill_labels(mask: np.ndarray, diagonal: bool = True) -> tuple[np.ndarray, int]:
    """8-connected parts (4-connected unless ``diagonal``) by breadth-first search from each
    unlabelled pixel, in raster order."""
    labels = np.zeros(mask.shape, dtype=int)
    count = 0
    for start in zip(*np.nonzero(mask)):
        if labels[start]:
            continue
        count += 1
        labels[start] = count
        queue = deque([start])
        while queue:
            row, column = queue.popleft()
            for r in range(max(row - 1, 0), min(row + 2, mask.shape[0])):
                for c in range(max(column - 1, 0), min(column + 2, mask.shape[1])):
                    if mask[r, c] and not labels[r, c] and (diagonal or r == row or c == column):
                        labels[r, c] = count
                        queue.append((r, c))
    return labels, count


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


@pytest.mark.parametrize("diagonal", [True, False])
@pytest.mark.parametrize("mask", list(masks()))
def test_parts_are_labelled_as_a_flood_fill_labels_them(mask, diagonal):
    labels, count = label_parts(mask, diagonal)
    expected, expected_count = flood_fill_labels(mask, diagonal)
    assert count == expected_count
    assert np.array_equal(labels, expected)


def test_each_parts_box_is_the_span_of_its_pixels():
    # Oracle: each flood-filled part's rows and columns, the first and one past the last.
    for mask in masks():
        labels, count = flood_fill_labels(mask)
        expected = [(rows.min(), columns.min(), rows.max() + 1, columns.max() + 1)
                    for rows, columns in (np.nonzero(labels == part) for part in range(1, count + 1))]
        assert part_boxes(labels, count).tolist() == [list(map(int, box)) for box in expected]


def test_pixels_touching_at_a_corner_are_one_part_only_with_diagonals():
    mask = np.array([[1, 0, 0],
                     [0, 1, 1],
                     [0, 1, 0]], dtype=bool)
    assert label_parts(mask)[1] == 1
    labels, count = label_parts(mask, diagonal=False)
    assert count == 2 and labels[0, 0] == 1 and set(labels[mask][1:]) == {2}


@pytest.mark.parametrize("diagonal", [True, False])
def test_parts_are_labelled_as_scipy_labels_them(diagonal):
    ndimage = pytest.importorskip("scipy.ndimage", reason="scipy (a second oracle) is not installed")
    structure = np.ones((3, 3), dtype=int) if diagonal else None  # None: scipy's 4-connectivity
    for mask in masks():
        expected, expected_count = ndimage.label(mask, structure=structure)
        labels, count = label_parts(mask, diagonal)
        assert count == expected_count and np.array_equal(labels, expected)


@pytest.mark.parametrize("combine, reduce", [(np.maximum, np.max), (np.minimum, np.min)])
def test_spread_takes_each_square_around_a_pixel_cut_off_at_the_edges(combine, reduce):
    # Oracle: the square's own slice of the array, reduced, pixel by pixel.
    rng = np.random.default_rng(41)
    for trial in range(150):
        height, width = (int(side) for side in rng.integers(1, 12, 2))
        radius = int(rng.integers(0, 7))
        values = [rng.random((height, width)) < 0.3, rng.random((height, width)).astype(np.float32),
                  rng.integers(-9, 9, (height, width))][trial % 3]
        expected = np.array([[reduce(values[max(row - radius, 0):row + radius + 1,
                                            max(column - radius, 0):column + radius + 1])
                              for column in range(width)] for row in range(height)], dtype=values.dtype)
        spread_values = spread(combine, values, radius)
        assert spread_values.dtype == values.dtype and np.array_equal(spread_values, expected)


def test_a_light_stroke_whose_soft_edge_meets_a_bold_ones_is_brought_to_full_strength():
    # A number's line, 96 pixels tall: a bold stroke with a soft edge, and 20 columns on a
    # stroke a fifth as dark, joined to it by ink just above WEAK_INK (a blurred photo's
    # halo). Both are one mark at WEAK_INK; the light one must still reach FAINT_INK.
    ink = np.zeros((96, 60), dtype=np.float32)
    ink[10:86, 0:10] = 1.0
    ink[10:86, 10:13] = (0.6, 0.35, 0.15)  # the bold stroke's soft edge
    ink[10:86, 13:33] = WEAK_INK + 0.02  # the halo joining them
    ink[10:86, 33:39] = 0.2  # the light stroke
    even = even_marks(ink)
    assert (even[10:86, 33:39] >= FAINT_INK).all()
    assert (even[10:86, 0:10] == 1.0).all()
    assert (even[10:86, 10:13] == ink[10:86, 10:13]).all()  # a bold stroke's soft edge stays soft
    assert (even[:10] == 0).all() and (even[86:] == 0).all()
