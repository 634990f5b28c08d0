"""The sizes of the images inside an ICO file, read from its directory and their headers.

Pillow's ICO plugin decodes the chosen embedded image inside ``Image.open``, before anyone
can look at its size, and the directory's own sizes (one byte each) say nothing about the
PNG or BMP an entry holds: a 657 KB ICO whose "16x16" entry is a 13000 x 13000 PNG took
701 MB to refuse. So :mod:`mnist_app.decode` measures every embedded image here first,
from the PNG's IHDR chunk or the BMP's info header, without decoding a pixel.

Layout (all little-endian, except inside the PNG): a 6-byte header (0, 1, entry count),
then 16 bytes per entry, whose bytes 12-15 give the offset of that entry's image: a PNG
(its signature, then IHDR with big-endian width and height) or a BMP info header without
the file header (header size, then width and height, the height doubled for the mask).
"""

from __future__ import annotations

import struct
from typing import Iterator

from mnist_app.errors import ImageError

ICO_SIGNATURE = b"\x00\x00\x01\x00"  # reserved 0, type 1 (icon): what Pillow's plugin accepts
ICO_HEADER_BYTES = 6
ENTRY_BYTES = 16
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
BMP_CORE_HEADER_BYTES = 12  # OS/2 BITMAPCOREHEADER: 16-bit width and height
BMP_INFO_HEADER_BYTES = (40, 52, 56, 64, 108, 124)  # BITMAPINFOHEADER and its successors: 32-bit


def is_ico(data: bytes) -> bool:
    return data.startswith(ICO_SIGNATURE)


def embedded_sizes(data: bytes) -> Iterator[tuple[int, int]]:
    """(width, height) of each image the ICO file ``data`` holds, as its own header declares
    it. Entries pointing past the end of the file are skipped (Pillow refuses them when it
    reads one); ImageError for an entry whose image has a header Pillow might still read but
    that is not a PNG's IHDR or a BMP info header."""
    count = struct.unpack_from("<H", data, 4)[0] if len(data) >= ICO_HEADER_BYTES else 0
    offsets = set()
    for entry in range(count):
        at = ICO_HEADER_BYTES + entry * ENTRY_BYTES
        if at + ENTRY_BYTES > len(data):
            break
        offsets.add(struct.unpack_from("<I", data, at + 12)[0])
    for offset in sorted(offsets):
        if offset + len(PNG_SIGNATURE) <= len(data):
            yield _png_size(data, offset) if data.startswith(PNG_SIGNATURE, offset) else _bmp_size(data, offset)


def _png_size(data: bytes, offset: int) -> tuple[int, int]:
    """An embedded PNG's size from its IHDR chunk, which must come first."""
    at = offset + len(PNG_SIGNATURE)
    if data[at + 4:at + 8] != b"IHDR" or at + 16 > len(data):
        raise ImageError("cannot read image: an ICO holds a PNG without its IHDR header")
    return struct.unpack_from(">II", data, at + 8)


def _bmp_size(data: bytes, offset: int) -> tuple[int, int]:
    """An embedded BMP's size (the mask's rows included) from its info header."""
    if offset + 16 > len(data):
        raise ImageError("cannot read image: an ICO holds a truncated bitmap header")
    header_bytes = struct.unpack_from("<I", data, offset)[0]
    if header_bytes == BMP_CORE_HEADER_BYTES:
        return struct.unpack_from("<HH", data, offset + 4)
    if header_bytes in BMP_INFO_HEADER_BYTES:
        width, height = struct.unpack_from("<ii", data, offset + 4)
        return abs(width), abs(height)
    raise ImageError(f"cannot read image: an ICO holds a bitmap with a {header_bytes}-byte header")
