"""Read posted images in worker processes, so that the server uses every core and a
picture that crashes or hangs its reader never reaches the server's own process: a digit's
picture (preprocessing) for /api/predict, and a whole number (preprocessing, and the cuts
the network chooses) for /api/number.

The server answers requests in threads of one process, and preprocessing (decoding, finding
the digit, redrawing it) is Python and numpy work that mostly holds the interpreter's lock:
one process reads about one image at a time whatever its thread count. A pool of worker
processes does that part in parallel; the server's threads only parse requests, run the
small network and write JSON.

Each worker has a pipe of its own, and one request thread uses it at a time, so whatever
happens in a worker is pinned on the image it was reading:

- a worker that dies on an image (a crash in a decoder, the kernel's out-of-memory killer)
  is replaced, and that image is answered with an :class:`ImageError`; it is never read
  again, in the server or elsewhere;
- a worker that has not answered within ``timeout`` seconds is killed and replaced, and
  that image is answered the same way.

The workers are started by a fork server that has already imported the preprocessing, so
they start in milliseconds and no thread of the server is ever forked. They ignore Ctrl-C,
which the server handles, and they exit when the server does, however it ends (SIGKILL
included): each watches a pipe whose only writing end the server holds. Once they are
gone, the fork server and multiprocessing's resource tracker, which wait for their
clients' pipes to close, exit too.
"""

from __future__ import annotations

import multiprocessing
import queue
import signal
import threading
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Callable

import numpy as np

from mnist_app.errors import ImageError
from mnist_app.lifeline import exit_when_closed
from mnist_app.preprocess import to_mnist_image
from mnist_app.web.api import Preprocess, ReadNumber
from mnist_app.web.settings import PREPROCESS_SECONDS

if TYPE_CHECKING:
    from mnist_app.numbers import NumberReading

STOP_SECONDS = 5  # how long close() waits for a worker to exit before killing it
# The jobs a worker does, named by the first byte of each message on its pipe (the image
# follows in the same message: one write and one wake-up of the worker a request).
_PICTURE, _NUMBER = b"p", b"n"


class PreprocessingPool:
    """A callable like :func:`to_mnist_image` (image file bytes -> (28, 28) uint8) that runs
    ``preprocess`` (a picklable callable: a module-level function, default ``to_mnist_image``,
    or a Classifier's bound ``digit_picture``) in ``workers``
    processes, each image within ``timeout`` seconds; :meth:`read_number` runs
    ``read_number`` there the same way (a picklable callable, such as a Classifier's bound
    ``read_number``: each worker gets its own copy of the classifier when it starts). Use as
    a context manager, or call :meth:`close`."""

    def __init__(self, workers: int, timeout: float = PREPROCESS_SECONDS, preprocess: Preprocess = to_mnist_image,
                 read_number: ReadNumber | None = None):
        self.timeout = timeout
        self._jobs: dict[bytes, Callable[[bytes], object]] = {_PICTURE: preprocess}
        if read_number is not None:
            self._jobs[_NUMBER] = read_number
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload([__name__, *{job.__module__ for job in self._jobs.values()}])
        # Workers exit when this pipe reads end-of-file: when the server's process is gone.
        self._server_alive, self._server_alive_writer = self._context.Pipe(duplex=False)
        self._idle: queue.SimpleQueue[_Worker] = queue.SimpleQueue()
        self._workers: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        for _ in range(workers):
            self._idle.put(self._start_worker())

    def __call__(self, image: bytes) -> np.ndarray:
        """The (28, 28) uint8 picture of ``image``; what ``preprocess`` raised in the worker
        (ImageError, NoDigitFound) is raised here. ImageError if the worker died on the image
        or did not finish within ``timeout`` seconds."""
        return self._run(_PICTURE, image)

    def read_number(self, image: bytes) -> NumberReading:
        """Every digit in ``image``, by the pool's ``read_number``, raising as :meth:`__call__`."""
        if _NUMBER not in self._jobs:
            raise TypeError("this pool was made without read_number")
        return self._run(_NUMBER, image)

    def _run(self, job: bytes, image: bytes):
        worker = self._idle.get()  # waits while every worker is busy
        try:
            outcome = worker.read(job, image, self.timeout)
        except _WorkerLost as lost:
            worker = self._replace(worker)
            raise ImageError(f"cannot read this image: {lost}") from None
        finally:
            self._idle.put(worker)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    def close(self) -> None:
        """Stop every worker: each reads end-of-file on its pipe and exits."""
        with self._lock:
            self._closed = True
            workers, self._workers = self._workers, set()
        for worker in workers:
            worker.stop()
        self._server_alive_writer.close()
        self._server_alive.close()

    def __enter__(self) -> "PreprocessingPool":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def _start_worker(self) -> "_Worker":
        ours, theirs = self._context.Pipe()
        process = self._context.Process(target=_work, args=(theirs, self._server_alive, self._jobs),
                                        name="mnist-app preprocessing", daemon=True)
        process.start()
        theirs.close()  # the worker holds the only other end: its exit is our end-of-file
        worker = _Worker(process, ours)
        with self._lock:
            self._workers.add(worker)
        return worker

    def _replace(self, worker: "_Worker") -> "_Worker":
        """Kill ``worker`` and start another in its place, unless the pool is closing."""
        worker.stop(wait=0)
        with self._lock:
            self._workers.discard(worker)
            if self._closed:
                return worker
        return self._start_worker()


class _WorkerLost(Exception):
    """The worker died, or did not answer in time; the message says which."""


class _Worker:
    """One worker process and the server's end of its pipe."""

    def __init__(self, process, connection: Connection):
        self.process = process
        self.connection = connection

    def read(self, job: bytes, image: bytes, timeout: float):
        """The worker's outcome of ``job`` for ``image``: what it made or the exception it raised."""
        try:
            self.connection.send_bytes(job + image)
            if not self.connection.poll(timeout):
                raise _WorkerLost(f"reading it took over {timeout:g} s")
            return self.connection.recv()
        except (EOFError, OSError):
            raise _WorkerLost("the process reading it died") from None

    def stop(self, wait: float = STOP_SECONDS) -> None:
        """Close the pipe (the worker exits at end-of-file), then kill it if it has not
        exited within ``wait`` seconds."""
        self.connection.close()
        self.process.join(wait)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


def _work(requests: Connection, server_alive: Connection, jobs: dict[bytes, Callable[[bytes], object]]) -> None:
    """A worker's life: do the job the server names for each image it sends (a message of
    the job's byte, then the image), answer with what the job made or the exception it
    raised, until the server closes the pipe or its process ends."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    exit_when_closed(server_alive.fileno())
    while True:
        try:
            message = requests.recv_bytes()
        except (EOFError, OSError):
            return
        job, image = jobs[message[:1]], message[1:]
        outcome: object
        try:
            outcome = job(image)
        except Exception as error:  # sent back to be raised in the request's thread
            outcome = error.with_traceback(None)
        try:
            requests.send(outcome)
        except (EOFError, OSError):
            return
        except Exception as error:  # an exception that does not pickle: its text does
            requests.send(RuntimeError(f"{type(error).__name__}: {error}"))

