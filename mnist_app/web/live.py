"""The Train view's API: start a run of :mod:`mnist_app.live`, watch it as Server-Sent Events.

- ``GET /api/train``: whether MNIST is there (and how to get it), the settings' defaults and
  ranges, the colours of the weight pictures, and the current run;
- ``POST /api/train``: start a run with the JSON settings (202; 409 while one trains);
- ``GET /api/train/events``: ``text/event-stream`` of the run's ``progress``, ``epoch``,
  ``done`` and ``error`` events, each with JSON data; a stream opened late gets the run so
  far, with only the newest weights;
- ``POST /api/train/stop``: stop the run after its minibatch, keeping its weights;
- ``GET /api/train/model.npz``: the run's weights, as ``mnist-app train`` saves them;
- ``POST /api/train/predict``: read an image, as /api/predict does, with the run's network.

Progress and epoch events (and done) carry ``weights``: the hidden neurons' incoming
weights as one byte each (:func:`~mnist_app.web.weights_image.weight_levels`).

Each stream holds one of the server's threads for its life, so streams are bounded
(:class:`StreamLimits`): a few at once (then 503 with Retry-After), each ending when its
client goes away (seen through waitress's ``waitress.client_disconnected``), after a
maximum lifetime (the browser reconnects and resumes from its Last-Event-ID), or when the
run ends (closing the trainer ends the run, so every stream ends within ``poll``
seconds). A quiet stream sends a comment line now and then, so proxies keep it open.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from typing import Iterator

from mnist_app.constants import INPUT_SIZE, N_CLASSES
from mnist_app.limits import (
    LIVE_BATCH_SIZE,
    LIVE_DISCONNECT_POLL_SECONDS,
    LIVE_EPOCHS,
    LIVE_ETA,
    LIVE_EXAMPLES,
    LIVE_FREE_THREADS,
    LIVE_HEARTBEAT_SECONDS,
    LIVE_HIDDEN,
    LIVE_MAX_STREAMS,
    LIVE_RETRY_AFTER_SECONDS,
    LIVE_STREAM_LIFETIME_SECONDS,
)
from mnist_app.live.runner import MnistMissing, RunInProgress, RunEvent, Trainer, TrainingRun
from mnist_app.live.settings import RunSettings, SettingError
from mnist_app.model import Model
from mnist_app.network import COSTS, INITIALISATIONS
from mnist_app.predict import Classifier
from mnist_app.training_progress import PROGRESS_EXAMPLES, PROGRESS_MONITOR_EXAMPLES
from mnist_app.web.protocol import HttpError, Request, Response, json_response
from mnist_app.web.weights_image import level_colours, weight_levels

EVENTS_PATH = "/api/train/events"
MODEL_PATH = "/api/train/model.npz"
MAX_SETTINGS_BYTES = 4096  # a settings object is a few dozen bytes
RECONNECT_MILLISECONDS = 3000  # how soon a browser reconnects a stream that ended early
EVENT_STREAM_TYPE = "text/event-stream; charset=utf-8"
FINAL_EVENTS = ("done", "error")


@dataclass(frozen=True)
class StreamLimits:
    """Bounds on the event streams: how many at once, how long each, how often it beats
    and looks whether its client has gone (seconds)."""

    max_streams: int = LIVE_MAX_STREAMS
    lifetime: float = LIVE_STREAM_LIFETIME_SECONDS
    heartbeat: float = LIVE_HEARTBEAT_SECONDS
    poll: float = LIVE_DISCONNECT_POLL_SECONDS
    retry_after: int = LIVE_RETRY_AFTER_SECONDS

    @classmethod
    def for_threads(cls, threads: int) -> "StreamLimits":
        """The limits for a server with ``threads`` worker threads: LIVE_FREE_THREADS of them
        are always left for other requests."""
        return cls(max_streams=max(0, min(LIVE_MAX_STREAMS, threads - LIVE_FREE_THREADS)))


class LiveApi:
    """The handlers of the Train view's API, for runs of ``trainer`` (a
    :class:`~mnist_app.live.runner.Trainer`); ``read`` reads a posted image with a
    classifier, as POST /api/predict does."""

    def __init__(self, trainer: Trainer, read, limits: StreamLimits = StreamLimits()):
        self.trainer = trainer
        self.read = read
        self.limits = limits
        self._streams = threading.BoundedSemaphore(limits.max_streams) if limits.max_streams else None
        self._about = {
            "defaults": RunSettings().to_json(),
            "ranges": {"hidden": LIVE_HIDDEN, "epochs": LIVE_EPOCHS, "eta": LIVE_ETA,
                       "batch_size": LIVE_BATCH_SIZE, "examples": LIVE_EXAMPLES,
                       "cost": sorted(COSTS), "init": list(INITIALISATIONS)},
            "weight_colours": level_colours(),
            "progress": {"examples": PROGRESS_EXAMPLES, "validation_images": PROGRESS_MONITOR_EXAMPLES},
            "max_streams": limits.max_streams,
        }

    def status(self, request: Request) -> Response:
        missing = self.trainer.source.missing()
        data = {"ready": not missing, "message": self.trainer.source.how_to_get() if missing else None}
        return json_response({**self._about, "data": data, "run": _run_json(self.trainer.run)})

    def start(self, request: Request) -> Response:
        try:
            settings = RunSettings.from_json(_json_body(request))
            run = self.trainer.start(settings)
        except SettingError as error:
            raise HttpError(400, str(error)) from None
        except RunInProgress as error:
            raise HttpError(409, str(error)) from None
        except MnistMissing as error:
            raise HttpError(503, str(error)) from None
        return json_response({"run": _run_json(run)}, 202)

    def stop(self, request: Request) -> Response:
        run = self.trainer.run
        if run is None or not run.running:
            raise HttpError(409, "no run is training")
        self.trainer.stop()
        return json_response({"run": _run_json(run)}, 202)

    def model(self, request: Request) -> Response:
        run = self.trainer.run
        if run is None or run.outcome != "done":
            state = "no run has finished" if run is None or not run.running else "the run is still training"
            raise HttpError(404, f"{state}; its weights can be downloaded once it is done or stopped")
        name = f"mnist-{'-'.join(map(str, (INPUT_SIZE, run.settings.hidden, N_CLASSES)))}-live-{run.number}.npz"
        return Response(200, run.model_path.read_bytes(), "application/octet-stream",
                        (("Content-Disposition", f'attachment; filename="{name}"'),))

    def predict(self, request: Request) -> Response:
        run = self.trainer.run
        if run is None or run.network is None:
            raise HttpError(409, "no network is training yet: start a run in the Train view (/train)")
        return self.read(Classifier(Model(run.network, run.convention)), request)

    def events(self, request: Request) -> Response:
        """The current run's events as a stream (204 once a finished run has sent them all)."""
        run = self.trainer.run
        if run is None:
            raise HttpError(404, "no run has started: POST /api/train first")
        position = _resume_position(request.header("Last-Event-ID"), run)
        events, finished = run.log.wait(position, 0)
        if finished and not events:
            return Response(204, b"", EVENT_STREAM_TYPE)  # tells the browser to stop reconnecting
        if self._streams is None or not self._streams.acquire(blocking=False):
            raise HttpError(503, f"{self.limits.max_streams} event streams are open, the most this server "
                            "serves at once; try again later", (("Retry-After", str(self.limits.retry_after)),))
        stream = EventStream(self._chunks(run, position, request.environ), self._streams.release)
        return Response(200, b"", EVENT_STREAM_TYPE, (("Cache-Control", "no-store"),), stream=stream)

    def _chunks(self, run: TrainingRun, position: int, environ: dict) -> Iterator[bytes]:
        client_gone = environ.get("waitress.client_disconnected", lambda: False)
        started = last_sent = time.monotonic()
        yield f"retry: {RECONNECT_MILLISECONDS}\n\n".encode()
        while not client_gone():
            now = time.monotonic()
            if now - started >= self.limits.lifetime:
                return
            events, finished = run.log.wait(position, min(self.limits.poll, self.limits.lifetime - (now - started)))
            for event in events:
                yield _encoded(event, f"{run.number}-{position}")
                position += 1
            if events:
                last_sent = time.monotonic()
            elif time.monotonic() - last_sent >= self.limits.heartbeat:
                yield b": heartbeat\n\n"
                last_sent = time.monotonic()
            if finished and not events:
                return


