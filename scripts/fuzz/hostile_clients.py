"""Clients that attack a server on 127.0.0.1: they trickle requests, pipeline and never
read, send headers built to be slow to parse, or requests waitress refuses itself.

Each attack is bounded: a fixed number of sockets, and a ``duration`` after which it
stops (or a ``stop`` event, set by the caller once it has seen what it wanted).
"""

from __future__ import annotations

import json
import select
import socket
import struct
import threading
import time

DRIP_PAUSE = 0.05  # seconds between two passes over the dripping sockets


def _connect(address: tuple[str, int], receive_buffer: int | None = None) -> socket.socket:
    connection = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if receive_buffer:  # before connecting, so that the window stays small
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    connection.settimeout(5)
    connection.connect(address)
    connection.setblocking(False)
    return connection


def drip(address: tuple[str, int], connections: int, opening: bytes, drop: bytes, every: float,
         duration: float, stop: threading.Event, until_closed: int | None = None) -> dict:
    """Slowloris: ``connections`` sockets each send ``opening``, then ``drop`` every
    ``every`` seconds, until ``duration`` passes, ``stop`` is set, or the server has closed
    ``until_closed`` of them. A socket the server closes is opened again, as an attacker
    would. Counts of what happened, by name."""
    counts = {"opened": 0, "closed by the server": 0}

    def opened() -> socket.socket | None:
        try:
            connection = _connect(address)
            connection.send(opening)
        except OSError:
            return None
        counts["opened"] += 1
        return connection

    sockets = [opened() for _ in range(connections)]
    started = time.monotonic()
    next_drop = started + every
    while time.monotonic() - started < duration and not stop.is_set() \
            and counts["closed by the server"] < (until_closed or float("inf")):
        dripping = time.monotonic() >= next_drop
        for index, connection in enumerate(sockets):
            if connection is None or _closed_by_peer(connection) or (dripping and not _sent(connection, drop)):
                counts["closed by the server"] += connection is not None
                if connection is not None:
                    connection.close()
                sockets[index] = opened()
        if dripping:
            next_drop += every
        stop.wait(DRIP_PAUSE)
    for connection in sockets:
        if connection is not None:
            connection.close()
    return counts


def _closed_by_peer(connection: socket.socket) -> bool:
    readable, _, _ = select.select([connection], [], [], 0)
    if not readable:
        return False
    try:
        return connection.recv(65536) == b""
    except OSError:
        return True


def _sent(connection: socket.socket, data: bytes) -> bool:
    try:
        connection.send(data)
        return True
    except BlockingIOError:  # its buffer is full: still open
        return True
    except OSError:
        return False


def pipeline_and_never_read(address: tuple[str, int], connections: int, path: str, requests_each: int,
                            duration: float, stop: threading.Event) -> dict:
    """``connections`` sockets with a tiny receive window each pipeline ``requests_each``
    GETs of ``path`` and never read, until ``duration`` passes or ``stop`` is set."""
    request = f"GET {path} HTTP/1.1\r\nHost: fuzz\r\n\r\n".encode()
    sockets = []
    for _ in range(connections):
        connection = _connect(address, receive_buffer=4096)
        connection.setblocking(True)
        connection.sendall(request * requests_each)
        sockets.append(connection)
    stop.wait(duration)
    closed = 0
    for connection in sockets:
        connection.setblocking(False)
        closed += _shut_by_peer(connection)
        connection.close()
    return {"opened": connections, "closed by the server": closed}


def _shut_by_peer(connection: socket.socket) -> bool:
    """True if the server closed ``connection``: reading what is left ends (or errors)."""
    try:
        for _ in range(100_000):  # bounded: at most what the server sent before closing
            if not connection.recv(65536):
                return True
    except BlockingIOError:
        return False
    except OSError:
        return True
    return False


def exchange(address: tuple[str, int], request: bytes, timeout: float = 10) -> tuple[int, dict, bytes, float]:
    """Send ``request`` on a new connection; (status, headers lower-cased, body, seconds).
    Status 0 if no answer came within ``timeout`` seconds, or the connection failed."""
    started = time.monotonic()
    try:
        return (*_exchange(address, request, timeout), time.monotonic() - started)
    except OSError:  # timeouts included
        return 0, {}, b"", time.monotonic() - started


