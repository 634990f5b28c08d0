"""scripts/shape_gate.py (the study's shape gate): holes, parts and ink share of 28x28
pictures, checked on hand-drawn pictures whose counts are known, and against
scipy.ndimage's labelling where scipy is installed."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

import shape_gate  # noqa: E402  (used by scripts/rule_study.py only)


def drawn(*rows: str) -> np.ndarray:
    """A 28x28 picture in [0, 1] with ``rows`` ('#' ink 1.0, '+' ink 0.6, '-' ink 0.4, other
    characters paper) at its top left."""
    picture = np.zeros((28, 28), dtype=np.float32)
    for r, row in enumerate(rows):
        for c, mark in enumerate(row):
            picture[r, c] = {"#": 1.0, "+": 0.6, "-": 0.4}.get(mark, 0.0)
    return picture


# (picture, holes of at least 1 pixel, holes of at least 2, parts of at least 1 pixel, of at least 3)
KNOWN = [
    (drawn(), 0, 0, 0, 0),
    (drawn("###",
           "#.#",
           "###"), 1, 0, 1, 1),  # a ring around one pixel
    (drawn("####",
           "#..#",
           "####",
           "#..#",
           "####"), 2, 2, 1, 1),  # an 8: two holes of two pixels
    (drawn(".#.",
           "#.#",
           ".#."), 1, 0, 1, 1),  # a diamond: ink joined at its corners encloses paper
    (drawn("#.#.#",
           ".....",
           "#.###"), 0, 0, 5, 1),  # four specks and one stroke of three
    (drawn("#####",
           "#.#.#",
           "#####",
           "#.#.#",
           "#####"), 4, 0, 1, 1),  # a grid: four one-pixel holes
    (drawn("#####",
           "#...#",
           "#.#.#",
           "#...#",
           "#####"), 1, 1, 2, 1),  # a frame with a dot inside: one hole, two parts
    (drawn("###",
           "#-#",
           "###"), 1, 0, 1, 1),  # ink below INK_LEVEL is paper
    (drawn("###",
           "#+#",
           "###"), 0, 0, 1, 1),  # ink at or above it fills the hole
    (drawn("#..",
           "##.",
           "..#"), 0, 0, 1, 1),  # open at the bottom left: the paper leaks out (sides)
]


def test_counts_of_hand_drawn_pictures():
    pictures = np.stack([picture for picture, *_ in KNOWN])
    assert shape_gate.holes(pictures, min_area=1).tolist() == [k[1] for k in KNOWN]
    assert shape_gate.holes(pictures, min_area=2).tolist() == [k[2] for k in KNOWN]
    assert shape_gate.parts(pictures, min_area=1).tolist() == [k[3] for k in KNOWN]
    assert shape_gate.parts(pictures, min_area=3).tolist() == [k[4] for k in KNOWN]


def test_each_picture_is_counted_alone_in_a_batch():
    """Ink on the edges of neighbouring pictures in the stack is never joined or enclosing."""
    full = np.ones((28, 28), dtype=np.float32)
    ring = drawn("###", "#.#", "###")
    edge = np.zeros((28, 28), dtype=np.float32)
    edge[[0, -1]] = 1  # ink along the top and the bottom rows
    batch = np.stack([full, edge, ring, edge, full])
    assert shape_gate.parts(batch, 1).tolist() == [1, 2, 1, 2, 1]
    assert shape_gate.holes(batch, 1).tolist() == [0, 0, 1, 0, 0]


def test_ink_share_counts_pixels_at_or_above_the_ink_level():
    picture = drawn("#+-", "#")
    assert shape_gate.ink_share(picture[None]).tolist() == pytest.approx([3 / 784])


def test_counts_agree_with_scipy():
    ndimage = pytest.importorskip("scipy.ndimage", reason="scipy (a second oracle) is not installed")
    rng = np.random.default_rng(7)
    pictures = rng.random((60, 28, 28)).astype(np.float32) * (rng.random((60, 1, 1)) < 0.9)
    pictures[rng.random(60) < 0.5] **= 3  # sparser ink in half of them
    expected_holes, expected_parts = [], []
    for picture in pictures:
        ink = picture >= shape_gate.INK_LEVEL
        paper, count = ndimage.label(np.pad(~ink, 1, constant_values=True))  # 4-connected, the border's first
        areas = np.bincount(paper.ravel())[2:]
        expected_holes.append(int((areas >= 2).sum()))
        parts, count = ndimage.label(ink, structure=np.ones((3, 3), dtype=int))
        expected_parts.append(int((np.bincount(parts.ravel())[1:] >= 3).sum()))
    assert shape_gate.holes(pictures, 2).tolist() == expected_holes
    assert shape_gate.parts(pictures, 3).tolist() == expected_parts
