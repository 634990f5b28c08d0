"""Fetch one MNIST file over HTTP: mirrors in order, timeouts, retries, verification.

Used by :func:`mnist_app.data.ensure_mnist_files` for the files that are missing or
corrupt in the data directory; importing this module (and requests) is left until then.
"""

from __future__ import annotations

import gzip
import time
from pathlib import Path
from typing import BinaryIO, Sequence

import requests
import urllib3  # installed with requests; its exceptions say how a streamed body broke off
from tqdm import tqdm

from mnist_app import __version__
from mnist_app.atomic import atomic_write
from mnist_app.data import CACHE_GZIP_LEVEL, GZIP_MAGIC, BadContent, DownloadSettings, verified_content
from mnist_app.errors import DownloadError

USER_AGENT = f"mnist_app/{__version__} {requests.utils.default_user_agent()}"
CHUNK_BYTES = 64 * 1024
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


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


class Downloader:
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
                    content = verified_content(body, sha256)
                    if not body.startswith(GZIP_MAGIC):  # raw IDX: cache it gzipped like the rest
                        file.seek(0)
                        file.truncate()
                        file.write(gzip.compress(content, compresslevel=CACHE_GZIP_LEVEL, mtime=0))
            except BadContent as error:
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
