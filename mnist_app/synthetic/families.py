"""Families of non-digits, and which of them are held out of training and calibration.

A *family* is one generator of things that are not digits: a scribbling process, a kind
of shape, a stroke hand writing letters, a font family typing letters and symbols. The
families fall into :data:`GROUPS`. Some are *held out* (:data:`HELD_OUT`, and a fixed third
of the font families: :func:`mnist_app.synthetic.fonts.is_held_out`): no training image and
no calibration ever comes from them, so measuring on them says how the model does on a
generator it has never seen, as a user's pictures always are
(``scripts/measure_realistic.py`` puts them next to the training families).

Every family draws an ink map with ``draw(height, pen, rng)``: about ``height`` pixels
tall, with a ``pen`` pixels wide (typed families ignore the pen), (h, w) float32 coverage
cropped to the ink; an empty (0, 0) map if it cannot (a font without the symbol drawn).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from mnist_app.synthetic import marks, nondigits
from mnist_app.synthetic.fonts import font_families, is_held_out
from mnist_app.synthetic.glyphs import HANDS, Hand
from mnist_app.synthetic.typed import has_glyph, typed_ink

Drawer = Callable[[float, float, np.random.Generator], np.ndarray]
GROUPS = ("typed", "written", "scribbles", "shapes")
# Letters and symbols that look like no digit (left out: O o I l S s Z z B b g q G, and
# the ones that are digits in some hands).
SYMBOLS = "ACDEFHJKLMNPRTUVWXYadehkmnrtuvwxy#%&@*+=?!<>~^€¥¶πΩµ≠≤≥←→✗√∑≈±÷ΨЖДЯШЛλÆŒ♪"
# Families never trained or calibrated on (font families: fonts.is_held_out).
HELD_OUT = frozenset({
    "smooth path", "spiral",  # scribbles
    "star", "heart", "check mark", "frame", "cross",  # shapes
    "loopy", "child", "backhand", "engineer", "slanted_cursive",  # stroke hands (glyphs.HANDS)
})


@dataclass(frozen=True)
class Family:
    """One generator of non-digits: its ``name``, its group (one of GROUPS), its drawer."""

    name: str
    group: str
    draw: Drawer

    @property
    def held_out(self) -> bool:
        return self.name in HELD_OUT or (self.group == "typed" and is_held_out(self.name))


def _typed(faces: tuple[Path, ...]) -> Drawer:
    def draw(height: float, pen: float, rng: np.random.Generator) -> np.ndarray:
        symbol, face = SYMBOLS[rng.integers(len(SYMBOLS))], faces[rng.integers(len(faces))]
        if not has_glyph(face, symbol):  # the font's "missing" box would look like a 0
            return np.zeros((0, 0), dtype=np.float32)
        return typed_ink(symbol, face, max(8, int(height)), rng, max_rotation=12)
    return draw


def _written(hand: Hand) -> Drawer:
    def draw(height: float, pen: float, rng: np.random.Generator) -> np.ndarray:
        return nondigits.written_symbol(list(nondigits.LETTER_STROKES)[rng.integers(len(nondigits.LETTER_STROKES))],
                                        max(8, int(height)), pen, rng, hand, quick=True)
    return draw


def _shape(name: str) -> Drawer:
    return lambda height, pen, rng: nondigits.shape(name, max(8, int(height)), pen, rng, quick=True)


SCRIBBLES: dict[str, Drawer] = {
    "smooth path": lambda height, pen, rng: nondigits.scribble(max(8, int(height)), pen, rng),
    "momentum walk": marks.momentum_walk, "looping walk": marks.looping_walk, "lissajous": marks.lissajous,
    "zigzag": marks.zigzag, "spiral": marks.spiral, "cross-out": marks.cross_out,
}
SHAPES: dict[str, Drawer] = {
    **{name: _shape(name) for name in nondigits.SHAPES},
    "dot": lambda height, pen, rng: nondigits.dot(max(4, int(height) // 4), rng),
    "bar": lambda height, pen, rng: nondigits.bar(max(8, int(height)), pen, rng),
    "hatching": lambda height, pen, rng: nondigits.hatching(max(8, int(height)), pen, rng),
    "ladder": marks.ladder, "grid": marks.grid, "frame": marks.frame, "curved arrow": marks.curved_arrow,
    "underline": marks.underline, "tick": marks.tick, "cross": marks.cross, "blot": marks.blot, "dash": marks.dash,
}


@functools.lru_cache(maxsize=1)
def families() -> tuple[Family, ...]:
    """Every family on this machine: the scribbles, shapes and hands, and one typed family
    per installed font family (none without fonts)."""
    return (tuple(Family(name, "typed", _typed(faces)) for name, faces in font_families().items())
            + tuple(Family(hand.name, "written", _written(hand)) for hand in HANDS)
            + tuple(Family(name, "scribbles", draw) for name, draw in SCRIBBLES.items())
            + tuple(Family(name, "shapes", draw) for name, draw in SHAPES.items()))


def split(held_out: bool, group: str | None = None) -> tuple[Family, ...]:
    """The families on one side of the split, of one group or all."""
    return tuple(family for family in families()
                 if family.held_out == held_out and (group is None or family.group == group))


def draw_from(chosen: tuple[Family, ...], height: float, pen: float, rng: np.random.Generator) -> np.ndarray:
    """An ink map from a random family of ``chosen``, a group drawn first (each group that
    has families equally likely), then a family of it; drawn again while empty."""
    groups = [group for group in GROUPS if any(family.group == group for family in chosen)]
    while True:
        group = groups[rng.integers(len(groups))]
        members = [family for family in chosen if family.group == group]
        ink = members[rng.integers(len(members))].draw(height, pen, rng)
        if ink.size:
            return ink
