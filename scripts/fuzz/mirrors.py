"""A hostile MNIST mirror on 127.0.0.1: each URL prefix misbehaves in its own way.

    http://127.0.0.1:PORT/<mode>/<file name>

Modes: ``good`` (the real file, if the harness has real MNIST), ``404``, ``html``,
``zeros`` (endless zeros, no Content-Length), ``zeros-length`` (zeros under a 10 GB
Content-Length), ``bomb`` (a gzip of 2 GB of zeros), ``drip`` (one byte every 2 s), ``drip-fast`` (every 0.5 s),
``header-drip`` (the headers one byte every 2 s), ``short`` and ``long`` (a Content-Length
that lies), ``silent`` (accepts and never answers), ``redirect-loop``, ``many-headers``,
``chunked-zeros``, ``labels`` (the labels file whatever is asked).
"""

from __future__ import annotations

import functools
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

DRIP_SECONDS = 2.0
FAST_DRIP_SECONDS = 0.5
STREAM_CAP = 2 << 30  # no endless body goes past 2 GB, whatever the client does


@functools.cache
def gzip_bomb(decompressed: int = 2 << 30) -> bytes:
    """A gzip file of ``decompressed`` zero bytes (about 2 MB for 2 GB)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(1 << 24)
    parts = [compressor.compress(block) for _ in range(decompressed // len(block))]
    return b"".join(parts) + compressor.flush()


class HostileHandler(BaseHTTPRequestHandler):
    server: "HostileMirror"
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet
        pass

    def do_GET(self):
        try:
            _, mode, name = self.path.split("/", 2)
        except ValueError:
            mode, name = "404", ""
        handler = getattr(self, "serve_" + mode.replace("-", "_"), None)
        try:
            (handler or self.serve_404)(name)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _headers(self, length: int | None, content_type="application/octet-stream", extra=()):
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        if length is not None:
            self.send_header("Content-Length", str(length))
        for key, value in extra:
            self.send_header(key, value)
        self.send_header("Connection", "close")
        self.end_headers()

    def _stream_zeros(self):
        block = bytes(1 << 16)
        for _ in range(STREAM_CAP // len(block)):
            self.wfile.write(block)

    def serve_404(self, name):
        self.send_error(404)

    def serve_good(self, name):
        path = self.server.mnist_dir / name if self.server.mnist_dir else None
        if not path or not path.is_file():
            return self.serve_404(name)
        body = path.read_bytes()
        self._headers(len(body))
        self.wfile.write(body)

    def serve_labels(self, name):
        self.serve_good("t10k-labels-idx1-ubyte.gz")

    def serve_html(self, name):
        body = b"<!DOCTYPE html><html><body>Please log in</body></html>\n"
        self._headers(len(body), "text/html")
        self.wfile.write(body)

    def serve_zeros(self, name):
        self._headers(None)
        self._stream_zeros()

    def serve_zeros_length(self, name):
        self._headers(10 << 30)
        self._stream_zeros()

    def serve_chunked_zeros(self, name):
        self._headers(None, extra=[("Transfer-Encoding", "chunked")])
        chunk = b"10000\r\n" + bytes(1 << 16) + b"\r\n"
        for _ in range(STREAM_CAP >> 16):
            self.wfile.write(chunk)

    def serve_bomb(self, name):
        body = gzip_bomb()
        self._headers(len(body))
        self.wfile.write(body)

    def serve_drip(self, name, interval=DRIP_SECONDS):
        self._headers(1 << 20)
        for _ in range(1 << 20):
            self.wfile.write(b"\0")
            self.wfile.flush()
            time.sleep(interval)

    def serve_drip_fast(self, name):
        self.serve_drip(name, FAST_DRIP_SECONDS)

    def serve_header_drip(self, name):
        for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 100000:
            self.wfile.write(bytes([byte]))
            self.wfile.flush()
            time.sleep(DRIP_SECONDS)

    def serve_short(self, name):
        self._headers(1 << 20)
        self.wfile.write(bytes(1000))

    def serve_long(self, name):
        self._headers(10)
        self.wfile.write(bytes(1 << 20))

    def serve_silent(self, name):
        time.sleep(3600)

    def serve_redirect_loop(self, name):
        self.send_response(302)
        self.send_header("Location", self.path)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def serve_many_headers(self, name):
        self.send_response(200)
        for i in range(10000):
            self.send_header(f"X-{i}", "x")
        self.end_headers()


class HostileMirror(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, mnist_dir: Path | None):
        super().__init__(("127.0.0.1", 0), HostileHandler)
        self.mnist_dir = mnist_dir
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def handle_error(self, request, client_address):  # a client hanging up is expected here
        pass

    def url(self, mode: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/{mode}/"
