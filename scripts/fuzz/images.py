"""Images to throw at the decoder: every format Pillow writes, mutated, and hand-built hostile files.

``encodings()`` gives a small digit in each format and mode; ``mutated(seed, index)``
derives one damaged file from them, deterministically; ``hostile()`` gives files built to
hurt (long thin images, many-scan JPEGs, palette PNGs with an oversized tRNS chunk, ...).
"""

from __future__ import annotations

import functools
import io
import struct
import warnings
import zlib

import numpy as np
from PIL import Image, ImageDraw


def digit(size: int = 64) -> Image.Image:
    """A dark 7 on light paper, ``size`` x ``size``, mode "L"."""
    picture = Image.new("L", (size, size), 235)
    draw = ImageDraw.Draw(picture)
    s = size / 64
    draw.line([(14 * s, 12 * s), (50 * s, 12 * s), (26 * s, 54 * s)], fill=20, width=max(1, round(6 * s)))
    return picture


def encode(image: Image.Image, image_format: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, image_format, **options)
    return buffer.getvalue()


def _animated(picture: Image.Image, image_format: str, **options) -> bytes:
    frames = [picture.rotate(angle, fillcolor=235) for angle in (0, 20, 40)]
    return encode(frames[0], image_format, save_all=True, append_images=frames[1:], duration=50, **options)


@functools.cache
def encodings() -> dict[str, bytes]:
    """name -> one small digit image in that format and mode; skips what this Pillow cannot write."""
    l = digit()
    rgb, rgba = l.convert("RGB"), l.convert("RGBA")
    rgba.putalpha(Image.eval(l, lambda v: 255 - v))
    makers = {
        "png-L": lambda: encode(l, "PNG"),
        "png-RGB": lambda: encode(rgb, "PNG"),
        "png-RGBA": lambda: encode(rgba, "PNG"),
        "png-LA": lambda: encode(rgba.convert("LA"), "PNG"),
        "png-P": lambda: encode(rgb.convert("P"), "PNG"),
        "png-P-tRNS": lambda: encode(l.convert("P"), "PNG", transparency=0),
        "png-1": lambda: encode(l.convert("1"), "PNG"),
        "png-16bit": lambda: encode(Image.fromarray(np.asarray(l, np.uint16) * 257), "PNG"),
        "png-optimized": lambda: encode(rgb, "PNG", optimize=True),
        "apng": lambda: _animated(rgb, "PNG"),
        "jpeg": lambda: encode(rgb, "JPEG", quality=90),
        "jpeg-L": lambda: encode(l, "JPEG"),
        "jpeg-CMYK": lambda: encode(l.convert("CMYK"), "JPEG"),
        "jpeg-progressive": lambda: encode(rgb, "JPEG", progressive=True),
        "jpeg-exif": lambda: encode(rgb, "JPEG", exif=_exif()),
        "mpo": lambda: encode(rgb, "MPO", save_all=True, append_images=[rgb.rotate(90)]),
        "gif": lambda: encode(l, "GIF"),
        "gif-animated": lambda: _animated(l, "GIF"),
        "bmp": lambda: encode(rgb, "BMP"),
        "bmp-P": lambda: encode(rgb.convert("P"), "BMP"),
        "bmp-1": lambda: encode(l.convert("1"), "BMP"),
        "dib": lambda: encode(rgb, "DIB"),
        "tiff": lambda: encode(rgb, "TIFF"),
        "tiff-lzw": lambda: encode(rgb, "TIFF", compression="tiff_lzw"),
        "tiff-deflate": lambda: encode(l, "TIFF", compression="tiff_adobe_deflate"),
        "tiff-packbits": lambda: encode(l, "TIFF", compression="packbits"),
        "tiff-jpeg": lambda: encode(rgb, "TIFF", compression="jpeg"),
        "tiff-LAB": lambda: encode(rgb.convert("LAB"), "TIFF"),
        "tiff-CMYK": lambda: encode(l.convert("CMYK"), "TIFF"),
        "tiff-F": lambda: encode(Image.fromarray(np.asarray(l, np.float32) / 255), "TIFF"),
        "tiff-I": lambda: encode(Image.fromarray(np.asarray(l, np.int32) * 1000), "TIFF"),
        "tiff-I16": lambda: encode(Image.fromarray(np.asarray(l, np.uint16) * 257), "TIFF"),
        "tiff-multipage": lambda: _animated(l, "TIFF"),
        "webp": lambda: encode(rgb, "WEBP", quality=80),
        "webp-lossless": lambda: encode(rgba, "WEBP", lossless=True),
        "webp-animated": lambda: _animated(rgb, "WEBP"),
        "ico": lambda: encode(rgba, "ICO", sizes=[(16, 16), (64, 64)]),
        "ppm": lambda: encode(rgb, "PPM"),
        "pgm": lambda: encode(l, "PPM"),
        "pbm": lambda: encode(l.convert("1"), "PPM"),
        "tga": lambda: encode(rgb, "TGA"),
        "tga-rle": lambda: encode(rgb, "TGA", compression="tga_rle"),
        "pcx": lambda: encode(rgb, "PCX"),
        "qoi": lambda: encode(rgba, "QOI"),
        "sgi": lambda: encode(rgb, "SGI"),
        "im": lambda: encode(l, "IM"),
        "msp": lambda: encode(l.convert("1"), "MSP"),
        "xbm": lambda: encode(l.convert("1"), "XBM"),
        "spider": lambda: encode(l.convert("F"), "SPIDER"),
        "dds": lambda: encode(rgba, "DDS"),
        "blp": lambda: encode(rgb.convert("P"), "BLP"),
        "icns": lambda: encode(rgba.resize((128, 128)), "ICNS"),
        "jpeg2000": lambda: encode(rgb, "JPEG2000"),
        "avif": lambda: encode(rgb, "AVIF"),
        "eps": lambda: encode(rgb, "EPS"),
        "pdf": lambda: encode(rgb, "PDF"),
    }
    result = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # IM: writing it is deprecated in Pillow 12
        for name, make in makers.items():
            try:
                result[name] = make()
            except (OSError, ValueError, KeyError):  # a codec this Pillow build lacks
                pass
    return result


