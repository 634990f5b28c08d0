"""Write the five pictures of the README's `predict` example into a folder, seeded.

A phone photo of a 4 and a canvas export of a 7 (MNIST test digits from the committed
sample), a blank canvas, a dot and a scribble, drawn by mnist_app.synthetic. Then:

    python scripts/example_pictures.py photos && mnist-app predict photos/
"""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import numpy as np
from PIL import Image

from benchmark_notes import SAMPLE_PATH
from mnist_app.atomic import atomic_write
from mnist_app.synthetic import nondigits
from mnist_app.synthetic.sets import canvas_of, export, photo_of

CANVAS = (280, 280)


def pictures(rng: np.random.Generator) -> dict[str, bytes]:
    """The example files by name: encoded image bytes."""
    with np.load(SAMPLE_PATH) as sample:
        digits, labels = sample["images"], sample["labels"]
    first = {label: digits[np.flatnonzero(labels == label)[0]] for label in (4, 7)}
    blank = io.BytesIO()
    Image.new("L", CANVAS, 255).save(blank, "PNG")
    return {
        "four.jpg": photo_of(first[4], rng),
        "seven.png": canvas_of(first[7], rng),
        "blank.png": blank.getvalue(),
        "dot.png": export(nondigits.nondigit("dot", 120, 12.0, digits, labels, rng), "white", CANVAS, rng),
        "scribble.png": export(nondigits.nondigit("scribble", 160, 8.0, digits, labels, rng), "canvas", CANVAS, rng),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="where to write them (created if missing)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the drawings (default: 0)")
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    for name, data in pictures(np.random.default_rng(args.seed)).items():
        with atomic_write(args.folder / name) as file:
            file.write(data)
        print(args.folder / name)


if __name__ == "__main__":
    main()
