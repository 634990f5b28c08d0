"""``mnist-app train``'s signals: SIGTERM stops a training run the way Ctrl-C does."""

from __future__ import annotations

import contextlib
import signal
import threading

from mnist_app.cli.common import Terminated


@contextlib.contextmanager
def sigterm_stops_as_ctrl_c():
    """Within the block (training), SIGTERM (``kill``, ``docker stop``) stops the run as
    Ctrl-C does, after the current minibatch with the best weights kept, by raising SIGINT
    for train's own handler; the yielded Event says whether it came. Where that handler
    is not in place (before the first minibatch, or at a second SIGTERM), and outside the
    block, SIGTERM ends the command at once (mnist_app.cli.main), as it does every command.
    Outside the main thread, or where SIGTERM is ignored, nothing changes."""
    terminated = threading.Event()
    if threading.current_thread() is not threading.main_thread() \
            or signal.getsignal(signal.SIGTERM) is signal.SIG_IGN:
        yield terminated
        return

    def stop(signum, frame):
        if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            raise Terminated()
        terminated.set()
        signal.raise_signal(signal.SIGINT)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield terminated
    finally:
        signal.signal(signal.SIGTERM, previous)
