"""Preprocess posted images in worker processes, so that the server uses every core.

The server answers requests in threads of one process, and preprocessing (decoding, finding
the digit, redrawing it) is Python and numpy work that mostly holds the interpreter's lock:
one process reads about one image at a time whatever its thread count. A pool of worker
processes does that part in parallel; the server's threads only parse requests, run the
small network and write JSON.

The workers are started by a fork server that has already imported the preprocessing, so
they start in milliseconds and no thread of the server is ever forked. They ignore Ctrl-C,
which the server handles. If a worker dies, the pool is started again and that request is
preprocessed in its own thread.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import numpy as np

from mnist_app.preprocess import to_mnist_image

log = logging.getLogger("mnist_app.web")


class PreprocessingPool:
    """A callable like :func:`to_mnist_image` (image file bytes -> (28, 28) uint8) that runs
    it in ``workers`` processes. Use as a context manager, or call :meth:`close`."""

    def __init__(self, workers: int):
        self.workers = workers
        self._lock = threading.Lock()
        self._pool = self._start()

    def __call__(self, image: bytes) -> np.ndarray:
        pool = self._pool
        try:
            return pool.submit(to_mnist_image, image).result()
        except BrokenProcessPool:
            log.error("a preprocessing worker died; starting the pool again")
            with self._lock:
                if self._pool is pool:
                    pool.shutdown(wait=False, cancel_futures=True)
                    self._pool = self._start()
            return to_mnist_image(image)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> "PreprocessingPool":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def _start(self) -> ProcessPoolExecutor:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["mnist_app.preprocess"])
        pool = ProcessPoolExecutor(self.workers, mp_context=context, initializer=signal.signal,
                                   initargs=(signal.SIGINT, signal.SIG_IGN))
        for done in [pool.submit(int) for _ in range(self.workers)]:  # start them now, not on a request
            done.result()
        return pool
