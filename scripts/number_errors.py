"""What goes wrong when a whole number is misread: counts per family and a contact sheet.

For each number family of scripts/measure_numbers.py (built exactly as
scripts/measure_realistic.py builds them, same seeds), every misread number is put in one
category by comparing the reading with the number written:

- no reading: the picture gave an error (no digit found, not a digit);
- merged: fewer digits than written (touching or close digits read as one);
- split: more digits than written (one digit cut in two, or a speck read as a digit);
- wrong digit: as many digits as written, some of them misread.

Each category is also counted among the numbers whose digits touch. "alone wrong" counts
the misread numbers that ``predict`` also misreads digit by digit, each digit written
alone (the same ink, on a white picture of its own): those fail in the network's reading
of the digits, the others in how the number is cut. "read right alone" counts, of all
the numbers, those ``predict`` reads right digit by digit alone: the most any cutting
could read with this network (and of those, the numbers of at most SHORT digits, and
those whose digits touch). The
failures are drawn on a contact sheet, each with the boxes the reader found, "written ->
read" below.

Usage::

    PYTHONPATH=. python scripts/number_errors.py --data-dir /work/shared/data/mnist \
        [--numbers 100] [--families photo,canvas,thin] [--sheet /tmp/errors.png]
"""

from __future__ import annotations

import argparse
import io
import sys
from collections import Counter
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parent))

import measure_numbers  # noqa: E402
from benchmark_notes import add_model_option, add_sets_options  # noqa: E402
from measure_realistic import source_digits  # noqa: E402

from mnist_app.errors import ImageError  # noqa: E402
from mnist_app.predict import Classifier  # noqa: E402
from mnist_app.synthetic import numbers  # noqa: E402
from mnist_app.synthetic.paper import encode, to_uint8  # noqa: E402

CATEGORIES = ("no reading", "merged", "split", "wrong digit")
SHORT = 6  # digits: numbers this long or shorter are also counted on their own (read right alone)
CELL = (360, 120)  # contact sheet cell: picture area, pixels
CAPTION = 14  # pixels under each picture


def category(written: str, read: str | None) -> str:
    """The category (see the module's docstring) of ``read`` (None: an error) for ``written``."""
    if read is None:
        return "no reading"
    if len(read) < len(written):
        return "merged"
    if len(read) > len(written):
        return "split"
    return "wrong digit"


def recording_lines(inks: list, write_line):
    """``write_line`` (numbers.write_line), appending the digits' inks of each line it
    writes to ``inks``."""
    def recorded(digit_inks, *args, **kwargs):
        inks.append(list(digit_inks))
        return write_line(digit_inks, *args, **kwargs)
    return recorded


