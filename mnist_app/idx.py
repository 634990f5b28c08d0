"""Parse IDX, the file format MNIST's images and labels are stored in.

An IDX file is a header followed by the values in C order::

    bytes 0-1   0x00 0x00
    byte  2     type code (0x08: unsigned byte, the only type MNIST uses)
    byte  3     number of dimensions d
    then        d big-endian uint32 sizes, then prod(sizes) values
"""

from __future__ import annotations

import math
import struct

import numpy as np

from mnist_app.errors import IdxFormatError

UNSIGNED_BYTE = 0x08
IMAGE_SHAPE = (28, 28)
LARGEST_LABEL = 9


def parse_idx(data: bytes, ndim: int, source: str) -> np.ndarray:
    """Read the uint8 array held by the IDX bytes ``data``, which must have ``ndim`` dimensions.

    The array is a read-only view of ``data``. ``source`` (e.g. a file name) starts every
    error message. Raises :class:`IdxFormatError` on a wrong magic or type code, a wrong
    number of dimensions, or a payload that is shorter or longer than the header says.
    """
    header_size = 4 + 4 * ndim
    if len(data) < 4:
        raise IdxFormatError(f"{source}: {len(data)} bytes is too short for an IDX header")
    if data[:2] != b"\0\0":
        raise IdxFormatError(
            f"{source}: not an IDX file (starts with 0x{data[:2].hex()}, expected 0x0000)"
        )
    if data[2] != UNSIGNED_BYTE:
        raise IdxFormatError(
            f"{source}: IDX type code 0x{data[2]:02x}, "
            f"expected 0x{UNSIGNED_BYTE:02x} (unsigned byte)"
        )
    if data[3] != ndim:
        raise IdxFormatError(f"{source}: {data[3]}-dimensional, expected {ndim}-dimensional")
    if len(data) < header_size:
        raise IdxFormatError(f"{source}: truncated header ({len(data)} of {header_size} bytes)")
    shape = struct.unpack(f">{ndim}I", data[4:header_size])
    expected_size = math.prod(shape)
    payload_size = len(data) - header_size
    if payload_size < expected_size:
        raise IdxFormatError(
            f"{source}: truncated: {payload_size} bytes of values, "
            f"the header {shape} needs {expected_size}"
        )
    if payload_size > expected_size:
        raise IdxFormatError(
            f"{source}: {payload_size - expected_size} trailing bytes after the {expected_size} "
            f"values of shape {shape}"
        )
    return np.frombuffer(data, dtype=np.uint8, offset=header_size).reshape(shape)


def parse_images(data: bytes, source: str) -> np.ndarray:
    """Read IDX image bytes into a uint8 array of shape (n, 28, 28), grey levels 0-255."""
    images = parse_idx(data, ndim=3, source=source)
    if images.shape[1:] != IMAGE_SHAPE:
        raise IdxFormatError(
            f"{source}: images are {images.shape[1]}x{images.shape[2]}, expected 28x28"
        )
    return images


def parse_labels(data: bytes, source: str) -> np.ndarray:
    """Read IDX label bytes into a uint8 array of shape (n,), each a digit 0-9."""
    labels = parse_idx(data, ndim=1, source=source)
    too_large = np.flatnonzero(labels > LARGEST_LABEL)
    if too_large.size:
        index = too_large[0]
        raise IdxFormatError(
            f"{source}: label {labels[index]} at index {index} is not a digit 0-{LARGEST_LABEL}"
        )
    return labels
