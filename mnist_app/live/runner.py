"""The server's side of live training: one run at a time, in a process of its own.

    trainer = Trainer(MnistFiles(data_dir))
    run = trainer.start(RunSettings(epochs=2))     # RunInProgress while another one trains
    events, finished = run.log.wait(0, timeout=1)  # the run's events so far, in order
    trainer.stop()                                 # ends it early; its weights are kept
    trainer.close()                                # at shutdown: no process is left behind

The training process (``python -m mnist_app.live.run``, started with its own environment
so that its BLAS uses one thread) sends events through a pipe; a thread of this process
receives them, keeps the latest network (to read digits with) and appends the events to
the run's :class:`EventLog`, which any number of listeners read. A stop is a SIGINT,
which :func:`mnist_app.training.train` answers as it answers Ctrl-C: after the current
minibatch, keeping the weights. The run is stopped after ``max_seconds``, and killed if
it does not end within ``grace_seconds`` of being stopped.
"""

from __future__ import annotations

import os
import pickle
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
from pathlib import Path

import numpy as np

from mnist_app.errors import MnistAppError
from mnist_app.limits import LIVE_MAX_TRAINING_SECONDS, LIVE_STOP_GRACE_SECONDS
from mnist_app.live.run import reading_convention
from mnist_app.live.settings import RunSettings
from mnist_app.network import Network

STOPPED_BY_USER = "stopped"
STOPPED_AT_TIME_LIMIT = "time limit"
STOPPED_AT_SHUTDOWN = "server stopping"
# The training process does its matrix products on one thread unless OPENBLAS_NUM_THREADS
# says otherwise: the server's threads and its preprocessing workers need the other core,
# and OpenBLAS threads that wait for a busy core spin. Measured on a shared 2-core machine
# (load 16): 1,024 examples at batch 64 took 1.5 s with two BLAS threads, 0.06 s with one.
TRAINING_BLAS_THREADS = "1"


class RunInProgress(MnistAppError):
    """A run is training already: a server trains one network at a time."""


class MnistMissing(MnistAppError):
    """The MNIST files are not in the data directory; the message says how to get them."""


@dataclass(frozen=True)
class RunEvent:
    """One event of a run: ``kind`` ("progress", "epoch", "done" or "error"), its JSON-ready
    ``data``, and the first layer's weights (n_hidden, 784) after it, if it carries them."""

    kind: str
    data: dict
    weights: np.ndarray | None = None


class EventLog:
    """A run's events in order, appended by one thread and read by many. Only the newest
    event that carries weights keeps them: a late reader needs only the latest picture."""

    def __init__(self):
        self._changed = threading.Condition()
        self._events: list[RunEvent] = []
        self._newest_weights = -1
        self.finished = False

    def append(self, event: RunEvent) -> None:
        with self._changed:
            if event.weights is not None:
                if self._newest_weights >= 0:
                    older = self._events[self._newest_weights]
                    self._events[self._newest_weights] = replace(older, weights=None)
                self._newest_weights = len(self._events)
            self._events.append(event)
            self._changed.notify_all()

    def finish(self) -> None:
        """No more events will come."""
        with self._changed:
            self.finished = True
            self._changed.notify_all()

    def wait(self, position: int, timeout: float) -> tuple[list[RunEvent], bool]:
        """(the events from index ``position`` on, whether the log is finished: no more
        will come), waiting up to ``timeout`` seconds for one if there are none yet."""
        with self._changed:
            self._changed.wait_for(lambda: len(self._events) > position or self.finished, timeout)
            return self._events[position:], self.finished


