"""MNIST on disk: find the data directory, make it hold the four files verified, load arrays.

The data directory holds the four files under their ``.gz`` names, always gzip, each
checked as :mod:`mnist_app.mnist_files` says before it is trusted; missing or corrupt ones
are fetched by :mod:`mnist_app.download`, which writes a temporary file and renames it into
place only after that check. Only regular files are read: a FIFO or a device in the data
directory is an error, not a hang.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from mnist_app.atomic import remove_stale_temp_files
from mnist_app.errors import DownloadError, IdxFormatError
from mnist_app.mnist_files import (
    FILES,
    MIRRORS,
    TEST_IMAGES,
    TEST_LABELS,
    TRAIN_IMAGES,
    TRAIN_LABELS,
    BadContent,
    DownloadSettings,
    max_stored_bytes,
    verified_content,
)
from mnist_app.safe_io import (
    InputTooLarge,
    MissingFile,
    UnsafeInput,
    describe_oserror,
    file_kind,
    read_regular_file,
)

if TYPE_CHECKING:  # numpy is imported when the arrays are parsed, not for the command line's options
    import numpy as np

DATA_DIR_ENV = "MNIST_APP_DATA"
# The last line of a download failure when no mirror could be reached.
OFFLINE_HINT = (f"no mirror could be reached: if you have the MNIST files, give their folder with "
                f"--data-dir DIR or {DATA_DIR_ENV}=DIR")


@dataclass(frozen=True, eq=False)
class Mnist:
    """The MNIST arrays (read-only): images are uint8 grey levels 0-255, labels uint8 0-9."""

    train_images: np.ndarray  # (60000, 28, 28)
    train_labels: np.ndarray  # (60000,)
    test_images: np.ndarray  # (10000, 28, 28)
    test_labels: np.ndarray  # (10000,)
    sha256: dict[str, str]  # file name -> sha256 of its decompressed content


def resolve_data_dir(data_dir: str | os.PathLike | None) -> Path:
    """The data directory: ``data_dir``, else $MNIST_APP_DATA, else $XDG_CACHE_HOME/mnist_app,
    else ~/.cache/mnist_app."""
    if data_dir:
        return Path(data_dir).expanduser()
    if os.environ.get(DATA_DIR_ENV):
        return Path(os.environ[DATA_DIR_ENV]).expanduser()
    cache_home: str | Path = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(cache_home):  # the XDG spec says to ignore a relative path
        cache_home = Path.home() / ".cache"
    return Path(cache_home) / "mnist_app"


def load_mnist(
    data_dir: str | os.PathLike,
    mirrors: Sequence[str] | None = None,
    progress: bool = False,
    settings: DownloadSettings = DownloadSettings(),
) -> Mnist:
    """Load MNIST from ``data_dir``, first downloading any file that is missing or corrupt.

    Raises :class:`DownloadError` if a file cannot be obtained and
    :class:`IdxFormatError` if a verified file is malformed.
    """
    directory = Path(data_dir)
    contents = ensure_mnist_files(directory, mirrors, progress, settings)
    train_images, train_labels = _parse_split(contents, directory, TRAIN_IMAGES, TRAIN_LABELS)
    test_images, test_labels = _parse_split(contents, directory, TEST_IMAGES, TEST_LABELS)
    return Mnist(train_images, train_labels, test_images, test_labels, sha256=dict(FILES))


def load_test_set(
    data_dir: str | os.PathLike,
    mirrors: Sequence[str] | None = None,
    progress: bool = False,
    settings: DownloadSettings = DownloadSettings(),
) -> tuple[np.ndarray, np.ndarray]:
    """The test images (10000, 28, 28) and labels (10000,) from ``data_dir``, as
    :func:`load_mnist` loads them, but needing (and downloading) only the two test files."""
    directory = Path(data_dir)
    contents = ensure_mnist_files(directory, mirrors, progress, settings, names=(TEST_IMAGES, TEST_LABELS))
    return _parse_split(contents, directory, TEST_IMAGES, TEST_LABELS)


def ensure_mnist_files(
    data_dir: str | os.PathLike,
    mirrors: Sequence[str] | None = None,
    progress: bool = False,
    settings: DownloadSettings = DownloadSettings(),
    names: Sequence[str] = tuple(FILES),
) -> dict[str, bytes]:
    """Make ``data_dir`` hold the files ``names`` of :data:`FILES` (default: all four),
    verified; return their IDX content.

    Cached files are checked, not downloaded again; missing or corrupt ones are fetched
    from ``mirrors`` (base URLs, default :data:`MIRRORS`), trying each in order. Every
    file is attempted before :class:`DownloadError` reports, one line per failed file,
    what each mirror did, and :data:`OFFLINE_HINT` last if no mirror could be reached.
    ``progress`` shows a progress bar per download on stderr. The content is returned so
    that loading does not decompress the files a second time.
    """
    directory = Path(data_dir)
    _check_data_dir(directory)
    downloader = None
    contents, failures = {}, []
    for name in names:
        sha256 = FILES[name]
        path = directory / name
        try:
            remove_stale_temp_files(directory, name)
            content = _cached_content(path, sha256)
            if content is None:
                if downloader is None:
                    # Imported here: requests costs start-up time that cached runs never need.
                    from mnist_app.download import Downloader

                    downloader = Downloader(MIRRORS if mirrors is None else mirrors, progress, settings)
                content = downloader.fetch(path, sha256)
            contents[name] = content
        except DownloadError as error:
            failures.append(str(error))
        except OSError as error:  # network errors are handled inside fetch; this is the disk
            raise DownloadError(
                f"cannot use {directory} as the MNIST data directory: {describe_oserror(error)}"
            ) from error
    if failures:
        if downloader is not None and downloader.mirrors and set(downloader.mirrors) <= set(downloader.unreachable):
            failures.append(OFFLINE_HINT)  # no network, most likely: say how to do without it
        raise DownloadError(*failures)
    return contents


def _check_data_dir(directory: Path) -> None:
    """DownloadError if ``directory`` exists but is not a directory (it is created if missing)."""
    try:
        mode = os.stat(directory).st_mode
    except FileNotFoundError:
        return
    except OSError as error:
        raise DownloadError(f"cannot use {directory} as the MNIST data directory: {describe_oserror(error)}") from None
    if not stat.S_ISDIR(mode):
        raise DownloadError(f"cannot use {directory} as the MNIST data directory: it is {file_kind(mode)}")


def _parse_split(
    contents: dict[str, bytes], directory: Path, images_name: str, labels_name: str
) -> tuple[np.ndarray, np.ndarray]:
    """Images (n, 28, 28) and labels (n,) of one split, checked to have the same n."""
    from mnist_app.idx import parse_images, parse_labels

    images = parse_images(contents[images_name], str(directory / images_name))
    labels = parse_labels(contents[labels_name], str(directory / labels_name))
    if len(images) != len(labels):
        raise IdxFormatError(
            f"{directory}: {images_name} holds {len(images)} images "
            f"but {labels_name} holds {len(labels)} labels"
        )
    return images, labels


def _cached_content(path: Path, sha256: str) -> bytes | None:
    """The verified content of the cached file ``path``, or None if it is missing, larger
    than any copy can be, or corrupt. DownloadError if it is not a regular file (a FIFO,
    a device, a directory), which a download must not replace."""
    try:
        return verified_content(read_regular_file(path, max_stored_bytes(path.name)), sha256, path.name)
    except (MissingFile, InputTooLarge, BadContent):
        return None
    except UnsafeInput as error:
        raise DownloadError(f"{path}: {error}; remove it or use another data directory") from None
