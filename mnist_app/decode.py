"""Open any image a user hands us: a path, bytes, a file object, a PIL image or an array.

Decoding is the only step that touches the user's file; everything after works on pixels.
Every image is bounded before its pixels are decoded: its file size here, then what
decoding it would cost (:mod:`mnist_app.image_budget`: its pixel count with a cost for each
row, the memory of the decoded pixels, the scans of a progressive JPEG). An ICO's embedded
images are measured from their headers before Pillow opens it (:mod:`mnist_app.ico`).
Only regular files are read, only common raster formats are parsed, and whatever goes
wrong is an ImageError (ImageTooLarge past a bound).
"""

from __future__ import annotations

import contextlib
import importlib
import io
import os
import struct
from typing import BinaryIO, Union

import numpy as np
from PIL import ExifTags, Image, UnidentifiedImageError

from mnist_app import ico
from mnist_app.errors import ImageError, reason
from mnist_app.image_budget import (
    check_budget,
    check_jpeg_scans,
    decoder_warnings,
    raise_on_bomb_warning,
    too_many_pixels,
)
from mnist_app.limits import MAX_IMAGE_FILE_BYTES
from mnist_app.plain_png import decode_plain_png
from mnist_app.safe_io import UnsafeInput, read_at_most, read_regular_file

ImageSource = Union[str, os.PathLike, bytes, BinaryIO, Image.Image, np.ndarray]

# The formats behind predict's image extensions. Pillow knows ~40 more, some of which run
# other programs (EPS calls Ghostscript) or are rarely exercised; a digit needs none of them.
# Image.open tries them in this order and imports all of Pillow's ~45 plugins (0.05 s) at
# the first one it has not loaded yet: the six it loads up front come first, in its order.
# Each format with the file extensions that name it: predict reads a folder's files by
# extension (asking Pillow for all it registers would import every plugin, about 0.3 s).
FORMAT_EXTENSIONS = {
    "BMP": (".bmp",), "DIB": (".dib",), "GIF": (".gif",), "JPEG": (".jfif", ".jpe", ".jpeg", ".jpg"),
    "PPM": (".pbm", ".pgm", ".pnm", ".ppm"), "PNG": (".png",), "ICO": (".ico",), "PCX": (".pcx",),
    "PSD": (".psd",), "QOI": (".qoi",), "TGA": (".tga",), "TIFF": (".tif", ".tiff"), "WEBP": (".webp",),
}
FORMATS = tuple(FORMAT_EXTENSIONS)
IMAGE_EXTENSIONS = frozenset(extension for extensions in FORMAT_EXTENSIONS.values() for extension in extensions)
# Pillow modes the grey conversion takes as they are; the others are converted here first.
PLAIN_MODES = frozenset({"1", "L", "LA", "La", "P", "RGB", "RGBA", "RGBa", "RGBX", "CMYK", "I", "F"})
# The band that carries lightness in modes Pillow cannot convert to grey itself.
LIGHTNESS_BAND = {"LAB": "L", "HSV": "V"}
TURNED_ORIENTATIONS = frozenset(range(2, 9))  # EXIF orientations that ImageOps.exif_transpose turns
DECODED_SCALE = "mnist_app.decoded_scale"  # info key of a JPEG decoded at a reduced scale: source pixels per pixel
# The first bytes of the formats most pictures come in, with the plugin module of Pillow
# that opens each and the name of its opener there (what Pillow registers for the format).
# A picture in one of them is opened by that plugin alone: Image.open first imports five
# plugins, about 8 ms of `mnist-app predict one.png`'s start-up.
SIGNATURE_OPENERS = (
    (b"\x89PNG\r\n\x1a\n", "PngImagePlugin", "PngImageFile"),
    (b"\xff\xd8\xff", "JpegImagePlugin", "jpeg_factory"),
)


