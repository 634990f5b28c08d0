"""What several commands share: exit codes, argument types, the data and model options."""

from __future__ import annotations

import argparse
import contextlib
import functools
import math
import os
import signal
import sys
import warnings
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # mnist_app.data is imported by the commands that use data, when they do
    import numpy as np

    from mnist_app.data import Mnist

from mnist_app.cli.exits import (  # noqa: F401 - the commands import them from here
    EXIT_FAILURE,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TERMINATED,
    EXIT_USAGE,
)


# What sets OpenBLAS's thread count, in the order it reads them.
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS")


def one_blas_thread() -> None:
    """Have numpy's OpenBLAS start with one thread, unless the user set its thread count
    (BLAS_THREAD_VARIABLES) or numpy is loaded already. Call before numpy loads.

    Reading pictures multiplies a few of them at a time by a small network: OpenBLAS's
    threads do not make products that small faster, but starting them and their spinning
    after each product cost CPU time (measured by scripts/bench_predict.py, docs/speed.md).
    Worker processes inherit the setting: each of them has a core of its own to use.
    """
    if "numpy" not in sys.modules and not any(name in os.environ for name in BLAS_THREAD_VARIABLES):
        os.environ[BLAS_THREAD_VARIABLES[0]] = "1"


def usable_cores() -> int:
    """The CPU cores this process may run on (its affinity where the system has one)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived: raised in the main thread, so that whatever cleans up after Ctrl-C
    (a worker pool, a half-written file) cleans up after it too."""


class UsageError(Exception):
    """Arguments that parse but make no sense together (argparse itself exits 2 the same way)."""


def whole_number(low: int, high: int):
    """argparse type: a whole number from ``low`` to ``high``, checked before any work starts."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"expected a whole number from {low} to {high}, got {text!r}")
        return value

    return parse


def finite_number(low: float, high: float = math.inf, *, low_inclusive: bool = True, high_inclusive: bool = False):
    """argparse type: a finite number in the interval from ``low`` to ``high``."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        above = value >= low if low_inclusive else value > low
        below = value <= high if high_inclusive else value < high
        if not (math.isfinite(value) and above and below):
            interval = f"{'[' if low_inclusive else '('}{low:g}, {high:g}{']' if high_inclusive else ')'}"
            raise argparse.ArgumentTypeError(f"expected a finite number in {interval}, got {text!r}")
        return value

    return parse


def http_url(text: str) -> str:
    """argparse type for --mirror: an http:// or https:// URL."""
    if not text.startswith(("http://", "https://")):
        raise argparse.ArgumentTypeError(f"expected an http:// or https:// URL, got {text!r}")
    return text


def add_data_options(parser: argparse.ArgumentParser) -> None:
    """Add the options saying where MNIST is cached and how to download it if it is not."""
    from mnist_app.data import DATA_DIR_ENV
    from mnist_app.mnist_files import MIRRORS, DownloadSettings

    group = parser.add_argument_group("MNIST data")
    group.add_argument(
        "--data-dir", metavar="DIR",
        help=f"directory holding the MNIST files (default: ${DATA_DIR_ENV}, "
        "else $XDG_CACHE_HOME/mnist_app, else ~/.cache/mnist_app)",
    )
    group.add_argument(
        "--mirror", action="append", type=http_url, metavar="URL",
        help="base URL to download the MNIST files from instead of the built-in mirrors; "
        f"repeat to try several in order (default: {' then '.join(MIRRORS)})",
    )
    group.add_argument(
        "--timeout", type=finite_number(0, low_inclusive=False), default=DownloadSettings.timeout,
        metavar="SECONDS",
        help="give up on a mirror that takes longer than this to connect or to send more data "
        "(default: %(default)g)",
    )
    group.add_argument("--quiet", action="store_true", help="do not show progress on stderr")


def data_source(args: argparse.Namespace) -> dict:
    """The data options as keyword arguments of load_mnist and ensure_mnist_files."""
    from mnist_app.data import resolve_data_dir
    from mnist_app.mnist_files import DownloadSettings

    return {
        "data_dir": resolve_data_dir(args.data_dir),
        "mirrors": args.mirror,
        "progress": not args.quiet and sys.stderr.isatty(),
        "settings": DownloadSettings(timeout=args.timeout),
    }


