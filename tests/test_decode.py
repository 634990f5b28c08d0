"""Opening user images: bounded in bytes, pixels, rows, memory and JPEG scans; special files
and unusual modes give one ImageError, and no library warning escapes."""

from __future__ import annotations

import io
import os
import struct
import warnings
import zlib

import numpy as np
import pytest
from PIL import Image, ImageDraw

from mnist_app.decode import load_image, read_image_bytes
from mnist_app.errors import ImageError, ImageTooLarge
from mnist_app.limits import MAX_IMAGE_FILE_BYTES, MAX_JPEG_SCANS
from mnist_app.preprocess import to_mnist_image


def encode(image: Image.Image, image_format: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, image_format, **options)
    return buffer.getvalue()


def seven(size: int = 64) -> Image.Image:
    picture = Image.new("L", (size, size), 235)
    ImageDraw.Draw(picture).line([(14, 12), (50, 12), (26, 54)], fill=20, width=6)
    return picture


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_header_only(width: int, height: int, colour_type: int = 0) -> bytes:
    """A PNG declaring width x height 8-bit pixels of ``colour_type`` (0 grey, 6 RGBA), with
    one compressed row: enough to be identified, refused before decoding."""
    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", zlib.compress(bytes(width + 1)))
            + png_chunk(b"IEND", b""))


# --- sources that are not regular files, or too large ------------------------------


@pytest.mark.parametrize("make, message", [
    (lambda path: os.mkfifo(path), "^is a FIFO \\(named pipe\\), not a regular file$"),
    (lambda path: path.symlink_to("/dev/zero"), "^is a device, not a regular file$"),
    (lambda path: path.mkdir(), "^is a directory$"),
    (lambda path: open(path, "wb").truncate(MAX_IMAGE_FILE_BYTES + 1), "^too large: 67,108,865 bytes"),
], ids=["fifo", "dev-zero", "directory", "sparse-huge"])
def test_only_regular_files_of_bounded_size_are_read(tmp_path, make, message):
    path = tmp_path / "image.png"
    make(path)
    with pytest.raises(ImageError, match=message):
        load_image(path)


class Endless(io.RawIOBase):
    """A stream of zeros that never ends, like /dev/zero on stdin."""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        buffer[:] = bytes(len(buffer))
        return len(buffer)


def test_a_stream_is_read_up_to_the_limit_then_refused():
    with pytest.raises(ImageError, match="^input too large: over the 67,108,864-byte limit$"):
        read_image_bytes(io.BufferedReader(Endless()))


def test_a_file_name_too_long_is_an_image_error(tmp_path):
    with pytest.raises(ImageError, match="^file name too long$"):
        load_image(tmp_path / ("n" * 300 + ".png"))


# --- pixel, row and memory budgets, checked from the header --------------------------


@pytest.mark.parametrize("width, height, message", [
    (1, 4_000_000, "has too many rows for its width"),
    (100_000, 1_000, "over 89,478,485 pixels"),
    (7000, 7000, "7000x7000 RGBA needs 189 MB to decode, over the 128 MB limit"),
], ids=["tall-thin", "too-many-pixels", "too-much-memory"])
def test_images_over_a_budget_are_refused_before_decoding(width, height, message):
    colour = 6 if width == 7000 else 0
    with pytest.raises(ImageError, match=f"^image too large: .*{message}"):
        load_image(png_header_only(width, height, colour))


def test_a_wide_thin_image_within_budget_is_read():
    wide = encode(Image.new("L", (200_000, 1), 255), "PNG")
    assert load_image(wide).size == (200_000, 1)


def ico_holding(image: bytes, declared: int = 16) -> bytes:
    """An ICO whose one directory entry says ``declared`` x ``declared`` and holds ``image``:
    a PNG, or a bitmap from its info header on."""
    entry = struct.pack("<BBBBHHII", declared, declared, 0, 0, 1, 32, len(image), 22)
    return b"\0\0\1\0" + struct.pack("<H", 1) + entry + image


def bitmap_info_header(width: int, height: int) -> bytes:
    """A 40-byte BMP info header of a 32-bit width x height icon (its height doubled for the mask)."""
    return struct.pack("<IiiHHIIiiII", 40, width, 2 * height, 1, 32, 0, 0, 0, 0, 0, 0) + bytes(64)


@pytest.mark.parametrize("inside", [png_header_only(13000, 13000), bitmap_info_header(20000, 20000)],
                         ids=["png", "bitmap"])
def test_an_icon_hiding_a_huge_image_is_refused_from_its_headers(inside):
    """Pillow decodes an ICO's image inside Image.open; the embedded header is read first."""
    icon = ico_holding(inside)
    with pytest.raises(ImageTooLarge, match="^image too large: over 89,478,485 pixels"):
        load_image(icon)


@pytest.mark.parametrize("bitmap_format", ["png", "bmp"])
def test_icons_are_read_like_the_png_they_hold(bitmap_format):
    picture = seven().convert("RGBA")
    icon = encode(picture, "ICO", sizes=[(64, 64)], bitmap_format=bitmap_format)
    np.testing.assert_array_equal(to_mnist_image(icon), to_mnist_image(encode(picture, "PNG")))


