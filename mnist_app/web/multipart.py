"""Read one field of a multipart/form-data body (RFC 7578), as browsers and ``curl -F`` send.

The whole body is already in memory and bounded by the app's body limit; this module only
slices it. It bounds what it parses too: at most MAX_MULTIPART_PARTS parts, each with at
most MAX_PART_HEADER_BYTES of headers, and every search is a linear ``bytes.find``. (The
standard library's ``cgi`` module is gone in Python 3.13, and the ``email`` parser copies
and re-encodes binary parts.)

    multipart/form-data; boundary=XYZ

    --XYZ\r\n
    Content-Disposition: form-data; name="image"; filename="seven.png"\r\n
    Content-Type: image/png\r\n
    \r\n
    <bytes>\r\n
    --XYZ--\r\n
"""

from __future__ import annotations

from mnist_app.web.protocol import HttpError, parse_header_value
from mnist_app.web.settings import MAX_MULTIPART_PARTS, MAX_PART_HEADER_BYTES

MAX_BOUNDARY_LENGTH = 70  # RFC 2046, section 5.1.1
CRLF = b"\r\n"


class MissingField(HttpError):
    """The form is well formed but has no field of the name asked for (400)."""


def form_field(body: bytes, boundary: str | None, name: str) -> bytes:
    """The content of the one part named ``name`` in the multipart ``body``.

    Raises HttpError 400 naming what is wrong: no or bad boundary, a malformed or
    unterminated part, too many parts, no field called ``name``, or several (which one was
    meant cannot be told: one image per request).
    """
    delimiter = b"--" + _checked_boundary(boundary)
    start = body.find(delimiter)  # anything before the first delimiter is preamble
    if start < 0:
        raise HttpError(400, "multipart body without its boundary")
    position = start + len(delimiter)
    parts = 0
    found: list[bytes] = []
    while not body.startswith(b"--", position):  # "--" after a delimiter closes the body
        if parts == MAX_MULTIPART_PARTS:
            raise HttpError(400, f"multipart body with more than {MAX_MULTIPART_PARTS} parts")
        parts += 1
        line_end = body.find(CRLF, position)
        if line_end < 0:
            raise HttpError(400, "multipart body ends inside a boundary line")
        headers, content_start = _part_headers(body, line_end + len(CRLF))
        content_end = body.find(CRLF + delimiter, content_start)
        if content_end < 0:
            raise HttpError(400, "multipart part is not terminated by the boundary")
        disposition, params = parse_header_value(headers.get("content-disposition", ""))
        if disposition == "form-data" and params.get("name") == name:
            found.append(body[content_start:content_end])
        position = content_end + len(CRLF) + len(delimiter)
    if not found:
        raise MissingField(400, f"the multipart form has no {name!r} field")
    if len(found) > 1:
        raise HttpError(400, f"the multipart form has {len(found)} {name!r} fields; send one per request")
    return found[0]


def _checked_boundary(boundary: str | None) -> bytes:
    if not boundary:
        raise HttpError(400, "multipart/form-data without a boundary parameter")
    if len(boundary) > MAX_BOUNDARY_LENGTH or not boundary.isascii():
        raise HttpError(400, "multipart boundary is not 1-70 ASCII characters")
    return boundary.encode("ascii")


def _part_headers(body: bytes, start: int) -> tuple[dict[str, str], int]:
    """The headers of the part starting at ``start`` (names lower case) and where its
    content starts."""
    if body.startswith(CRLF, start):  # a part with no headers at all
        return {}, start + len(CRLF)
    end = body.find(CRLF + CRLF, start, start + MAX_PART_HEADER_BYTES)
    if end < 0:
        raise HttpError(400, f"multipart part headers missing or over {MAX_PART_HEADER_BYTES:,} bytes")
    headers = {}
    for line in body[start:end].decode("latin-1").split("\r\n"):
        header_name, colon, value = line.partition(":")
        if not colon:
            raise HttpError(400, "malformed multipart part header")
        headers[header_name.strip().lower()] = value.strip()
    return headers, end + 2 * len(CRLF)
