"""MNIST data and downloads stay bounded whatever the data directory or a mirror holds."""

from __future__ import annotations

import gzip
import os
import zlib

import pytest

from mirror_server import listing
from mnist_app import mnist_files
from mnist_app.data import OFFLINE_HINT, ensure_mnist_files, load_mnist
from mnist_app.mnist_files import TEST_IMAGES, TRAIN_IMAGES, BadContent, DownloadSettings, gunzip
from mnist_app.errors import DownloadError
from mnist_app.limits import DOWNLOAD_DEADLINE_TIMEOUTS

FAST = DownloadSettings(timeout=0.5, retries=0, backoff=0.0)


def gzip_of_zeros(size: int) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    return compressor.compress(bytes(size)) + compressor.flush()


# gunzip: bounded, multi-member, strict about damage


def test_gunzip_stops_at_the_limit_instead_of_inflating_a_bomb():
    bomb = gzip_of_zeros(8 << 20)  # 8 KB that would inflate to 8 MB
    with pytest.raises(BadContent, match="inflates past 1,000 bytes"):
        gunzip(bomb, 1000)


def test_gunzip_reads_concatenated_members_and_ignores_trailing_zeros():
    assert gunzip(gzip.compress(b"abc") + gzip.compress(b"def") + bytes(10), 100) == b"abcdef"


@pytest.mark.parametrize("damage, message", [
    (lambda body: body[: len(body) // 2], "truncated"),
    (lambda body: body + b"garbage", "trailing garbage"),
    (lambda body: body[:10] + b"\xff" * 8 + body[18:], "bad gzip data"),
], ids=["truncated", "trailing-garbage", "corrupt"])
def test_gunzip_refuses_damaged_data(damage, message):
    body = gzip.compress(os.urandom(2000))
    with pytest.raises(BadContent, match=message):
        gunzip(damage(body), 10_000)


# The data directory: only regular files, read within their known sizes


def test_a_gzip_bomb_in_the_data_directory_is_treated_as_corrupt(fake_mnist_dir):
    (fake_mnist_dir / TEST_IMAGES).write_bytes(gzip_of_zeros(mnist_files.CONTENT_BYTES[TEST_IMAGES] + (1 << 20)))
    with pytest.raises(DownloadError, match=f"^{TEST_IMAGES}: not cached and no mirrors given$"):
        load_mnist(fake_mnist_dir, mirrors=[])


def test_a_file_larger_than_any_copy_is_not_read(fake_mnist_dir):
    with open(fake_mnist_dir / TRAIN_IMAGES, "r+b") as file:
        file.truncate(mnist_files.max_stored_bytes(TRAIN_IMAGES) + 1)  # sparse: costs no disk
    with pytest.raises(DownloadError, match=f"^{TRAIN_IMAGES}: not cached"):
        load_mnist(fake_mnist_dir, mirrors=[])


@pytest.mark.parametrize("make", [
    lambda path: os.mkfifo(path),
    lambda path: path.symlink_to("/dev/zero"),
    lambda path: path.mkdir(),
], ids=["fifo", "link-to-dev-zero", "directory"])
def test_a_special_file_in_the_data_directory_is_one_error_not_a_hang(fake_mnist_dir, make):
    path = fake_mnist_dir / TEST_IMAGES
    path.unlink()
    make(path)
    with pytest.raises(DownloadError) as error:
        load_mnist(fake_mnist_dir, mirrors=[])
    assert error.value.lines == [f"{path}: is {'a directory' if path.is_dir() else 'a FIFO (named pipe), not a regular file' if path.is_fifo() else 'a device, not a regular file'}; remove it or use another data directory"]


def test_a_data_directory_that_is_a_device_is_refused(tmp_path):
    with pytest.raises(DownloadError, match="cannot use /dev/null as the MNIST data directory: it is a device"):
        ensure_mnist_files("/dev/null", mirrors=[])


# Mirrors: a body limit and a deadline per file


def test_an_endless_body_stops_at_the_largest_copy(server, data_dir, monkeypatch):
    monkeypatch.setattr(mnist_files, "GZIP_HEADER_ALLOWANCE", 0)
    limit = mnist_files.max_stored_bytes(TRAIN_IMAGES)
    server.faults["bad"] = "zeros"
    with pytest.raises(DownloadError) as error:
        ensure_mnist_files(data_dir, [server.url("bad")], settings=FAST)
    assert f"sent more than {limit:,} bytes, more than any copy of {TRAIN_IMAGES}" in error.value.lines[0]
    assert listing(data_dir) == []  # nothing was written: bodies are verified before they are stored


def test_a_content_length_over_the_limit_fails_before_the_body(server, data_dir):
    server.faults["bad"] = "huge_length"
    with pytest.raises(DownloadError, match=r"Content-Length 1,000,000,000,000 is more than any copy"):
        ensure_mnist_files(data_dir, [server.url("bad")], settings=FAST)


def test_a_dripping_mirror_fails_at_the_deadline_and_is_skipped(server, data_dir):
    # A byte every 0.05 s is never silent for the 0.2 s timeout; the 4 x 0.2 s deadline ends it.
    settings = DownloadSettings(timeout=0.2, retries=2, backoff=0.0)
    server.faults["bad"] = "drip"
    with pytest.raises(DownloadError) as error:
        ensure_mnist_files(data_dir, [server.url("bad")], settings=settings)
    first, *others, hint = error.value.lines
    assert hint == OFFLINE_HINT
    assert "too slow: " in first and f"in {DOWNLOAD_DEADLINE_TIMEOUTS * 0.2:g} s" in first
    assert "(2 attempts)" not in first  # a deadline is not retried
    assert all("skipped, unreachable earlier in this run (too slow" in line for line in others)
    assert server.count("bad") == 1
    assert listing(data_dir) == []
