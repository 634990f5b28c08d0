"""Read files and streams with a byte limit, and only regular files: never a FIFO, a device
or a directory, which could block forever or never end.

Functions raise :class:`UnsafeInput` (a ValueError) with a short reason such as "is a
FIFO, not a regular file"; callers wrap it in their own error type with the file name.
"""

from __future__ import annotations

import errno
import os
import stat
from typing import BinaryIO

CHUNK_BYTES = 1 << 20


class UnsafeInput(ValueError):
    """A file or stream we refuse to read; the message says why, without the file name."""


class MissingFile(UnsafeInput):
    """The file does not exist."""


class InputTooLarge(UnsafeInput):
    """The file or stream holds more bytes than the limit."""


def describe_oserror(error: OSError) -> str:
    """A short reason for ``error`` as users read it: "no such file", "permission denied"..."""
    reasons: dict[int | None, str] = {  # None: an OSError raised without an errno
        errno.ENOENT: "no such file", errno.EACCES: "permission denied", errno.EPERM: "permission denied",
        errno.EISDIR: "is a directory", errno.ENOTDIR: "a part of the path is not a directory",
        errno.ENAMETOOLONG: "file name too long", errno.ELOOP: "too many levels of symbolic links",
        errno.ENXIO: "no such device (a socket?)"}
    return reasons.get(error.errno) or (error.strerror or str(error)).lower()


def file_kind(mode: int) -> str:
    """What a non-regular file is, in words: "a directory", "a FIFO", "a device"..."""
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a regular file" if stat.S_ISREG(mode) else "not a regular file"


def open_regular_file(path: str | os.PathLike, max_bytes: int) -> BinaryIO:
    """Open ``path`` for binary reading if it is a regular file of at most ``max_bytes``.

    The file is checked with stat before it is opened (opening a device can have side
    effects), then opened non-blocking (a FIFO swapped in meanwhile cannot block) and
    checked again with fstat. Raises UnsafeInput, or it says why the open failed.
    """
    if "\0" in os.fsdecode(path):  # os.stat would raise a ValueError of its own
        raise UnsafeInput("the file name holds a NUL character")
    try:
        _check_regular(os.stat(path), max_bytes)
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
                     | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise MissingFile("no such file") from None
    except OSError as error:
        raise UnsafeInput(describe_oserror(error)) from None
    try:
        _check_regular(os.fstat(fd), max_bytes)
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _check_regular(info: os.stat_result, max_bytes: int) -> None:
    if stat.S_ISDIR(info.st_mode):
        raise UnsafeInput("is a directory")
    if not stat.S_ISREG(info.st_mode):
        raise UnsafeInput(f"is {file_kind(info.st_mode)}, not a regular file")
    if info.st_size > max_bytes:
        raise InputTooLarge(f"too large: {info.st_size:,} bytes, over the {max_bytes:,}-byte limit")


def read_regular_file(path: str | os.PathLike, max_bytes: int) -> bytes:
    """The bytes of the regular file ``path``, at most ``max_bytes`` of them (UnsafeInput if more)."""
    with open_regular_file(path, max_bytes) as file:
        try:
            return read_at_most(file, max_bytes)
        except OSError as error:
            raise UnsafeInput(describe_oserror(error)) from None


def read_at_most(stream: BinaryIO, max_bytes: int, what: str = "file") -> bytes:
    """Everything ``stream`` holds, if that is at most ``max_bytes``; UnsafeInput otherwise.

    Reads in chunks, so a stream that never ends (/dev/zero on stdin) costs at most
    ``max_bytes`` + one chunk of memory before it is refused. A stream of text rather than
    bytes is refused too.
    """
    data = bytearray()
    while len(data) <= max_bytes:
        chunk = stream.read(min(CHUNK_BYTES, max_bytes + 1 - len(data)))
        if not chunk:
            return bytes(data)
        if not isinstance(chunk, (bytes, bytearray, memoryview)):
            raise UnsafeInput(f"{what} is read as {type(chunk).__name__}, not bytes: open it in binary mode ('rb')")
        data += chunk
    raise InputTooLarge(f"{what} too large: over the {max_bytes:,}-byte limit")