def load_image(source: ImageSource, max_side: int | None = None, grey: bool = False) -> Image.Image:
    """Decode ``source`` into an upright PIL image (its first frame if animated).

    ``source`` is a path, the bytes of an image file, a binary file object, an open PIL
    image, or a numpy array: (h, w) grey (uint8 0-255, uint16, bool, or float in [0, 1]),
    or (h, w, 3) RGB or (h, w, 4) RGBA (uint8, or float in [0, 1]).
    With ``max_side``, a JPEG is decoded at a reduced scale when that keeps both sides at
    least ``max_side`` pixels (much faster for camera photos), and ``image.info[DECODED_SCALE]``
    says how many of the file's pixels one decoded pixel spans; other formats decode fully.
    With ``grey``, a colour JPEG is decoded straight to grey ("L": its luma, which libjpeg
    then neither converts to RGB nor decodes the colour of; within a few levels of
    Pillow's RGB to L, and about twice as fast).
    The result's mode is one of PLAIN_MODES, or "I;16" variants.

    Raises ImageError with a short message for anything that cannot be read, including
    files over MAX_IMAGE_FILE_BYTES and images over the pixel and memory budgets, which
    are refused before any pixel memory is allocated.
    """
    if isinstance(source, np.ndarray):
        return _image_from_array(source)
    if not isinstance(source, (str, os.PathLike, bytes, bytearray, memoryview, Image.Image)) \
            and not hasattr(source, "read"):
        raise ImageError(f"cannot read an image from a Python {type(source).__name__}: give a path, bytes, "
                         "a binary file, a PIL image or a numpy array")
    # An open PIL image is taken as it is; anything else is read (bounded) into bytes first.
    given = source if isinstance(source, Image.Image) else read_image_bytes(source)
    plain = None if isinstance(given, Image.Image) else decode_plain_png(given)
    if plain is not None:  # upright and in a plain mode already
        return plain
    with decoder_warnings() as caught:
        opened = given if isinstance(given, Image.Image) else _open(given)
        try:
            _check_before_decoding(opened, given, max_side, grey=grey)
            opened.load()
            image = _plain_mode(_upright(opened, copy=opened is given))
        except ImageError:
            raise
        except Exception as error:  # Pillow's decoders raise many types for malformed data
            raise ImageError(f"cannot decode image: {reason(error)}") from error
        finally:
            raise_on_bomb_warning(caught)
    return image


def _upright(image: Image.Image, copy: bool) -> Image.Image:
    """``image`` (loaded) turned as its EXIF orientation says, by ``ImageOps.exif_transpose``:
    a copy if ``copy`` (the caller's image, left be), else ``image`` itself, turned in place
    (which spares a copy of every pixel). ImageOps is imported only for an image that says
    it is turned: importing it was 2M instructions of `mnist-app predict one.png`."""
    if image.getexif().get(ExifTags.Base.Orientation, 1) not in TURNED_ORIENTATIONS:
        return image.copy() if copy else image  # what exif_transpose gives for these
    from PIL import ImageOps

    if copy:
        return ImageOps.exif_transpose(image)
    ImageOps.exif_transpose(image, in_place=True)
    return image


def read_image_bytes(source: str | os.PathLike | bytes | BinaryIO) -> bytes:
    """The bytes of an image file given as a path, bytes or a binary stream (stdin, say),
    at most MAX_IMAGE_FILE_BYTES; ImageError if the source is larger or not a regular file."""
    try:
        if isinstance(source, (bytes, bytearray, memoryview)):
            data = bytes(source)
            if len(data) > MAX_IMAGE_FILE_BYTES:
                raise UnsafeInput(f"too large: {len(data):,} bytes, over the {MAX_IMAGE_FILE_BYTES:,}-byte limit")
        elif isinstance(source, (str, os.PathLike)):
            data = read_regular_file(source, MAX_IMAGE_FILE_BYTES)
        elif isinstance(source, io.TextIOBase):
            raise UnsafeInput("cannot read an image from a text-mode file: open it in binary mode ('rb')")
        else:
            data = read_at_most(source, MAX_IMAGE_FILE_BYTES, "input")
    except UnsafeInput as error:
        raise ImageError(str(error)) from None
    except Exception as error:  # noqa: BLE001 - a stream that fails to read: OSError, a closed file's ValueError...
        raise ImageError(f"cannot read: {reason(error)}") from None
    if not data:
        raise ImageError("empty file")
    return data


def _check_before_decoding(opened: Image.Image, given: bytes | Image.Image, max_side: int | None,
                           grey: bool = False) -> None:
    """Choose what ``opened`` decodes (its first frame; a JPEG drafted down towards
    ``max_side``, and to grey if ``grey``), then check its JPEG scans and its budget."""
    if getattr(opened, "is_animated", False):
        opened.seek(0)
    if isinstance(given, bytes) and opened.format in ("JPEG", "MPO"):
        check_jpeg_scans(given, opened.size)
    if max_side or grey:
        width = opened.size[0]
        # None except for a JPEG: (mode, scaled box); its mode becomes L only if it was RGB
        drafted = opened.draft("L" if grey else None, (max_side, max_side) if max_side else None)
        if drafted is not None and drafted[1][2] < width:
            opened.info[DECODED_SCALE] = width / drafted[1][2]
    check_budget(opened.size, opened.mode)


