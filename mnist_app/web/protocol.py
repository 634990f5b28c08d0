"""HTTP for the app, on top of a WSGI environ (PEP 3333): requests, responses, errors.

Handlers take a :class:`Request` and return a :class:`Response`, or raise
:class:`HttpError`; the application (:mod:`mnist_app.web.app`) turns both into what the
WSGI server sends.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, field
from typing import Iterable
from email.message import Message
from email.utils import collapse_rfc2231_value
from http import HTTPStatus

from mnist_app.web.settings import MAX_HEADER_VALUE_CHARS

JSON_TYPE = "application/json"


class HttpError(Exception):
    """A request the app refuses: ``status`` (4xx) and a one-line message for the client."""

    def __init__(self, status: int, message: str, headers: tuple[tuple[str, str], ...] = ()):
        super().__init__(message)
        self.status = status
        self.headers = headers


@dataclass(frozen=True)
class Response:
    """What a handler answers: status code, body bytes, Content-Type and extra headers; or,
    with ``stream``, a body sent as it is produced (no Content-Length; the server calls its
    ``close`` when the response ends or the client goes away)."""

    status: int
    body: bytes
    content_type: str
    headers: tuple[tuple[str, str], ...] = field(default=())
    stream: Iterable[bytes] | None = None

    @property
    def status_line(self) -> str:
        """E.g. "404 Not Found", as WSGI's start_response wants it."""
        return f"{self.status} {HTTPStatus(self.status).phrase}"


def json_response(data, status: int = 200, headers: tuple[tuple[str, str], ...] = ()) -> Response:
    """``data`` as compact UTF-8 JSON."""
    body = json.dumps(data, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()
    return Response(status, body, f"{JSON_TYPE}; charset=utf-8", headers)


def gzipped_if_accepted(request: "Request", response: Response, level: int = 1) -> Response:
    """``response`` with its body gzipped (Content-Encoding: gzip) if the client accepts
    gzip, else as it is. For large JSON answers: level 1 shrinks mostly-numeric JSON about
    5 times for about a millisecond per 100 kB."""
    accepted = {part.split(";")[0].strip().lower() for part in (request.header("Accept-Encoding") or "").split(",")}
    vary = (("Vary", "Accept-Encoding"),)
    if "gzip" not in accepted:
        return Response(response.status, response.body, response.content_type, response.headers + vary)
    return Response(response.status, gzip.compress(response.body, level, mtime=0), response.content_type,
                    response.headers + vary + (("Content-Encoding", "gzip"),))


def error_response(status: int, message: str, headers: tuple[tuple[str, str], ...] = ()) -> Response:
    """The JSON every error has: ``{"error": message}``."""
    return json_response({"error": message}, status, headers)


@dataclass(frozen=True)
class Request:
    """One request: its method, path and the WSGI environ it came in."""

    environ: dict

    @property
    def method(self) -> str:
        return self.environ.get("REQUEST_METHOD", "GET").upper()

    @property
    def path(self) -> str:
        return self.environ.get("PATH_INFO", "") or "/"

    def header(self, name: str) -> str | None:
        """The value of request header ``name`` (e.g. "If-None-Match"), or None."""
        key = name.upper().replace("-", "_")
        if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            key = "HTTP_" + key
        return self.environ.get(key)

    def content_type(self) -> tuple[str, dict[str, str]]:
        """The media type, lower case ("" if none), and its parameters (e.g. boundary)."""
        return parse_header_value(self.header("Content-Type") or "")

    def content_length(self, limit: int) -> int:
        """The declared body length: 411 if missing, 400 if malformed, 413 if over ``limit``.

        Decided from the header alone, so a body over the limit is never read.
        """
        text = (self.header("Content-Length") or "").strip()
        if not text:
            raise HttpError(411, "a Content-Length header is required")
        if not (text.isascii() and text.isdigit()):
            raise HttpError(400, f"bad Content-Length: {text[:40]!r}")
        length = int(text)
        if length > limit:
            raise HttpError(413, f"the body is {length:,} bytes; the limit is {limit:,}")
        return length

    def read_body(self, length: int) -> bytes:
        """Exactly ``length`` bytes of body (400 if the client sent fewer)."""
        stream = self.environ["wsgi.input"]
        chunks, remaining = [], length
        while remaining > 0:
            chunk = stream.read(remaining)
            if not chunk:
                raise HttpError(400, f"the body ended after {length - remaining:,} of {length:,} bytes")
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)


def parse_header_value(value: str) -> tuple[str, dict[str, str]]:
    """Split a header like ``multipart/form-data; boundary="x"`` into its value, lower
    case, and its parameters (names lower case, values unquoted, RFC 2231 decoded).
    400 if it is over MAX_HEADER_VALUE_CHARS, which bounds the parser's worst case."""
    if len(value) > MAX_HEADER_VALUE_CHARS:
        raise HttpError(400, f"a header value of {len(value):,} characters; the limit is {MAX_HEADER_VALUE_CHARS:,}")
    message = Message()
    message["value"] = value
    params = message.get_params(header="value", failobj=[("", "")])
    main = params[0][0].strip().lower()
    return main, {name.lower(): collapse_rfc2231_value(text) for name, text in params[1:]}


def loggable(text: str, limit: int | None = None) -> str:
    """``text`` (cut to ``limit`` characters) with every character that is not printable
    escaped as Python writes it (a newline as \\n, ESC as \\x1b, a lone surrogate as
    \\udc80), so that what a client sent can never add a line to a log, or colour it."""
    return "".join(char if char.isprintable() else ascii(char)[1:-1] for char in text[:limit])
