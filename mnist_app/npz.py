"""Read chosen arrays from an ``.npz`` file (a zip of ``.npy`` members) without trusting it.

``np.load`` would build every array its headers declare. :class:`NpzReader` reads only
the members asked for, checks each ``.npy`` header's shape and dtype against what the
caller expects before allocating anything, then reads exactly the bytes those need. The
number of zip members is checked before the zip's directory is parsed. Every problem is a
:class:`~mnist_app.errors.ModelFileError` with a one-line reason.
"""

from __future__ import annotations

import math
import struct
import zipfile
from typing import IO, BinaryIO, Callable

import numpy as np
from numpy.lib import format as npy_format

from mnist_app.errors import ModelFileError, reason

END_OF_DIRECTORY = b"PK\x05\x06"  # the zip's end-of-central-directory record
END_RECORD_BYTES = 22
MAX_COMMENT_BYTES = 0xFFFF
MAX_NPY_HEADER_BYTES = 10_000  # numpy's own default bound

# Checks a member's header: (shape, dtype) -> the reason it is wrong, or None if it is fine.
HeaderCheck = Callable[[tuple[int, ...], np.dtype], "str | None"]


class NpzReader:
    """The members of the ``.npz`` in ``file`` (a seekable binary file), read on request."""

    def __init__(self, file: BinaryIO, max_members: int):
        count = _member_count(file)
        if count > max_members:
            raise ModelFileError(f"the zip holds {count} members, a weights file has at most {max_members}")
        try:
            self._zip = zipfile.ZipFile(file)
        except Exception as error:  # zipfile raises BadZipFile, OSError, ValueError... for damaged zips
            raise ModelFileError(f"not a readable .npz weights file ({reason(error)})") from None
        self.names = {name[:-4] for name in self._zip.namelist() if name.endswith(".npy")}

    def __enter__(self) -> "NpzReader":
        return self

    def __exit__(self, *exc_info) -> None:
        self._zip.close()

    def read(self, name: str, check: HeaderCheck) -> np.ndarray:
        """The array ``name`` after ``check`` approved its header; native byte order.

        Raises ModelFileError if the member is missing, its header is malformed or
        refused by ``check``, or its data is shorter or longer than the header says.
        """
        if name not in self.names:
            raise ModelFileError(f"missing array {name!r}")
        try:
            with self._zip.open(f"{name}.npy") as member:
                shape, fortran_order, dtype = _read_header(member, name)
                problem = check(shape, dtype)
                if problem:
                    raise ModelFileError(f"{name} {problem}")
                size = math.prod(shape) * dtype.itemsize
                data = member.read(size)
                if len(data) < size:
                    raise ModelFileError(f"{name} is truncated: {len(data)} of {size} bytes")
                if member.read(1):  # at the end, zipfile also checks the member's CRC
                    raise ModelFileError(f"{name} has data after its {size} bytes")
        except ModelFileError:
            raise
        except Exception as error:  # zlib, bz2, lzma, CRC and I/O errors of a damaged member
            raise ModelFileError(f"cannot read {name} ({reason(error)})") from None
        array = np.frombuffer(data, dtype=dtype).reshape(shape, order="F" if fortran_order else "C")
        return array.astype(dtype.newbyteorder("="), copy=not dtype.isnative)


def _read_header(member: IO[bytes], name: str) -> tuple[tuple[int, ...], bool, np.dtype]:
    """(shape, fortran_order, dtype) from the ``.npy`` header at the start of ``member``."""
    try:
        version = npy_format.read_magic(member)
        if version == (1, 0):
            shape, fortran_order, dtype = npy_format.read_array_header_1_0(member, MAX_NPY_HEADER_BYTES)
        elif version in ((2, 0), (3, 0)):
            shape, fortran_order, dtype = npy_format.read_array_header_2_0(member, MAX_NPY_HEADER_BYTES)
        else:
            raise ValueError(f"unknown .npy version {version}")
    except Exception as error:  # numpy raises ValueError, SyntaxError... for a malformed header
        raise ModelFileError(f"{name} is not a valid .npy array ({reason(error)})") from None
    return shape, fortran_order, dtype


def _member_count(file: BinaryIO) -> int:
    """The number of members the zip's end record declares (0 if there is no end record,
    which zipfile then reports). Read before zipfile builds an object per member."""
    size = file.seek(0, 2)
    tail_size = min(size, END_RECORD_BYTES + MAX_COMMENT_BYTES)
    file.seek(size - tail_size)
    tail = file.read(tail_size)
    file.seek(0)
    at = tail.rfind(END_OF_DIRECTORY)
    if at < 0 or at + END_RECORD_BYTES > len(tail):
        return 0
    (total,) = struct.unpack("<H", tail[at + 10:at + 12])
    return total
