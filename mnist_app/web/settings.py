"""The web app's and the server's limits, in one place: what one request may cost and how
long a client may hold a connection without sending anything.

The defaults suit a 2-core machine serving people who draw digits and programs that post
photos: a phone photo is 2-6 MB, a canvas export a few kB.
"""

from __future__ import annotations

from dataclasses import dataclass

# --------------------------------------------------------------------- per request
# The largest request body read, decided from Content-Length before a byte is read.
MAX_BODY_BYTES = 10 * 1024 * 1024
# The most pixels an image may decode to (after JPEG's reduced-scale decoding). Requests
# are decoded concurrently, so this is lower than Pillow's 89-megapixel bomb limit: a
# 16-megapixel RGBA PNG takes 64 MB while it is read.
MAX_IMAGE_PIXELS = 4096 * 4096
# A multipart form may carry a few fields besides the image, each with short headers.
MAX_MULTIPART_PARTS = 16
MAX_PART_HEADER_BYTES = 8 * 1024

# ------------------------------------------------------------------------ server
DEFAULT_HOST = "127.0.0.1"  # this machine only; --host 0.0.0.0 to listen on every interface
DEFAULT_PORT = 8000
# Worker threads running the app. Reading an image holds the GIL most of the time, so
# more threads than cores buys little; four keep both cores busy while others do I/O.
DEFAULT_THREADS = 4
# Seconds a connection may stay idle, or sit on a partly sent request, before it is
# closed. Waitress reads requests in one I/O loop, so a stalled client never holds a
# worker thread; this bounds how long it holds a socket.
CHANNEL_TIMEOUT = 10
CLEANUP_INTERVAL = 2  # seconds between the checks for connections past CHANNEL_TIMEOUT
# Connections open at once; past it, new ones wait in the listen backlog.
CONNECTION_LIMIT = 200
# Requests waitress reads ahead on a connection while one is being answered. Above 0 it
# keeps reading, so it sees a client that has gone and tells the app through
# environ["waitress.client_disconnected"]: a training event stream then ends at once.
CHANNEL_REQUEST_LOOKAHEAD = 1


@dataclass(frozen=True)
class Limits:
    """What the app accepts in one request (bytes, pixels)."""

    max_body_bytes: int = MAX_BODY_BYTES
    max_image_pixels: int = MAX_IMAGE_PIXELS


@dataclass(frozen=True)
class ServerSettings:
    """Where and how waitress serves the app."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    threads: int = DEFAULT_THREADS
    channel_timeout: int = CHANNEL_TIMEOUT
    cleanup_interval: int = CLEANUP_INTERVAL
    connection_limit: int = CONNECTION_LIMIT

    def waitress_options(self, limits: Limits) -> dict:
        """Keyword arguments for ``waitress.create_server``."""
        return {
            "host": self.host,
            "port": self.port,
            "threads": self.threads,
            "channel_timeout": self.channel_timeout,
            "cleanup_interval": self.cleanup_interval,
            "connection_limit": self.connection_limit,
            "channel_request_lookahead": CHANNEL_REQUEST_LOOKAHEAD,
            # Waitress refuses a Content-Length >= this before reading the body; +1 makes
            # its limit the app's (the app refuses > max_body_bytes, also unread).
            "max_request_body_size": limits.max_body_bytes + 1,
            "asyncore_use_poll": True,  # select() fails past 1024 file descriptors
            "ident": "mnist-app",
            "expose_tracebacks": False,
        }
