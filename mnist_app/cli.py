"""Command line: argparse subcommands that parse, call the library and format output.

Only this module prints to the user or chooses exit codes. Library modules raise
:class:`~mnist_app.errors.MnistAppError` subclasses; ``main`` turns each into one line.

Exit codes: 0 success, 1 a failure the user can fix (bad input, unreachable data,
bad model file, an image that could not be classified), 2 bad command-line usage,
130 interrupted by Ctrl-C.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from dataclasses import asdict
from pathlib import Path

import numpy as np

from mnist_app import __version__, model_io
from mnist_app.data import (
    DATA_DIR_ENV,
    MIRRORS,
    TRAIN_IMAGES,
    TRAIN_LABELS,
    DownloadSettings,
    Mnist,
    ensure_mnist_files,
    load_mnist,
    resolve_data_dir,
)
from mnist_app.errors import ImageError, MnistAppError
from mnist_app.evaluate import evaluate
from mnist_app.network import COSTS, DEFAULT_SIZES, INITIALISATIONS, Network
from mnist_app.train import SCHEDULES, EpochRecord, Hyperparameters, train

DEFAULT_COST = "cross-entropy"
DEFAULT_INIT = "scaled"

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class UsageError(Exception):
    """Arguments that parse but make no sense together (argparse itself exits 2 the same way)."""


def build_parser() -> argparse.ArgumentParser:
    """The ``mnist-app`` parser with one subparser per command."""
    parser = argparse.ArgumentParser(
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
    for add_command in COMMANDS:
        add_command(commands)
    return parser


COMMANDS: list = []


def add_data_options(parser: argparse.ArgumentParser) -> None:
    """Add the options saying where MNIST is cached and how to download it if it is not."""
    group = parser.add_argument_group("MNIST data")
    group.add_argument(
        "--data-dir", metavar="DIR",
        help=f"directory holding the MNIST files (default: ${DATA_DIR_ENV}, "
        "else $XDG_CACHE_HOME/mnist_app, else ~/.cache/mnist_app)",
    )
    group.add_argument(
        "--mirror", action="append", type=_http_url, metavar="URL",
        help="base URL to download the MNIST files from instead of the built-in mirrors; "
        f"repeat to try several in order (default: {' then '.join(MIRRORS)})",
    )
    group.add_argument(
        "--timeout", type=_positive_seconds, default=DownloadSettings.timeout, metavar="SECONDS",
        help="give up on a mirror that takes longer than this to connect or to send more data "
        "(default: %(default)g)",
    )
    group.add_argument("--quiet", action="store_true", help="do not show progress on stderr")


def load_mnist_from_args(args: argparse.Namespace) -> Mnist:
    """Load MNIST as the options of :func:`add_data_options` say, downloading it on first use."""
    return load_mnist(**_data_source(args))


def add_download_command(commands) -> None:
    parser = commands.add_parser(
        "download",
        help="download and verify the MNIST files",
        description="Make sure the data directory holds the four MNIST files with the right "
        "content, downloading those that are missing or corrupt. Once they are there, the "
        "other commands need no network.",
    )
    add_data_options(parser)
    parser.set_defaults(run=run_download)


def run_download(args) -> int:
    source = _data_source(args)
    files = ensure_mnist_files(**source)
    print(f"{len(files)} MNIST files verified in {source['data_dir']}")
    return EXIT_OK


def _data_source(args: argparse.Namespace) -> dict:
    """The data options as keyword arguments of load_mnist and ensure_mnist_files."""
    return {
        "data_dir": resolve_data_dir(args.data_dir),
        "mirrors": args.mirror,
        "progress": not args.quiet and sys.stderr.isatty(),
        "settings": DownloadSettings(timeout=args.timeout),
    }


def _http_url(text: str) -> str:
    """argparse type for --mirror: an http:// or https:// URL."""
    if not text.startswith(("http://", "https://")):
        raise argparse.ArgumentTypeError(f"expected an http:// or https:// URL, got {text!r}")
    return text


def _positive_seconds(text: str) -> float:
    """argparse type for --timeout: a number of seconds above zero."""
    try:
        seconds = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not seconds > 0:  # also rejects nan
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return seconds


COMMANDS.append(add_download_command)


