"""GET /report: the loaded model's HTML report (:mod:`mnist_app.report`), built on first use.

Building it reads the 10,000 MNIST test images and takes several seconds, so it is built
once, by the first request that asks, and kept. A request that arrives while it is being
built does not wait (waiting would tie up one of the server's few worker threads per
visitor): it gets 503 with Retry-After. The test set is loaded from the data directory
with no mirrors, so a request never starts a download; when the files are not there, or
this version of mnist_app has no report module, the answer is 503 saying what to do.
A failed build is kept too, and answered again for REPORT_RETRY_SECONDS before the next
try, so that requests cannot make the server re-read and re-verify the files each time.
The page is linked from the drawing page, so a browser (Accept: text/html) gets these
refusals as a short page in the app's style that says the same, and that reloads itself
when Retry-After says to; programs get the JSON error every route answers.
"""

from __future__ import annotations

import html
import importlib
import logging
import os
import threading
import time
from typing import Callable

from mnist_app.errors import MnistAppError
from mnist_app.web.protocol import HttpError, Request, Response, loggable
from mnist_app.web.settings import REPORT_RETRY_SECONDS

RETRY_AFTER_SECONDS = 5
log = logging.getLogger("mnist_app.web")
REPORT_MODULE = "mnist_app.report"
# The report is one self-contained page: an inline stylesheet, inline SVG and data: PNGs,
# and no script. Its policy allows exactly that, and nothing from anywhere, not even this
# server. ('unsafe-inline' is for styles only; with no script allowed, the page's own
# stylesheet is all it permits.)
REPORT_CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'none'",
    "img-src data:",
    "style-src 'unsafe-inline'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
])

# (model, test_images (10000, 28, 28) uint8, test_labels (10000,)) -> HTML
RenderReport = Callable[..., str]


class ReportPage:
    """The report of ``model`` (a :class:`mnist_app.model.Model`), rendered from the test set
    in ``data_dir`` by ``render`` (default: ``mnist_app.report.render_report``)."""

    def __init__(self, model, data_dir: str | os.PathLike, render: RenderReport | None = None):
        self._model = model
        self._data_dir = data_dir
        self._render = render
        self._html: bytes | None = None
        self._failure: tuple[float, int, str] | None = None  # (time.monotonic(), status, message)
        self._building = threading.Lock()

    def respond(self, request: Request) -> Response:
        """200 with the report; 503 while another request builds it or if it cannot be
        (500 if building it failed otherwise), the failure kept for REPORT_RETRY_SECONDS;
        as a page of HTML for a browser."""
        try:
            return self._report()
        except HttpError as error:
            if "text/html" not in (request.header("Accept") or ""):
                raise
            return _refusal_page(error)

    def _report(self) -> Response:
        if self._html is None:
            if not self._building.acquire(blocking=False):
                raise HttpError(503, "the report is being built; try again in a few seconds",
                                (("Retry-After", str(RETRY_AFTER_SECONDS)),))
            try:
                if self._html is None:
                    self._html = self._build_unless_failed_recently()
            finally:
                self._building.release()
        return Response(200, self._html, "text/html; charset=utf-8",
                        (("Cache-Control", "no-cache"), ("Content-Security-Policy", REPORT_CONTENT_SECURITY_POLICY)))

    def _build_unless_failed_recently(self) -> bytes:
        """The report; the last failure again (an HttpError with Retry-After) if it is less
        than REPORT_RETRY_SECONDS old. A build that fails for an unexpected reason is logged
        once and answered 500."""
        if self._failure is not None:
            failed_at, status, message = self._failure
            wait = failed_at + REPORT_RETRY_SECONDS - time.monotonic()
            if wait > 0:
                raise HttpError(status, message, (("Retry-After", str(int(wait) + 1)),))
        try:
            return self._build()
        except HttpError as error:
            self._failure = (time.monotonic(), error.status, str(error))
            raise
        except Exception as error:
            log.error("GET /report: building the report failed: %s: %s", type(error).__name__, loggable(str(error), 200))
            self._failure = (time.monotonic(), 500, "the report could not be built; see the server's log")
            raise HttpError(*self._failure[1:]) from error

    def _build(self) -> bytes:
        render = self._render or _render_function()
        from mnist_app.data import load_test_set

        try:
            test_images, test_labels = load_test_set(self._data_dir, mirrors=())
        except MnistAppError as error:
            raise HttpError(503, f"the report needs the MNIST test set in {self._data_dir}, which "
                            f"is not usable ({str(error).splitlines()[0]}): run "
                            f"`mnist-app download --data-dir {self._data_dir}`") from error
        return render(self._model, test_images, test_labels).encode()


def _refusal_page(error: HttpError) -> Response:
    """``error`` as a page for a browser: its message, links back to the app, and a reload
    after Retry-After's seconds if it has one."""
    message = str(error)
    retry = dict(error.headers).get("Retry-After")
    refresh = f'<meta http-equiv="refresh" content="{int(retry)}">' if retry and retry.isdigit() else ""
    page = ('<!doctype html><html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'{refresh}<title>Model report · mnist_app</title>'
            '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">'
            '<link rel="stylesheet" href="/static/style.css"></head><body>'
            '<header class="masthead"><h1>Model report</h1>'
            '<p><a href="/">Draw a digit</a> · <a href="/train">Watch one learn</a></p></header>'
            f'<main><section><p>{html.escape(message[:1].upper() + message[1:])}.</p></section></main></body></html>')
    return Response(error.status, page.encode(), "text/html; charset=utf-8", error.headers)


def _render_function() -> RenderReport:
    """``mnist_app.report.render_report``; 503 if this version of mnist_app lacks it."""
    try:
        module = importlib.import_module(REPORT_MODULE)
    except ModuleNotFoundError as error:
        if error.name != REPORT_MODULE:
            raise
        raise HttpError(503, "this version of mnist_app has no report module") from error
    return module.render_report
