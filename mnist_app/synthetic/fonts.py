"""The font families installed on this machine, each with its weights and slants.

Fonts are found in one documented way: every TrueType or OpenType file (``.ttf``,
``.otf``) under :data:`FONT_DIRS`, grouped by the family name the file itself gives
(``Pillow``'s ``getname()``), keeping only fonts that draw the Latin letters and digits
(:data:`NEEDED`). On Debian, ``apt-get install fonts-dejavu-core fonts-liberation`` gives
the faces the typed-digit sets use; any other ``fonts-*`` package adds families. Nothing
requires a font: without any, the font families are simply empty.

Families are split in two for honest measurement (:func:`is_held_out`): a fixed share is
kept out of training and calibration and only measured.
"""

from __future__ import annotations

import functools
import zlib
from pathlib import Path

from PIL import ImageFont

FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path.home() / ".fonts",
             Path.home() / ".local/share/fonts")
NEEDED = "AKMRWkmx347"  # a family must draw these with glyphs of its own to be used
HELD_OUT_SHARE = 3  # one family in this many (by a hash of its name) is held out
# Families used by the typed-digit sets (mnist_app.synthetic.typed): never held out here,
# because their faces are already split between training and evaluation.
ALWAYS_TRAINING = ("DejaVu", "Liberation")
# Symbol fonts: their digit code points draw other symbols, so they type no digits.
SYMBOL_FAMILIES = frozenset({"Standard Symbols PS", "D050000L"})


@functools.lru_cache(maxsize=1)
def font_families() -> dict[str, tuple[Path, ...]]:
    """Family name -> its font files (weights and slants), both sorted; {} without fonts."""
    from mnist_app.synthetic.typed import has_glyph  # here: typed imports this module's neighbours

    families: dict[str, list[Path]] = {}
    for directory in FONT_DIRS:
        if not directory.is_dir():
            continue
        for path in sorted(directory.rglob("*")):
            if path.suffix.lower() not in (".ttf", ".otf"):
                continue
            try:
                family = ImageFont.truetype(str(path), 32).getname()[0]
            except OSError:  # not a font Pillow's FreeType reads
                continue
            if family:
                families.setdefault(family, []).append(path)
    # A family's faces cover the same characters: its first face is checked for them.
    return {family: tuple(paths) for family, paths in sorted(families.items())
            if all(has_glyph(paths[0], character) for character in NEEDED)}


def is_held_out(family: str) -> bool:
    """True for the families kept out of training and calibration: a fixed, name-based
    third of them (CRC-32 of the name), so the split is the same on every machine."""
    if family.startswith(ALWAYS_TRAINING):
        return False
    return zlib.crc32(family.encode()) % HELD_OUT_SHARE == 0


def split_families(held_out: bool, digits: bool = False) -> dict[str, tuple[Path, ...]]:
    """The installed families on one side of the split (only those that type digits if
    ``digits``)."""
    return {family: paths for family, paths in font_families().items()
            if is_held_out(family) == held_out and not (digits and family in SYMBOL_FAMILIES)}
