"""MNIST on disk: find the data directory, download and verify the four files, load arrays.

The data directory holds the four files under their ``.gz`` names, always gzip. A file
is trusted only if the sha256 of its *decompressed* content matches :data:`FILES`, so
the official gzips, a re-compressed copy and a mirror serving raw IDX are all accepted.
Downloads go to a temporary file that is renamed into place only after that check.

Every read is bounded by the file's known size (:data:`CONTENT_BYTES`): a cached file or
a mirror's body larger than any copy of it can be, or a gzip that inflates past it, is
refused without reading further. Only regular files are read: a FIFO or a device in the
data directory is an error, not a hang.
"""

from __future__ import annotations

import hashlib
import os
import stat
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from mnist_app.atomic import remove_stale_temp_files
from mnist_app.errors import DownloadError, IdxFormatError
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

# File name -> bytes of its decompressed IDX content: the most any copy may inflate to.
CONTENT_BYTES = {
    TRAIN_IMAGES: 47_040_016,  # 16-byte header + 60000 x 28 x 28
    TRAIN_LABELS: 60_008,  # 8-byte header + 60000
    TEST_IMAGES: 7_840_016,
    TEST_LABELS: 10_008,
}
# A stored copy (gzip or raw IDX) is at most its content plus deflate's worst-case growth
# (5 bytes per 16 KiB stored block, under 1/1000) plus room for gzip's optional header fields.
GZIP_HEADER_ALLOWANCE = 2 << 20

DATA_DIR_ENV = "MNIST_APP_DATA"
GZIP_MAGIC = b"\x1f\x8b"
CACHE_GZIP_LEVEL = 6  # the gzip tool's default; level 9 takes 10x longer on MNIST for 2% less


@dataclass(frozen=True)
class DownloadSettings:
    """How patiently to download.

    With the defaults, one stalled mirror costs 3 x 15 s + 1 s + 2 s = 48 s before it is
    given up on, and one that trickles data 4 x 15 s = 60 s (see
    mnist_app.limits.DOWNLOAD_DEADLINE_TIMEOUTS); it is then skipped for the rest of the run.
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
    _check_data_dir(directory)
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
                f"cannot use {directory} as the MNIST data directory: {describe_oserror(error)}"
            ) from error
    if failures:
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


class BadContent(Exception):
    """Bytes that are not the expected file; the message says why."""


def max_stored_bytes(name: str) -> int:
    """The largest a cached file or a mirror's body for the MNIST file ``name`` can be."""
    content = CONTENT_BYTES[name]
    return content + content // 1000 + GZIP_HEADER_ALLOWANCE


def verified_content(body: bytes, sha256: str, name: str) -> bytes:
    """The IDX content of ``body`` (gzip or raw IDX) of the MNIST file ``name``, if its
    sha256 is ``sha256``. A gzip is inflated only up to the file's known size."""
    limit = CONTENT_BYTES[name]
    if body.startswith(GZIP_MAGIC):
        content = gunzip(body, limit)
    elif body[:64].lstrip().startswith(b"<"):
        raise BadContent("got an HTML page instead of data")
    elif len(body) > limit:
        raise BadContent(f"{len(body):,} bytes, more than {name} holds ({limit:,})")
    else:
        content = body
    actual = hashlib.sha256(content).hexdigest()
    if actual != sha256:
        raise BadContent(
            f"wrong sha256 of the content ({actual[:12]}..., expected {sha256[:12]}...)"
        )
    return content


def gunzip(body: bytes, limit: int) -> bytes:
    """The decompressed gzip ``body`` (one or more members), if it is at most ``limit``
    bytes; BadContent if it is more (a gzip bomb stops there), damaged or truncated."""
    content, rest = bytearray(), body
    while rest.startswith(GZIP_MAGIC):
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        try:
            content += inflater.decompress(rest, limit + 1 - len(content))
        except zlib.error as error:
            raise BadContent(f"bad gzip data ({error})") from None
        if len(content) > limit:
            raise BadContent(f"bad gzip data (inflates past {limit:,} bytes)")
        if not inflater.eof:
            raise BadContent("bad gzip data (truncated)")
        rest = inflater.unused_data
    if rest.strip(b"\0"):  # gzip(1) ignores trailing zeros, and so do we; anything else is damage
        raise BadContent(f"bad gzip data ({len(rest)} bytes of trailing garbage)")
    return bytes(content)


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
