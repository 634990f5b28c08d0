"""Write files so that a reader never sees a partial one under the final name.

Only regular files are replaced: a device node, a FIFO, a directory, or a symbolic link
to one of those is refused, so `--output /dev/sda` cannot turn a device into a file.
Temporary files carry the writer's process id, so the next write to the same name
removes those whose writer has died.
"""

from __future__ import annotations

import contextlib
import errno
import glob
import hashlib
import os
import stat
import tempfile
from pathlib import Path
from typing import BinaryIO, Iterator

TEMP_SUFFIX = ".part"
RANDOM_CHARS = 8  # what tempfile.mkstemp adds between prefix and suffix
DEFAULT_NAME_MAX = 255  # bytes in one file name on Linux, macOS and Windows file systems


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike) -> Iterator[BinaryIO]:
    """Open a temporary file beside ``path`` for binary writing; rename it to ``path`` on success.

    The temporary file is named ``.<name>.<pid>.<random>.part`` in the same directory, so
    the final rename is atomic on POSIX and Windows. If the block raises (including
    KeyboardInterrupt), the temporary file is removed and ``path`` is left untouched.
    Parent directories are created as needed, and temporary files of ``path`` left by a
    writer that has died are removed. Raises OSError if ``path`` exists and is not a
    regular file (or a link to one), or if its name is too long.
    """
    path = Path(path)
    check_target(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temp_files(path.parent, path.name)
    fd, temp_name = tempfile.mkstemp(prefix=temp_prefix(path.name), suffix=TEMP_SUFFIX, dir=path.parent)
    try:
        os.chmod(temp_name, 0o666 & ~_current_umask())  # mkstemp makes 0600; give what open() would
        with os.fdopen(fd, "wb") as file:
            yield file
            file.flush()
            os.fsync(file.fileno())
        check_target(path)  # again: something else may have appeared there meanwhile
        os.replace(temp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
        raise
    _sync_directory(path.parent)


def check_writable(path: str | os.PathLike) -> None:
    """Raise OSError now if :func:`atomic_write` could not write ``path``: not a regular
    file, a name too long, a parent that is not a directory, or no permission. Creates
    the parent directories and a temporary file (removed again), as atomic_write would."""
    path = Path(path)
    check_target(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(prefix=temp_prefix(path.name), suffix=TEMP_SUFFIX, dir=path.parent)
    os.close(fd)
    os.unlink(temp_name)


def check_target(path: Path) -> None:
    """Raise OSError unless ``path`` is absent, a regular file or a link to one, and its
    name fits the file system."""
    if len(os.fsencode(path.name)) > _name_max(path.parent):
        raise OSError(errno.ENAMETOOLONG, "file name too long", str(path))
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return  # a new name (or a dangling link, which the rename replaces)
    except NotADirectoryError:
        raise OSError(errno.ENOTDIR, f"{path.parent} is not a directory", str(path)) from None
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, "is a directory", str(path))
    if not stat.S_ISREG(mode):
        kind = "a FIFO" if stat.S_ISFIFO(mode) else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a socket"
        raise OSError(errno.EEXIST, f"is {kind}, not a regular file; refusing to replace it", str(path))


def temp_prefix(name: str) -> str:
    """``.<name>.<pid>.``: the start of this process's temporary names for ``name``. A
    long ``name`` is shortened (keeping a hash of it) so the temporary name still fits."""
    return f"{_name_stem(name)}.{os.getpid()}."


def _name_stem(name: str) -> str:
    budget = DEFAULT_NAME_MAX - 1 - len(f".{2**22}.") - RANDOM_CHARS - len(TEMP_SUFFIX)
    encoded = os.fsencode(name)
    if len(encoded) <= budget:
        return f".{name}"
    digest = hashlib.sha256(encoded).hexdigest()[:12]
    return f".{os.fsdecode(encoded[:budget - len(digest) - 1])}~{digest}"


def remove_stale_temp_files(directory: str | os.PathLike, name: str) -> None:
    """Delete temporary files that an interrupted ``atomic_write(directory/name)`` left
    behind: those whose writing process no longer runs (all of them where that cannot be
    told, e.g. on Windows or in names without a process id)."""
    stem = _name_stem(name)
    for leftover in glob.glob(glob.escape(os.path.join(os.fspath(directory), stem)) + ".*" + TEMP_SUFFIX):
        pid_text = os.path.basename(leftover)[len(stem) + 1:].split(".", 1)[0]
        if pid_text.isdigit() and _is_running(int(pid_text)):
            continue
        with contextlib.suppress(FileNotFoundError):
            os.unlink(leftover)


def _is_running(pid: int) -> bool:
    """True if process ``pid`` exists. Where that cannot be told (not POSIX), False."""
    if os.name != "posix":
        return False
    try:
        os.kill(pid, 0)  # signal 0: only checks that the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, owned by someone else
    return True


def _name_max(directory: Path) -> int:
    try:
        return os.pathconf(directory, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):  # missing directory, or no pathconf (Windows)
        return DEFAULT_NAME_MAX


def _sync_directory(directory: Path) -> None:
    """Make the rename durable (POSIX); best effort, as some file systems refuse."""
    if os.name == "posix":
        with contextlib.suppress(OSError):
            fd = os.open(directory, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
