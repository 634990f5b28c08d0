"""Fetch one MNIST file over HTTP: mirrors in order, timeouts, retries, verification.

Used by :func:`mnist_app.data.ensure_mnist_files` for the files that are missing or
corrupt in the data directory; importing this module (and requests) is left until then.

Three bounds hold whatever a mirror does: ``timeout`` between two received bytes, a
deadline of DOWNLOAD_DEADLINE_TIMEOUTS x ``timeout`` for the whole file (so a mirror that
trickles one byte at a time fails as surely as a silent one), and the file's largest
possible size for the body (so an endless or inflating body stops there). The body is
kept in memory and written to the data directory only once it is verified.
"""

from __future__ import annotations

import gzip
import threading
import time
from pathlib import Path
from typing import Iterator, Sequence

import requests
import urllib3  # installed with requests; its exceptions say how a streamed body broke off
from tqdm import tqdm

from mnist_app import __version__
from mnist_app.atomic import atomic_write
from mnist_app.errors import DownloadError
from mnist_app.limits import DOWNLOAD_DEADLINE_TIMEOUTS
from mnist_app.mnist_files import (
    CACHE_GZIP_LEVEL,
    GZIP_MAGIC,
    BadContent,
    DownloadSettings,
    max_stored_bytes,
    verified_content,
)

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
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _fetch_once(self, url: str, path: Path, sha256: str) -> bytes:
        body = self._receive_before_deadline(url, path.name)
        try:
            content = verified_content(body, sha256, path.name)
        except BadContent as error:
            raise _MirrorFailure(str(error)) from None
        # raw IDX is cached gzipped like the rest
        stored = body if body.startswith(GZIP_MAGIC) else gzip.compress(content, CACHE_GZIP_LEVEL, mtime=0)
        with atomic_write(path) as file:
            file.write(stored)
        return content

    def _receive_before_deadline(self, url: str, name: str) -> bytes:
        """The body of ``url``, received by a worker thread that is given up on at the
        deadline: a blocking read cannot be interrupted otherwise."""
        deadline = DOWNLOAD_DEADLINE_TIMEOUTS * self.settings.timeout
        transfer = _Transfer()
        worker = threading.Thread(target=self._attempt, args=(url, name, transfer), daemon=True,
                                  name=f"download {name}")
        worker.start()
        worker.join(deadline)
        if worker.is_alive():
            transfer.abandon()
            raise _MirrorFailure(
                f"too slow: {transfer.received:,} bytes in {deadline:g} s "
                f"({DOWNLOAD_DEADLINE_TIMEOUTS} x the {self.settings.timeout:g} s timeout)",
                unreachable=True,
            )
        return transfer.outcome()

    def _attempt(self, url: str, name: str, transfer: "_Transfer") -> None:
        """Request ``url`` and receive its body into ``transfer`` (run in a worker thread)."""
        try:
            with self._get(url) as response:
                transfer.response = response
                transfer.body = self._receive(response, name, transfer)
        except BaseException as error:  # handed to the waiting thread by transfer.outcome()
            transfer.failure = error

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

    def _receive(self, response: requests.Response, name: str, transfer: "_Transfer") -> bytes:
        """The body, exactly as sent, after checking its length against Content-Length and
        against the largest copy of ``name`` there can be."""
        length, limit = _content_length(response), max_stored_bytes(name)
        if length is not None and length > limit:
            raise _MirrorFailure(f"Content-Length {length:,} is more than any copy of {name} ({limit:,} bytes)")
        body = bytearray()
        with tqdm(total=length, desc=name, unit="B", unit_scale=True, unit_divisor=1024,
                  disable=not self.progress) as bar:
            try:
                for chunk in _chunks(response.raw):
                    if transfer.abandoned:
                        break
                    body += chunk
                    transfer.received = len(body)
                    bar.update(len(chunk))
                    if len(body) > limit:
                        raise _MirrorFailure(f"sent more than {limit:,} bytes, more than any copy of {name}")
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


class _Transfer:
    """What one download attempt, run in a worker thread, has got so far."""

    def __init__(self) -> None:
        self.received = 0  # bytes of the body so far
        self.abandoned = False
        self.response: requests.Response | None = None
        self.body: bytes | None = None
        self.failure: BaseException | None = None

    def abandon(self) -> None:
        """Stop caring about this attempt, and wake the worker if it is blocked reading."""
        self.abandoned = True
        if self.response is not None:
            shutdown = getattr(self.response.raw, "shutdown", None)  # urllib3 >= 2.3
            try:
                shutdown() if shutdown else self.response.close()
            except Exception:  # the connection may already be gone; the worker ends either way
                pass

    def outcome(self) -> bytes:
        """The body, or the failure of the attempt raised again in the waiting thread."""
        if self.failure is not None:
            raise self.failure
        if self.body is None:
            raise AssertionError("unreachable: a finished attempt has a body or a failure")
        return self.body


def _chunks(raw) -> Iterator[bytes]:
    """The body exactly as sent, in pieces of up to CHUNK_BYTES as they arrive (read1), so
    that a slow mirror's progress is counted byte by byte; urllib3 < 2.3 has only stream()."""
    if not hasattr(raw, "read1"):
        yield from raw.stream(CHUNK_BYTES, decode_content=False)
        return
    while chunk := raw.read1(CHUNK_BYTES, decode_content=False):
        yield chunk


def _file_url(mirror: str, name: str) -> str:
    return mirror + name if mirror.endswith("/") else f"{mirror}/{name}"


def _content_length(response: requests.Response) -> int | None:
    value = response.headers.get("Content-Length", "")
    return int(value) if value.isdigit() else None


def _root_cause(error: BaseException) -> str:
    """What the innermost exception says, e.g. "Connection refused"."""
    while (inner := error.__cause__ or error.__context__) is not None:
        error = inner
    return getattr(error, "strerror", None) or str(error)
