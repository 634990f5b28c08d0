"""``mnist-app train``'s signals: SIGTERM stops a training run the way Ctrl-C does, and
neither loses a run that has finished training."""

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


@contextlib.contextmanager
def finish_first():
    """Within the block (after training: calibration, the test score, the save; about 1 s),
    Ctrl-C and SIGTERM wait for the block to end, so that a finished run is saved; the
    yielded list holds the first signal that came (the command then exits as it says). A
    second one stops at once, as ever. Outside the main thread nothing changes."""
    came: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield came
        return

    def wait(signum, frame):
        if came:
            raise Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()
        came.append(signum)

    handled = [number for number in (signal.SIGINT, signal.SIGTERM) if signal.getsignal(number) is not signal.SIG_IGN]
    previous = {number: signal.signal(number, wait) for number in handled}
    try:
        yield came
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
