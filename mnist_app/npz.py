"""Read chosen arrays from an ``.npz`` file (a zip of ``.npy`` members) without trusting it.

``np.load`` would build every array its headers declare. :class:`NpzReader` reads only
the members asked for, checks each ``.npy`` header's shape and dtype against what the
caller expects before allocating anything, then reads exactly the bytes those need. The
number of zip members is checked before the zip's directory is parsed. Every problem is a
:class:`~mnist_app.errors.ModelFileError` with a one-line reason.

The zip is read here rather than by :mod:`zipfile`, whose import (with pathlib, shutil,
bz2 and lzma) cost 10 ms of ``mnist-app predict``'s start-up: the directory of one archive
of at most 65,535 members and 4 GB, and the members ``np.savez`` and ``np.savez_compressed``
write (stored or deflated, not encrypted), each member's CRC-32 checked as zipfile does.
A member compressed otherwise (bzip2, LZMA) is handed to zipfile.
"""

from __future__ import annotations

import contextlib
import math
import struct
import zlib
from typing import IO, BinaryIO, Callable, NamedTuple

import numpy as np
from numpy.lib import format as npy_format

from mnist_app.errors import ModelFileError, reason

END_OF_DIRECTORY = b"PK\x05\x06"  # the zip's end-of-central-directory record
END_RECORD = struct.Struct("<4s4H2LH")  # signature, disks, counts, directory size and offset, comment length
END_RECORD_BYTES = END_RECORD.size
MAX_COMMENT_BYTES = 0xFFFF
DIRECTORY_ENTRY = struct.Struct("<4s4B4HL2L5H2L")  # the central directory's record of a member
DIRECTORY_SIGNATURE = b"PK\x01\x02"
LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")  # the header before each member's data
LOCAL_SIGNATURE = b"PK\x03\x04"
STORED, DEFLATED = 0, 8  # the compression methods numpy writes
ENCRYPTED = 0x1  # general-purpose flag bits
UTF8_NAME = 0x800
ZIP64_MARK = 0xFFFFFFFF  # a size or offset that is in a zip64 record instead
CHUNK_BYTES = 1 << 16  # compressed bytes read at a time
MAX_NPY_HEADER_BYTES = 10_000  # numpy's own default bound

# Checks a member's header: (shape, dtype) -> the reason it is wrong, or None if it is fine.
HeaderCheck = Callable[[tuple[int, ...], np.dtype], "str | None"]


class _Member(NamedTuple):
    """Where a member is and what the directory says of it."""

    header_offset: int
    method: int
    flags: int
    crc: int
    compressed_bytes: int
    size: int


class NpzReader:
    """The members of the ``.npz`` in ``file`` (a seekable binary file), read on request."""

    def __init__(self, file: BinaryIO, max_members: int):
        self._file = file
        try:
            self._members = _directory(file, max_members)
        except (struct.error, ValueError) as error:  # a damaged zip (I/O errors are the caller's to report)
            raise ModelFileError(f"not a readable .npz weights file ({reason(error)})") from None
        self.names = {name[:-4] for name in self._members if name.endswith(".npy")}

    def __enter__(self) -> "NpzReader":
        return self

    def __exit__(self, *exc_info) -> None:
        pass  # the file is the caller's to close

    def read(self, name: str, check: HeaderCheck) -> np.ndarray:
        """The array ``name`` after ``check`` approved its header; native byte order.

        Raises ModelFileError if the member is missing, its header is malformed or
        refused by ``check``, or its data is shorter or longer than the header says.
        """
        if name not in self.names:
            raise ModelFileError(f"missing array {name!r}")
        try:
            with self._open(f"{name}.npy") as member:
                shape, fortran_order, dtype = _read_header(member, name)
                problem = check(shape, dtype)
                if problem:
                    raise ModelFileError(f"{name} {problem}")
                size = math.prod(shape) * dtype.itemsize
                data = member.read(size)
                if len(data) < size:
                    raise ModelFileError(f"{name} is truncated: {len(data)} of {size} bytes")
                if member.read(1):  # at the end, the reader also checks the member's CRC
                    raise ModelFileError(f"{name} has data after its {size} bytes")
        except ModelFileError:
            raise
        except Exception as error:  # zlib, CRC and I/O errors of a damaged member
            raise ModelFileError(f"cannot read {name} ({reason(error)})") from None
        array = np.frombuffer(data, dtype=dtype).reshape(shape, order="F" if fortran_order else "C")
        return array.astype(dtype.newbyteorder("="), copy=not dtype.isnative)


    def _open(self, name: str):
        """A context manager giving the member ``name``'s data as a stream: read here if it
        is stored or deflated (what numpy writes), else by zipfile (bzip2, LZMA...)."""
        member = self._members[name]
        if member.method in (STORED, DEFLATED):
            return contextlib.nullcontext(_MemberReader(self._file, name, member))
        import zipfile  # 10 ms to import: only for the methods numpy does not write

        return zipfile.ZipFile(self._file).open(name)


