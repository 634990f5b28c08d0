"""``mnist-app download``: fetch and verify the four MNIST files."""

from __future__ import annotations

from mnist_app.cli.common import EXIT_OK, add_data_options, data_source, printable
from mnist_app.data import ensure_mnist_files


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "download",
        help="download and verify the MNIST files",
        description="Make sure the data directory holds the four MNIST files with the right "
        "content, downloading those that are missing or corrupt. Once they are there, the "
        "other commands need no network.",
    )
    add_data_options(parser)
    parser.set_defaults(run=run)


def run(args) -> int:
    source = data_source(args)
    files = ensure_mnist_files(**source)
    print(printable(f"{len(files)} MNIST files verified in {source['data_dir']}"))
    return EXIT_OK
