"""The page's files (``mnist_app/web/static/``), read once from package data and served with
a validator, so the page works offline and from a wheel, a zip or a Docker image alike.

Asset names carry no content hash (there is no build step), so browsers are told to
revalidate every time (``no-cache``) and get a bodiless 304 while the ETag still matches:
a new version of the app is picked up on the next load, and an unchanged one costs a
round trip to this same machine.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources

from mnist_app.web.protocol import Request, Response

STATIC_PACKAGE = "mnist_app.web"
STATIC_FOLDER = "static"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
}
CACHE_CONTROL = "no-cache"  # store, but revalidate with If-None-Match before each use


@dataclass(frozen=True)
class Asset:
    """One file: its bytes, Content-Type and strong ETag (a hash of the bytes)."""

    body: bytes
    content_type: str
    etag: str

    def respond(self, request: Request) -> Response:
        """200 with the file, or 304 if the client's copy (If-None-Match) is current."""
        headers = (("ETag", self.etag), ("Cache-Control", CACHE_CONTROL))
        if self.etag in _etags(request.header("If-None-Match")):
            return Response(304, b"", self.content_type, headers)
        return Response(200, self.body, self.content_type, headers)


def load_assets() -> dict[str, Asset]:
    """File name -> Asset for every file of the static folder with a known type."""
    assets = {}
    for entry in resources.files(STATIC_PACKAGE).joinpath(STATIC_FOLDER).iterdir():
        suffix = "." + entry.name.rpartition(".")[2]
        if entry.is_file() and suffix in CONTENT_TYPES:
            body = entry.read_bytes()
            etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
            assets[entry.name] = Asset(body, CONTENT_TYPES[suffix], etag)
    return assets


def _etags(header: str | None) -> set[str]:
    """The entity tags listed in an If-None-Match header (weak ones compare as strong)."""
    if not header:
        return set()
    return {tag.strip().removeprefix("W/") for tag in header.split(",")}
