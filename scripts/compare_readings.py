"""Before and after a preprocessing change: every picture and reading of the realistic sets.

``snapshot`` reads the sets of measure_realistic.py (the same builders and seeds) with the
mnist_app on PYTHONPATH, and saves each image's 28x28 picture and the shipped model's
reading (the digit, 10 for "not a digit", -1 for an image it could not read). Run it once
with the code before the change and once after, on the same sets. ``compare`` writes, per
set, how many readings were right before and after, how many changed, and how many pictures
changed at all, to docs/benchmarks/NAME.md::

    PYTHONPATH=OLD_CHECKOUT python scripts/compare_readings.py snapshot before.npz --source validation
    PYTHONPATH=. python scripts/compare_readings.py snapshot after.npz --source validation
    python scripts/compare_readings.py compare before.npz after.npz --name NAME --title TITLE
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

import measure_realistic
from benchmark_notes import write_markdown

NOT_A_DIGIT_READING = 10
UNREAD = -1


def snapshot(args: argparse.Namespace) -> None:
    import mnist_app
    from mnist_app.errors import ImageError
    from mnist_app.predict import Classifier
    from mnist_app.preprocess import to_mnist_image

    digits, labels, described = measure_realistic.source_digits(args)
    classifier = Classifier.load()
    seeds = np.random.SeedSequence(args.seed).spawn(len(measure_realistic.BUILDERS))
    pictures, readings, keys, truths = [], [], [], []
    for (key, build), seed in zip(measure_realistic.BUILDERS, seeds):
        labelled = build(digits, labels, args.count, np.random.default_rng(seed))
        for file, label in zip(labelled.files, labelled.labels):
            try:
                picture = to_mnist_image(file)
            except ImageError:
                picture, reading = np.zeros((28, 28), np.uint8), UNREAD
            else:
                prediction = classifier.predict_vectors(picture.reshape(1, -1).astype(np.float32) / 255)[0]
                reading = NOT_A_DIGIT_READING if prediction.not_a_digit else prediction.digit
            pictures.append(picture)
            readings.append(reading)
            keys.append(key)
            truths.append(NOT_A_DIGIT_READING if label == measure_realistic.sets.NOT_A_DIGIT else label)
        print(f"{key}: {len(labelled.files)} images", flush=True)
    np.savez_compressed(args.output, pictures=np.array(pictures), readings=np.array(readings),
                        keys=np.array(keys), truths=np.array(truths), source=described,
                        code=mnist_app.__file__)
    print(f"wrote {args.output} (mnist_app from {mnist_app.__file__})")


def compare(args: argparse.Namespace) -> None:
    before, after = np.load(args.before), np.load(args.after)
    if not np.array_equal(before["keys"], after["keys"]) or not np.array_equal(before["truths"], after["truths"]):
        raise SystemExit("the two snapshots are not of the same sets")
    keys, truths = before["keys"], before["truths"]
    lines = ["| set | images | right before | right after | readings changed | pictures changed |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]
    totals = np.zeros(5, dtype=int)
    for key in dict.fromkeys(keys.tolist()):
        chosen = keys == key
        old, new = before["readings"][chosen], after["readings"][chosen]
        counts = np.array([chosen.sum(), (old == truths[chosen]).sum(), (new == truths[chosen]).sum(),
                           (old != new).sum(),
                           (before["pictures"][chosen] != after["pictures"][chosen]).any(axis=(1, 2)).sum()])
        totals += counts
        lines.append(f"| {key} | " + " | ".join(str(count) for count in counts) + " |")
    lines.append("| all | " + " | ".join(str(count) for count in totals) + " |")
    lines += ["", f"Sets of measure_realistic.py drawn from {before['source']}; \"right\": the shipped "
              "model's reading is the label (for non-digits, \"not a digit\"); an image it could not "
              "read counts as wrong. Pictures changed: the 28x28 picture differs in any pixel.",
              "", f"Before: `{args.before}`; after: `{args.after}`."]
    print("\n".join(lines))
    print(f"wrote {write_markdown(args.name, args.title, lines)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    steps = parser.add_subparsers(dest="step", required=True)
    shot = steps.add_parser("snapshot", help="read the sets with the mnist_app on PYTHONPATH")
    shot.add_argument("output", help="the .npz to write")
    shot.add_argument("--source", choices=["sample", "validation"], default="sample")
    shot.add_argument("--data-dir", metavar="DIR", help="MNIST folder for --source validation")
    shot.add_argument("--count", type=int, default=500, metavar="N", help="images per set (default: 500)")
    shot.add_argument("--seed", type=int, default=0, metavar="N", help="seed of all the sets (default: 0)")
    shot.set_defaults(run=snapshot)
    both = steps.add_parser("compare", help="write the table of two snapshots")
    both.add_argument("before")
    both.add_argument("after")
    both.add_argument("--name", required=True, help="the table's file name under docs/benchmarks, without .md")
    both.add_argument("--title", required=True)
    both.set_defaults(run=compare)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    sys.exit(main())
