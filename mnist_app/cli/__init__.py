"""Command line: argparse subcommands that parse, call the library and format output.

Each command lives in its own module of this package with the same two functions:
``add_parser(commands)`` declares its arguments (checked by their argparse types, so a
bad value stops the command before any slow work) and sets ``run``, which returns the
exit status. Only this package prints to the user or chooses exit codes; library modules
raise :class:`~mnist_app.errors.MnistAppError` subclasses and ``main`` turns each into one
line.
"""

from __future__ import annotations

import argparse
import sys

from mnist_app import __version__
from mnist_app.cli import download, evaluate, predict, report, serve, train
from mnist_app.cli.common import (
    EXIT_FAILURE,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    UsageError,
    escape_unprintable_output,
)
from mnist_app.errors import MnistAppError

COMMANDS = (download, train, evaluate, predict, report, serve)  # in the order --help lists them


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line, raised instead of printed with the usage."""

    def error(self, message: str):
        raise UsageError(f"{message} (see '{self.prog} --help')")


def build_parser() -> argparse.ArgumentParser:
    """The ``mnist-app`` parser with one subparser per command."""
    parser = _Parser(
        prog="mnist-app",
        description="Read handwritten digits with a 784-30-10 sigmoid network "
        "trained by backpropagation in numpy.",
        epilog="examples:\n"
        "  mnist-app predict digit.png photos/   read your own images (shipped weights)\n"
        "  mnist-app train                       download MNIST, train, save the weights\n"
        "  mnist-app evaluate                    the shipped model on the MNIST test set\n"
        "\n"
        f"exit status: {EXIT_OK} success, {EXIT_FAILURE} failure (bad input, data or model), "
        f"{EXIT_USAGE} bad usage, {EXIT_INTERRUPTED} interrupted",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.add_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    escape_unprintable_output()
    try:
        args = build_parser().parse_args(argv)
        return args.run(args)
    except UsageError as error:
        print(f"mnist-app: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except MnistAppError as error:
        for line in str(error).splitlines():  # a download failure has one line per file
            print(f"mnist-app: error: {line}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        print("mnist-app: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