def _exchange(address: tuple[str, int], request: bytes, timeout: float) -> tuple[int, dict, bytes]:
    with socket.create_connection(address, timeout=timeout) as connection:
        connection.sendall(request)
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = connection.recv(65536)
            if not chunk:
                break
            answer += chunk
        head, _, body = answer.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = dict(line.lower().split(": ", 1) for line in lines[1:] if ": " in line)
        length = int(headers.get("content-length", len(body)))
        while len(body) < length:
            chunk = connection.recv(65536)
            if not chunk:
                break
            body += chunk
    status = int(lines[0].split()[1]) if lines[0].startswith("HTTP/") else 0
    return status, headers, body


def post_again_and_again(address: tuple[str, int], connections: int, request: bytes, seconds: float,
                         stop: threading.Event) -> str:
    """``connections`` clients, each sending ``request`` (on a new connection) as soon as the
    last was answered, for ``seconds`` or until ``stop``; what was answered, and how fast."""
    answers: list[tuple[int, float]] = []
    deadline = time.monotonic() + seconds

    def client() -> None:
        while time.monotonic() < deadline and not stop.is_set():
            status, _, _, took = exchange(address, request, timeout=seconds + 60)
            answers.append((status, took))
    threads = [threading.Thread(target=client, daemon=True) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted({status for status, _ in answers})
    slowest = max((took for _, took in answers), default=0.0)
    return f"{len(answers)} answered (statuses {statuses}), the slowest in {slowest:.1f} s"


def long_content_type(chars: int) -> bytes:
    """A POST whose Content-Type has one quoted parameter of ``chars`` semicolons: the
    worst case of the standard library's parameter parsing."""
    content_type = 'image/png; a="' + ";" * chars + '"'
    return (f"POST /api/predict HTTP/1.1\r\nHost: fuzz\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: 4\r\nConnection: close\r\n\r\nabcd").encode()


def upload(image: bytes, content_type: str = "image/png", path: str = "/api/predict") -> bytes:
    return (f"POST {path} HTTP/1.1\r\nHost: fuzz\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(image)}\r\nConnection: close\r\n\r\n").encode() + image


# Requests waitress answers itself, and the status it answers each with.
REFUSED_BY_WAITRESS = {
    "malformed header line": (b"GET / HTTP/1.1\r\nHost: fuzz\r\nno colon here\r\n\r\n", 400),
    "Transfer-Encoding: gzip": (b"POST /api/predict HTTP/1.1\r\nHost: fuzz\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
    "Content-Length over the limit": (b"POST /api/predict HTTP/1.1\r\nHost: fuzz\r\nContent-Type: image/png\r\n"
                                      b"Content-Length: 10485761\r\n\r\n", 413),
    "headers over the limit": (b"GET / HTTP/1.1\r\nHost: fuzz\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n", 431),
}


def refusal_problems(status: int, headers: dict, body: bytes, expected: int) -> list[str]:
    """What is wrong with a refusal: not ``expected``, not JSON {"error": ...}, or without
    the app's nosniff and Content-Security-Policy headers."""
    if status == 0:
        return [f"no answer (expected {expected})"]
    problems = [] if status == expected else [f"status {status}, expected {expected}"]
    try:
        if set(json.loads(body)) != {"error"}:
            problems.append("JSON without just an error")
    except ValueError:
        problems.append(f"not JSON: {body[:60]!r}")
    if headers.get("x-content-type-options") != "nosniff":
        problems.append("no X-Content-Type-Options: nosniff")
    if "content-security-policy" not in headers:
        problems.append("no Content-Security-Policy")
    return problems


def ico_holding_png(png: bytes, claimed_side: int = 16) -> bytes:
    """An ICO file with one entry that claims ``claimed_side`` pixels and holds ``png``."""
    directory = struct.pack("<HHH", 0, 1, 1)
    entry = struct.pack("<BBBBHHII", claimed_side, claimed_side, 0, 0, 1, 32, len(png), 6 + 16)
    return directory + entry + png