def _hidden_sizes(text: str) -> list[int]:
    """argparse type for --hidden: "30" or "100,30" -> [30] or [100, 30]."""
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected sizes like 30 or 100,30, got {text!r}") from None
    if any(size < 1 for size in sizes):
        raise argparse.ArgumentTypeError(f"layer sizes must be positive, got {text!r}")
    return sizes


def add_train_command(commands) -> None:
    defaults = Hyperparameters()
    parser = commands.add_parser(
        "train",
        help="train a network on MNIST and save its weights",
        description="Train a sigmoid network by backpropagation and minibatch SGD on the first "
        "60000 - N MNIST training images, keep the weights of the epoch with the best accuracy "
        "on the last N (the validation set), report the test accuracy and save the weights.",
    )
    add_data_options(parser)
    parser.add_argument("--output", metavar="PATH", help="where to save the weights (default: mnist-784-30-10.npz, named after the layer sizes)")
    parser.add_argument("--epochs", type=int, default=defaults.epochs, metavar="N", help=f"passes over the training images (default: {defaults.epochs})")
    parser.add_argument("--batch-size", type=int, default=defaults.batch_size, metavar="N", help=f"examples per minibatch (default: {defaults.batch_size})")
    parser.add_argument("--lr", type=float, default=defaults.learning_rate, metavar="ETA", help=f"learning rate eta (default: {defaults.learning_rate})")
    parser.add_argument("--momentum", type=float, default=defaults.momentum, metavar="MU", help=f"momentum, 0 for plain SGD (default: {defaults.momentum})")
    parser.add_argument("--schedule", choices=SCHEDULES, default=defaults.schedule, help=f"learning-rate schedule over the epochs (default: {defaults.schedule})")
    parser.add_argument("--shift", type=int, default=defaults.shift, metavar="PIXELS", help=f"augment by shifting each training image up to this many pixels, 0 for none (default: {defaults.shift})")
    parser.add_argument("--hidden", type=_hidden_sizes, default=list(DEFAULT_SIZES[1:-1]), metavar="N[,N...]", help="hidden layer sizes (default: 30)")
    parser.add_argument("--cost", choices=sorted(COSTS), default=DEFAULT_COST, help=f"cost function (default: {DEFAULT_COST})")
    parser.add_argument("--l2", type=float, default=defaults.l2, metavar="LAMBDA", help=f"L2 regularisation; the book's lambda/n (default: {defaults.l2})")
    parser.add_argument("--init", choices=INITIALISATIONS, default=DEFAULT_INIT, help=f"weights ~ N(0, 1) or N(0, 1/n_in) (default: {DEFAULT_INIT})")
    parser.add_argument("--seed", type=int, default=0, metavar="N", help="random seed: the same seed gives the same weights (default: 0)")
    parser.add_argument("--validation", type=int, default=10000, metavar="N", help="hold out the last N training images to choose the best epoch; 0 trains on all and keeps the last epoch (default: 10000)")
    parser.add_argument("--json", action="store_true", help="print a JSON summary as the last line of stdout")
    parser.set_defaults(run=run_train)


