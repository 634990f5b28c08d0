"""``mnist-app report``: one self-contained HTML page showing what a model learned."""

from __future__ import annotations

import sys
from pathlib import Path

from mnist_app.atomic import atomic_write, check_writable
from mnist_app.cli.common import (
    EXIT_OK,
    add_data_options,
    add_model_option,
    load_test_set_from_args,
    printable,
    replacing,
)
from mnist_app.errors import MnistAppError, ModelFileError

DEFAULT_OUTPUT = "report.html"


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "report",
        help="write an HTML report of a model: learning curves, confusion, mistakes, weights, robustness",
        description="Classify the 10000 MNIST test images and write one HTML file that shows the model: its "
        "settings, learning curves, confusion matrix, worst mistakes, hidden neurons' weights, robustness to "
        "shifted, rotated, thinned and blurred digits, and how well its confidence matches its accuracy. "
        "The file embeds every chart and picture, so it opens offline in any browser.",
    )
    add_model_option(parser)
    add_data_options(parser)
    parser.add_argument("--output", metavar="PATH", default=DEFAULT_OUTPUT,
                        help="where to write the HTML report (default: %(default)s)")
    parser.set_defaults(run=run)


def run(args) -> int:
    from mnist_app import model_io  # the slow imports, here
    from mnist_app.model import Model
    from mnist_app.report.figures import check_network, compute_figures, step_count
    from mnist_app.report.html import render

    model_path = Path(args.model or model_io.default_model_path())
    output = Path(args.output)
    model = Model.load(model_path)
    try:
        check_network(model.network)
    except ValueError as error:
        raise ModelFileError(f"{model_path}: {error}") from None
    check_output(output, model_path)  # everything is checked before the data loads

    test_images, test_labels = load_test_set_from_args(args)
    with _progress(step_count(), quiet=args.quiet) as bar:
        figures = compute_figures(model, test_images, test_labels, on_step=bar.update)
    page = render(figures).encode("utf-8")
    replaced = replacing(output)
    try:
        with atomic_write(output) as file:
            file.write(page)
    except OSError as error:
        raise MnistAppError(f"{output}: cannot write the report ({error.strerror})") from None
    evaluation = figures.evaluation
    print(f"test accuracy: {evaluation.correct}/{evaluation.total} ({evaluation.accuracy:.2%})")
    print(printable(f"saved {output} ({len(page) / 1024:.0f} KiB){replaced}"))
    return EXIT_OK


def check_output(output: Path, model_path: Path) -> None:
    """Raise MnistAppError now if the report could not be written to ``output`` at the end, or
    would overwrite the model it describes. Creates missing parent directories."""
    if output.is_dir():
        raise MnistAppError(f"{output}: is a directory; give a file name for the report")
    if output.exists() and output.resolve() == model_path.resolve():
        raise MnistAppError(f"{output}: is the model file itself; give another name for the report")
    try:
        check_writable(output)  # also refuses a device or FIFO, and a name too long for its temporary
    except OSError as error:
        raise MnistAppError(f"{output}: cannot write the report here ({error.strerror})") from None


def _progress(total: int, quiet: bool):
    """A tqdm bar on stderr that appears only if the report takes more than a second."""
    from tqdm import tqdm

    return tqdm(total=total, desc="report", unit="step", delay=1.0, leave=False,
                disable=quiet or not sys.stderr.isatty())
