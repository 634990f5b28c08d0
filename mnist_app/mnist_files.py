"""The four MNIST files: their names, where and how patiently to get them, their sizes, and
how to verify one.

A file is trusted only if the sha256 of its *decompressed* content matches :data:`FILES`,
so the official gzips, a re-compressed copy and a mirror serving raw IDX are all accepted.
Every check is bounded by the file's known size (:data:`CONTENT_BYTES`): a body larger
than any copy of it can be, or a gzip that inflates past it, is refused without reading
further. Both the cache (:mod:`mnist_app.data`) and the downloader
(:mod:`mnist_app.download`) verify with this module; it imports neither.
"""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass

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
GZIP_MAGIC = b"\x1f\x8b"
CACHE_GZIP_LEVEL = 6  # the gzip tool's default; level 9 takes 10x longer on MNIST for 2% less


@dataclass(frozen=True)
class DownloadSettings:
    """How patiently to download. (It lives here, beside the mirrors, rather than with the
    downloader, so that commands which find the files cached never import requests.)

    With the defaults, one stalled mirror costs 3 x 15 s + 1 s + 2 s = 48 s before it is
    given up on, and one that trickles data 4 x 15 s = 60 s (see
    mnist_app.limits.DOWNLOAD_DEADLINE_TIMEOUTS); it is then skipped for the rest of the run.
    """

    timeout: float = 15.0  # seconds allowed to connect, and between two received bytes
    retries: int = 2  # extra attempts per file and mirror after a transient failure
    backoff: float = 1.0  # seconds before the first retry; doubles for each further one


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
