"""A loopback HTTP server playing MNIST mirrors with faults, and the fixtures that start it."""

from __future__ import annotations

import gzip
import os
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from fake_mnist import idx_bytes, write_fake_mnist
from mnist_app import data

HTML_PAGE = b"<!DOCTYPE html>\n<html><body><h1>Service temporarily unavailable</h1></body></html>\n"
DRIP_SECONDS = 0.05  # the "drip" fault sends one byte this often


class MirrorHandler(BaseHTTPRequestHandler):
    """Serves GET /<mirror>/<file name> with the fault the server sets for that mirror or file."""

    server: "MirrorServer"

    def do_GET(self):
        _, mirror, name = self.path.split("/", 2)
        self.server.requests.append((mirror, name))
        self.server.user_agents.append(self.headers["User-Agent"])
        body = self.server.bodies.get(name)
        if body is None:
            self.send_error(404)
            return
        fault = self.server.faults.get((mirror, name), self.server.faults.get(mirror, "ok"))
        getattr(self, "serve_" + fault.replace("-", "_"))(body)

    def send(self, body: bytes, content_type="application/octet-stream", length: int | None = None):
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        self.wfile.write(body)

    def serve_ok(self, body):
        self.send(body)

    def serve_raw(self, body):
        self.send(gzip.decompress(body))

    def serve_404(self, body):
        self.send_error(404)

    def serve_503(self, body):
        self.send_error(503)

    def serve_flaky(self, body):
        """503 on the first request for a path, then the file."""
        path = tuple(self.path.split("/")[1:])
        if self.server.requests.count(path) == 1:
            self.send_error(503)
        else:
            self.send(body)

    def serve_drop(self, body):
        self.send(body[: len(body) // 2], length=len(body))

    def serve_long_length(self, body):
        self.send(body, length=len(body) + 100)

    def serve_corrupt(self, body):
        middle = len(body) // 2
        self.send(body[:middle] + bytes([body[middle] ^ 0xFF]) + body[middle + 1 :])

    def serve_wrong_data(self, body):
        self.send(gzip.compress(idx_bytes(np.zeros(3, np.uint8))))

    def serve_html(self, body):
        self.send(HTML_PAGE, content_type="text/html")

    def serve_stall_before_headers(self, body):
        self.server.release.wait(10)

    def serve_stall_mid_body(self, body):
        self.send(body[: len(body) // 2], length=len(body))
        self.wfile.flush()
        self.server.release.wait(10)

    def serve_zeros(self, body):
        """Zeros with no Content-Length, until the client hangs up (or 64 MiB)."""
        self.send_response(200)
        self.send_header("Connection", "close")
        self.end_headers()
        for _ in range(1024):
            self.wfile.write(bytes(1 << 16))

    def serve_huge_length(self, body):
        self.send(b"", length=10**12)

    def serve_drip(self, body):
        """One byte every DRIP_SECONDS: never silent for long, never done."""
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        for byte in body:
            if self.server.release.is_set():
                return
            self.wfile.write(bytes([byte]))
            self.wfile.flush()
            time.sleep(DRIP_SECONDS)

    def log_message(self, format, *args):
        pass


class MirrorServer(ThreadingHTTPServer):
    """Loopback server playing any number of mirrors of the same files, each with its own faults."""

    def __init__(self, bodies: dict[str, bytes]):
        super().__init__(("127.0.0.1", 0), MirrorHandler)
        self.bodies = bodies
        self.faults: dict = {}  # mirror or (mirror, file name) -> fault, e.g. "503"
        self.requests: list[tuple[str, str]] = []  # (mirror, file name) of every GET
        self.user_agents: list[str] = []
        self.release = threading.Event()  # ends the stalls

    def url(self, mirror: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/{mirror}/"

    def count(self, mirror: str, name: str | None = None) -> int:
        return sum(m == mirror and name in (None, n) for m, n in self.requests)


@pytest.fixture(scope="session")
def published_files(tmp_path_factory) -> tuple[dict[str, str], dict[str, bytes]]:
    directory = tmp_path_factory.mktemp("published")
    hashes = write_fake_mnist(directory, n_train=30, n_test=10, seed=1)
    return hashes, {name: (directory / name).read_bytes() for name in hashes}


@pytest.fixture
def published(published_files, monkeypatch) -> dict[str, bytes]:
    """A tiny fake MNIST, as the gzip bytes the mirrors serve; FILES is patched to its hashes."""
    hashes, bodies = published_files
    monkeypatch.setattr(data, "FILES", hashes)
    return bodies


@pytest.fixture
def server(published):
    mirrors = MirrorServer(published)
    threading.Thread(target=mirrors.serve_forever, args=(0.02,), daemon=True).start()
    yield mirrors
    mirrors.release.set()
    mirrors.shutdown()
    mirrors.server_close()


@pytest.fixture
def refused_url() -> str:
    """A loopback URL on which nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


@pytest.fixture
def data_dir(tmp_path) -> Path:
    return tmp_path / "data"


def listing(directory: Path) -> list[str]:
    """Every entry of ``directory``, hidden temp files included; [] if it does not exist."""
    return sorted(os.listdir(directory)) if directory.exists() else []


def assert_cache_matches(directory: Path, published: dict[str, bytes]) -> None:
    """The cache holds exactly the four files, each decompressing to the published content."""
    assert listing(directory) == sorted(published)
    for name, body in published.items():
        assert gzip.decompress((directory / name).read_bytes()) == gzip.decompress(body)
