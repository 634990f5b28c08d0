"""The web app's and the server's limits, in one place: what one request may cost, how long
a client may take to send it, and how much of the answer it may leave unread. Each bound
says what it costs. The bounds on images themselves (bytes, pixels, decoded memory) are
:mod:`mnist_app.limits`', the same for uploads as for files.

The defaults suit a 2-core machine serving people who draw digits and programs that post
photos: a phone photo is 2-6 MB, a canvas export a few kB.
"""

from __future__ import annotations

from dataclasses import dataclass

# --------------------------------------------------------------------- per request
# The largest request body read, decided from Content-Length before a byte is read. A
# request being received holds its body in memory up to 512 KB, then in a temporary file,
# so CONNECTION_LIMIT slow uploads can hold CONNECTION_LIMIT x 10 MB of temporary files.
MAX_BODY_BYTES = 10 * 1024 * 1024
# The request line and headers together. A browser sends 1-4 kB; each connection holds
# what it has sent of them in memory: CONNECTION_LIMIT x 64 kB at most.
MAX_HEADER_BYTES = 64 * 1024
# One header value the app parses (Content-Type, a form part's Content-Disposition).
# Parameter parsing (the standard library's email package) is quadratic in the worst case:
# measured 1 ms at 1,024 characters, 0.12 s at 8,192, 0.46 s at 16,384. A boundary is at
# most 70 characters and a file name 255 bytes, so this refuses no real upload.
MAX_HEADER_VALUE_CHARS = 1024
# A multipart form may carry a few fields besides the image, each with short headers.
MAX_MULTIPART_PARTS = 16
MAX_PART_HEADER_BYTES = 8 * 1024
# Seconds a worker process may take to preprocess one image before it is killed and the
# image refused. The largest image within mnist_app.limits takes about 2 s on one core.
PREPROCESS_SECONDS = 30
# A /report build that failed is not tried again for this many seconds (each try reads
# and verifies 55 MB and may compute for seconds): at most one try per minute, and a
# `mnist-app download` in the meantime is picked up within a minute, without a restart.
REPORT_RETRY_SECONDS = 60

# ------------------------------------------------------------------------ server
DEFAULT_HOST = "127.0.0.1"  # this machine only; --host 0.0.0.0 to listen on every interface
DEFAULT_PORT = 8000
# Worker threads running the app. Reading an image holds the GIL most of the time, so
# more threads than cores buys little; four keep both cores busy while others do I/O.
DEFAULT_THREADS = 4
# Seconds a connection may stay idle between requests before it is closed.
CHANNEL_TIMEOUT = 10
# Seconds a client has to send a whole request, headers and body, from its first byte,
# however it trickles them: a 10 MB upload needs 350 kB/s (2.8 Mbit/s), a 3 MB phone
# photo 100 kB/s. Longer would let clients that drip a byte at a time hold connections
# longer; the app's answer, once the request is in, has no deadline (a stream may last).
REQUEST_SECONDS = 30
CLEANUP_INTERVAL = 2  # seconds between the checks of these two deadlines
# Connections open at once. When all are taken, the connection that has waited longest
# without a request being answered (idle, or still sending its request) is closed to make
# room, so that trickling clients never lock new ones out. Each costs a file descriptor,
# a few kB, and what it has sent (MAX_HEADER_BYTES, MAX_BODY_BYTES above).
CONNECTION_LIMIT = 200
# Requests waitress reads ahead on a connection while one is being answered. Above 0 it
# keeps reading, so it sees a client that has gone and tells the app through
# environ["waitress.client_disconnected"]: a training event stream then ends at once.
CHANNEL_REQUEST_LOOKAHEAD = 1
# Bytes of answers a connection may leave unread. A client that pipelines requests and
# does not read the answers is disconnected when its unread answers pass this, instead of
# holding a worker thread until it reads: the largest single answer (the report, 224 kB)
# is always sent whole. At most CONNECTION_LIMIT x (1 MB + one answer) wait in memory.
MAX_UNSENT_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """What the app accepts in one request (bytes)."""

    max_body_bytes: int = MAX_BODY_BYTES


@dataclass(frozen=True)
class ServerSettings:
    """Where and how waitress serves the app (seconds, bytes, counts)."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    threads: int = DEFAULT_THREADS
    channel_timeout: int = CHANNEL_TIMEOUT
    request_seconds: float = REQUEST_SECONDS
    cleanup_interval: int = CLEANUP_INTERVAL
    connection_limit: int = CONNECTION_LIMIT
    max_unsent_bytes: int = MAX_UNSENT_BYTES

    def waitress_options(self, limits: Limits) -> dict:
        """Keyword arguments for waitress's ``Adjustments`` (``request_seconds`` is enforced
        by :mod:`mnist_app.web.server`, which waitress has no option for)."""
        return {
            "host": self.host,
            "port": self.port,
            "threads": self.threads,
            "channel_timeout": self.channel_timeout,
            "cleanup_interval": self.cleanup_interval,
            "connection_limit": self.connection_limit,
            "channel_request_lookahead": CHANNEL_REQUEST_LOOKAHEAD,
            "outbuf_high_watermark": self.max_unsent_bytes,
            "max_request_header_size": MAX_HEADER_BYTES,
            # Waitress refuses a Content-Length >= this before reading the body; +1 makes
            # its limit the app's, and it answers as the app does (mnist_app.web.server).
            "max_request_body_size": limits.max_body_bytes + 1,
            "asyncore_use_poll": True,  # select() fails past 1024 file descriptors
            "ident": "mnist-app",
            "expose_tracebacks": False,
        }
