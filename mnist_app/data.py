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
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Sequence

import numpy as np
import requests
import urllib3
from tqdm import tqdm

from mnist_app import __version__
from mnist_app.atomic import atomic_write, remove_stale_temp_files
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
USER_AGENT = f"mnist_app/{__version__} {requests.utils.default_user_agent()}"
GZIP_MAGIC = b"\x1f\x8b"
CHUNK_BYTES = 64 * 1024
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
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
    downloader = _Downloader(MIRRORS if mirrors is None else mirrors, progress, settings)
    contents, failures = {}, []
    for name, sha256 in FILES.items():
        path = directory / name
        try:
            remove_stale_temp_files(directory, name)
            content = _cached_content(path, sha256)
            contents[name] = downloader.fetch(path, sha256) if content is None else content
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


class _BadContent(Exception):
    """Bytes that are not the expected file; the message says why."""


def _verified_content(body: bytes, sha256: str) -> bytes:
    """The IDX content of ``body`` (gzip or raw IDX), if its sha256 is ``sha256``."""
    if body.startswith(GZIP_MAGIC):
        try:
            content = gzip.decompress(body)
        except (OSError, EOFError, zlib.error) as error:
            raise _BadContent(f"bad gzip data ({error})") from None
    elif body[:64].lstrip().startswith(b"<"):
        raise _BadContent("got an HTML page instead of data")
    else:
        content = body
    actual = hashlib.sha256(content).hexdigest()
    if actual != sha256:
        raise _BadContent(
            f"wrong sha256 of the content ({actual[:12]}..., expected {sha256[:12]}...)"
        )
    return content


def _cached_content(path: Path, sha256: str) -> bytes | None:
    """The verified content of the cached file ``path``, or None if it is missing or corrupt."""
    try:
        return _verified_content(path.read_bytes(), sha256)
    except (FileNotFoundError, _BadContent):
        return None


class _MirrorFailure(Exception):
    """One mirror could not deliver a file; the message says how (e.g. "HTTP 503")."""

    def __init__(self, reason: str, transient: bool = False, unreachable: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.transient = transient  # worth retrying
        self.unreachable = unreachable  # timed out or refused: skip this mirror from now on
        self.attempts = 1

    def __str__(self) -> str:
        return self.reason if self.attempts == 1 else f"{self.reason} ({self.attempts} attempts)"


class _Downloader:
    """Fetches files for one run, trying mirrors in order and remembering unreachable ones."""

    def __init__(self, mirrors: Sequence[str], progress: bool, settings: DownloadSettings):
        self.mirrors = list(mirrors)
        self.progress = progress
        self.settings = settings
        self.session = requests.Session()
        # identity: the body is then exactly the file, and its length is Content-Length.
        self.session.headers.update({"User-Agent": USER_AGENT, "Accept-Encoding": "identity"})
        self.unreachable: dict[str, str] = {}  # mirror -> what happened when it was given up on

    def fetch(self, path: Path, sha256: str) -> bytes:
        """Download ``path.name``, verify it, store it gzipped at ``path``; return its content."""
        outcomes = []
        for mirror in self.mirrors:
            if mirror in self.unreachable:
                reason = self.unreachable[mirror]
                outcomes.append(f"{mirror} -> skipped, unreachable earlier in this run ({reason})")
                continue
            try:
                return self._fetch_with_retries(_file_url(mirror, path.name), path, sha256)
            except _MirrorFailure as failure:
                outcomes.append(f"{mirror} -> {failure}")
                if failure.unreachable:
                    self.unreachable[mirror] = failure.reason
        summary = "; ".join(outcomes) or "not cached and no mirrors given"
        raise DownloadError(f"{path.name}: {summary}")

    def _fetch_with_retries(self, url: str, path: Path, sha256: str) -> bytes:
        attempts = self.settings.retries + 1
        for attempt in range(1, attempts + 1):
            try:
                return self._fetch_once(url, path, sha256)
            except _MirrorFailure as failure:
                failure.attempts = attempt
                if not failure.transient or attempt == attempts:
                    raise
            time.sleep(self.settings.backoff * 2 ** (attempt - 1))

    def _fetch_once(self, url: str, path: Path, sha256: str) -> bytes:
        with self._get(url) as response:
            try:
                with atomic_write(path) as file:
                    body = self._receive(response, file, path.name)
                    content = _verified_content(body, sha256)
                    if not body.startswith(GZIP_MAGIC):  # raw IDX: cache it gzipped like the rest
                        file.seek(0)
                        file.truncate()
                        file.write(gzip.compress(content, compresslevel=CACHE_GZIP_LEVEL, mtime=0))
            except _BadContent as error:
                raise _MirrorFailure(str(error)) from None
        return content

    def _get(self, url: str) -> requests.Response:
        """Request ``url``; return the response once its status is 200, body not yet read."""
        timeout = self.settings.timeout
        try:
            response = self.session.get(url, stream=True, timeout=(timeout, timeout))
        except requests.Timeout:
            raise _MirrorFailure(
                f"timed out after {timeout:g} s", transient=True, unreachable=True
            ) from None
        except requests.ConnectionError as error:
            raise _MirrorFailure(
                f"could not connect: {_root_cause(error)}", transient=True, unreachable=True
            ) from None
        except requests.RequestException as error:
            raise _MirrorFailure(str(error)) from None
        if response.status_code != 200:
            response.close()
            raise _MirrorFailure(
                f"HTTP {response.status_code} {response.reason}".strip(),
                transient=response.status_code in RETRY_STATUSES,
            )
        return response

    def _receive(self, response: requests.Response, file: BinaryIO, name: str) -> bytes:
        """Stream the body, exactly as sent, into ``file``; return it after checking its length."""
        length = _content_length(response)
        body = bytearray()
        with tqdm(total=length, desc=name, unit="B", unit_scale=True, unit_divisor=1024,
                  disable=not self.progress) as bar:
            try:
                for chunk in response.raw.stream(CHUNK_BYTES, decode_content=False):
                    file.write(chunk)
                    body += chunk
                    bar.update(len(chunk))
            except urllib3.exceptions.ReadTimeoutError:
                raise _MirrorFailure(
                    f"timed out after {self.settings.timeout:g} s, {len(body)} bytes in",
                    transient=True, unreachable=True,
                ) from None
            except urllib3.exceptions.HTTPError:
                raise _MirrorFailure(
                    f"connection closed after {len(body)} of {length or 'unknown'} bytes",
                    transient=True,
                ) from None
        # urllib3 2 already raises above on a short body; older versions do not.
        if length is not None and len(body) != length:
            raise _MirrorFailure(
                f"got {len(body)} bytes, Content-Length says {length}", transient=True
            )
        return bytes(body)


def _file_url(mirror: str, name: str) -> str:
    return mirror + name if mirror.endswith("/") else f"{mirror}/{name}"


def _content_length(response: requests.Response) -> int | None:
    value = response.headers.get("Content-Length", "")
    return int(value) if value.isdigit() else None


def _root_cause(error: BaseException) -> str:
    """What the innermost exception says, e.g. "Connection refused"."""
    while error.__cause__ or error.__context__:
        error = error.__cause__ or error.__context__
    return getattr(error, "strerror", None) or str(error)
