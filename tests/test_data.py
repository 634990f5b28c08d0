"""Downloading, verifying, caching and loading MNIST, against a loopback HTTP server."""

from __future__ import annotations

import argparse
import gzip
import hashlib
import re
from pathlib import Path

import numpy as np
import pytest

from fake_mnist import fake_digits, idx_bytes, write_fake_mnist, write_gzip
from mirror_server import assert_cache_matches, listing
from mnist_app import data
from mnist_app.cli import main
from mnist_app.cli.common import add_data_options, load_mnist_from_args
from mnist_app.data import (
    FILES,
    OFFLINE_HINT,
    TEST_IMAGES,
    TRAIN_IMAGES,
    TRAIN_LABELS,
    DownloadSettings,
    ensure_mnist_files,
    load_mnist,
    resolve_data_dir,
)
from mnist_app.errors import DownloadError, IdxFormatError

FAST = DownloadSettings(timeout=0.5, retries=0, backoff=0.0)
# The real MNIST's sha256 of each decompressed file, as the hashes published with it: a
# second record, so that a typo in mnist_files.FILES cannot pass as the truth.
REAL_MNIST_SHA256 = {
    "train-images-idx3-ubyte.gz": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte.gz": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte.gz": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte.gz": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}


def sha256_of_contents(directory: Path) -> dict[str, str]:
    """The sha256 of each MNIST file's decompressed content in ``directory``, computed here."""
    return {name: hashlib.sha256(gzip.decompress((directory / name).read_bytes())).hexdigest()
            for name in REAL_MNIST_SHA256}


# Downloading


@pytest.mark.parametrize("slash", ["/", ""], ids=["trailing-slash", "no-trailing-slash"])
def test_download_fetches_verifies_and_caches_every_file(server, published, data_dir, slash):
    mirror = server.url("good").rstrip("/") + slash

    contents = ensure_mnist_files(data_dir, [mirror], settings=FAST)

    assert contents == {name: gzip.decompress(body) for name, body in published.items()}
    assert listing(data_dir) == sorted(published)
    for name, body in published.items():
        assert (data_dir / name).read_bytes() == body  # a gzip is cached as served
    assert sorted(server.requests) == sorted(("good", name) for name in published)


def test_requests_carry_a_user_agent_naming_the_app(server, data_dir):
    ensure_mnist_files(data_dir, [server.url("good")], settings=FAST)
    assert len(server.user_agents) == 4
    assert all(agent.startswith("mnist_app/") for agent in server.user_agents)


FAULTS = {
    "404": "HTTP 404 Not Found",
    "503": "HTTP 503 Service Unavailable",
    "drop": r"connection closed after \d+ of \d+ bytes",
    "long-length": r"connection closed after (\d+) of (\d+) bytes",
    "corrupt": r"bad gzip data \(.+\)",
    "wrong-data": r"wrong sha256 of the content \(\w+\.\.\., expected \w+\.\.\.\)",
    "html": "got an HTML page instead of data",
    "stall-before-headers": r"timed out after 0\.5 s",
    "stall-mid-body": r"timed out after 0\.5 s, \d+ bytes in",
}


@pytest.mark.parametrize("fault", FAULTS)
def test_a_failing_mirror_falls_back_to_the_next(server, published, data_dir, fault):
    server.faults["bad"] = fault

    ensure_mnist_files(data_dir, [server.url("bad"), server.url("good")], settings=FAST)

    assert_cache_matches(data_dir, published)
    assert server.requests[:2] == [("bad", TRAIN_IMAGES), ("good", TRAIN_IMAGES)]
    assert server.count("good") == 4


@pytest.mark.parametrize("fault", FAULTS)
def test_when_every_mirror_fails_the_error_says_what_each_did(server, published, data_dir, fault):
    server.faults["bad"] = fault
    mirror = server.url("bad")

    with pytest.raises(DownloadError) as raised:
        ensure_mnist_files(data_dir, [mirror], settings=FAST)

    lines = [line for line in str(raised.value).splitlines() if line != OFFLINE_HINT]  # a stall adds it
    assert [line.split(":")[0] for line in lines] == list(published)
    assert re.fullmatch(f"{TRAIN_IMAGES}: {re.escape(mirror)} -> {FAULTS[fault]}", lines[0])
    assert listing(data_dir) == []  # no bad file under a final name, no temp file


def test_short_body_error_reports_the_content_length(server, published, data_dir):
    server.faults["bad"] = "long-length"
    with pytest.raises(DownloadError) as raised:
        ensure_mnist_files(data_dir, [server.url("bad")], settings=FAST)
    size = len(published[TRAIN_IMAGES])
    assert f"connection closed after {size} of {size + 100} bytes" in str(raised.value)


def test_a_mirror_serving_raw_idx_is_accepted_and_cached_as_gzip(server, published, data_dir):
    server.faults["raw"] = "raw"
    ensure_mnist_files(data_dir, [server.url("raw")], settings=FAST)
    assert_cache_matches(data_dir, published)


def test_transient_failures_are_retried(server, published, data_dir):
    server.faults["flaky"] = "flaky"
    settings = DownloadSettings(timeout=0.5, retries=1, backoff=0.0)

    ensure_mnist_files(data_dir, [server.url("flaky")], settings=settings)

    assert_cache_matches(data_dir, published)
    assert all(server.count("flaky", name) == 2 for name in published)


def test_retries_are_bounded_and_counted_in_the_error(server, data_dir):
    server.faults["down"] = "503"
    settings = DownloadSettings(timeout=0.5, retries=2, backoff=0.0)

    with pytest.raises(DownloadError, match=r"HTTP 503 Service Unavailable \(3 attempts\)"):
        ensure_mnist_files(data_dir, [server.url("down")], settings=settings)
    assert server.count("down", TRAIN_IMAGES) == 3


def test_permanent_failures_are_not_retried(server, published, data_dir):
    server.faults["bad"] = "html"
    settings = DownloadSettings(timeout=0.5, retries=2, backoff=0.0)

    with pytest.raises(DownloadError):
        ensure_mnist_files(data_dir, [server.url("bad")], settings=settings)
    assert all(server.count("bad", name) == 1 for name in published)


def test_a_stalled_mirror_is_skipped_for_the_remaining_files(server, data_dir):
    server.faults["stalled"] = "stall-before-headers"
    mirror = server.url("stalled")
    settings = DownloadSettings(timeout=0.5, retries=1, backoff=0.0)

    with pytest.raises(DownloadError) as raised:
        ensure_mnist_files(data_dir, [mirror], settings=settings)

    assert server.count("stalled") == 2  # two attempts at the first file, none at the others
    lines = str(raised.value).splitlines()
    assert lines[0].endswith(f"{mirror} -> timed out after 0.5 s (2 attempts)")
    skipped = f"{mirror} -> skipped, unreachable earlier in this run (timed out after 0.5 s)"
    assert all(line.endswith(skipped) for line in lines[1:-1])
    assert lines[-1] == OFFLINE_HINT  # every mirror given up on


def test_a_refused_connection_falls_back_and_is_not_tried_again(
    server, published, data_dir, refused_url
):
    settings = DownloadSettings(timeout=0.5, retries=1, backoff=0.0)
    ensure_mnist_files(data_dir, [refused_url, server.url("good")], settings=settings)
    assert_cache_matches(data_dir, published)

    with pytest.raises(DownloadError) as raised:
        ensure_mnist_files(data_dir / "other", [refused_url], settings=settings)
    lines = str(raised.value).splitlines()
    refused = rf"{TRAIN_IMAGES}: {refused_url} -> could not connect: .+ \(2 attempts\)"
    assert re.fullmatch(refused, lines[0])
    assert "skipped, unreachable earlier in this run (could not connect" in lines[1]
    assert lines[-1] == OFFLINE_HINT and len(lines) == len(FILES) + 1  # offline: how to do without


def test_no_mirrors_and_no_cache_is_a_download_error(published, data_dir):
    with pytest.raises(DownloadError, match=f"^{TRAIN_IMAGES}: not cached and no mirrors given\n"):
        ensure_mnist_files(data_dir, [], settings=FAST)


def test_progress_bars_go_to_stderr_only_when_asked(server, data_dir, capsys):
    ensure_mnist_files(data_dir / "quiet", [server.url("good")], progress=False, settings=FAST)
    assert capsys.readouterr() == ("", "")

    ensure_mnist_files(data_dir / "shown", [server.url("good")], progress=True, settings=FAST)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert TRAIN_IMAGES in captured.err and TEST_IMAGES in captured.err


# The cache


def test_cached_files_are_verified_and_used_without_the_network(
    server, published, data_dir, refused_url
):
    ensure_mnist_files(data_dir, [server.url("good")], settings=FAST)
    server.requests.clear()

    mnist = load_mnist(data_dir, [refused_url], settings=FAST)

    assert server.requests == []
    assert mnist.sha256 == sha256_of_contents(data_dir)


@pytest.mark.parametrize(
    "corrupt",
    [
        lambda body: b"not a gzip file",
        lambda body: body[: len(body) // 2],
        lambda body: gzip.compress(idx_bytes(np.zeros(3, np.uint8))),
    ],
    ids=["garbage", "truncated", "other-content"],
)
def test_a_corrupt_cached_file_is_replaced(server, published, data_dir, corrupt):
    ensure_mnist_files(data_dir, [server.url("good")], settings=FAST)
    cached = data_dir / TRAIN_LABELS
    cached.write_bytes(corrupt(cached.read_bytes()))
    server.requests.clear()

    ensure_mnist_files(data_dir, [server.url("good")], settings=FAST)

    assert server.requests == [("good", TRAIN_LABELS)]
    assert_cache_matches(data_dir, published)


def test_a_stale_temp_file_is_removed_by_the_next_run(fake_mnist_dir):
    stale = fake_mnist_dir / f".{TRAIN_IMAGES}.k3j2h1.part"
    stale.write_bytes(b"half a download")
    load_mnist(fake_mnist_dir, mirrors=[])
    assert not stale.exists()


def test_a_data_dir_that_cannot_be_used_is_a_download_error(tmp_path):
    not_a_directory = tmp_path / "file"
    not_a_directory.write_text("")
    message = f"^cannot use {re.escape(str(not_a_directory))} as the MNIST data directory"
    with pytest.raises(DownloadError, match=message):
        ensure_mnist_files(not_a_directory, mirrors=[], settings=FAST)


# Loading


def test_load_mnist_returns_uint8_arrays_of_the_right_shapes(fake_mnist_dir):
    mnist = load_mnist(fake_mnist_dir, mirrors=[])

    images, labels = fake_digits(1000, seed=0)
    np.testing.assert_array_equal(mnist.train_images, images)
    np.testing.assert_array_equal(mnist.train_labels, labels)
    assert mnist.test_images.shape == (200, 28, 28) and mnist.test_labels.shape == (200,)
    arrays = (mnist.train_images, mnist.train_labels, mnist.test_images, mnist.test_labels)
    assert all(array.dtype == np.uint8 for array in arrays)
    assert mnist.sha256 == sha256_of_contents(fake_mnist_dir)


def replace_train_labels(directory: Path, labels: np.ndarray, monkeypatch) -> None:
    """Overwrite the cached training labels and make FILES accept the new file."""
    sha256 = write_gzip(directory / TRAIN_LABELS, idx_bytes(labels))
    monkeypatch.setitem(data.FILES, TRAIN_LABELS, sha256)


def test_load_mnist_rejects_images_and_labels_of_different_counts(fake_mnist_dir, monkeypatch):
    replace_train_labels(fake_mnist_dir, np.zeros(999, np.uint8), monkeypatch)

    message = f"{TRAIN_IMAGES} holds 1000 images but {TRAIN_LABELS} holds 999 labels"
    with pytest.raises(IdxFormatError, match=message):
        load_mnist(fake_mnist_dir, mirrors=[])


def test_load_mnist_names_the_file_that_is_malformed(fake_mnist_dir, monkeypatch):
    replace_train_labels(fake_mnist_dir, np.full(1000, 10, np.uint8), monkeypatch)

    message = f"{fake_mnist_dir / TRAIN_LABELS}: label 10 at index 0 is not a digit 0-9"
    with pytest.raises(IdxFormatError, match=re.escape(message)):
        load_mnist(fake_mnist_dir, mirrors=[])


def test_the_real_mnist_copy_matches_the_built_in_hashes():
    """On the real MNIST where the app would look for it ($MNIST_APP_DATA, else the cache)."""
    directory = resolve_data_dir(None)
    if not all((directory / name).is_file() for name in REAL_MNIST_SHA256):
        pytest.skip(f"no copy of the real MNIST files in {directory} (set MNIST_APP_DATA to run this)")

    mnist = load_mnist(directory, mirrors=[])

    assert mnist.train_images.shape == (60000, 28, 28) and mnist.train_labels.shape == (60000,)
    assert mnist.test_images.shape == (10000, 28, 28) and mnist.test_labels.shape == (10000,)
    assert mnist.sha256 == sha256_of_contents(directory) == REAL_MNIST_SHA256 == data.FILES
    assert np.bincount(mnist.test_labels).tolist()[:2] == [980, 1135]  # the well-known class counts


# The data directory


@pytest.mark.parametrize(
    "argument, env, expected",
    [
        ("~/given", {"MNIST_APP_DATA": "/env", "XDG_CACHE_HOME": "/xdg"}, Path.home() / "given"),
        (None, {"MNIST_APP_DATA": "/env", "XDG_CACHE_HOME": "/xdg"}, Path("/env")),
        (None, {"XDG_CACHE_HOME": "/xdg"}, Path("/xdg/mnist_app")),
        (None, {"XDG_CACHE_HOME": "relative/ignored"}, Path.home() / ".cache" / "mnist_app"),
        (None, {}, Path.home() / ".cache" / "mnist_app"),
    ],
    ids=["argument", "env", "xdg", "relative-xdg", "home"],
)
def test_resolve_data_dir_precedence(monkeypatch, argument, env, expected):
    monkeypatch.delenv("MNIST_APP_DATA", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert resolve_data_dir(argument) == expected


# The command line


def test_cli_download_prints_where_the_files_are(server, published, data_dir, capsys):
    argv = ["download", "--data-dir", str(data_dir), "--mirror", server.url("good"), "--quiet"]
    code = main(argv)

    assert code == 0
    assert capsys.readouterr() == (f"4 MNIST files verified in {data_dir}\n", "")
    assert_cache_matches(data_dir, published)


def test_cli_download_failure_is_one_line_and_exit_1(server, data_dir, capsys):
    server.faults[("bad", TEST_IMAGES)] = "404"
    mirror = server.url("bad")

    code = main(["download", "--data-dir", str(data_dir), "--mirror", mirror, "--timeout", "0.5"])

    assert code == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"mnist-app: error: {TEST_IMAGES}: {mirror} -> HTTP 404 Not Found\n"
    assert TEST_IMAGES not in listing(data_dir)


def test_cli_reports_every_failed_file_without_a_traceback(server, data_dir, capsys):
    server.faults["bad"] = "404"
    code = main(["download", "--data-dir", str(data_dir), "--mirror", server.url("bad")])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("mnist-app: error: ") and len(err.splitlines()) == 4
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "option", [["--mirror", "ftp://example.org/"], ["--timeout", "0"], ["--timeout", "soon"],
               ["--timeout", "inf"], ["--timeout", "nan"]]
)
def test_cli_rejects_bad_data_options_as_usage_errors(option, capsys):
    assert main(["download", *option]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"mnist-app: error: argument {option[0]}: ") and err.count("\n") == 1


def test_load_mnist_from_args_finds_the_data_dir_in_the_environment(fake_mnist_dir, monkeypatch):
    monkeypatch.setenv("MNIST_APP_DATA", str(fake_mnist_dir))
    parser = argparse.ArgumentParser()
    add_data_options(parser)

    mnist = load_mnist_from_args(parser.parse_args(["--mirror", "http://127.0.0.1:9/"]))

    assert mnist.train_images.shape == (1000, 28, 28)


# The fake dataset the end-to-end tests train on


def test_fake_mnist_is_balanced_deterministic_and_learnable(tmp_path):
    first = write_fake_mnist(tmp_path / "a", n_train=50, n_test=10, seed=0)
    assert write_fake_mnist(tmp_path / "b", n_train=50, n_test=10, seed=0) == first
    assert write_fake_mnist(tmp_path / "c", n_train=50, n_test=10, seed=1) != first

    images, labels = fake_digits(1000, seed=0)
    test_images, test_labels = fake_digits(200, seed=1)
    assert np.bincount(labels).tolist() == [100] * 10
    # A nearest-class-mean classifier already separates the classes on unseen images.
    means = np.stack([images[labels == digit].mean(axis=0) for digit in range(10)])
    distances = ((test_images[:, None].astype(float) - means) ** 2).sum(axis=(2, 3))
    assert (distances.argmin(axis=1) == test_labels).mean() > 0.9
