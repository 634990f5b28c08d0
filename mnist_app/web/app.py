"""The WSGI application (PEP 3333): one routing table, one place where errors become JSON.

    app = make_app(Classifier.load())
    # any WSGI server: waitress.serve(app), wsgiref, gunicorn "module:app", ...

Every response carries the security headers below (the report page sets a policy of
its own). No exception escapes to the server and
no traceback reaches a client: a bug answers 500 ``{"error": "internal server error"}``
and logs one line on the ``mnist_app.web`` logger.
"""

from __future__ import annotations

import logging
import os
import traceback
from typing import Callable, Iterable

from mnist_app.data import resolve_data_dir
from mnist_app.errors import ImageError, ImageTooLarge, NoDigitFound
from mnist_app.live.run import MnistFiles
from mnist_app.live.runner import Trainer
from mnist_app.web.api import WEIGHTS_PATH, Api, Preprocess, ReadNumber
from mnist_app.web.live import EVENTS_PATH, MODEL_PATH, LiveApi, StreamLimits
from mnist_app.web.protocol import HttpError, Request, Response, error_response, loggable
from mnist_app.web.report_page import RenderReport, ReportPage
from mnist_app.web.settings import Limits
from mnist_app.web.static import load_assets
from mnist_app.web.teach_api import TeachApi

log = logging.getLogger("mnist_app.web")

Handler = Callable[[Request], Response]

# The page runs one script, one stylesheet and images from this server only: no inline
# script or style, no other origin, no framing. The pad's pictures are drawn on canvases
# and dropped files are decoded with createImageBitmap, so img-src needs nothing else.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "img-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
])
SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Frame-Options", "DENY"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Cross-Origin-Resource-Policy", "same-origin"),
)
# An image error's status; others are 400. A blank picture is well-formed (422); an image
# over a decoding budget is refused from its header, before its pixels are decoded (413).
IMAGE_ERROR_STATUS = {NoDigitFound: 422, ImageTooLarge: 413}
# Every response has these unless it sets the header itself (static files are cached,
# the report has its own policy): answers computed per request are never reused.
DEFAULT_HEADERS = (*SECURITY_HEADERS, ("Cache-Control", "no-store"))


class WebApp:
    """The application: ``WebApp(...)(environ, start_response)`` answers one request."""

    def __init__(self, routes: dict[str, dict[str, Handler]]):
        self.routes = routes

    def __call__(self, environ: dict, start_response) -> Iterable[bytes]:
        request = Request(environ)
        response = self.respond(request)
        headers = response_headers(response)
        start_response(response.status_line, headers)
        if response.stream is not None and request.method == "HEAD":
            close = getattr(response.stream, "close", None)  # as a WSGI server would
            if close is not None:
                close()
        elif response.stream is not None:
            return response.stream
        return [b"" if request.method == "HEAD" else response.body]

    def respond(self, request: Request) -> Response:
        """The response to ``request``; every failure becomes a JSON error here."""
        try:
            return self.handler(request)(request)
        except HttpError as error:
            return error_response(error.status, str(error), error.headers)
        except ImageError as error:
            return error_response(IMAGE_ERROR_STATUS.get(type(error), 400), str(error))
        except Exception as error:  # a bug: say so in one log line, never to the client
            where = traceback.extract_tb(error.__traceback__)[-1]
            log.error("%s %s: %s: %s (at %s:%d in %s)", loggable(request.method, 20), loggable(request.path, 200),
                      type(error).__name__, loggable(str(error), 200), os.path.basename(where.filename),
                      where.lineno, where.name)
            return error_response(500, "internal server error")

    def handler(self, request: Request) -> Handler:
        """The route's handler for the request's method; 404 or 405 (with Allow) if none.
        HEAD is answered as GET without the body."""
        methods = self.routes.get(request.path)
        if methods is None:
            raise HttpError(404, f"no such page: {request.path[:200]}")
        method = "GET" if request.method == "HEAD" else request.method
        if method not in methods:
            allowed = sorted({*methods, *(["HEAD"] if "GET" in methods else [])})
            raise HttpError(405, f"{request.method[:20]} is not allowed here; use {' or '.join(allowed)}",
                            (("Allow", ", ".join(allowed)),))
        return methods[method]


def response_headers(response: Response) -> list[tuple[str, str]]:
    """Every header of ``response`` as sent: its own, the defaults it does not set itself
    (a response may set its own policy or caching), and its type and length (a stream
    has no length)."""
    headers = list(response.headers)
    own = {name for name, _ in headers}
    headers += [header for header in DEFAULT_HEADERS if header[0] not in own]
    if response.stream is not None:  # sent as it is produced: no length
        headers.append(("Content-Type", response.content_type))
    elif response.status != 304:  # "not modified" refers to the cached body; it has none
        headers += [("Content-Type", response.content_type), ("Content-Length", str(len(response.body)))]
    return headers


def make_app(classifier, limits: Limits = Limits(), data_dir: str | os.PathLike | None = None,
             render_report: RenderReport | None = None, preprocess: Preprocess | None = None,
             read_number: ReadNumber | None = None, trainer: Trainer | None = None,
             streams: StreamLimits = StreamLimits()) -> WebApp:
    """The app serving ``classifier`` (a :class:`mnist_app.predict.Classifier`): the page,
    the JSON API, and GET /report, rendered by ``render_report`` (default:
    ``mnist_app.report.render_report``) from the MNIST test set in ``data_dir`` (default:
    :func:`mnist_app.data.resolve_data_dir`'s). Posted images go through ``preprocess`` (default:
    the classifier's ``digit_picture``, in the request's thread), and
    through ``read_number`` for /api/number (default: the classifier's, in the request's thread).
    The Train view trains with ``trainer`` (default: one on the MNIST files in ``data_dir``;
    the caller closes it), its event streams bounded by ``streams``."""
    api = Api(classifier, limits, preprocess, read_number)
    report = ReportPage(classifier.model, resolve_data_dir(data_dir), render_report)
    live = LiveApi(trainer or Trainer(MnistFiles(resolve_data_dir(data_dir))), api.predict_with, streams)
    assets = load_assets()
    routes: dict[str, dict[str, Handler]] = {
        "/": {"GET": assets["index.html"].respond},
        "/api/predict": {"POST": api.predict},
        "/api/backprop": {"POST": TeachApi(api).backprop},
        "/api/number": {"POST": api.number},
        "/api/model": {"GET": api.model_info},
        WEIGHTS_PATH: {"GET": api.hidden_weights},
        "/healthz": {"GET": api.health},
        **{f"/static/{name}": {"GET": asset.respond} for name, asset in assets.items()
           if name != "index.html"},
        "/report": {"GET": report.respond},
        "/train": {"GET": assets["train.html"].respond},
        "/api/train": {"GET": live.status, "POST": live.start},
        EVENTS_PATH: {"GET": live.events},
        "/api/train/stop": {"POST": live.stop},
        MODEL_PATH: {"GET": live.model},
        "/api/train/predict": {"POST": live.predict},
    }
    return WebApp(routes)
