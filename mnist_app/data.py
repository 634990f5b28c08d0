"""MNIST on disk: find the data directory, download and verify the four files, load arrays.

The data directory holds the four files under their ``.gz`` names, always gzip. A file
is trusted only if the sha256 of its *decompressed* content matches :data:`FILES`, so
the official gzips, a re-compressed copy and a mirror serving raw IDX are all accepted.
Downloads go to a temporary file that is renamed into place only after that check.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from mnist_app.atomic import remove_stale_temp_files
from mnist_app.errors import DownloadError, IdxFormatError
from mnist_app.idx import parse_images, parse_labels

MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)

TRAIN_IMAGES = "train-images-idx3-ubyte.gz"
TRAIN_LABELS = "train-labels-idx1-ubyte.gz"
TEST_IMAGES = "t10k-images-idx3-ubyte.gz"
TEST_LABELS = "t10k-labels-idx1-ubyte.gz"

# File name -> sha256 of its decompressed IDX content.
FILES = {
    TRAIN_IMAGES: "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    TRAIN_LABELS: "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    TEST_IMAGES: "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    TEST_LABELS: "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}

DATA_DIR_ENV = "MNIST_APP_DATA"
GZIP_MAGIC = b"\x1f\x8b"
CACHE_GZIP_LEVEL = 6  # the gzip tool's default; level 9 takes 10x longer on MNIST for 2% less


@dataclass(frozen=True)
class DownloadSettings:
    """How patiently to download.

    With the defaults, one stalled mirror costs 3 x 15 s + 1 s + 2 s = 48 s before it is
    given up on; it is then skipped for the rest of the run.
    """

    timeout: float = 15.0  # seconds allowed to connect, and between two received bytes
    retries: int = 2  # extra attempts per file and mirror after a transient failure
    backoff: float = 1.0  # seconds before the first retry; doubles for each further one


@dataclass(frozen=True, eq=False)
class Mnist:
    """The MNIST arrays (read-only): images are uint8 grey levels 0-255, labels uint8 0-9."""

    train_images: np.ndarray  # (60000, 28, 28)
    train_labels: np.ndarray  # (60000,)
    test_images: np.ndarray  # (10000, 28, 28)
    test_labels: np.ndarray  # (10000,)
    sha256: dict[str, str]  # file name -> sha256 of its decompressed content


def resolve_data_dir(data_dir: str | None) -> Path:
    """The data directory: ``data_dir``, else $MNIST_APP_DATA, else $XDG_CACHE_HOME/mnist_app,
    else ~/.cache/mnist_app."""
    if data_dir:
        return Path(data_dir).expanduser()
    if os.environ.get(DATA_DIR_ENV):
        return Path(os.environ[DATA_DIR_ENV]).expanduser()
    cache_home = os.environ.get("XDG_CACHE_HOME", "")
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


def ensure_mnist_files(
    data_dir: str | os.PathLike,
    mirrors: Sequence[str] | None = None,
    progress: bool = False,
    settings: DownloadSettings = DownloadSettings(),
) -> dict[str, bytes]:
    """Make ``data_dir`` hold every file of :data:`FILES`, verified; return their IDX content.

    Cached files are checked, not downloaded again; missing or corrupt ones are fetched
    from ``mirrors`` (base URLs, default :data:`MIRRORS`), trying each in order. Every
    file is attempted before :class:`DownloadError` reports, one line per failed file,
    what each mirror did. ``progress`` shows a progress bar per download on stderr.
    The content is returned so that loading does not decompress the files a second time.
    """
    directory = Path(data_dir)
    downloader = None
    contents, failures = {}, []
    for name, sha256 in FILES.items():
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
                f"cannot use {directory} as the MNIST data directory: {error}"
            ) from error
    if failures:
        raise DownloadError("\n".join(failures))
    return contents


def _parse_split(
    contents: dict[str, bytes], directory: Path, images_name: str, labels_name: str
) -> tuple[np.ndarray, np.ndarray]:
    """Images (n, 28, 28) and labels (n,) of one split, checked to have the same n."""
    images = parse_images(contents[images_name], str(directory / images_name))
    labels = parse_labels(contents[labels_name], str(directory / labels_name))
    if len(images) != len(labels):
        raise IdxFormatError(
            f"{directory}: {images_name} holds {len(images)} images "
            f"but {labels_name} holds {len(labels)} labels"
        )
    return images, labels


class BadContent(Exception):
    """Bytes that are not the expected file; the message says why."""


def verified_content(body: bytes, sha256: str) -> bytes:
    """The IDX content of ``body`` (gzip or raw IDX), if its sha256 is ``sha256``."""
    if body.startswith(GZIP_MAGIC):
        try:
            content = gzip.decompress(body)
        except (OSError, EOFError, zlib.error) as error:
            raise BadContent(f"bad gzip data ({error})") from None
    elif body[:64].lstrip().startswith(b"<"):
        raise BadContent("got an HTML page instead of data")
    else:
        content = body
    actual = hashlib.sha256(content).hexdigest()
    if actual != sha256:
        raise BadContent(
            f"wrong sha256 of the content ({actual[:12]}..., expected {sha256[:12]}...)"
        )
    return content


def _cached_content(path: Path, sha256: str) -> bytes | None:
    """The verified content of the cached file ``path``, or None if it is missing or corrupt."""
    try:
        return verified_content(path.read_bytes(), sha256)
    except (FileNotFoundError, BadContent):
        return None
