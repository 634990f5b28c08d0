"""A model's reading convention: deskewed or not, read once or five times moved a pixel each
way with the outputs averaged. The expectations move pictures by hand (np.roll with the
wrapped edge cleared), not with the shift the code uses."""

from __future__ import annotations

import numpy as np
import pytest

from mnist_app.network import Network
from mnist_app.reading import ReadingConvention

# The five positions, written out: as it is, up, down, left, right.
POSITIONS = [(0, 0), (-1, 0), (1, 0), (0, -1), (0, 1)]


def moved_by_hand(pictures: np.ndarray, rows: int, columns: int) -> np.ndarray:
    """``pictures`` (m, 28, 28) moved ``rows`` down and ``columns`` right, the uncovered edge 0."""
    moved = np.roll(pictures, (rows, columns), axis=(1, 2))
    if rows:
        moved[:, 0 if rows > 0 else -1, :] = 0
    if columns:
        moved[:, :, 0 if columns > 0 else -1] = 0
    return moved


@pytest.fixture(scope="module")
def network():
    return Network([784, 30, 10], rng=np.random.default_rng(0))


def test_moving_by_hand_moves_the_ink():
    picture = np.zeros((1, 28, 28), dtype=np.float32)
    picture[0, 5, 7] = 1
    assert moved_by_hand(picture, 1, 0)[0, 6, 7] == 1 and moved_by_hand(picture, 0, -1)[0, 5, 6] == 1
    edge = np.zeros((1, 28, 28), dtype=np.float32)
    edge[0, 27, :] = 1
    assert not moved_by_hand(edge, 1, 0).any()  # pushed out at the bottom, not wrapped round


def test_the_outputs_are_the_mean_over_the_five_positions(network):
    pictures = np.random.default_rng(1).random((3, 28, 28)).astype(np.float32)
    expected = np.mean([network.feedforward(moved_by_hand(pictures, r, c).reshape(3, 784)) for r, c in POSITIONS],
                       axis=0)
    outputs = ReadingConvention(average_shifts=True).outputs(network, pictures.reshape(3, 784))
    np.testing.assert_allclose(outputs, expected, rtol=1e-6)
    assert not np.allclose(outputs, network.feedforward(pictures.reshape(3, 784)), rtol=1e-3)


def test_only_a_model_that_says_so_reads_five_times(network):
    inputs = np.random.default_rng(2).random((2, 784)).astype(np.float32)
    for metadata in ({}, {"average_shifts": False}):
        once = ReadingConvention.from_metadata(metadata).outputs(network, inputs)
        np.testing.assert_array_equal(once, network.feedforward(inputs))
    assert ReadingConvention.from_metadata({"average_shifts": True, "deskew": True}) == \
        ReadingConvention(deskew=True, average_shifts=True)


def test_a_deskewing_convention_stands_a_slanted_stroke_upright():
    stroke = np.zeros((1, 28, 28), dtype=np.uint8)
    for row in range(6, 22):
        stroke[0, row, 8 + (row - 6) // 2: 11 + (row - 6) // 2] = 255  # leans right going down
    upright = ReadingConvention(deskew=True).prepare(stroke)
    assert upright.dtype == np.uint8 and upright.shape == stroke.shape

    def lean(picture):  # columns of ink moved per row, by least squares over the rows with ink
        rows = [r for r in range(28) if picture[r].sum()]
        centres = [np.average(np.arange(28), weights=picture[r].astype(float)) for r in rows]
        return np.polyfit(rows, centres, 1)[0]

    assert lean(stroke[0]) == pytest.approx(0.5, abs=0.05)
    assert abs(lean(upright[0])) < 0.05
    assert ReadingConvention(deskew=False).prepare(stroke) is stroke
