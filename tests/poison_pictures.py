"""Preprocessing for PreprocessingPool's tests: each function reads a picture as usual,
except b"poison", on which it behaves as a hostile picture would in a worker process. If
it ever reads the poison in the tests' own process (where the server runs), it records
that instead, so the test can fail without the test process dying or hanging."""

from __future__ import annotations

import multiprocessing
import os
import time

from mnist_app.preprocess import to_mnist_image

POISON = b"poison"
HANG_SECONDS = 60
RAN_IN_SERVER: list[bytes] = []


def _in_server() -> bool:
    return multiprocessing.parent_process() is None


def dies_on_poison(image: bytes):
    """The worker process ends at once on the poison, as a crashing decoder would."""
    if image == POISON:
        if _in_server():
            RAN_IN_SERVER.append(image)
            raise RuntimeError("the poison was read in the server's process")
        os._exit(3)
    return to_mnist_image(image)


def hangs_on_poison(image: bytes):
    """The worker is stuck for a minute on the poison."""
    if image == POISON:
        if _in_server():
            RAN_IN_SERVER.append(image)
            raise RuntimeError("the poison was read in the server's process")
        time.sleep(HANG_SECONDS)
    return to_mnist_image(image)
