"""Command line: argparse subcommands that parse, call the library and format output.

Each command lives in its own module of this package with the same two functions:
``add_parser(commands)`` declares its arguments (checked by their argparse types, so a
bad value stops the command before any slow work) and sets ``run``, which returns the
exit status. Only the module of the command that runs is imported (COMMANDS names them),
so ``mnist-app predict`` does not pay for training, reports or the server. Only this
package prints to the user or chooses exit codes; library modules raise
:class:`~mnist_app.errors.MnistAppError` subclasses and ``main`` turns each into one line.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading

from mnist_app.cli.exits import EXIT_INTERRUPTED  # a leaf: nothing else loads before the handler


def _interrupted_while_loading(signum, frame) -> None:
    """Ctrl-C before ``main`` runs (numpy takes a while to import): nothing is written yet,
    so say so in one line and leave at once."""
    os.write(2, b"mnist-app: interrupted\n")
    os._exit(EXIT_INTERRUPTED)


# Only the main thread may set handlers, and a SIGINT that is ignored (a background job) stays so.
_LOADING = threading.current_thread() is threading.main_thread() and \
    signal.getsignal(signal.SIGINT) is signal.default_int_handler
if _LOADING:
    _default_handler = signal.signal(signal.SIGINT, _interrupted_while_loading)

import argparse  # noqa: E402 - the handler above must be in place before these load
import importlib  # noqa: E402

from mnist_app import __version__  # noqa: E402
from mnist_app.cli.common import (  # noqa: E402
    EXIT_FAILURE,
    EXIT_OK,
    EXIT_TERMINATED,
    EXIT_USAGE,
    OutputError,
    Terminated,
    UsageError,
    escape_unprintable_output,
    guarded_stdout,
    printable,
    route_warnings,
)
from mnist_app.errors import MnistAppError  # noqa: E402

if _LOADING:
    signal.signal(signal.SIGINT, _default_handler)

# Each command's name and the module of this package that declares and runs it, in the
# order --help lists them.
COMMANDS = {
    "download": "download",
    "train": "train",
    "evaluate": "evaluate",
    "predict": "predict",
    "backprop": "backprop",
    "report": "report",
    "serve": "serve",
}


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line, raised instead of printed with the usage.
    Each names the help to read: ``help_prog``'s, if set, else its own."""

    help_prog: str | None = None

    def error(self, message: str):
        raise UsageError(f"{message} (see '{self.help_prog or self.prog} --help')")

    def _get_formatter(self):
        # argparse makes a formatter for every argument it adds (to check its metavar), and
        # one left to size itself imports shutil (with bz2, lzma and fnmatch: 8M instructions
        # of `mnist-app predict one.png`'s start-up) for its terminal's width.
        return self.formatter_class(prog=self.prog, width=help_width())


def help_width() -> int:
    """The width argparse's help is wrapped to, as it would size it itself with
    ``shutil.get_terminal_size().columns - 2``: $COLUMNS, else standard output's terminal,
    else 80 columns."""
    with contextlib.suppress(KeyError, ValueError):
        columns = int(os.environ["COLUMNS"])
        if columns > 0:
            return columns - 2
    try:
        columns = os.get_terminal_size(sys.__stdout__.fileno()).columns if sys.__stdout__ else 0
    except (ValueError, OSError):  # closed, detached or not a terminal
        columns = 0
    return (columns or 80) - 2


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The ``mnist-app`` parser. When ``argv`` (default: sys.argv[1:]) starts with a command's
    name it has that command's subparser only; otherwise (--help, --version, a misspelt
    command) it has them all, so help and errors list every command."""
    argv = sys.argv[1:] if argv is None else argv
    wanted = [argv[0]] if argv and argv[0] in COMMANDS else list(COMMANDS)
    parser = _Parser(
        prog="mnist-app",
        description="Read handwritten digits with a 784-30-10 sigmoid network "
        "trained by backpropagation in numpy.",
        epilog="examples:\n"
        "  mnist-app predict digit.png photos/   read your own images (shipped weights)\n"
        "  mnist-app train                       download MNIST, train, save the weights\n"
        "  mnist-app evaluate                    the shipped model on the MNIST test set\n"
        "  mnist-app backprop digit.png --label 7   teach it one image: one SGD step, BP1-BP4\n"
        "  mnist-app serve                       draw digits in the browser: http://127.0.0.1:8000/\n"
        "\n"
        f"exit status: {EXIT_OK} success, {EXIT_FAILURE} failure (bad input, data or model), "
        f"{EXIT_USAGE} bad usage, {EXIT_INTERRUPTED} interrupted (Ctrl-C), {EXIT_TERMINATED} terminated "
        "(SIGTERM; serve stops with 0)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    if len(wanted) == 1:  # the command's options are all there is to get wrong ("unrecognized arguments")
        parser.help_prog = f"mnist-app {wanted[0]}"
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in wanted:
        importlib.import_module(f"{__name__}.{COMMANDS[name]}").add_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the process exit code.

    Every failure is one line on stderr (one per file for a download): usage errors exit
    2, bad input, data or models 1, output that cannot be written (a full disk) 1, Ctrl-C
    130, SIGTERM 143 (each after the same clean-up). Output to a closed pipe stops quietly
    with 1. Names in messages are printed with control characters escaped.
    """
    escape_unprintable_output()
    route_warnings()
    with _terminated_on_sigterm():
        return _run(argv)


def _run(argv: list[str] | None) -> int:
    try:
        with guarded_stdout():
            args = build_parser(argv).parse_args(argv)
            status = args.run(args)
            sys.stdout.flush()  # a full disk is reported here, not lost at exit
            return status
    except UsageError as error:
        _error_line(str(error))
        return EXIT_USAGE
    except MnistAppError as error:
        for line in error.lines:  # a download failure has one line per file (and a hint offline)
            _error_line(line)
        return EXIT_FAILURE
    except OutputError as error:
        if not error.reader_gone:  # nobody reads a closed pipe's messages: stop quietly
            _error_line(f"cannot write the output: {error}")
        return EXIT_FAILURE
    except Terminated:
        print("mnist-app: terminated", file=sys.stderr)
        return EXIT_TERMINATED
    except KeyboardInterrupt:
        print("mnist-app: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


@contextlib.contextmanager
def _terminated_on_sigterm():
    """Within the block, SIGTERM raises Terminated in the main thread (elsewhere, or where
    SIGTERM is ignored, nothing changes); the previous handler is restored after."""
    if threading.current_thread() is not threading.main_thread() \
            or signal.getsignal(signal.SIGTERM) is signal.SIG_IGN:
        yield
        return

    def terminate(signum, frame):
        raise Terminated()

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _error_line(message: str) -> None:
    print(f"mnist-app: error: {printable(message)}", file=sys.stderr)
