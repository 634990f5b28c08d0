"""Where touching digits are lost: the reader's cuts, the framing of a cut piece, or the network?

Numbers are written as the thin-pen and photo number families write them (MNIST
validation digits redrawn from their centre lines with a 2-6 px pen, or enlarged, pushed
together until they touch, or with their usual gaps), on white paper. Each is read three ways:

- read: ``read_number``, as the app reads it;
- oracle cut: the line's ink (as the reader reads the line again) split where each digit
  was written, each piece framed as the reader frames a piece (``frame_digit``) and read
  by the network: every cut right, the framing and the network as they are;
- alone: ``predict`` on each digit written alone on a white picture: the network's limit.

Which digit wrote each pixel is known by writing the number a second time with the same
generator state, each digit's ink (at least numbers.INK) replaced by a level of its own:
the layout depends only on which pixels reach that level, so the digits land where they
did.

Usage::

    PYTHONPATH=. python scripts/number_oracle.py --data-dir /work/shared/data/mnist \
        [--pen thin|photo] [--apart] [--numbers 50] [--seed 11]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure_numbers import reading_of  # noqa: E402
from measure_realistic import source_digits  # noqa: E402
from number_errors import read_alone  # noqa: E402

from mnist_app.errors import NoDigitFound  # noqa: E402
from mnist_app.predict import Classifier  # noqa: E402
from mnist_app.preprocess import find_marks, frame_digit  # noqa: E402
from mnist_app.preprocess.line import read_line  # noqa: E402
from mnist_app.preprocess.parts import spread  # noqa: E402
from mnist_app.synthetic import numbers  # noqa: E402
from mnist_app.synthetic.paper import encode, to_uint8  # noqa: E402
from mnist_app.synthetic.pens import THIN_PEN, enlarged, pen_drawing  # noqa: E402

TAG, TAG_STEP = 0.5, 0.01  # digit k's ink is written as TAG + k * TAG_STEP (at least numbers.INK)
HEIGHTS = {"thin": (90, 220), "photo": (40, 160)}  # the families' digit heights, pixels


def owners(inks: list[np.ndarray], height: int, line: numbers.Line, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(the number's ink, which digit wrote each pixel of it: -1 for paper or a soft edge)."""
    ink, _ = numbers.write_line(inks, height, line, np.random.default_rng(seed))
    tagged = [np.where(digit >= numbers.INK, TAG + k * TAG_STEP, np.where(digit > 0, 1e-6, 0)).astype(np.float32)
              for k, digit in enumerate(inks)]
    tags, _ = numbers.write_line(tagged, height, line, np.random.default_rng(seed))
    return ink, np.where(tags >= TAG, np.rint((tags - TAG) / TAG_STEP), -1).astype(int)


def oracle_pictures(file: bytes, owner: np.ndarray, pad: int, count: int) -> list[np.ndarray]:
    """Each digit's piece of the line the reader reads in ``file``, framed as the reader
    frames a piece: the line's pixels nearest each written digit's own ink."""
    line = read_line(find_marks(file))
    (x0, y0), (sx, sy) = line.origin, line.scale
    rows = np.clip((y0 + (np.arange(line.ink.shape[0]) + 0.5) * sy).astype(int) - pad, 0, owner.shape[0] - 1)
    columns = np.clip((x0 + (np.arange(line.ink.shape[1]) + 0.5) * sx).astype(int) - pad, 0, owner.shape[1] - 1)
    written = owner[np.ix_(rows, columns)]
    pictures = []
    for k in range(count):
        mine = spread(np.maximum, written == k, 1) & ~((written >= 0) & (written != k))
        piece = np.where(mine, line.ink, 0)
        rows_in, columns_in = np.nonzero(piece)
        try:
            pictures.append(frame_digit(piece[rows_in.min():rows_in.max() + 1, columns_in.min():columns_in.max() + 1]))
        except (NoDigitFound, ValueError):
            pictures.append(np.zeros((28, 28), np.uint8))
    return pictures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", metavar="DIR", help="MNIST folder (default: $MNIST_APP_DATA or the cache)")
    parser.add_argument("--pen", choices=sorted(HEIGHTS), default="thin", help="how digits are drawn (default: thin)")
    parser.add_argument("--apart", action="store_true", help="the usual gaps instead of touching digits")
    parser.add_argument("--numbers", type=int, default=50, metavar="N", help="numbers (default: 50)")
    parser.add_argument("--seed", type=int, default=11, metavar="N", help="seed (default: 11)")
    args = parser.parse_args()
    classifier = Classifier.load()
    digits, labels, _ = source_digits(argparse.Namespace(source="validation", data_dir=args.data_dir))
    rng = np.random.default_rng(args.seed)
    whole = {"read": 0, "oracle cut": 0, "alone": 0}
    for _ in range(args.numbers):
        height = int(rng.uniform(*HEIGHTS[args.pen]))
        chosen = rng.integers(len(digits), size=int(rng.integers(2, 7)))
        inks = [pen_drawing(digits[j], height, rng.uniform(*THIN_PEN), rng) if args.pen == "thin"
                else enlarged(digits[j], height, rng) for j in chosen]
        written = "".join(str(labels[j]) for j in chosen)
        ink, owner = owners(inks, height, numbers.Line(touch=not args.apart), int(rng.integers(2 ** 32)))
        pad = height // 2
        file = encode(Image.fromarray(to_uint8(1 - np.pad(ink, pad))), "PNG")
        oracle = "".join(str(p.digit) for p in classifier.predict_pictures(
            np.array(oracle_pictures(file, owner, pad, len(inks)))))
        for key, reading in (("read", reading_of(classifier, file)), ("oracle cut", oracle),
                             ("alone", read_alone(classifier, inks))):
            whole[key] += reading == written
    print(f"{args.pen} pen, {'apart' if args.apart else 'touching'}, {args.numbers} numbers (seed {args.seed}), "
          "whole numbers right: " + ", ".join(f"{key} {value}" for key, value in whole.items()))


if __name__ == "__main__":
    main()
