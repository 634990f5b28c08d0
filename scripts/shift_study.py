"""What reading each digit five times, moved a pixel each way, does for a model (mnist_app.reading).

The validation split (MNIST training images 50000-59999) and the realistic sets drawn from
it (the generators of measure_realistic.py) are preprocessed once, then read by the same
network twice: once per picture, and averaged over SHIFTS. Each way gets its own reject
rule, calibrated as `train` calibrates it on the validation digits. Prints, and writes to
docs/benchmarks/shift-average.md, each set's accuracy and share flagged side by side, and
the network's time per image both ways. The test set is not used.

Usage::

    python scripts/shift_study.py [--model PATH] [--data-dir DIR] [--count N] [--seed N]
"""

from __future__ import annotations

import argparse
import multiprocessing
import time

import numpy as np

from benchmark_notes import add_data_dir_option, add_model_option, add_sets_options, load_mnist_or_exit, write_markdown
from measure_realistic import BUILDERS
from mnist_app.confidence import NOT_A_DIGIT_SHARE, UNSURE_SHARE, calibrate
from mnist_app.constants import NOT_A_DIGIT, VALIDATION_SPLIT
from mnist_app.errors import ImageError
from mnist_app.model import Model
from mnist_app.preprocess import to_mnist_image
from mnist_app.reading import ReadingConvention

NOTHING = np.zeros((28, 28), dtype=np.uint8)  # stands for "no digit found": read, never right


def picture_or_nothing(file: bytes) -> np.ndarray:
    try:
        return to_mnist_image(file)
    except ImageError:
        return NOTHING


def seconds_per_image(model: Model, pictures: np.ndarray, repeats: int = 5) -> float:
    """Median seconds per picture of ``pictures`` (already deskewed) that ``model.read`` takes."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        model.read(pictures)
        times.append(time.perf_counter() - started)
    return float(np.median(times)) / len(pictures)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_model_option(parser)
    add_data_dir_option(parser)
    add_sets_options(parser, count=1000, seed=0)
    args = parser.parse_args()

    model = Model.load(args.model)
    mnist = load_mnist_or_exit(args.data_dir)
    digits, labels = mnist.train_images[VALIDATION_SPLIT], mnist.train_labels[VALIDATION_SPLIT]
    sets = [("MNIST validation digits", digits, labels)]
    seeds = np.random.SeedSequence(args.seed).spawn(len(BUILDERS))
    with multiprocessing.Pool() as pool:
        for (_, build), seed in zip(BUILDERS, seeds):
            labelled = build(digits, labels, args.count, np.random.default_rng(seed))
            print(f"preprocessing {labelled.name}", flush=True)
            sets.append((labelled.name, np.stack(pool.map(picture_or_nothing, labelled.files, chunksize=16)),
                         labelled.labels))

    # Both ways read the pictures as the model prepares them (deskewed), once or five times.
    ways = {"once": Model(model.network),
            "five times, averaged": Model(model.network, ReadingConvention(average_shifts=True))}
    seen = [model.convention.prepare(images) for _, images, _ in sets]
    outputs = {way: [read.read(pictures).outputs for pictures in seen] for way, read in ways.items()}
    rules = {}
    for way, by_set in outputs.items():
        validation = by_set[0]
        rules[way] = calibrate(validation[validation.argmax(axis=1) == labels], NOT_A_DIGIT_SHARE, UNSURE_SHARE)

    header = ["| set | images | " + " | ".join(f"accuracy, {way}" for way in ways) + " | "
              + " | ".join(f"flagged, {way}" for way in ways) + " |",
              "| --- | ---: |" + " ---: |" * (2 * len(ways))]
    rows = []
    for index, (name, images, truth) in enumerate(sets):
        found = images.reshape(len(images), -1).any(axis=1)  # NOTHING is never right
        digits_only = bool((truth != NOT_A_DIGIT).all())
        accuracies, flagged = [], []
        for way in ways:
            read = outputs[way][index]
            unsure, _ = rules[way].judge(read)
            flagged.append(f"{unsure.mean():.1%}")
            accuracies.append(f"{((read.argmax(axis=1) == truth) & found).mean():.2%}" if digits_only else "-")
        rows.append(f"| {name} | {len(images)} | " + " | ".join(accuracies) + " | " + " | ".join(flagged) + " |")
        print(rows[-1], flush=True)

    pictures = model.convention.prepare(digits[:1000])
    timing = [f"- {way}: {seconds_per_image(read, pictures) * 1e6:.1f} µs of network time per image "
              "(batches of 1000)" for way, read in ways.items()]
    print("\n".join(timing))
    rule_lines = [f"- {way}: unsure below {rule.unsure_below:.3f}, not a digit below {rule.not_a_digit_below:.3f}"
                  for way, rule in rules.items()]
    body = ["Every set read by the same network once per picture, and five times (as it is and",
            "moved one pixel up, down, left and right) with the ten outputs averaged. \"flagged\":",
            "the strongest output is below that way's unsure threshold, calibrated on the",
            f"validation digits it reads correctly ({UNSURE_SHARE:.0%} of them flagged). Sets: "
            f"{args.count} images each, seed {args.seed}, drawn from the validation split; the "
            "test set is not used.", "",
            *header, *rows, "", "Rules:", "", *rule_lines, "", "Network time:", "", *timing]
    print(f"wrote {write_markdown('shift-average', 'Reading each digit five times', body)}")


if __name__ == "__main__":
    main()
