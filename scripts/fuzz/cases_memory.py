"""Command cases about memory: folders of images that all fail, and small files that decode
to hundreds of megabytes, each run under a peak-RSS bound of its own.

One blank A4 page scanned at 300 dpi peaks at about 62 MB in `predict`; however many such
pages fail in one folder, memory must stay near that (it once grew by 14 MB a page, 866 MB
for 60). The bombs are refused, or read within a few times their decoded size.
"""

from __future__ import annotations

from pathlib import Path

from fuzz import images
from fuzz.runner import Case

MiB = 1 << 20
A4_300_DPI = (2480, 3508)  # pixels
PAGES_RSS = 150 * MiB  # a folder of blank pages: one page's 62 MB (83 MB at 16 bits), and room
BOMB_RSS = 400 * MiB  # a 16-bit grey of 8150 x 8150: 127 MB decoded, 66 MB as 8-bit grey, and room
REFUSED_RSS = 120 * MiB  # what is refused from its headers costs about what a tiny image does
FAILED = frozenset({1})
CATEGORY = "memory"


def blank_pages_case(pages: int, bit_depth: int = 8) -> Case:
    """A folder of ``pages`` blank (white) A4 scans, which all fail: no digit."""
    page = images.png_of_zeros(*A4_300_DPI, level=255, bit_depth=bit_depth)
    return Case(CATEGORY, f"folder of {pages} blank {bit_depth}-bit A4 scans", ["predict", "{work}/scans"], FAILED,
                _folder(pages, page), timeout=30 + 2 * pages, max_rss=PAGES_RSS, check=_error_lines(pages))


def grey16_case(side: int, copies: int = 1) -> Case:
    """A black 16-bit PNG of ``side`` x ``side`` (129 KB at 8150), alone or ``copies`` in a folder."""
    png = images.png_of_zeros(side, side, bit_depth=16)
    if copies == 1:
        return Case(CATEGORY, f"16-bit PNG {side}x{side} ({len(png) >> 10} KB)", ["predict", "{work}/grey16.png"], FAILED,
                    lambda work: (work / "grey16.png").write_bytes(png), timeout=30, max_rss=BOMB_RSS)
    return Case(CATEGORY, f"folder of {copies} 16-bit PNGs {side}x{side}", ["predict", "{work}/scans"], FAILED,
                _folder(copies, png), timeout=20 * copies, max_rss=BOMB_RSS, check=_error_lines(copies))


def icon_case(name: str, copies: int = 1) -> Case:
    """The hostile ICO ``name`` (an entry declared 16x16 that holds a huge image), alone or in a folder."""
    icon = images.HOSTILE[name]()
    if copies == 1:
        return Case(CATEGORY, name, ["predict", "{work}/icon.ico"], FAILED,
                    lambda work: (work / "icon.ico").write_bytes(icon), max_rss=REFUSED_RSS)
    return Case(CATEGORY, f"folder of {copies} {name}", ["predict", "{work}/scans"], FAILED, _folder(copies, icon, "ico"),
                timeout=60, max_rss=REFUSED_RSS, check=_error_lines(copies))


def memory_cases(quick: bool) -> list[Case]:
    """Folders of blank A4 scans at 8 and 16 bits, 16-bit PNG bombs alone and a dozen of
    them, and ICO files hiding huge images."""
    if quick:
        return [blank_pages_case(12), grey16_case(6000), icon_case("ico-1bit-png-13000x13000.ico")]
    return [blank_pages_case(60), blank_pages_case(60, bit_depth=16), grey16_case(8150), grey16_case(8150, 12),
            icon_case("ico-1bit-png-13000x13000.ico"), icon_case("ico-rgba-png-13000x13000.ico"),
            icon_case("ico-bitmap-20000x20000.ico"), icon_case("ico-1bit-png-13000x13000.ico", 60)]


def _folder(pages: int, page: bytes, suffix: str = "png"):
    def setup(work: Path) -> None:
        (work / "scans").mkdir()
        first = work / "scans" / f"000.{suffix}"
        first.write_bytes(page)
        for number in range(1, pages):
            (work / "scans" / f"{number:03}.{suffix}").hardlink_to(first)
    return setup


def _error_lines(count: int):
    def check(result):
        errors = [line for line in result.stderr.splitlines() if line.startswith("mnist-app: error: ")]
        return [] if len(errors) == count else [f"{len(errors)} error lines, expected {count}"]
    return check
