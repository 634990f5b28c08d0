"""Command line: argparse subcommands that parse, call the library and format output.

Only this module prints to the user or chooses exit codes. Library modules raise
:class:`~mnist_app.errors.MnistAppError` subclasses; ``main`` turns each into one line.

Exit codes: 0 success, 1 a failure the user can fix (bad input, unreachable data,
bad model file, an image that could not be classified), 2 bad command-line usage,
130 interrupted by Ctrl-C.
"""

from __future__ import annotations

import argparse
import sys

from mnist_app import __version__
from mnist_app.errors import MnistAppError

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_INTERRUPTED = 130


def build_parser() -> argparse.ArgumentParser:
    """The ``mnist-app`` parser with one subparser per command."""
    parser = argparse.ArgumentParser(
        prog="mnist-app",
        description="Read handwritten digits with a 784-30-10 sigmoid network "
        "trained by backpropagation in numpy.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add_command in COMMANDS:
        add_command(commands)
    return parser


COMMANDS: list = []


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except MnistAppError as error:
        print(f"mnist-app: error: {error}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        print("mnist-app: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