class _MemberReader:
    """One member's data, decompressed as it is read, at most the size the directory gives;
    reading to its end checks its CRC-32 (ValueError if it is wrong or the data ends early)."""

    def __init__(self, file: BinaryIO, name: str, member: _Member):
        file.seek(member.header_offset)
        header = file.read(LOCAL_HEADER.size)
        if len(header) < LOCAL_HEADER.size or header[:4] != LOCAL_SIGNATURE:
            raise ValueError("bad local file header")
        fields = LOCAL_HEADER.unpack(header)
        if _name(file.read(fields[10]), member.flags) != name:
            raise ValueError("file name in directory and header differ")
        file.seek(fields[11], 1)  # its extra field
        if member.flags & ENCRYPTED:
            raise ValueError("the member is encrypted")
        self._file = file
        self._inflate = zlib.decompressobj(-15) if member.method == DEFLATED else None
        self._compressed_left = member.compressed_bytes
        self._left = member.size
        self._crc = 0
        self._expected_crc = member.crc
        self._pending = b""  # compressed bytes the decompressor has not taken yet

    def read(self, count: int) -> bytes:
        """Up to ``count`` bytes (fewer only at the member's end)."""
        parts = []
        wanted = min(count, self._left)
        while wanted > 0:
            part = self._next(wanted)
            if not part:
                raise ValueError("the member's data ends early")
            parts.append(part)
            wanted -= len(part)
        data = b"".join(parts)
        self._left -= len(data)
        self._crc = zlib.crc32(data, self._crc)
        if self._left == 0 and self._crc != self._expected_crc:
            raise ValueError("bad CRC-32")
        return data

    def _next(self, count: int) -> bytes:
        if self._inflate is None:
            data = self._file.read(min(count, self._compressed_left))
            self._compressed_left -= len(data)
            return data
        while True:
            if not self._pending and self._compressed_left:
                self._pending = self._file.read(min(CHUNK_BYTES, self._compressed_left))
                self._compressed_left -= len(self._pending)
            data = self._inflate.decompress(self._pending, count)
            self._pending = self._inflate.unconsumed_tail
            if data or (not self._pending and not self._compressed_left):
                return data


def _directory(file: BinaryIO, max_members: int) -> dict[str, _Member]:
    """Each member's name and directory record, after checking how many the zip declares."""
    size = file.seek(0, 2)
    tail_size = min(size, END_RECORD_BYTES + MAX_COMMENT_BYTES)
    file.seek(size - tail_size)
    tail = file.read(tail_size)
    at = tail.rfind(END_OF_DIRECTORY)
    if at < 0 or at + END_RECORD_BYTES > len(tail):
        raise ModelFileError("not a readable .npz weights file (File is not a zip file)")
    _, disk, directory_disk, disk_count, count, directory_bytes, directory_offset, _ = END_RECORD.unpack_from(tail, at)
    if count > max_members:
        raise ModelFileError(f"the zip holds {count} members, a weights file has at most {max_members}")
    if disk or directory_disk or disk_count != count or directory_offset == ZIP64_MARK:
        raise ValueError("a zip of several disks or a zip64 archive")
    prefix = size - tail_size + at - directory_bytes - directory_offset  # bytes before the zip itself
    if prefix < 0:
        raise ValueError("bad zip directory")
    file.seek(prefix + directory_offset)
    directory = file.read(directory_bytes)
    members: dict[str, _Member] = {}
    position = 0
    for _ in range(count):
        entry = DIRECTORY_ENTRY.unpack_from(directory, position)
        if entry[0] != DIRECTORY_SIGNATURE:
            raise ValueError("bad zip directory")
        name_end = position + DIRECTORY_ENTRY.size + entry[12]
        if name_end > len(directory):
            raise ValueError("bad zip directory")
        flags, method, crc, compressed_bytes, member_size = entry[5], entry[6], entry[9], entry[10], entry[11]
        if ZIP64_MARK in (compressed_bytes, member_size, entry[18]):
            raise ValueError("a zip64 member")
        name = _name(directory[position + DIRECTORY_ENTRY.size:name_end], flags)
        members[name] = _Member(prefix + entry[18], method, flags, crc, compressed_bytes, member_size)
        position = name_end + entry[13] + entry[14]
    return members


def _name(raw: bytes, flags: int) -> str:
    """A member's name as zipfile decodes it: UTF-8 if its flag says so, else code page 437
    (ASCII for numpy's names, without loading the cp437 codec)."""
    if flags & UTF8_NAME:
        return raw.decode("utf-8")
    return raw.decode("ascii") if raw.isascii() else raw.decode("cp437")


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
