"""Decode a plain PNG without Pillow's PNG plugin.

A plain PNG has 8 bits a sample (grey, grey and alpha, RGB or RGBA), is not interlaced,
and holds no chunk that could change its pixels or how it is turned (no palette,
transparency, text or EXIF): what canvas exports are. Pillow's own decoder of PNG's
compressed, filtered rows (its "zip" decoder, the one its PNG plugin runs) decodes the
pixels, so they are the plugin's to the byte. Not importing ``PIL.PngImagePlugin`` (with
``fractions``, ``decimal`` and ``PIL.ImagePalette``) took `mnist-app predict one.png`, a
280x280 canvas, from 589M to 572M instructions (``PIL.ImageFile`` and ``logging`` still
load: ``Image.tobytes`` imports them when numpy takes the pixels).

Any other PNG, and a plain one that is damaged (a CRC that does not match, IDAT chunks
apart, no IEND, data that does not decode), is left to the plugin, which opens and refuses
it as it always did.
"""

from __future__ import annotations

import struct
import zlib

from PIL import Image

from mnist_app.image_budget import check_budget

SIGNATURE = b"\x89PNG\r\n\x1a\n"
# The Pillow mode of each PNG colour type at 8 bits a sample (the plugin's raw mode too).
MODES = {0: "L", 2: "RGB", 4: "LA", 6: "RGBA"}
# Chunks besides IHDR, IDAT and IEND that the plugin keeps in ``image.info`` only, where
# nothing here reads them: the colour space's hints and the pixels' physical size.
INFO_ONLY_CHUNKS = frozenset({b"gAMA", b"cHRM", b"sRGB", b"pHYs"})
_CHUNK_HEAD = struct.Struct(">I4s")  # a chunk's data length and type; its CRC follows the data
_HEADER = struct.Struct(">IIBBBBB")  # IHDR: width, height, bit depth, colour type, compression, filter, interlace


def decode_plain_png(data: bytes) -> Image.Image | None:
    """The image of ``data`` if it is a plain PNG, decoded after its size is checked against
    the budget (ImageTooLarge past it, as the plugin's way would raise); None if it is not
    one, or does not decode."""
    parts = plain_png_parts(data)
    if parts is None:
        return None
    mode, size, stream = parts
    check_budget(size, mode)
    try:
        return Image.frombytes(mode, size, stream, "zip", mode)
    except Exception:  # noqa: BLE001 - data the decoder refuses: the plugin then reports it as before
        return None


def plain_png_parts(data: bytes) -> tuple[str, tuple[int, int], bytes] | None:
    """(mode, (width, height), its IDAT chunks' data joined) of a plain PNG, every chunk's
    CRC checked; None if ``data`` is not one."""
    if not data.startswith(SIGNATURE):
        return None
    position, header, streams, idat_ended = len(SIGNATURE), None, [], False
    while True:
        if position + _CHUNK_HEAD.size > len(data):
            return None  # no IEND
        length, kind = _CHUNK_HEAD.unpack_from(data, position)
        end = position + _CHUNK_HEAD.size + length + 4
        if end > len(data) or zlib.crc32(data[position + 4:end - 4]) != int.from_bytes(data[end - 4:end], "big"):
            return None
        body = data[position + _CHUNK_HEAD.size:end - 4]
        if header is None:
            if kind != b"IHDR" or length != _HEADER.size:
                return None
            header = _HEADER.unpack(body)
        elif kind == b"IDAT" and not idat_ended:
            streams.append(body)
        elif kind == b"IEND":
            break
        elif kind in INFO_ONLY_CHUNKS:
            idat_ended = bool(streams)
        else:
            return None
        position = end
    width, height, depth, colour, compression, row_filter, interlace = header
    if not streams or depth != 8 or colour not in MODES or (compression, row_filter, interlace) != (0, 0, 0) \
            or width == 0 or height == 0:
        return None
    return MODES[colour], (width, height), b"".join(streams)
