"""Teach the shipped model the validation digits it misreads; writes docs/benchmarks/teach.md.

Takes the first BLUNDERS digits of the validation split (the last 10,000 MNIST training
images) that the model misreads as it reads in the app (deskewed, five shifted readings
averaged), and for each takes up to MAX_STEPS plain SGD steps at eta = ETA towards the
true label with `mnist_app.teach` (the model's own backprop, one reading), each from the
shipped weights. After each step it records the reading of the one picture the step saw
and the app's reading (five shifts) with the taught weights; the target is that the taught
digit becomes the reading within MAX_STEPS steps for at least TARGET of them.

It also saves the first blunder that stays misread when read back from a PNG file as
docs/blunder.png, the digit of the worked example in docs/learners.md. Usage::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python scripts/teach_blunders.py [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchmark_notes import DOCS, add_data_dir_option, load_mnist_or_exit, write_markdown  # noqa: E402
from mnist_app.atomic import atomic_write  # noqa: E402
from mnist_app.constants import N_TRAIN_IMAGES, VALIDATION_SPLIT  # noqa: E402
from mnist_app.model import Model  # noqa: E402
from mnist_app.predict import Classifier  # noqa: E402
from mnist_app.report.images import png_bytes  # noqa: E402
from mnist_app.teach import teach  # noqa: E402

BLUNDERS = 20
MAX_STEPS = 5
ETA = 0.5
TARGET = 18
BLUNDER_PNG = DOCS / "blunder.png"
SMALL_ETA = 0.1  # one step at this eta must lower the cost on any picture, for any label
SMALL_ETA_PICTURES = 1_000  # the first validation pictures it is checked on, each with all 10 labels


def app_reading(model: Model, image: np.ndarray) -> int:
    """The digit the app reads in ``image`` (28, 28) uint8, as MNIST has it."""
    return int(model.read(image[np.newaxis]).digits[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_dir_option(parser)
    args = parser.parse_args()
    mnist = load_mnist_or_exit(args.data_dir)
    classifier = Classifier.load()
    model, network = classifier.model, classifier.network
    first = VALIDATION_SPLIT.start
    images, labels = mnist.train_images[first:], mnist.train_labels[first:]
    pictures = model.convention.prepare(images)
    readings = model.read(images).digits
    misread = np.flatnonzero(readings != labels)[:BLUNDERS]

    rows, fixed_single, fixed_app = [], 0, 0
    for index in misread:
        label = int(labels[index])
        lesson = teach(network, pictures[index], label, ETA, MAX_STEPS)
        single = next((k for k, digit in enumerate(lesson.readings) if digit == label), None)
        app_steps = None
        for steps in range(1, MAX_STEPS + 1):  # the app's reading after 1, 2, ... steps
            taught = teach(network, pictures[index], label, ETA, steps).network_after
            if app_reading(replace(model, network=taught), images[index]) == label:
                app_steps = steps
                break
        fixed_single += single is not None
        fixed_app += app_steps is not None
        rows.append(f"| {first + index} | {label} | {readings[index]} | {lesson.cost:.3f} | "
                    f"{' → '.join(f'{c:.3f}' for c in lesson.costs)} | {single if single is not None else '—'} | "
                    f"{app_steps if app_steps is not None else '—'} |")
        print(rows[-1])

    failures = small_steps_lower_the_cost(network, pictures[:SMALL_ETA_PICTURES], labels, first)
    tried = 10 * min(SMALL_ETA_PICTURES, len(pictures))
    blunder = save_blunder(classifier, images, labels, readings, misread)
    verdict = "holds" if min(fixed_single, fixed_app) >= TARGET else "does NOT hold"
    body = [
        f"The first {len(misread)} validation digits (MNIST training images {first}-{N_TRAIN_IMAGES - 1}) "
        f"that the shipped model misreads as the app reads (deskewed, five shifted readings averaged), each "
        f"taught its true label from the shipped weights with up to {MAX_STEPS} plain SGD steps at "
        f"η = {ETA} (`mnist_app.teach.teach`: the model's own backprop, on the one picture as the network "
        "sees it). \"Steps\" is how many steps it took until the taught digit was the reading: of the one "
        "picture the steps saw, and in the app's reading (five shifts) with the taught weights; 0 means the "
        "one picture was read right already and only the five-shift average was wrong.",
        "",
        f"- taught digit read within {MAX_STEPS} steps, the one picture: **{fixed_single} of {len(misread)}**",
        f"- taught digit read within {MAX_STEPS} steps, the app's reading: **{fixed_app} of {len(misread)}**",
        f"- target: at least {TARGET} of {BLUNDERS}: {verdict}",
        f"- one step at η = {SMALL_ETA} lowers the cost, over the first {SMALL_ETA_PICTURES:,} validation "
        f"pictures each taught every label: **{tried - len(failures):,} of {tried:,}** (picture, label) pairs; "
        f"not for {'; '.join(failures) or 'none'}",
        f"- the worked example of docs/learners.md: {blunder}",
        "",
        "| training image | label | read as | C before | C after each step | steps (one picture) | "
        "steps (app's reading) |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        *rows,
    ]
    print(write_markdown("teach", "Teaching the shipped model its blunders", body))


def small_steps_lower_the_cost(network, pictures: np.ndarray, labels: np.ndarray, first: int) -> list[str]:
    """The (picture, label) pairs, of every picture with each of the ten labels, where one
    step at SMALL_ETA did not lower the cost, each described in words."""
    failures = []
    for index, picture in enumerate(pictures):
        for label in range(10):
            lesson = teach(network, picture, label, SMALL_ETA)
            if not lesson.cost_after < lesson.cost:
                failures.append(f"training image {first + index} (a {labels[index]}) taught {label}: "
                                f"C {lesson.cost:.3f} → {lesson.cost_after:.3f}")
    return failures


def save_blunder(classifier, images, labels, readings, misread) -> str:
    """Save the first misread digit that the app still misreads when it is given as a PNG
    file (dark ink on white, as a scan) to docs/blunder.png; returns a line describing it."""
    for index in misread:
        pixels = png_bytes(255 - images[index])
        with tempfile.NamedTemporaryFile(suffix=".png") as file:
            file.write(pixels)
            file.flush()
            read = classifier.predict(file.name).digit
        if read != labels[index]:
            with atomic_write(BLUNDER_PNG) as output:
                output.write(pixels)
            return (f"docs/blunder.png, validation digit {index} (training image "
                    f"{VALIDATION_SPLIT.start + index}), a {labels[index]} read as {read} from the file")
    return "none of them stays misread when read back from a PNG"


if __name__ == "__main__":
    main()