def _exif() -> bytes:
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010E] = "x" * 200
    return exif.tobytes()


# --- mutations ----------------------------------------------------------------------

def _flip_bits(data: bytearray, rng) -> None:
    for _ in range(int(rng.integers(1, 9))):
        data[int(rng.integers(len(data)))] ^= 1 << int(rng.integers(8))


def _truncate(data: bytearray, rng) -> None:
    del data[int(rng.integers(1, len(data))):]


def _overwrite_header_word(data: bytearray, rng) -> None:
    """Put an extreme 2- or 4-byte value somewhere in the first 64 bytes (a size, a count...)."""
    width = int(rng.choice([2, 4]))
    at = int(rng.integers(0, max(1, min(64, len(data)) - width)))
    value = rng.choice([0, 1, 0x7FFF, 0x8000, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF, 65500, 100000])
    data[at:at + width] = (int(value) & ((1 << (8 * width)) - 1)).to_bytes(width, rng.choice(["big", "little"]))


def _splice(data: bytearray, rng) -> None:
    """Copy a random span of the file over another place, or repeat it."""
    start = int(rng.integers(len(data)))
    span = data[start:start + int(rng.integers(1, 256))]
    at = int(rng.integers(len(data)))
    if rng.random() < 0.5:
        data[at:at] = span * int(rng.integers(1, 8))
    else:
        data[at:at + len(span)] = span


def _random_bytes(data: bytearray, rng) -> None:
    at = int(rng.integers(len(data)))
    data[at:at + 16] = rng.integers(0, 256, 16, dtype=np.uint8).tobytes()


MUTATIONS = {"bits": _flip_bits, "truncate": _truncate, "header": _overwrite_header_word,
             "splice": _splice, "random": _random_bytes}


def mutated(seed: int, index: int) -> tuple[str, bytes]:
    """The ``index``-th damaged image of run ``seed``: (a name saying how it was made, its bytes)."""
    rng = np.random.default_rng([seed, index])
    names = sorted(encodings())
    base = names[int(rng.integers(len(names)))]
    data = bytearray(encodings()[base])
    applied = []
    for _ in range(int(rng.integers(1, 4))):
        mutation = sorted(MUTATIONS)[int(rng.integers(len(MUTATIONS)))]
        if len(data) > 1:
            MUTATIONS[mutation](data, rng)
            applied.append(mutation)
    return f"{base}+{'+'.join(applied)}#{index}", bytes(data)


# --- hand-built hostile files ---------------------------------------------------------

def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


PNG_CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}  # colour type -> samples a pixel: grey, RGB, grey+alpha, RGBA


