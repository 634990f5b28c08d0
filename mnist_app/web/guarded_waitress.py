"""Waitress, with the guards its options cannot express.

Waitress's options (set in :mod:`mnist_app.web.settings`) bound sizes and idle time. What
they cannot say is added here by subclassing its connection (``HTTPChannel``), its TCP
server (``TcpWSGIServer``) and its error answer (``ErrorTask``); waitress has no option
for any of these, and ``waitress.create_server`` always builds its own classes, so
:func:`create_server` builds the same objects with ours.

- **A deadline for the whole request.** Waitress's ``channel_timeout`` counts idle time
  only, so a client that drips a header line or a body byte every few seconds keeps its
  connection for ever. Here a request must arrive, headers and body, within
  ``request_seconds`` of its first byte. The deadline ends with the request: an answer,
  however long it streams, has none.
- **Room for new clients.** When every connection is taken, waitress stops accepting.
  Here the connection that has waited longest without a request being answered (idle, or
  still sending its request) is closed instead, so clients that trickle cannot lock
  others out.
- **No thread waits for a client to read.** Waitress makes the thread writing an answer
  wait while more than ``outbuf_high_watermark`` bytes of earlier answers are unread, so a
  client that pipelines requests and never reads holds a thread for as long as it likes.
  Here that client is disconnected instead, and the thread moves on.
- **An answer's header and body leave in one send.** Waitress writes the header and then
  each piece of the body, and (its ``send_bytes`` is 1) sends each write at once: two
  system calls an answer, and a client woken for the header before its body arrives.
- **Errors waitress answers itself** (a malformed request 400, headers too large 431, a
  body over the limit 413, an unsupported Transfer-Encoding 501) are the app's: JSON
  ``{"error": ...}`` with the app's security headers, never waitress's plain text.

Connections are closed by shutting their socket down; the I/O loop then sees the hang-up
and closes each as it closes any other, so no descriptor is closed (and its number
reused) while the loop is between polling and handling it.
"""

from __future__ import annotations

import socket
import time

from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.server import MultiSocketServer, TcpWSGIServer
from waitress.task import ErrorTask, ThreadedTaskDispatcher, WSGITask
from waitress.utilities import RequestEntityTooLarge, RequestHeaderFieldsTooLarge

from mnist_app.web.app import response_headers
from mnist_app.web.protocol import error_response

MAX_ERROR_DETAIL_CHARS = 200  # of waitress's own reason for refusing a request, in the answer


def create_server(app, options: dict, request_seconds: float, socket_map: dict):
    """What ``waitress.create_server(app, socket_map, **options)`` builds for TCP
    addresses, with the guarded classes: one server per address the host resolves to, or
    a ``MultiSocketServer`` over several. Raises OSError if an address cannot be bound."""
    adjustments = Adjustments(**options)
    dispatcher = ThreadedTaskDispatcher()
    dispatcher.set_thread_count(adjustments.threads)
    servers: list[GuardedServer] = []
    try:
        for sockinfo in adjustments.listen:
            servers.append(GuardedServer(app, socket_map, dispatcher=dispatcher, adj=adjustments,
                                         sockinfo=sockinfo, request_seconds=request_seconds))
    except OSError:
        for server in servers:
            server.close()
        dispatcher.shutdown()
        raise
    if len(servers) == 1:
        return servers[0]
    return MultiSocketServer(socket_map, adjustments, [(s.effective_host, s.effective_port) for s in servers],
                             dispatcher, servers[0].log_info)


class AppErrorTask(ErrorTask):
    """Waitress's own refusal of a request, answered as the app answers errors."""

    def execute(self):
        response = error_response(self.request.error.code, refusal_message(self.request, self.channel.adj))
        self.status = response.status_line
        self.response_headers.extend(response_headers(response))
        self.set_close_on_finish()
        self.content_length = len(response.body)
        self.write(response.body)


def refusal_message(request, adjustments: Adjustments) -> str:
    """One line saying why waitress refused ``request`` (a waitress parser with ``error``
    set); a body over the limit is described as the app describes it."""
    error = request.error
    if isinstance(error, RequestEntityTooLarge):
        limit = adjustments.max_request_body_size - 1
        if request.content_length > limit:
            return f"the body is {request.content_length:,} bytes; the limit is {limit:,}"
        return f"the chunked body passes the limit of {limit:,} bytes"
    if isinstance(error, RequestHeaderFieldsTooLarge):
        return f"the request line and headers pass the limit of {adjustments.max_request_header_size:,} bytes"
    return f"{error.reason.lower()}: {str(error.body)[:MAX_ERROR_DETAIL_CHARS]}"


