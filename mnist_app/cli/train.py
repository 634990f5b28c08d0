"""``mnist-app train``: train a network on MNIST, report its test accuracy, save its weights."""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import signal
import sys
from dataclasses import asdict
from pathlib import Path

import numpy as np

from mnist_app import model_io
from mnist_app.cli.common import (
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TERMINATED,
    UsageError,
    add_data_options,
    finite_number,
    load_mnist_from_args,
    printable,
    replacing,
    whole_number,
)
from mnist_app.cli.train_data import HARD_REPEAT, training_set
from mnist_app.cli.train_signals import finish_first, sigterm_stops_as_ctrl_c
from mnist_app.constants import (
    DEFAULT_COST,
    DEFAULT_HIDDEN,
    DEFAULT_INIT,
    DEFAULT_MODEL_NAME,
    INPUT_SIZE,
    N_CLASSES,
    N_TRAIN_IMAGES,
    VALIDATION_IMAGES,
    model_file_name,
)
from mnist_app.distortions import STANDARD_DISTORTIONS
from mnist_app.data import TRAIN_IMAGES, TRAIN_LABELS
from mnist_app.evaluate import evaluate
from mnist_app.model import Model
from mnist_app.network import COSTS, INITIALISATIONS, Network
from mnist_app.reading import ReadingConvention
from mnist_app.training import MAX_SHIFT, SCHEDULES, EpochRecord, Hyperparameters, train

MAX_HIDDEN = 4096  # neurons per hidden layer: 784-4096-10 is already 3.2 million weights
MAX_EPOCHS = 10_000
MAX_SEED = 2**63 - 1
MAX_SYNTHETIC = 200_000  # generated training images of each kind
# Non-digits every run trains on by default, as a share of its training digits, so that
# every model it makes has a rule that means something (drawn without fonts when none is
# installed): 2,000 for MNIST's 50,000, a few seconds of generation on 2 cores.
DEFAULT_NONDIGIT_SHARE = 0.04
# What a model file records of the model its run started from (--start-from), besides a hash of its weights.
STARTED_FROM_KEYS = ("created_utc", "seed", "hyperparameters", "history", "best_epoch", "validation_accuracy",
                     "test_accuracy", "reject", "training_data_sha256", "fonts", "started_from")


def hidden_sizes(text: str) -> list[int]:
    """argparse type for --hidden: "30" or "100,30" -> [30] or [100, 30]."""
    parse_size = whole_number(1, MAX_HIDDEN)
    try:
        return [parse_size(part) for part in text.split(",")]
    except argparse.ArgumentTypeError as error:
        raise argparse.ArgumentTypeError(f"expected layer sizes like 30 or 100,30: {error}") from None


