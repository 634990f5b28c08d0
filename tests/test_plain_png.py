"""A plain PNG decodes to the pixels Pillow's PNG plugin gives (the oracle: Image.open), and
every other PNG, or a damaged one, is left to the plugin."""

from __future__ import annotations

import io
import zlib

import numpy as np
import pytest
from PIL import Image, PngImagePlugin

from mnist_app.decode import load_image
from mnist_app.errors import ImageError, ImageTooLarge
from mnist_app.plain_png import decode_plain_png

BANDS = {"L": 1, "LA": 2, "RGB": 3, "RGBA": 4}


def png_bytes(image: Image.Image, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", **options)
    return buffer.getvalue()


def picture(mode: str, seed: int, size=(37, 23)) -> Image.Image:
    """Noise over a gradient: rows the encoder filters in different ways."""
    rng = np.random.default_rng(seed)
    width, height = size
    ramp = np.add.outer(np.arange(height) * 5, np.arange(width) * 3)[..., None]
    pixels = (ramp + rng.integers(0, 40, (height, width, BANDS[mode]))) % 256
    return Image.fromarray(pixels.astype(np.uint8).squeeze(), mode)


def plugin_pixels(data: bytes) -> tuple[str, tuple[int, int], bytes]:
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG"
        return image.mode, image.size, image.tobytes()


@pytest.mark.parametrize("mode", sorted(BANDS))
@pytest.mark.parametrize("options", [{}, {"compress_level": 0}, {"optimize": True}, {"dpi": (72, 72)}])
def test_a_plain_png_decodes_to_the_plugins_pixels(mode, options):
    data = png_bytes(picture(mode, seed=len(mode)), **options)
    decoded = decode_plain_png(data)
    assert decoded is not None
    assert (decoded.mode, decoded.size, decoded.tobytes()) == plugin_pixels(data)


def test_image_data_split_over_several_chunks_decodes_as_one():
    image = picture("RGB", seed=3, size=(300, 200))
    data = png_bytes(image)
    head, rest = data[:33], data[33:]  # the signature and IHDR, then IDAT and IEND
    length = int.from_bytes(rest[:4], "big")
    stream = rest[8:8 + length]
    halves = [stream[:length // 2], stream[length // 2:]]
    chunks = b"".join(len(part).to_bytes(4, "big") + b"IDAT" + part
                      + zlib.crc32(b"IDAT" + part).to_bytes(4, "big") for part in halves)
    split = head + chunks + rest[12 + length:]
    assert plugin_pixels(split) == plugin_pixels(data)
    assert decode_plain_png(split).tobytes() == image.tobytes()


def with_text() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "drawn")
    return png_bytes(picture("L", 1), pnginfo=info)


def interlaced() -> bytes:
    """A grey PNG whose header says Adam7 interlacing (its rows are not, which the plugin
    would find out: here only the header is read)."""
    data = bytearray(png_bytes(picture("L", 1)))
    data[28] = 1  # IHDR's interlace method
    data[29:33] = zlib.crc32(bytes(data[12:29])).to_bytes(4, "big")
    return bytes(data)


def bad_crc() -> bytearray:
    data = bytearray(png_bytes(picture("L", 1)))
    data[29] ^= 1  # the IHDR chunk's CRC
    return data


@pytest.mark.parametrize("data", [
    png_bytes(picture("L", 1).convert("P")),  # a palette
    png_bytes(picture("L", 1), transparency=0),  # a tRNS chunk
    png_bytes(Image.new("1", (9, 9))),  # 1 bit a pixel
    png_bytes(Image.new("I;16", (9, 9))),  # 16 bits
    with_text(),
    interlaced(),
    bytes(bad_crc()),
    png_bytes(picture("L", 1))[:-12],  # no IEND
    png_bytes(picture("L", 1))[:40],  # cut inside IDAT
    b"GIF89a",
], ids=["palette", "transparency", "1-bit", "16-bit", "text", "interlaced", "bad CRC", "no IEND", "cut", "not a PNG"])
def test_any_other_png_is_left_to_the_plugin(data):
    assert decode_plain_png(bytes(data)) is None


def test_an_image_data_stream_cut_short_is_read_by_the_plugin_as_before():
    data = png_bytes(picture("RGB", seed=4, size=(80, 60)), compress_level=0)
    length = int.from_bytes(data[33:37], "big")
    part = data[41:41 + length // 2]
    cut = data[:33] + len(part).to_bytes(4, "big") + b"IDAT" + part + zlib.crc32(b"IDAT" + part).to_bytes(4, "big") \
        + data[-12:]
    assert decode_plain_png(cut) is None
    with pytest.raises(ImageError, match="truncated"):
        load_image(cut)


def test_a_plain_png_over_the_budget_is_refused_before_it_is_decoded(monkeypatch):
    monkeypatch.setattr("mnist_app.image_budget.MAX_DECODED_BYTES", 100)
    with pytest.raises(ImageTooLarge):
        decode_plain_png(png_bytes(picture("RGBA", 2)))