class OneSendTask(WSGITask):
    """Waitress's task for a request, writing its answer's header together with the first
    piece of the body: one write (and one send) instead of two."""

    def write(self, data):
        if self.wrote_header or not data or not self.complete:
            return super().write(data)
        channel, pieces = self.channel, []
        self.channel = _Collecting(channel, pieces)  # what waitress writes, header and body, is collected
        try:
            super().write(data)
        finally:
            self.channel = channel
        channel.write_soon(b"".join(pieces))


class _Collecting:
    """A channel whose writes are collected in ``pieces`` instead of sent, while
    :meth:`OneSendTask.write` runs; anything else is the channel's own."""

    def __init__(self, channel: HTTPChannel, pieces: list[bytes]):
        self._channel = channel
        self.write_soon = pieces.append

    def __getattr__(self, name: str):
        return getattr(self._channel, name)


class GuardedChannel(HTTPChannel):
    """A connection that knows since when its current request has been arriving, never
    makes a thread wait for its client to read, sends an answer's header with its body,
    and can be hung up from the I/O loop."""

    task_class = OneSendTask
    error_task_class = AppErrorTask
    receiving_since: float | None = None  # time.time() of the current request's first byte
    _timed_request = None  # the waitress parser receiving_since belongs to

    def received(self, data: bytes) -> bool:
        result = super().received(data)
        if self.request is None:  # nothing half-received: every request is complete
            self.receiving_since = self._timed_request = None
        elif self.request is not self._timed_request:  # a new request began in this data
            self.receiving_since, self._timed_request = time.time(), self.request
        return result

    def waiting_since(self) -> float:
        """Since when this connection has waited without a request being answered."""
        return self.last_activity if self.receiving_since is None else self.receiving_since

    def _flush_outbufs_below_high_watermark(self) -> None:
        """Waitress waits here, in the thread about to write an answer, until the client has
        read its earlier answers down to the watermark. Instead: send what the socket
        takes now, and if more than the watermark is still unread, disconnect the client;
        the thread's write then fails as for any client that went away."""
        if self.total_outbufs_len <= self.adj.outbuf_high_watermark:
            return
        with self.outbuf_lock:
            self._flush_exception(self._flush_some, do_close=False)
            if self.total_outbufs_len > self.adj.outbuf_high_watermark:
                self.connected = False
                self.hang_up()

    def hang_up(self) -> None:
        """Close this connection: shut its socket down now (any thread may), and let the
        I/O loop close it when it sees the hang-up."""
        self.will_close = True
        try:
            self.socket.shutdown(socket.SHUT_RDWR)
        except OSError:  # already closed, or the client already left
            pass


class GuardedServer(TcpWSGIServer):
    """Waitress's TCP server with a deadline for each request (``request_seconds``) and
    room kept for new clients."""

    channel_class = GuardedChannel

    def __init__(self, *args, request_seconds: float, **kwargs):
        self.request_seconds = request_seconds
        super().__init__(*args, **kwargs)

    def maintenance(self, now: float) -> None:
        """Every ``cleanup_interval``: hang up connections idle past ``channel_timeout``
        (waitress marks them), and those whose request has been arriving for longer than
        ``request_seconds``."""
        super().maintenance(now)
        late = now - self.request_seconds
        for channel in list(self.active_channels.values()):
            receiving_since = getattr(channel, "receiving_since", None)
            if channel.will_close or (receiving_since is not None and receiving_since < late):
                channel.hang_up()

    def readable(self) -> bool:
        if self.accepting and self._connections_left() <= 0:
            self._make_room()
        return super().readable()

    def _connections_left(self) -> int:
        closing = sum(channel.will_close for channel in self.active_channels.values())
        return self.adj.connection_limit - (len(self._map) - closing)

    def _make_room(self) -> None:
        """Hang up the connection that has waited longest without a request being
        answered; connections whose requests are being answered are left alone."""
        waiting = [channel for channel in self.active_channels.values()
                   if not channel.requests and not channel.will_close]
        if waiting:
            min(waiting, key=lambda channel: channel.waiting_since()).hang_up()