def add_parser(commands) -> None:
    defaults = Hyperparameters()
    parser = commands.add_parser(
        "train",
        help="train a network on MNIST and save its weights",
        description="Train a sigmoid network by backpropagation and minibatch SGD on the first "
        "60000 - N MNIST training images, keep the weights of the epoch with the best accuracy "
        "on the last N (the validation set), report the test accuracy and save the weights.",
    )
    add_data_options(parser)
    option = parser.add_argument
    option("--output", metavar="PATH",
           help=f"where to save the weights (default: {DEFAULT_MODEL_NAME}, named after the layer sizes)")
    option("--epochs", type=whole_number(1, MAX_EPOCHS), default=defaults.epochs, metavar="N",
           help=f"passes over the training images (default: {defaults.epochs})")
    option("--batch-size", type=whole_number(1, N_TRAIN_IMAGES), default=defaults.batch_size, metavar="N",
           help=f"examples per minibatch (default: {defaults.batch_size})")
    option("--lr", type=finite_number(0, low_inclusive=False), default=defaults.learning_rate, metavar="ETA",
           help=f"learning rate eta (default: {defaults.learning_rate})")
    option("--momentum", type=finite_number(0, 1), default=defaults.momentum, metavar="MU",
           help="momentum, 0 for plain SGD; v <- mu v + (1 - mu) gradient, w <- w - eta v "
           f"(the book's form with eta scaled by 1 - mu) (default: {defaults.momentum})")
    option("--schedule", choices=SCHEDULES, default=defaults.schedule,
           help=f"learning-rate schedule over the epochs (default: {defaults.schedule})")
    option("--shift", type=whole_number(0, MAX_SHIFT), default=defaults.shift, metavar="PIXELS",
           help=f"augment by shifting each training image up to this many pixels, 0 for none (default: {defaults.shift})")
    option("--hidden", type=hidden_sizes, default=list(DEFAULT_HIDDEN), metavar="N[,N...]",
           help=f"hidden layer sizes, each 1 to {MAX_HIDDEN} (default: {','.join(map(str, DEFAULT_HIDDEN))})")
    option("--cost", choices=sorted(COSTS), default=DEFAULT_COST, help=f"cost function (default: {DEFAULT_COST})")
    option("--l2", type=finite_number(0), default=defaults.l2, metavar="LAMBDA_OVER_N",
           help="L2 regularisation, the book's lambda/n: its lambda = 5 over n = 50000 "
           f"images is 0.0001 (default: {defaults.l2})")
    option("--init", choices=INITIALISATIONS, default=DEFAULT_INIT,
           help=f"weights ~ N(0, 1) or N(0, 1/n_in) (default: {DEFAULT_INIT})")
    option("--seed", type=whole_number(0, MAX_SEED), default=0, metavar="N",
           help="random seed: the same seed gives the same weights (default: 0)")
    option("--validation", type=whole_number(0, N_TRAIN_IMAGES - 1), default=VALIDATION_IMAGES, metavar="N",
           help="hold out the last N training images to choose the best epoch; 0 trains on all "
           f"and keeps the last epoch (default: {VALIDATION_IMAGES})")
    option("--deskew", action=argparse.BooleanOptionalAction, default=defaults.deskew,
           help="train on deskewed digits (each digit's slant undone); the model then reads every "
           "image deskewed (default: on)")
    option("--average-shifts", action=argparse.BooleanOptionalAction, default=True,
           help="the model reads every digit five times, as it is and moved one pixel each way, and "
           "averages the outputs; the test score and the unsure rule are measured so (default: on; "
           "--no-average-shifts reads once, as the book's network does)")
    robust = parser.add_argument_group("robustness (the shipped model's recipe: scripts/train_shipped_model.sh)")
    robust.add_argument("--distort", type=finite_number(0, 3, high_inclusive=True), default=0.0, metavar="STRENGTH",
                        help="augment with random turns, resizes, slants, elastic wobble and pen widths; "
                        f"1 is up to {STANDARD_DISTORTIONS.degrees:g} degrees, {STANDARD_DISTORTIONS.scale:.0%}% "
                        f"size, shear {STANDARD_DISTORTIONS.shear:g}, and so on (default: 0, none)")
    robust.add_argument("--nondigits", type=whole_number(0, MAX_SYNTHETIC), metavar="N",
                        help="add N generated pictures that are not digits (letters and symbols "
                        "typed in the installed fonts or written by hand, scribbles, shapes, numbers of "
                        "several digits) with all ten targets 0, so that a non-digit leaves every output low "
                        f"(default: {DEFAULT_NONDIGIT_SHARE:.0%}% of the training digits, 2000 for MNIST; "
                        "without fonts, no typed ones)")
    robust.add_argument("--typed", type=whole_number(0, MAX_SYNTHETIC), default=0, metavar="N",
                        help="add N generated typed digits (the installed font families on the training "
                        "side, less the DejaVu faces the evaluation types in) (default: 0)")
    robust.add_argument("--hands", type=whole_number(0, MAX_SYNTHETIC), default=0, metavar="N",
                        help="add N digits written as pen strokes by generated hands (default: 0)")
    robust.add_argument("--start-from", metavar="MODEL",
                        help="fine-tune: start from this model's weights instead of random ones (the same "
                        "layer sizes, cost and deskewing as this run); the epochs, --lr and the data are this run's")
    robust.add_argument("--hard-nondigits", type=whole_number(0, MAX_SYNTHETIC), default=0, metavar="N",
                        help="with --start-from: draw N more non-digits and add those the starting model reads "
                        f"as a digit without doubt, {HARD_REPEAT} times each (hard-negative mining) (default: 0)")
    robust.add_argument("--teacher", metavar="PATH",
                        help="distil: mix this (wider) model's outputs into the targets")
    robust.add_argument("--distill", type=finite_number(0, 1, high_inclusive=True), default=0.5, metavar="W",
                        help="with --teacher, the weight of its outputs in the targets (default: 0.5)")
    option("--json", action="store_true", help="print a JSON summary as the last line of stdout")
    parser.set_defaults(run=run)