def _open(data: bytes) -> Image.Image:
    """``data`` opened by Pillow (headers read, pixels not decoded), or ImageError. An ICO's
    embedded images are checked against the budget first: Pillow decodes one inside open."""
    if ico.is_ico(data):
        for size in ico.embedded_sizes(data):
            check_budget(size, "RGBA")  # Pillow turns a bitmap with a mask into RGBA
    try:
        return _open_by_signature(data) or Image.open(io.BytesIO(data), formats=FORMATS)
    except Image.DecompressionBombError as error:
        raise too_many_pixels() from error
    except UnidentifiedImageError as error:
        raise ImageError("not an image Pillow can identify (unknown format or damaged header)") from error
    except Exception as error:  # Pillow's format plugins raise many types for bad headers
        raise ImageError(f"cannot read image: {reason(error)}") from error


def _open_by_signature(data: bytes) -> Image.Image | None:
    """``data`` opened by the one plugin its first bytes name (SIGNATURE_OPENERS), or None
    when they name none or that plugin refuses the header as not its format; Image.open
    then tries every format, as it always did."""
    for signature, plugin, opener in SIGNATURE_OPENERS:
        if data.startswith(signature):
            module = importlib.import_module(f"PIL.{plugin}")
            with contextlib.suppress(SyntaxError, IndexError, TypeError, struct.error):  # Image.open's "not mine"
                return getattr(module, opener)(io.BytesIO(data))
    return None


def _plain_mode(image: Image.Image) -> Image.Image:
    """``image`` in a mode the grey conversion handles without surprises: palette images
    with transparency become RGBA (a transparency table longer than the palette is cut to
    it), LAB and HSV keep their lightness band, other modes become RGB."""
    if image.mode in PLAIN_MODES and not (image.mode == "P" and "transparency" in image.info):
        return image
    if image.mode.startswith("I;16"):
        return image
    if image.mode in LIGHTNESS_BAND:
        return image.getchannel(LIGHTNESS_BAND[image.mode])
    if image.mode in ("P", "PA"):
        _fit_transparency_to_palette(image)
        return image.convert("RGBA")
    return image.convert("RGB")


def _fit_transparency_to_palette(image: Image.Image) -> None:
    transparency = image.info.get("transparency")
    if isinstance(transparency, bytes) and image.palette is not None:
        entries = len(image.palette.palette) // len(image.palette.mode)
        image.info["transparency"] = transparency[:entries]


def _image_from_array(array: np.ndarray) -> Image.Image:
    """A PIL image of an array: (h, w) grey, or (h, w, 3) RGB and (h, w, 4) RGBA colour.

    Grey becomes "L" for uint8 and bool, "F" for other numbers (scaled by their full range
    later). Colour must be uint8 0-255 or floats in [0, 1] and becomes "RGB" or "RGBA".
    """
    if array.size == 0 or not (array.ndim == 2 or (array.ndim == 3 and array.shape[2] in (3, 4))):
        raise ImageError(f"expected a non-empty (h, w) grey, (h, w, 3) RGB or (h, w, 4) RGBA "
                         f"image array, got shape {array.shape}")
    height, width = array.shape[:2]
    if array.ndim == 3:
        check_budget((width, height), "RGBA")
        return Image.fromarray(_as_uint8(array), "RGB" if array.shape[2] == 3 else "RGBA")
    check_budget((width, height), "L" if array.dtype in (np.uint8, bool) else "F")
    if array.dtype == bool:
        return Image.fromarray(array.astype(np.uint8) * 255)
    if array.dtype == np.uint8:
        return Image.fromarray(array)
    if np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating):
        return Image.fromarray(array.astype(np.float32))
    raise ImageError(f"unsupported image array type {array.dtype}")


def _as_uint8(colour: np.ndarray) -> np.ndarray:
    """A colour array as uint8: uint8 as it is, floats in [0, 1] scaled to 0-255."""
    if colour.dtype == np.uint8:
        return np.ascontiguousarray(colour)
    if np.issubdtype(colour.dtype, np.floating) and np.isfinite(colour).all() \
            and colour.min() >= 0 and colour.max() <= 1:
        return np.rint(colour * 255).astype(np.uint8)
    raise ImageError(f"a colour image array must be uint8 0-255 or floats in [0, 1], got {colour.dtype}")
