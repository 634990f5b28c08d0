"""Open any image a user hands us: a path, bytes, a file object, a PIL image or an array.

Decoding is the only step that touches the user's file; everything after works on pixels.
"""

from __future__ import annotations

import io
import os
import warnings
from typing import BinaryIO, Union

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from mnist_app.errors import ImageError

ImageSource = Union[str, os.PathLike, bytes, BinaryIO, Image.Image, np.ndarray]


def load_image(source: ImageSource, max_side: int | None = None) -> Image.Image:
    """Decode ``source`` into an upright PIL image (its first frame if animated).

    ``source`` is a path, the bytes of an image file, a binary file object, an open PIL
    image, or a numpy array (2-D grey: uint8 0-255, uint16, bool, or float in [0, 1]).
    With ``max_side``, a JPEG is decoded at a reduced scale when that keeps both sides at
    least ``max_side`` pixels (much faster for camera photos); other formats decode fully.

    Raises ImageError with a short message for anything that cannot be read, including
    images over ``PIL.Image.MAX_IMAGE_PIXELS`` (possible decompression bombs), which are
    refused before any pixel memory is allocated.
    """
    if isinstance(source, np.ndarray):
        return _image_from_array(source)
    image = source if isinstance(source, Image.Image) else _open(source)
    try:
        if getattr(image, "is_animated", False):
            image.seek(0)
        if max_side:
            image.draft(None, (max_side, max_side))  # a no-op except for JPEG
        image.load()
        return ImageOps.exif_transpose(image)
    except Exception as error:  # Pillow's decoders raise many types for malformed data
        raise ImageError(f"cannot decode image: {_reason(error)}") from error


def _open(source: str | os.PathLike | bytes | BinaryIO) -> Image.Image:
    if isinstance(source, (bytes, bytearray, memoryview)):
        if not source:
            raise ImageError("empty file")
        source = io.BytesIO(source)
    elif isinstance(source, (str, os.PathLike)) and _is_empty_file(source):
        raise ImageError("empty file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return Image.open(source)
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as error:
        raise ImageError(
            f"image too large: over {Image.MAX_IMAGE_PIXELS:,} pixels (possible decompression bomb)"
        ) from error
    except FileNotFoundError as error:
        raise ImageError("no such file") from error
    except IsADirectoryError as error:
        raise ImageError("is a directory") from error
    except PermissionError as error:
        raise ImageError("permission denied") from error
    except UnidentifiedImageError as error:
        raise ImageError("not an image Pillow can identify (unknown format or damaged header)") from error
    except Exception as error:  # Pillow's format plugins raise many types for bad headers
        raise ImageError(f"cannot read image: {_reason(error)}") from error


def _is_empty_file(path: str | os.PathLike) -> bool:
    try:
        return os.path.isfile(path) and os.path.getsize(path) == 0
    except OSError:
        return False  # let Image.open report the precise problem


def _reason(error: Exception) -> str:
    """The first line of ``error``'s message, or its type if it has none."""
    return str(error).splitlines()[0] if str(error) else type(error).__name__


def _image_from_array(array: np.ndarray) -> Image.Image:
    """A grey PIL image of a 2-D array: "L" for uint8 and bool, "F" for other numbers."""
    if array.ndim != 2 or array.size == 0:
        raise ImageError(f"expected a non-empty 2-D grey image array, got shape {array.shape}")
    if array.dtype == bool:
        return Image.fromarray(array.astype(np.uint8) * 255)
    if array.dtype == np.uint8:
        return Image.fromarray(array)
    if np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating):
        return Image.fromarray(array.astype(np.float32))
    raise ImageError(f"unsupported image array type {array.dtype}")