def run_train(args) -> int:
    hyper = Hyperparameters(args.epochs, args.batch_size, args.lr, args.momentum, args.l2, args.schedule, args.shift)
    sizes = [784, *args.hidden, 10]
    try:
        hyper.validate()
    except ValueError as error:
        raise UsageError(str(error)) from None
    output = Path(args.output or f"mnist-{'-'.join(map(str, sizes))}.npz")
    model_io.check_writable(output)

    mnist = load_mnist_from_args(args)
    n_train = len(mnist.train_images) - args.validation
    if not 0 <= args.validation < len(mnist.train_images):
        raise UsageError(f"--validation must be from 0 to {len(mnist.train_images) - 1}, got {args.validation}")
    rng = np.random.default_rng(args.seed)
    network = Network(sizes, cost=args.cost, init=args.init, rng=rng)
    with _epoch_progress(hyper.epochs, quiet=args.quiet) as on_epoch:
        result = train(
            network,
            mnist.train_images[:n_train], mnist.train_labels[:n_train],
            mnist.train_images[n_train:], mnist.train_labels[n_train:],
            hyper, rng, on_epoch,
        )
    test = evaluate(network, mnist.test_images, mnist.test_labels)
    summary = {
        "output": str(output),
        "hyperparameters": {**asdict(hyper), "sizes": sizes, "cost": args.cost, "init": args.init, "validation": args.validation},
        "seed": args.seed,
        "epochs": [asdict(record) for record in result.history],
        "best_epoch": result.best_epoch,
        "validation_accuracy": result.best_val_accuracy,
        "test_accuracy": test.accuracy,
        "interrupted": result.interrupted,
    }
    model_io.save(output, network, {**summary, "training_data_sha256": {
        name: mnist.sha256[name] for name in (TRAIN_IMAGES, TRAIN_LABELS)}})
    if args.json:
        print(json.dumps(summary))
    else:
        if result.interrupted:
            print(f"interrupted after {len(result.history)} of {hyper.epochs} epochs")
        chosen = f"epoch {result.best_epoch}" if result.best_epoch else "the interrupted first epoch"
        if result.best_val_accuracy is not None:
            chosen += f", validation {result.best_val_accuracy:.2%}"
        print(f"test accuracy: {test.correct}/{test.total} ({test.accuracy:.2%}) with the weights of {chosen}")
        print(f"saved {output}")
    return EXIT_INTERRUPTED if result.interrupted else EXIT_OK


@contextlib.contextmanager
def _epoch_progress(epochs: int, quiet: bool):
    """Yields the per-epoch callback: a tqdm bar on a terminal, a line per epoch otherwise."""
    from tqdm import tqdm  # here: importing it costs 50 ms of every other command's start-up

    show_bar = not quiet and sys.stderr.isatty()
    with tqdm(total=epochs, unit="epoch", desc="training", disable=not show_bar) as bar:
        def on_epoch(record: EpochRecord) -> None:
            val = "n/a" if record.val_accuracy is None else f"{record.val_accuracy:.2%}"
            if show_bar:
                bar.set_postfix(loss=f"{record.train_loss:.4f}", val=val, refresh=False)
                bar.update()
            elif not quiet:
                print(f"epoch {record.epoch}/{epochs}: loss {record.train_loss:.4f}, validation {val}, {record.seconds:.2f} s", file=sys.stderr)
        yield on_epoch


def add_evaluate_command(commands) -> None:
    parser = commands.add_parser(
        "evaluate",
        help="measure a model on the MNIST test set",
        description="Classify the 10000 MNIST test images: accuracy, accuracy per digit and the confusion matrix.",
    )
    add_model_option(parser)
    add_data_options(parser)
    parser.add_argument("--json", action="store_true", help='print one JSON object: {"accuracy", "correct", "total", "per_class", "confusion"}')
    parser.set_defaults(run=run_evaluate)


def run_evaluate(args) -> int:
    network, _ = model_io.load(args.model or model_io.default_model_path())
    mnist = load_mnist_from_args(args)
    result = evaluate(network, mnist.test_images, mnist.test_labels)
    if args.json:
        print(json.dumps(result.to_json()))
        return EXIT_OK
    print(f"test accuracy: {result.correct}/{result.total} ({result.accuracy:.2%})")
    print("per digit:  " + "  ".join(f"{digit}: {acc:.1%}" for digit, acc in enumerate(result.per_class)))
    print("confusion (rows: true digit, columns: predicted digit):")
    print("     " + "".join(f"{digit:>6}" for digit in range(10)))
    for digit, row in enumerate(result.confusion):
        print(f"{digit:>5}" + "".join(f"{count:>6}" for count in row))
    return EXIT_OK


def add_model_option(parser) -> None:
    parser.add_argument("--model", metavar="PATH", help="weights file (default: the pretrained model shipped with mnist_app)")


COMMANDS.extend([add_train_command, add_evaluate_command])


def _top_k(text: str) -> int:
    """argparse type for --top-k: a whole number from 1 to 10."""
    k = int(text) if text.strip().lstrip("+-").isdigit() else 0
    if not 1 <= k <= 10:
        raise argparse.ArgumentTypeError(f"expected a whole number from 1 to 10, got {text!r}")
    return k


