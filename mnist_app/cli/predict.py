"""``mnist-app predict``: read the digit in each image."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import signal
import sys

from mnist_app.cli.common import (
    EXIT_FAILURE,
    EXIT_OK,
    add_model_option,
    one_blas_thread,
    printable,
    usable_cores,
    whole_number,
)
from mnist_app.constants import JSON_DECIMALS, N_CLASSES
from mnist_app.errors import ImageError, MnistAppError
from mnist_app.lifeline import exit_when_closed

# Folders are read by a pool of worker processes, one per core, when they hold at least
# POOL_MIN_IMAGES images: below that, starting the workers costs about what they save
# (measured by scripts/bench_predict.py before issue 23: `git log -- scripts/bench_predict.py`).
# Workers take PREPROCESS_CHUNK images at a time.
POOL_MIN_IMAGES = 64
PREPROCESS_CHUNK = 8

# What one PATH argument's image comes from: a file path, stdin's bytes, or the ImageError
# that made it unreadable (an unlistable directory, a failed read of stdin).
EntrySource = str | os.PathLike | bytes | ImageError


def add_parser(commands) -> None:
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
                        '"confidence", "unsure", "probabilities"} or, if it failed, {"path", "error"}')
    parser.add_argument("--top-k", type=whole_number(1, N_CLASSES), default=1, metavar="K",
                        help="show the K most likely digits with their probabilities (default: 1); "
                        "with --number, for each digit")
    parser.add_argument("--number", action="store_true",
                        help="read every digit in each image, left to right (a number, not one digit); "
                        'with --json: {"path", "number", "digits": [{"digit", "confidence", "unsure", '
                        '"box": [left, top, right, bottom]}, ...], "unsure"}')
    parser.set_defaults(run=run)


def run(args) -> int:
    one_blas_thread()
    from mnist_app.predict import Classifier

    classifier = Classifier.load(args.model)
    entries = _image_entries(args.paths)
    if args.number:
        return _read_numbers(classifier, entries, args)
    readable = [source for _, source in entries if not isinstance(source, ImageError)]
    failed = False
    # A closed pipe (`mnist-app predict DIR | head -1`) or a full disk ends the loop with an
    # OutputError, which main reports in one line.
    with _preprocessing_map(len(readable)) as mapper, _image_progress(len(entries)) as (advance, print_error):
        predictions = classifier.predict_each(readable, mapper=mapper)  # lazy: batched as the loop asks
        for name, source in entries:
            outcome = source if isinstance(source, ImageError) else next(predictions)
            failed |= isinstance(outcome, ImageError)
            if args.json:
                print(json.dumps(_prediction_record(name, outcome)))
            elif isinstance(outcome, ImageError):
                print_error(printable(f"mnist-app: error: {name}: {outcome}"))
            else:
                print(printable(_prediction_line(name, outcome, args.top_k)))
            advance()
    return EXIT_FAILURE if failed else EXIT_OK


def _read_numbers(classifier, entries: list[tuple[str, EntrySource]], args) -> int:
    """``predict --number``: each image's number on a line (or a JSON object), in order."""
    from mnist_app.numbers import number_json

    failed = False
    with _image_progress(len(entries)) as (advance, print_error):
        for name, source in entries:
            outcome = source if isinstance(source, ImageError) else _number_or_error(classifier, source)
            failed |= isinstance(outcome, ImageError)
            if isinstance(outcome, ImageError):
                if args.json:
                    print(json.dumps({"path": name, "error": str(outcome)}))
                else:
                    print_error(printable(f"mnist-app: error: {name}: {outcome}"))
            elif args.json:
                print(json.dumps({"path": name, **number_json(outcome, args.top_k)}))
            else:
                print(printable(_number_line(name, outcome, args.top_k)))
            advance()
    return EXIT_FAILURE if failed else EXIT_OK


def _number_or_error(classifier, source):
    try:
        return classifier.read_number(source)
    except ImageError as error:
        return error


def _number_line(name: str, reading, top_k: int) -> str:
    """The text output for one number: its name, the number, and with ``top_k`` > 1 each
    digit's likeliest readings."""
    line = f"{name}: {reading.number}"
    if top_k > 1:
        line += " [" + " | ".join(", ".join(f"{d} ({p:.1%})" for d, p in digit.top(top_k))
                                  for digit in reading.digits) + "]"
    return line + (" (unsure)" if reading.unsure else "")