def run(args) -> int:
    hyper = Hyperparameters(
        args.epochs, args.batch_size, args.lr, args.momentum, args.l2, args.schedule, args.shift,
        distortions=STANDARD_DISTORTIONS.scaled(args.distort),
        distill=args.distill if args.teacher else 0.0, deskew=args.deskew,
    )
    sizes = [INPUT_SIZE, *args.hidden, N_CLASSES]
    output = Path(args.output or model_file_name(sizes))
    model_io.check_writable(output)  # before the slow part, so a finished run is never lost
    teacher = _load_teacher(args.teacher, args.deskew)
    start = _load_start(args.start_from, sizes, args)
    if args.typed:  # fonts are looked for before the slow part too
        from mnist_app.synthetic.training import require_training_faces  # here: it imports the fonts' machinery
        require_training_faces()

    mnist = load_mnist_from_args(args)
    n_train = len(mnist.train_images) - args.validation
    if args.nondigits is None:
        args.nondigits = round(DEFAULT_NONDIGIT_SHARE * n_train)
    rng = np.random.default_rng(args.seed)
    train_images, train_labels, hard_kept = training_set(
        mnist.train_images[:n_train], mnist.train_labels[:n_train], args, rng, start)
    val_images, val_labels = mnist.train_images[n_train:], mnist.train_labels[n_train:]
    network = (Network.from_parameters([w.copy() for w in start.network.weights],
                                       [b.copy() for b in start.network.biases], args.cost)
               if start else Network(sizes, cost=args.cost, init=args.init, rng=rng))
    with _epoch_progress(hyper.epochs, quiet=args.quiet) as on_epoch, sigterm_stops_as_ctrl_c() as terminated:
        result = train(network, train_images, train_labels, val_images, val_labels, hyper, rng, on_epoch,
                       teacher=teacher.network if teacher else None)
    with finish_first() as late:
        # The saved model reads digits so (mnist_app.reading); the test score and the rule too.
        model = Model(network, ReadingConvention(deskew=hyper.deskew, average_shifts=args.average_shifts))
        if len(val_labels):  # every model gets a rule
            model = model.calibrated(val_images, val_labels)
        test = evaluate(model, mnist.test_images, mnist.test_labels)
        summary = {
            "output": str(output),
            "hyperparameters": {**asdict(hyper), "sizes": sizes, "cost": args.cost, "init": args.init,
                                "validation": args.validation, "nondigits": args.nondigits, "typed": args.typed,
                                "hands": args.hands, "hard_nondigits": args.hard_nondigits},
            "seed": args.seed,
            **({"hard_nondigits_kept": hard_kept} if args.hard_nondigits else {}),
            **result.summary(),
            "test_accuracy": test.accuracy,
        }
        metadata = {
            **summary, **model.to_metadata(),
            "training_data_sha256": {name: mnist.sha256[name] for name in (TRAIN_IMAGES, TRAIN_LABELS)},
            "fonts": _fonts_used(args),
        }
        if start:
            metadata["started_from"] = _start_record(start)
        if teacher:
            metadata["teacher"] = {key: teacher.metadata.get(key)
                                   for key in ("sizes", "hyperparameters", "test_accuracy")}
        replaced = replacing(output)
        model_io.save(output, network, metadata)
        if args.json:
            print(json.dumps(summary))
        else:
            _print_outcome(result, test, output, hyper.epochs, replaced)
    if result.interrupted or late:
        return EXIT_TERMINATED if terminated.is_set() or signal.SIGTERM in late else EXIT_INTERRUPTED
    return EXIT_OK


