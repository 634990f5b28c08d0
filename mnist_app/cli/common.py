"""What several commands share: exit codes, argument types, the data and model options."""

from __future__ import annotations

import argparse
import math
import sys

from mnist_app.data import DATA_DIR_ENV, MIRRORS, DownloadSettings, Mnist, load_mnist, resolve_data_dir

EXIT_OK = 0
EXIT_FAILURE = 1  # a failure the user can fix: bad input, unreachable data, bad model file
EXIT_USAGE = 2  # bad command-line usage (argparse exits with 2 as well)
EXIT_INTERRUPTED = 130  # Ctrl-C, as shells report SIGINT


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
    return {
        "data_dir": resolve_data_dir(args.data_dir),
        "mirrors": args.mirror,
        "progress": not args.quiet and sys.stderr.isatty(),
        "settings": DownloadSettings(timeout=args.timeout),
    }


def load_mnist_from_args(args: argparse.Namespace) -> Mnist:
    """Load MNIST as the options of :func:`add_data_options` say, downloading it on first use."""
    return load_mnist(**data_source(args))


def add_model_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", metavar="PATH",
                        help="weights file (default: the pretrained model shipped with mnist_app)")


def escape_unprintable_output() -> None:
    """Print what the output encoding cannot represent (a file name with invalid UTF-8 under
    PYTHONIOENCODING=utf-8, say) as backslash escapes instead of failing with a traceback."""
    for stream in (sys.stdout, sys.stderr):
        if getattr(stream, "errors", None) == "strict" and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
