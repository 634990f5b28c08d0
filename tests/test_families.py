"""synthetic.families / fonts / marks: the generator families, their held-out split, and
training that never draws from a held-out family."""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from mnist_app.synthetic import families, fonts, marks, training
from mnist_app.synthetic.glyphs import HANDS
from mnist_app.synthetic.typed import DEJAVU_DIR

# The split as the issue asks for it, written out by hand: whole generators held out.
HELD_OUT_SCRIBBLES = {"smooth path", "spiral"}
HELD_OUT_SHAPES = {"star", "heart", "check mark", "frame", "cross"}
HELD_OUT_HANDS = {"loopy", "child", "backhand", "engineer", "slanted_cursive"}
MARKS = (marks.lissajous, marks.momentum_walk, marks.looping_walk, marks.spiral, marks.zigzag, marks.cross_out,
         marks.ladder, marks.grid, marks.frame, marks.curved_arrow, marks.underline, marks.tick, marks.cross,
         marks.blot, marks.dash)


@pytest.fixture
def no_fonts(monkeypatch):
    """A machine without fonts: no font family at all."""
    monkeypatch.setattr(fonts, "FONT_DIRS", ())
    fonts.font_families.cache_clear()
    families.families.cache_clear()
    yield
    fonts.font_families.cache_clear()
    families.families.cache_clear()


@pytest.mark.parametrize("draw", MARKS, ids=lambda draw: draw.__name__)
def test_every_mark_is_ink_of_about_the_asked_size(draw):
    for seed in range(3):
        ink = draw(40.0, 3.0, np.random.default_rng(seed))
        assert ink.dtype == np.float32 and 0 <= ink.min() and ink.max() <= 1
        assert ink.sum() > 20 and 10 <= max(ink.shape) <= 5 * 40 + 20, ink.shape


def test_the_split_holds_out_whole_generators_of_every_group(no_fonts):
    by_side = {side: {f.name for f in families.split(side)} for side in (False, True)}
    assert not by_side[False] & by_side[True]
    assert by_side[True] == HELD_OUT_SCRIBBLES | HELD_OUT_SHAPES | HELD_OUT_HANDS  # no fonts: none typed
    assert {hand.name for hand in HANDS} - HELD_OUT_HANDS <= by_side[False]
    for group in ("written", "scribbles", "shapes"):
        assert families.split(False, group) and families.split(True, group), group


def test_font_families_are_split_by_name_and_the_typed_digit_faces_stay_in_training():
    assert not fonts.is_held_out("DejaVu Sans") and not fonts.is_held_out("Liberation Serif")
    # zlib.crc32 of the names, modulo 3, worked out once: Lato 0 (held out), Open Sans 2, Roboto 2
    assert fonts.is_held_out("Lato") and not fonts.is_held_out("Open Sans") and not fonts.is_held_out("Roboto")


def test_font_families_are_found_by_their_own_names(tmp_path, monkeypatch):
    face = DEJAVU_DIR / "DejaVuSans.ttf"
    if not face.exists():
        pytest.skip("DejaVu Sans is not installed")
    shutil.copy(face, tmp_path / "renamed.ttf")
    (tmp_path / "notes.ttf").write_bytes(b"not a font")
    monkeypatch.setattr(fonts, "FONT_DIRS", (tmp_path, tmp_path / "missing"))
    fonts.font_families.cache_clear()
    try:
        assert fonts.font_families() == {"DejaVu Sans": (tmp_path / "renamed.ttf",)}
    finally:
        fonts.font_families.cache_clear()


def test_training_never_draws_from_a_held_out_family(monkeypatch):
    drawn = []

    def spy(family):
        def draw(height, pen, rng):
            drawn.append(family.name)
            return family.draw(height, pen, rng)
        return families.Family(family.name, family.group, draw)
    spied = tuple(spy(family) for family in families.families())
    monkeypatch.setattr(families, "families", lambda: spied)
    training.nondigit_images(60, np.random.default_rng(0))
    held_out = {family.name for family in spied if family.held_out}
    assert len(drawn) >= 60 and not set(drawn) & held_out
    assert len({families_group(name, spied) for name in drawn}) >= 3  # a mix of groups


def families_group(name, spied):
    return next(family.group for family in spied if family.name == name)


def test_without_fonts_training_non_digits_are_still_made(no_fonts):
    assert not any(family.group == "typed" for family in families.families())
    images = training.nondigit_images(30, np.random.default_rng(1))
    assert images.shape == (30, 28, 28) and (images.reshape(30, -1).max(axis=1) >= 200).all()


def test_generation_is_the_same_made_here_or_by_a_pool(monkeypatch):
    monkeypatch.setattr(training, "CHUNK", 12)  # three chunks, the last one short, made quickly
    here = training.nondigit_images(2 * training.CHUNK + 7, np.random.default_rng(2))
    with ThreadPoolExecutor(2) as pool:
        pooled = training.nondigit_images(2 * training.CHUNK + 7, np.random.default_rng(2), mapper=pool.map)
    np.testing.assert_array_equal(here, pooled)


def test_hand_digits_come_from_training_hands_with_their_labels():
    images, labels = training.hand_digit_images(12, np.random.default_rng(3))
    assert images.shape == (12, 28, 28) and labels.dtype == np.uint8 and set(labels) <= set(range(10))
    assert (images.reshape(12, -1).max(axis=1) >= 200).all()