def test_a_colour_jpeg_read_for_its_grey_levels_is_decoded_to_grey():
    """Its luma, straight from libjpeg: within a few levels of Pillow's RGB to L (for colours
    short of saturation, which RGB clips), at the same reduced scale; a grey JPEG and a PNG
    are decoded as they are."""
    rng = np.random.default_rng(3)
    colour = Image.fromarray(rng.integers(40, 216, (300, 2400, 3), dtype=np.uint8)).resize((2400, 2100))
    photo = encode(colour, "JPEG")
    grey = load_image(photo, max_side=1024, grey=True)
    assert (grey.mode, grey.size) == ("L", (1200, 1050))
    reference = Image.open(io.BytesIO(photo))
    reference.draft(None, (1024, 1024))
    difference = np.abs(np.asarray(grey, np.int16) - np.asarray(reference.convert("L"), np.int16))
    assert difference.max() <= 3 and difference.mean() < 0.5
    assert load_image(photo, grey=True).size == (2400, 2100)
    assert load_image(encode(colour.convert("L"), "JPEG"), grey=True).mode == "L"
    assert load_image(encode(colour, "PNG"), grey=True).mode == "RGB"


def jpeg_with_repeated_scan(side: int, repeats: int) -> bytes:
    """A progressive grey JPEG whose last scan is repeated: each repeat costs a full pass."""
    data = encode(Image.new("L", (side, side), 128), "JPEG", progressive=True)
    last_scan = data.rindex(b"\xff\xda")
    return data[:-2] + data[last_scan:-2] * repeats + data[-2:]


def test_a_jpeg_with_too_many_scans_is_refused_unread():
    with pytest.raises(ImageError, match=r"^JPEG too costly to decode: 10\d\d scans of 64x64 pixels$"):
        load_image(jpeg_with_repeated_scan(64, MAX_JPEG_SCANS))


def test_an_ordinary_progressive_jpeg_is_read():
    assert load_image(encode(seven().convert("RGB"), "JPEG", progressive=True)).size == (64, 64)


# --- formats and modes ------------------------------------------------------------------


def test_formats_outside_the_raster_list_are_not_parsed():
    eps = encode(seven().convert("RGB"), "EPS")  # opening it would run Ghostscript
    with pytest.raises(ImageError, match="^not an image Pillow can identify"):
        load_image(eps)


def test_a_lab_tiff_is_read_by_its_lightness():
    expected = to_mnist_image(encode(seven(), "PNG"))
    lab = to_mnist_image(encode(seven().convert("RGB").convert("LAB"), "TIFF"))
    assert np.abs(lab.astype(int) - expected.astype(int)).mean() < 2


def test_a_palette_png_with_an_oversized_transparency_chunk_is_read():
    png = encode(seven().convert("P", palette=Image.Palette.ADAPTIVE, colors=2), "PNG")
    at = png.index(b"IDAT") - 4
    damaged = png[:at] + png_chunk(b"tRNS", bytes(300)) + png[at:]
    assert load_image(damaged).mode == "RGBA"


# 48 bytes of a damaged TIFF (found by scripts/fuzz) on which Pillow warns "Corrupt EXIF data".
CORRUPT_EXIF_TIFF = bytes.fromhex(
    "49492a002a010000803ae0503824160d0784426150b864361d0f8844625138a4562d178c466351b8e4763d1f90486452")


def test_no_library_warning_escapes_the_decoder():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ImageError, match="^not an image Pillow can identify"):
            load_image(CORRUPT_EXIF_TIFF)


class _ReadsText:
    def read(self, size=-1):
        return "text"


class _FailsToRead:
    def read(self, size=-1):
        raise RuntimeError("the device went away")


def _closed_file(path):
    file = open(path, "rb")
    file.close()
    return file


@pytest.mark.parametrize("make, message", [
    (lambda path: f"{path}\0.png", "^the file name holds a NUL character$"),
    (lambda path: open(path, encoding="utf-8"), "^cannot read an image from a text-mode file"),
    (_closed_file, "^cannot read: read of closed file$"),
    (lambda path: _ReadsText(), "^input is read as str, not bytes"),
    (lambda path: _FailsToRead(), "^cannot read: the device went away$"),
], ids=["nul-in-path", "text-mode-file", "closed-file", "read-gives-str", "read-raises"])
def test_sources_that_cannot_be_read_are_image_errors(tmp_path, make, message):
    path = tmp_path / "seven.png"
    path.write_bytes(encode(seven(), "PNG"))
    with pytest.raises(ImageError, match=message):
        to_mnist_image(make(path))


# EXIF orientation -> how the stored pixels must be turned to stand upright (the EXIF
# standard's table: 6 means the viewer turns them 90 degrees clockwise).
UPRIGHT = {1: None, 2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
           6: Image.Transpose.ROTATE_270, 8: Image.Transpose.ROTATE_90}


@pytest.mark.parametrize("orientation", sorted(UPRIGHT))
def test_a_picture_is_turned_as_its_exif_orientation_says_and_a_given_image_is_left_be(orientation):
    stored = Image.frombytes("L", (3, 2), bytes([0, 10, 20, 30, 40, 50]))
    exif = Image.Exif()
    exif[0x0112] = orientation
    data = encode(stored, "PNG", exif=exif)
    turn = UPRIGHT[orientation]
    upright = np.asarray(stored if turn is None else stored.transpose(turn))
    np.testing.assert_array_equal(np.asarray(load_image(data)), upright)
    given = Image.open(io.BytesIO(data))
    np.testing.assert_array_equal(np.asarray(load_image(given)), upright)
    assert given.size == (3, 2)
    np.testing.assert_array_equal(np.asarray(given), np.asarray(stored))
