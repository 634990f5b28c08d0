"""What decoding an image may cost, checked before its pixels are decoded.

:mod:`mnist_app.decode` asks these before it decodes anything: the pixel count, with a
cost for each row (a 1 x 89,000,000 image is refused), the memory of the decoded pixels,
and the scans of a progressive JPEG; and it turns Pillow's decompression-bomb warnings
into errors. The bounds themselves live in :mod:`mnist_app.limits`.
"""

from __future__ import annotations

import contextlib
import threading
import warnings
from typing import Iterator

from PIL import Image

from mnist_app.errors import ImageTooLarge
from mnist_app.limits import MAX_DECODED_BYTES, MAX_IMAGE_PIXELS, MAX_JPEG_SCAN_PIXELS, MAX_JPEG_SCANS, ROW_COST_PIXELS

JPEG_SCAN_MARKER = b"\xff\xda"  # start of scan; 0xFF never precedes 0xDA inside entropy-coded data


def too_many_pixels() -> ImageTooLarge:
    """The error for an image of more than MAX_IMAGE_PIXELS pixels."""
    return ImageTooLarge(f"image too large: over {MAX_IMAGE_PIXELS:,} pixels (possible decompression bomb)")


def check_budget(size: tuple[int, int], mode: str) -> None:
    """Raise ImageTooLarge if decoding a ``size`` (width, height) image in ``mode`` would
    pass the pixel (MAX_IMAGE_PIXELS), row or memory budget."""
    width, height = size
    if width * height > MAX_IMAGE_PIXELS:
        raise too_many_pixels()
    if (width + ROW_COST_PIXELS) * height > MAX_IMAGE_PIXELS:
        raise ImageTooLarge(f"image too large: {width}x{height} has too many rows for its width "
                            f"(possible decompression bomb)")
    decoded = (width + ROW_COST_PIXELS) * height * _bytes_per_pixel(mode)
    if decoded > MAX_DECODED_BYTES:
        raise ImageTooLarge(f"image too large: {width}x{height} {mode} needs {decoded / 2**20:,.0f} MB "
                            f"to decode, over the {MAX_DECODED_BYTES >> 20} MB limit")


def check_jpeg_scans(data: bytes, size: tuple[int, int]) -> None:
    """Raise ImageError if the JPEG ``data`` of ``size`` (full resolution) holds so many
    scans that decoding them would take seconds. Each scan is entropy-decoded over the
    whole image, even when it is drafted at a reduced scale. Scans of an embedded EXIF
    thumbnail are counted too; they add one or two."""
    scans = data.count(JPEG_SCAN_MARKER)
    width, height = size
    if scans > MAX_JPEG_SCANS or scans * width * height > MAX_JPEG_SCAN_PIXELS:
        raise ImageTooLarge(f"JPEG too costly to decode: {scans} scans of {width}x{height} pixels")


def _bytes_per_pixel(mode: str) -> int:
    """Bytes Pillow stores per pixel of ``mode``: 1 for 1/L/P, 2 for 16-bit grey, else 4."""
    if mode in ("1", "L", "P"):
        return 1
    return 2 if mode.startswith("I;16") else 4


@contextlib.contextmanager
def decoder_warnings() -> Iterator[list[warnings.WarningMessage]]:
    """Collect the warnings Pillow emits while decoding, instead of printing them.

    Python's warning filters are process-wide and ``catch_warnings`` is not thread-safe,
    so they are collected only in the main thread (the command line, a script, a pool
    worker). Elsewhere (a server's threads) warnings take their normal course; the bounds
    that matter are enforced by :func:`check_budget` either way.
    """
    if threading.current_thread() is not threading.main_thread():
        yield []
        return
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield caught


def raise_on_bomb_warning(caught: list[warnings.WarningMessage]) -> None:
    """Pillow warns, rather than raises, between 1x and 2x its pixel limit: refuse those
    too. Other warnings from decoders (corrupt EXIF, say) concern metadata and are dropped."""
    if any(issubclass(warning.category, Image.DecompressionBombWarning) for warning in caught):
        raise too_many_pixels()