def add_predict_command(commands) -> None:
    parser = commands.add_parser(
        "predict",
        help="read the digit in each image",
        description="Read the digit in each image: a photo, scan, canvas export or typed digit "
        "in any format Pillow opens. Each image is first redrawn in MNIST's convention (28x28, "
        "light ink on black, scaled to 20x20 and centred by mass). An image that cannot be "
        "classified gets a one-line error and the others are still read; the exit status is "
        "1 if any failed.",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH",
                        help="an image file, a directory (its image files, sorted by name) "
                        "or - for one image on stdin")
    add_model_option(parser)
    parser.add_argument("--json", action="store_true",
                        help='print one JSON object per line per image: {"path", "digit", '
                        '"confidence", "probabilities"} or, if it failed, {"path", "error"}')
    parser.add_argument("--top-k", type=_top_k, default=1, metavar="K",
                        help="show the K most likely digits with their probabilities (default: 1)")
    parser.set_defaults(run=run_predict)


def run_predict(args) -> int:
    from mnist_app.predict import Classifier  # here, so other commands need not import Pillow

    classifier = Classifier.load(args.model)
    entries = _image_entries(args.paths)
    readable = [source for _, source in entries if not isinstance(source, ImageError)]
    predictions = classifier.predict_each(readable)  # lazy: batched as the loop asks
    failed = False
    try:
        with _image_progress(len(entries)) as (advance, print_error):
            for name, source in entries:
                outcome = source if isinstance(source, ImageError) else next(predictions)
                failed |= isinstance(outcome, ImageError)
                if args.json:
                    print(json.dumps(_prediction_record(name, outcome)))
                elif isinstance(outcome, ImageError):
                    print_error(f"mnist-app: error: {name}: {outcome}")
                else:
                    print(_prediction_line(name, outcome, args.top_k))
                advance()
        sys.stdout.flush()
    except BrokenPipeError:  # e.g. `mnist-app predict DIR | head -1`: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILURE
    return EXIT_FAILURE if failed else EXIT_OK


def _image_entries(paths: list[str]) -> list[tuple[str, object]]:
    """(name, image source or the ImageError of an unusable directory) for each image the
    PATH arguments name, in order: directories are listed, and '-' is stdin's bytes."""
    from mnist_app.predict import image_files

    entries = []
    for path in paths:
        if path == "-":
            entries.append((path, sys.stdin.buffer.read()))
        elif Path(path).is_dir():
            try:
                entries.extend((str(file), file) for file in image_files(path))
            except ImageError as error:
                entries.append((path, error))
        else:
            entries.append((path, path))
    return entries


@contextlib.contextmanager
def _image_progress(total: int):
    """Yields (advance, print_error): a tqdm bar over the images, on stderr, shown only when
    stderr is a terminal and stdout is not (on a terminal the output lines are the progress)."""
    if total < 2 or not sys.stderr.isatty() or sys.stdout.isatty():
        yield (lambda: None), (lambda line: print(line, file=sys.stderr))
        return
    from tqdm import tqdm

    with tqdm(total=total, unit="image", desc="reading", leave=False) as bar:
        yield bar.update, (lambda line: bar.write(line, file=sys.stderr))


def _prediction_line(name: str, prediction, top_k: int) -> str:
    """The text output for one image: its name and the ``top_k`` likeliest digits."""
    ranked = ", ".join(f"{digit} ({p:.1%})" for digit, p in prediction.top(top_k))
    return f"{name}: {ranked}"


def _prediction_record(name: str, outcome) -> dict:
    """The --json object for one image."""
    if isinstance(outcome, ImageError):
        return {"path": name, "error": str(outcome)}
    return {
        "path": name,
        "digit": outcome.digit,
        "confidence": round(outcome.confidence, 6),
        "probabilities": [round(p, 6) for p in outcome.probabilities],
    }


COMMANDS.append(add_predict_command)


def _escape_unprintable_output() -> None:
    """Print what the output encoding cannot represent (a file name with invalid UTF-8 under
    PYTHONIOENCODING=utf-8, say) as backslash escapes instead of failing with a traceback."""
    for stream in (sys.stdout, sys.stderr):
        if getattr(stream, "errors", None) == "strict" and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    _escape_unprintable_output()
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except UsageError as error:
        print(f"mnist-app {args.command}: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except MnistAppError as error:
        for line in str(error).splitlines():  # a download failure has one line per file
            print(f"mnist-app: error: {line}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        print("mnist-app: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