class TrainingRun:
    """One run of ``settings``: its process, its events, and its latest network."""

    def __init__(self, number: int, settings: RunSettings, source, model_path: Path,
                 max_seconds: float, grace_seconds: float, seed: int | None = None):
        self.number = number
        self.settings = settings
        self.model_path = model_path
        self.log = EventLog()
        self.stop_reason: str | None = None
        self.network: Network | None = None  # the weights of the latest event
        self.convention = reading_convention(settings.hyperparameters())
        self.outcome: str | None = None  # "done" or "error" once the run has ended
        self._grace_seconds = grace_seconds
        self._started = False  # whether the process answers SIGINT by stopping (not dying)
        self._stopping = threading.Lock()
        self.process, receive = _start_process(settings, source, model_path, seed)
        self._listener = threading.Thread(target=self._listen, args=(receive,), daemon=True,
                                          name=f"mnist-app-training-{number}-events")
        self._listener.start()
        self._deadline = threading.Timer(max_seconds, self.stop, (STOPPED_AT_TIME_LIMIT,))
        self._deadline.daemon = True
        self._deadline.start()

    @property
    def running(self) -> bool:
        """Until its done or error event: a new run may start then."""
        return self.outcome is None

    def stop(self, reason: str = STOPPED_BY_USER) -> None:
        """Ask the run to stop after its current minibatch and save its weights; kill its
        process if it has not ended ``grace_seconds`` later."""
        with self._stopping:
            if not self.running or self.stop_reason is not None:
                return
            self.stop_reason = reason
            if self._started:  # else the process is signalled once it says it has started
                self._signal(signal.SIGINT)
        killer = threading.Timer(self._grace_seconds, self.kill)
        killer.daemon = True
        killer.start()

    def kill(self) -> None:
        """End the process now (its weights are lost if they were not saved yet)."""
        self._signal(signal.SIGKILL)
        self.process.wait()

    def _signal(self, number: int) -> None:
        try:
            self.process.send_signal(number)  # does nothing once the process is reaped
        except ProcessLookupError:  # it ended, not yet reaped
            pass

    def close(self) -> None:
        """Stop the run at once, and wait until its process and thread have ended."""
        self._deadline.cancel()
        if self.running and self.stop_reason is None:
            self.stop_reason = STOPPED_AT_SHUTDOWN
        self.kill()
        self._listener.join()

    def _listen(self, receive) -> None:
        try:
            while True:
                try:
                    kind, data = receive.recv()
                except (EOFError, OSError):
                    break
                self._received(kind, data)
        finally:
            receive.close()
            self.process.wait()
            self._deadline.cancel()
            if self.outcome is None:
                self._received("error", {"error": self._death()})
            self.log.finish()

    def _received(self, kind: str, data: dict) -> None:
        if kind == "started":
            with self._stopping:
                self._started = True
                if self.stop_reason is not None:
                    self._signal(signal.SIGINT)
            return
        parameters = data.pop("parameters", None)
        if parameters is not None and not all(np.isfinite(p).all() for p in parameters[0] + parameters[1]):
            parameters = None  # diverging: nothing to draw or read with
        if parameters is not None:
            weights, biases = parameters
            self.network = Network.from_parameters(weights, biases, cost=self.settings.cost)
        if kind in ("done", "error"):
            self.outcome = kind
            data["stopped"] = self.stop_reason
        self.log.append(RunEvent(kind, data, None if parameters is None else parameters[0][0]))

    def _death(self) -> str:
        if self.stop_reason is not None:
            return f"the run was ended ({self.stop_reason}) before it could save its weights"
        return f"the training process ended unexpectedly (exit status {self.process.returncode})"


class Trainer:
    """Starts, stops and keeps the latest run on ``source`` (:class:`~mnist_app.live.run.MnistFiles`
    or alike): one at a time. ``seed`` seeds every run alike (None: a fresh seed each run,
    recorded in the saved model)."""

    def __init__(self, source, max_seconds: float = LIVE_MAX_TRAINING_SECONDS,
                 grace_seconds: float = LIVE_STOP_GRACE_SECONDS, seed: int | None = None):
        self.source = source
        self.seed = seed
        self.max_seconds = max_seconds
        self.grace_seconds = grace_seconds
        self.run: TrainingRun | None = None
        self._lock = threading.Lock()
        self._runs = 0
        self._work_dir: Path | None = None
        self._closed = False

    def start(self, settings: RunSettings) -> TrainingRun:
        """Start a run; RunInProgress if one is training, MnistMissing without the data."""
        with self._lock:
            if self._closed:
                raise RunInProgress("the server is stopping")
            if self.run is not None and self.run.running:
                raise RunInProgress(f"run {self.run.number} is training; stop it first (POST /api/train/stop)")
            if self.source.missing():
                raise MnistMissing(self.source.how_to_get())
            if self.run is not None:
                self.run.close()
                self.run.model_path.unlink(missing_ok=True)
            if self._work_dir is None:
                self._work_dir = Path(tempfile.mkdtemp(prefix="mnist-app-training-"))
            self._runs += 1
            self.run = TrainingRun(self._runs, settings, self.source, self._work_dir / f"run-{self._runs}.npz",
                                   self.max_seconds, self.grace_seconds, self.seed)
            return self.run

    def stop(self) -> TrainingRun | None:
        """Stop the current run, if it trains; the run (None if there never was one)."""
        with self._lock:
            if self.run is not None:
                self.run.stop()
            return self.run

    def close(self) -> None:
        """End the run at once and remove its files; no process is left."""
        with self._lock:
            self._closed = True
            if self.run is not None:
                self.run.close()
            if self._work_dir is not None:
                shutil.rmtree(self._work_dir, ignore_errors=True)

    def __enter__(self) -> "Trainer":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def _start_process(settings: RunSettings, source, model_path: Path,
                   seed: int | None) -> tuple[subprocess.Popen, Connection]:
    """Start ``python -m mnist_app.live.run`` for one run, in a session of its own (a Ctrl-C
    at the server's terminal is the server's to handle); the process and the receiving
    end of its event pipe. Its stderr is the server's."""
    receive_fd, send_fd = os.pipe()
    environment = {**os.environ, "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS", TRAINING_BLAS_THREADS)}
    try:
        process = subprocess.Popen([sys.executable, "-m", "mnist_app.live.run", str(send_fd)], stdin=subprocess.PIPE,
                                   pass_fds=(send_fd,), env=environment, start_new_session=True)
    except BaseException:
        os.close(receive_fd)
        raise
    finally:
        os.close(send_fd)  # the process holds the sending end; the pipe ends when it does
    assert process.stdin is not None
    with process.stdin:
        pickle.dump((sys.path, pickle.dumps((settings, source, str(model_path), seed))), process.stdin)
    return process, Connection(receive_fd, writable=False)