class EventStream:
    """A WSGI response body of ``chunks`` that calls ``release`` once when it is closed, as
    the WSGI server does when the response ends or its client goes away, even if it was
    never iterated."""

    def __init__(self, chunks: Iterator[bytes], release):
        self._chunks = chunks
        self._release = release
        self._released = False
        self._lock = threading.Lock()

    def __iter__(self) -> Iterator[bytes]:
        return self._chunks

    def close(self) -> None:
        with self._lock:
            if self._released:
                return
            self._released = True
        try:
            self._chunks.close()  # type: ignore[attr-defined]
        finally:
            self._release()


def _encoded(event: RunEvent, event_id: str) -> bytes:
    """One Server-Sent Event: its id, its kind and its data as one line of JSON."""
    data = event.data if event.weights is None else {**event.data, "weights": weight_levels(event.weights)}
    text = json.dumps(data, separators=(",", ":"), allow_nan=False)
    return f"id: {event_id}\nevent: {event.kind}\ndata: {text}\n\n".encode()


def _resume_position(last_event_id: str | None, run: TrainingRun) -> int:
    """Where a reconnecting stream picks up: after the event it saw last, if that was of
    this run; else at the start."""
    number, _, index = (last_event_id or "").strip().partition("-")
    if number == str(run.number) and index.isdigit():
        return int(index) + 1
    return 0


def _json_body(request: Request):
    """The request's JSON body; {} for an empty one."""
    if not (request.header("Content-Length") or "").strip():
        return {}
    length = request.content_length(MAX_SETTINGS_BYTES)
    body = request.read_body(length)
    if not body.strip():
        return {}
    media_type, _ = request.content_type()
    if media_type != "application/json":
        raise HttpError(415, "send the settings as JSON, with Content-Type application/json")
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        raise HttpError(400, "the settings are not valid JSON") from None


def _run_json(run: TrainingRun | None) -> dict | None:
    if run is None:
        return None
    state = "training" if run.running else ("done" if run.outcome == "done" else "failed")
    return {"number": run.number, "settings": run.settings.to_json(), "state": state,
            "stopped": run.stop_reason, "events": EVENTS_PATH,
            "model": MODEL_PATH if run.outcome == "done" else None}
