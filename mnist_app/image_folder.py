"""The images in a folder, as ``mnist-app predict DIR`` reads them.

An entry is read when it is named like an image (IMAGE_EXTENSIONS), is not hidden and is a
regular file (a link to one counts). Entries named like images that are not regular files
(a broken link, a directory, a FIFO that would wait for a writer, a device such as /dev/zero
that never ends) are skipped, and said: :func:`skipped_note` is one line naming them.
"""

from __future__ import annotations

import errno
import os
import stat
from typing import TYPE_CHECKING, NamedTuple

from mnist_app.decode import IMAGE_EXTENSIONS
from mnist_app.errors import ImageError
from mnist_app.safe_io import describe_oserror, file_kind

if TYPE_CHECKING:
    from pathlib import Path

SHOWN_SKIPPED = 5  # skipped entries named in the note; the rest are counted


class ImageFolder(NamedTuple):
    """A listed folder: its image files, sorted by name, and the entries named like images
    that were skipped, each with why ("a broken link", "a FIFO"), sorted by name."""

    files: list[Path]
    skipped: list[tuple[Path, str]]


def list_images(directory: str | os.PathLike) -> ImageFolder:
    """The image files directly in ``directory`` and the entries skipped. Raises ImageError
    if it cannot be listed, or if it holds no image file (naming what was skipped)."""
    from pathlib import Path  # not on the way to one picture (docs/speed.md)

    try:
        entries = sorted(Path(directory).iterdir())
    except OSError as error:
        raise ImageError(f"cannot list directory: {error.strerror}") from error
    files, skipped = [], []
    for path in entries:
        if path.suffix.lower() not in IMAGE_EXTENSIONS or path.name.startswith("."):
            continue
        why = _not_a_file(path)
        if why is None:
            files.append(path)
        else:
            skipped.append((path, why))
    if not files:
        raise ImageError("no image files in this directory" + (f" ({skipped_note(skipped)})" if skipped else ""))
    return ImageFolder(files, skipped)


def skipped_note(skipped: list[tuple[Path, str]]) -> str:
    """The skipped entries in a few words: how many, and the first SHOWN_SKIPPED by name."""
    named = "; ".join(f"{path.name}: {why}" for path, why in skipped[:SHOWN_SKIPPED])
    more = f"; and {len(skipped) - SHOWN_SKIPPED} more" if len(skipped) > SHOWN_SKIPPED else ""
    count = "1 entry" if len(skipped) == 1 else f"{len(skipped)} entries"
    return f"skipped {count} named like an image but not a file: {named}{more}"


def _not_a_file(path: Path) -> str | None:
    """None if ``path`` is a regular file (or a link to one), else what it is."""
    try:
        mode = os.stat(path).st_mode
    except OSError as error:
        return "a broken link" if error.errno == errno.ENOENT and os.path.islink(path) else describe_oserror(error)
    return None if stat.S_ISREG(mode) else file_kind(mode)