def _fonts_used(args) -> dict[str, list[str]]:
    """The fonts this run typed its generated pictures in (none without --typed or --nondigits)."""
    from mnist_app.synthetic.training import fonts_used  # here: it imports the fonts' machinery
    return fonts_used(args.typed, args.nondigits)


def _load_teacher(path: str | None, deskew: bool) -> Model | None:
    """The --teacher model, checked before any slow work; None without."""
    if path is None:
        return None
    teacher = Model.load(path)
    if teacher.convention.deskew != deskew:
        raise UsageError(f"--teacher {path} reads digits {'deskewed' if teacher.convention.deskew else 'as they are'}; "
                         "train the student the same way (--deskew / --no-deskew)")
    return teacher


def _load_start(path: str | None, sizes: list[int], args) -> Model | None:
    """The --start-from model, checked against this run's settings before any slow work;
    None without. --hard-nondigits needs one."""
    if path is None:
        if args.hard_nondigits:
            raise UsageError("--hard-nondigits needs --start-from: the model whose confident mistakes it keeps")
        return None
    start = Model.load(path)
    if start.network.sizes != sizes:
        raise UsageError(f"--start-from {path} has layers {'-'.join(map(str, start.network.sizes))}; "
                         f"this run's are {'-'.join(map(str, sizes))} (--hidden)")
    if start.network.cost.name != args.cost:
        raise UsageError(f"--start-from {path} was trained with --cost {start.network.cost.name}; pass it here too")
    if start.convention.deskew != args.deskew:
        raise UsageError(f"--start-from {path} reads digits {'deskewed' if start.convention.deskew else 'as they are'}; "
                         "train on from it the same way (--deskew / --no-deskew)")
    return start


def _start_record(start: Model) -> dict:
    """What the model file keeps of the --start-from model: a hash of its weights and how it was made."""
    parameters = start.network.weights + start.network.biases
    return {"weights_sha256": hashlib.sha256(b"".join(p.tobytes() for p in parameters)).hexdigest(),
            **{key: start.metadata[key] for key in STARTED_FROM_KEYS if key in start.metadata}}


def _print_outcome(result, test, output: Path, epochs: int, replaced: str) -> None:
    if result.interrupted:
        print(f"interrupted after {len(result.history)} of {epochs} epochs")
    chosen = f"epoch {result.best_epoch}" if result.best_epoch else "the interrupted first epoch"
    if result.best_val_accuracy is not None:
        chosen += f", validation {result.best_val_accuracy:.2%}"
    print(f"test accuracy: {test.correct}/{test.total} ({test.accuracy:.2%}) with the weights of {chosen}")
    print(printable(f"saved {output}{replaced}"))


@contextlib.contextmanager
def _epoch_progress(epochs: int, quiet: bool):
    """Yields the per-epoch callback: a tqdm bar on a terminal, a line per epoch otherwise."""
    from tqdm import tqdm  # here: importing it costs 50 ms of every other command's start-up

    show_bar = not quiet and sys.stderr.isatty()
    with tqdm(total=epochs, unit="epoch", desc="training", disable=not show_bar) as bar:
        def on_epoch(record: EpochRecord) -> None:
            val = "n/a" if record.val_accuracy is None else f"{record.val_accuracy:.2%}"
            if show_bar:
                bar.set_postfix(cost=f"{record.train_cost:.4f}", val=val, refresh=False)
                bar.update()
            elif not quiet:
                print(f"mnist-app: epoch {record.epoch}/{epochs}: cost {record.train_cost:.4f}, "
                      f"validation {val}, {record.seconds:.2f} s", file=sys.stderr)
        yield on_epoch