def read_alone(classifier: Classifier, inks: list) -> str:
    """Each digit ink (h, w coverage) read by ``predict`` on a white picture of its own
    ("?" where it reads none), as a string."""
    read = ""
    for ink in inks:
        picture = encode(Image.fromarray(to_uint8(1 - np.pad(ink, max(ink.shape) // 4))), "PNG")
        try:
            read += str(classifier.predict(picture).digit)
        except ImageError:
            read += "?"
    return read


def cell(file: bytes, boxes: list, caption: str) -> Image.Image:
    """The picture ``file`` shrunk into CELL with ``boxes`` (picture pixels) drawn, and ``caption``."""
    picture = Image.open(io.BytesIO(file)).convert("RGBA")
    picture = Image.alpha_composite(Image.new("RGBA", picture.size, (230, 230, 230, 255)), picture).convert("RGB")
    scale = min(CELL[0] / picture.width, CELL[1] / picture.height)
    picture = picture.resize((max(1, int(picture.width * scale)), max(1, int(picture.height * scale))))
    out = Image.new("RGB", (CELL[0], CELL[1] + CAPTION), "white")
    out.paste(picture, (0, 0))
    draw = ImageDraw.Draw(out)
    for left, top, right, bottom in boxes:
        draw.rectangle([left * scale, top * scale, max(left, right - 1) * scale, max(top, bottom - 1) * scale],
                       outline=(220, 0, 0))
    draw.text((2, CELL[1]), caption, fill="black")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_model_option(parser)
    parser.add_argument("--source", choices=["sample", "validation"], default="validation",
                        help="real handwriting to redraw (default: validation)")
    parser.add_argument("--data-dir", metavar="DIR", help="MNIST folder (default: $MNIST_APP_DATA or the cache)")
    add_sets_options(parser, count=None, seed=0)
    parser.add_argument("--numbers", type=int, default=100, metavar="N", help="numbers per family (default: 100)")
    keys = [key for key, _, _ in measure_numbers.FAMILIES]
    parser.add_argument("--families", default=",".join(keys), metavar="KEYS",
                        help=f"comma-separated families among {','.join(keys)} (default: all)")
    parser.add_argument("--sheet", default="number-errors.png", metavar="PATH",
                        help="contact sheet of the failures (default: number-errors.png)")
    parser.add_argument("--per-family", type=int, default=24, metavar="N",
                        help="failures of each family on the sheet (default: 24)")
    args = parser.parse_args()
    chosen = args.families.split(",")
    if unknown := set(chosen) - set(keys):
        parser.error(f"unknown families: {', '.join(sorted(unknown))}")

    classifier = Classifier.load(args.model)
    digits, labels, _ = source_digits(argparse.Namespace(source=args.source, data_dir=args.data_dir))
    seeds = np.random.SeedSequence([args.seed, 1]).spawn(len(measure_numbers.FAMILIES) + 1)
    write_line = numbers.write_line
    cells = []
    print("| family | wrong | " + " | ".join(CATEGORIES)
          + f" | alone wrong | read right alone | of {SHORT} digits or fewer | of the touching |")
    print("| --- | ---: |" + " ---: |" * (len(CATEGORIES) + 4))
    for (key, build, _), seed in zip(measure_numbers.FAMILIES, seeds):
        if key not in chosen:
            continue
        inks: list = []  # each number's digit inks; none for typed numbers (typed whole)
        numbers.write_line = recording_lines(inks, write_line)
        try:
            labelled = build(digits, labels, args.numbers, np.random.default_rng(seed))
        finally:
            numbers.write_line = write_line
        counts, touching_counts, shown, alone_wrong = Counter(), Counter(), 0, 0
        # Whether predict reads each number right digit by digit alone.
        alone = [read_alone(classifier, ink) == written for ink, written in zip(inks, labelled.numbers)]
        for index, (file, written, touches) in enumerate(zip(labelled.files, labelled.numbers, labelled.touching)):
            try:
                reading = classifier.read_number(file)
                read, boxes = reading.number, [digit.box for digit in reading.digits]
            except ImageError:
                read, boxes = None, []
            if read == written:
                continue
            what = category(written, read)
            counts[what] += 1
            if inks:
                alone_wrong += not alone[index]
            touching_counts[what] += bool(touches)
            if shown < args.per_family:
                shown += 1
                cells.append(cell(file, boxes, f"{key}{' T' if touches else ''}: {written} -> {read} ({what})"))
        wrong = sum(counts.values())
        print(f"| {key} | {wrong}/{len(labelled.files)} | "
              + " | ".join(f"{counts[c]} ({touching_counts[c]} touching)" for c in CATEGORIES)
              + (f" | {alone_wrong} | {sum(alone)}/{len(alone)} | "
                 f"{sum(right for right, written in zip(alone, labelled.numbers) if len(written) <= SHORT)}/"
                 f"{sum(len(written) <= SHORT for written in labelled.numbers)} | "
                 f"{sum(right for right, touches in zip(alone, labelled.touching) if touches)}/"
                 f"{sum(map(bool, labelled.touching))} |" if inks else " | - | - | - | - |"),
              flush=True)
    if cells:
        columns = 4
        rows = -(-len(cells) // columns)
        sheet = Image.new("RGB", (columns * (CELL[0] + 4), rows * (CELL[1] + CAPTION + 4)), (200, 200, 200))
        for index, image in enumerate(cells):
            sheet.paste(image, ((index % columns) * (CELL[0] + 4), (index // columns) * (CELL[1] + CAPTION + 4)))
        sheet.save(args.sheet)
        print(f"wrote {args.sheet}")


if __name__ == "__main__":
    main()