def load_mnist_from_args(args: argparse.Namespace) -> Mnist:
    """Load MNIST as the options of :func:`add_data_options` say, downloading it on first use,
    and say on stderr (unless --quiet) which folder it came from."""
    from mnist_app.data import load_mnist

    return _load_and_say(args, load_mnist)


def load_test_set_from_args(args: argparse.Namespace) -> tuple[np.ndarray, np.ndarray]:
    """MNIST's test images and labels, as :func:`load_mnist_from_args` loads them, needing
    (and downloading) only the two test files."""
    from mnist_app.data import load_test_set

    return _load_and_say(args, load_test_set)


def _load_and_say(args: argparse.Namespace, load):
    source = data_source(args)
    loaded = load(**source)
    if not args.quiet:
        print(printable(f"mnist-app: MNIST from {source['data_dir']}"), file=sys.stderr)
    return loaded


def replacing(path: str | os.PathLike) -> str:
    """", replacing the file that was there" if ``path`` exists (call it just before writing
    there), else "": the line that says an output was written also says it overwrote one."""
    return ", replacing the file that was there" if os.path.lexists(path) else ""


def add_model_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", metavar="PATH",
                        help="weights file (default: the pretrained model shipped with mnist_app)")


class OutputError(Exception):
    """Standard output could not be written (a closed pipe, a full disk); the message says why."""

    def __init__(self, error: OSError):
        super().__init__(error.strerror or str(error))
        self.reader_gone = isinstance(error, BrokenPipeError)  # e.g. `mnist-app predict DIR | head -1`


class _GuardedOutput:
    """A text stream that turns its write and flush failures into OutputError, so they
    are told apart from failures reading input. Everything else is the wrapped stream's."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except OSError as error:
            raise OutputError(error) from None

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError as error:
            raise OutputError(error) from None

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


@contextlib.contextmanager
def guarded_stdout():
    """Within the block, writing or flushing sys.stdout raises OutputError. After a failure,
    the output goes to the null device, so that Python's flush at exit cannot fail again."""
    original = sys.stdout
    sys.stdout = _GuardedOutput(original)
    try:
        yield
    except OutputError:
        with contextlib.suppress(Exception):  # stdout may have no file descriptor (a test's capture)
            os.dup2(os.open(os.devnull, os.O_WRONLY), original.fileno())
        raise
    finally:
        sys.stdout = original


# C0 and C1 control characters, and the Unicode line separators and direction overrides that
# can make a printed name look like other output.
UNPRINTABLE = (*range(0x20), *range(0x7F, 0xA0), 0x200E, 0x200F, 0x2028, 0x2029, *range(0x202A, 0x202F),
               *range(0x2066, 0x206A))
_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# Each one's escape, for str.translate (a regular expression of them took 2.5M instructions
# to compile, 0.4% of `mnist-app predict one.png`).
_ESCAPES = {code: _NAMED_ESCAPES.get(chr(code)) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
            for code in UNPRINTABLE}


def printable(text: str) -> str:
    """``text`` with control characters written as escapes (a newline as \\n, ESC as \\x1b),
    so that a file name cannot start a new output line or move the cursor."""
    return text.translate(_ESCAPES)


def route_warnings() -> None:
    """Show any warning a library still emits as one 'mnist-app: warning:' line."""
    def show(message, category, filename, lineno, file=None, line=None):
        print(f"mnist-app: warning: {printable(str(message).splitlines()[0] if str(message) else category.__name__)}",
              file=sys.stderr)
    warnings.showwarning = show


def escape_unprintable_output() -> None:
    """Print what the output encoding cannot represent (a file name with invalid UTF-8 under
    PYTHONIOENCODING=utf-8, say) as backslash escapes instead of failing with a traceback."""
    for stream in (sys.stdout, sys.stderr):
        if getattr(stream, "errors", None) == "strict" and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")


@contextlib.contextmanager
def worker_map(use_pool: bool, chunksize: int = 1):
    """Yields a ``map``: the built-in one, or (if ``use_pool`` and this machine has two
    usable cores or more) a pool's, one worker process per usable core, forked so they start
    in milliseconds; Ctrl-C is left to this process."""
    import multiprocessing  # 6 ms to import: only the commands that may start a pool pay for it
    from concurrent.futures import ProcessPoolExecutor

    workers = usable_cores()
    if not use_pool or workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        yield map
        return

    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=signal.signal,
                             initargs=(signal.SIGINT, signal.SIG_IGN)) as pool:
        yield functools.partial(pool.map, chunksize=chunksize)