@contextlib.contextmanager
def _preprocessing_map(count: int):
    """Yields the ``map`` that preprocesses ``count`` images: the built-in one, or a pool of
    worker processes (forked, so they start in milliseconds).

    Ctrl-C and SIGTERM are left to this process, which then cancels the work not started
    and waits for the workers to finish their chunk and leave. If this process dies
    without doing so (SIGKILL), each worker sees the pipe only this process writes to
    close, and exits: none is left holding the output (`predict DIR | wc -l` ends).
    """
    workers = usable_cores()
    if count < POOL_MIN_IMAGES or workers < 2 or not _can_fork():
        yield map
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    lifeline, held_by_parent = os.pipe()
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                               initializer=_start_worker, initargs=(lifeline, held_by_parent))
    try:
        # The first task forks every worker. Ctrl-C and SIGTERM wait until that is done: their
        # exception, raised inside the hooks Python runs around a fork, would be ignored.
        held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        try:
            pool.submit(int)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
        yield functools.partial(_pool_map, pool)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        os.close(lifeline)
        os.close(held_by_parent)


def _pool_map(pool, function, items):
    """``pool.map(function, items)`` in chunks; a worker that dies (the kernel's out-of-memory
    killer, say) ends the command with one error line."""
    from concurrent.futures.process import BrokenProcessPool

    try:
        yield from pool.map(function, items, chunksize=PREPROCESS_CHUNK)
    except BrokenProcessPool:
        raise MnistAppError("a worker process reading the images died (out of memory?)") from None


def _start_worker(lifeline: int, held_by_parent: int) -> None:
    """In each worker: ignore Ctrl-C and SIGTERM (the parent stops the pool), close the
    parent's end of ``lifeline`` and exit as soon as reading it says the parent is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    os.close(held_by_parent)
    exit_when_closed(lifeline, EXIT_FAILURE)


def _can_fork() -> bool:
    """Whether worker processes can be forked here (multiprocessing takes 10 ms to import,
    so it is asked only for a folder big enough for a pool)."""
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


def _image_entries(paths: list[str]) -> list[tuple[str, EntrySource]]:
    """(name, image source or the ImageError of an unusable directory or stdin) for each
    image the PATH arguments name, in order: directories are listed (a warning line names
    the entries skipped), and '-' is stdin's bytes, read up to the size limit of an image
    file (once: a second '-' is an error)."""
    from mnist_app.decode import read_image_bytes
    from mnist_app.image_folder import list_images, skipped_note

    entries: list[tuple[str, EntrySource]] = []
    for index, path in enumerate(paths):
        if path == "-":
            try:
                if sys.stdin is None:  # started with stdin closed (`<&-`)
                    raise ImageError("cannot read stdin: it is closed")
                if "-" in paths[:index]:
                    raise ImageError("stdin was already read: give - once")
                entries.append((path, read_image_bytes(sys.stdin.buffer)))
            except ImageError as error:
                entries.append((path, error))
        elif os.path.isdir(path):  # False, not an error, for a name too long or a broken link
            try:
                folder = list_images(path)
            except ImageError as error:
                entries.append((path, error))
                continue
            if folder.skipped:  # said once, before any reading; the exit status is the files'
                print(printable(f"mnist-app: warning: {path}: {skipped_note(folder.skipped)}"), file=sys.stderr)
            entries.extend((str(file), file) for file in folder.files)
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

    tqdm.monitor_interval = 0  # no monitor thread: worker processes may be forked meanwhile
    with tqdm(total=total, unit="image", desc="reading", leave=False) as bar:
        yield bar.update, (lambda line: bar.write(line, file=sys.stderr))


def _prediction_line(name: str, prediction, top_k: int) -> str:
    """The text output for one image: its name and the ``top_k`` likeliest digits."""
    ranked = ", ".join(f"{digit} ({p:.1%})" for digit, p in prediction.top(top_k))
    return f"{name}: {ranked}" + (" (unsure)" if prediction.unsure else "")


def _prediction_record(name: str, outcome) -> dict:
    """The --json object for one image."""
    if isinstance(outcome, ImageError):
        return {"path": name, "error": str(outcome)}
    return {
        "path": name,
        "digit": outcome.digit,
        "confidence": round(outcome.confidence, JSON_DECIMALS),
        "unsure": outcome.unsure,
        "probabilities": [round(p, JSON_DECIMALS) for p in outcome.probabilities],
    }