def png_of_zeros(width: int, height: int, level: int = 0, bit_depth: int = 8, colour_type: int = 0) -> bytes:
    """A valid PNG of width x height pixels whose every sample byte is ``level`` (0 black,
    255 white, at 1, 8 or 16 bits), compressed as it is built (streamed, small)."""
    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    compressor = zlib.compressobj(9)
    row = b"\0" + bytes([level]) * -(-width * PNG_CHANNELS[colour_type] * bit_depth // 8)
    rows_per_block = max(1, (1 << 22) // len(row))
    parts, left = [], height
    while left:
        n = min(left, rows_per_block)
        parts.append(compressor.compress(row * n))
        left -= n
    parts.append(compressor.flush())
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", b"".join(parts))
            + _png_chunk(b"IEND", b""))


def png_claiming(width: int, height: int) -> bytes:
    """A PNG header declaring width x height 1-bit pixels, with only a few rows of data."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    rows = zlib.compress(bytes((1 + width // 8) * 4))
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", rows) + _png_chunk(b"IEND", b"")


def palette_png_with_big_trns(palette_entries: int = 2, trns_bytes: int = 300) -> bytes:
    """A palette PNG whose tRNS chunk is longer than its palette (and than 256 entries)."""
    picture = digit().convert("P", palette=Image.Palette.ADAPTIVE, colors=palette_entries)
    png = encode(picture, "PNG")
    at = png.index(b"IDAT") - 4
    return png[:at] + _png_chunk(b"tRNS", bytes(range(256)) * (trns_bytes // 256) + bytes(trns_bytes % 256)) + png[at:]


def jpeg_with_scans(side: int, extra_scans: int) -> bytes:
    """A progressive grey JPEG side x side with its smallest scan repeated ``extra_scans`` times.

    libjpeg warns about the bogus progression but decodes every scan, each costing time in
    proportion to the image's area, so this is a CPU bomb in a small file.
    """
    data = encode(Image.new("L", (side, side), 128), "JPEG", progressive=True)
    scans, pos = [], 2
    while data[pos + 1] != 0xD9:
        marker, length = data[pos + 1], struct.unpack(">H", data[pos + 2:pos + 4])[0]
        end = pos + 2 + length
        if marker == 0xDA:  # entropy-coded data runs to the next marker that is not RSTn or stuffing
            while True:
                end = data.index(b"\xff", end)
                if data[end + 1] in (0x00, 0xFF) or 0xD0 <= data[end + 1] <= 0xD7:
                    end += 1
                    continue
                break
            scans.append(data[pos:end])
        pos = end
    return data[:-2] + min(scans, key=len) * extra_scans + data[-2:]


def ico_holding(image: bytes, declared: int = 16) -> bytes:
    """An ICO whose one directory entry says ``declared`` x ``declared`` and holds ``image``:
    a PNG, or a bitmap from its info header on. Pillow decodes it inside Image.open."""
    entry = struct.pack("<BBBBHHII", declared, declared, 0, 0, 1, 32, len(image), 22)
    return b"\0\0\1\0" + struct.pack("<H", 1) + entry + image


def bitmap_info_header(width: int, height: int) -> bytes:
    """A 40-byte BMP info header of a 32-bit width x height icon (its height doubled for the mask)."""
    return struct.pack("<IiiHHIIiiII", 40, width, 2 * height, 1, 32, 0, 0, 0, 0, 0, 0) + bytes(64)


def gif_with_frames(frames: int) -> bytes:
    small = digit(16).convert("P")
    others = [small.rotate(90 * (i % 4)) for i in range(1, frames)]
    return encode(small, "GIF", save_all=True, append_images=others, duration=10)


# name -> how to build a file meant to exhaust memory or time, or to reach an odd code path
HOSTILE = {
    "thin-89000000x1.png": lambda: png_of_zeros(89_000_000, 1),
    "tall-1x89000000.png": lambda: png_of_zeros(1, 89_000_000),
    "tall-1x4000000.png": lambda: png_of_zeros(1, 4_000_000),
    "claims-30000x30000.png": lambda: png_claiming(30000, 30000),
    "claims-9500x9500.png": lambda: png_claiming(9500, 9500),
    "claims-1x2147483647.png": lambda: png_claiming(1, 2**31 - 1),
    "jpeg-3000-scans.jpg": lambda: jpeg_with_scans(4096, 3000),
    "jpeg-200-scans-8192.jpg": lambda: jpeg_with_scans(8192, 200),
    "palette-big-trns.png": palette_png_with_big_trns,
    "palette-trns-300.png": lambda: palette_png_with_big_trns(16, 300),
    "lab.tiff": lambda: encodings()["tiff-LAB"],
    "gif-2000-frames.gif": lambda: gif_with_frames(2000),
    "rgba-7000x7000.png": lambda: encode(Image.new("RGBA", (7000, 7000), (255, 255, 255, 255)), "PNG"),
    "eps-named-png.png": lambda: encodings()["eps"],
    "pdf-named-png.png": lambda: encodings()["pdf"],
    "png-then-1MB-garbage.png": lambda: encodings()["png-L"] + bytes(1 << 20),
    "ico-rgba-png-13000x13000.ico": lambda: ico_holding(png_of_zeros(13000, 13000, colour_type=6)),
    "ico-1bit-png-13000x13000.ico": lambda: ico_holding(png_of_zeros(13000, 13000, bit_depth=1)),
    "ico-bitmap-20000x20000.ico": lambda: ico_holding(bitmap_info_header(20000, 20000)),
}

# The hostile images --quick builds (the others take seconds to build or to refuse).
QUICK_HOSTILE = ("tall-1x4000000.png", "claims-1x2147483647.png", "claims-30000x30000.png", "palette-big-trns.png",
                 "lab.tiff", "eps-named-png.png", "jpeg-3000-scans.jpg", "ico-bitmap-20000x20000.ico",
                 "ico-1bit-png-13000x13000.ico")
