"""Worker processes that end with their parent.

A parent makes a pipe and never writes to it; each worker it starts keeps only the read end
and calls :func:`exit_when_closed` on it. Reading then blocks until the last writer, the
parent, is gone (its write end closes when it exits, however it dies, SIGKILL included),
and the worker ends at once instead of running on as an orphan. Used by the command
line's pool (`predict` on a folder) and the server's preprocessing workers.
"""

from __future__ import annotations

import os
import threading


def exit_when_closed(read_end: int, status: int = 0) -> None:
    """In a worker: start a daemon thread that ends this process with ``status`` as soon as
    reading file descriptor ``read_end`` meets end-of-file, even mid-task."""
    threading.Thread(target=_wait_then_exit, args=(read_end, status), name="lifeline", daemon=True).start()


def _wait_then_exit(read_end: int, status: int) -> None:
    try:
        os.read(read_end, 1)  # nobody writes: this returns when the parent is gone
    except OSError:
        pass
    os._exit(status)
