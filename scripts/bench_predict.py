"""Time `python -m mnist_app predict` end to end, start-up included; prints the numbers.

- one PNG (a 280x280 canvas export): the median wall time of several runs (target <= 0.3 s),
  next to the time Python takes just to import numpy, which bounds it from below;
- a folder of 1000 PNGs, 28x28 MNIST test digits, and a folder of 1000 280x280 canvas
  exports: images per second over one run each (target >= 500).

Usage::

    python scripts/bench_predict.py [--model PATH] [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from mnist_app.synthetic.sets import canvas_of

SAMPLE_PATH = Path(__file__).resolve().parent.parent / "tests" / "data" / "mnist_test_sample.npz"

FOLDER_SIZE = 1000


def wall_time(command: list[str]) -> float:
    """Seconds ``command`` takes to run, its output discarded; exits if it fails."""
    started = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


def write_folders(root: Path) -> tuple[Path, Path, Path]:
    """One canvas PNG, a folder of 28x28 MNIST PNGs and a folder of canvas PNGs under ``root``."""
    with np.load(SAMPLE_PATH) as sample:
        images = sample["images"]
    rng = np.random.default_rng(0)
    small, canvases = root / "mnist-28px", root / "canvas-280px"
    small.mkdir()
    canvases.mkdir()
    for index in range(FOLDER_SIZE):
        digit = images[index % len(images)]
        Image.fromarray(digit).save(small / f"{index:04d}.png")
        (canvases / f"{index:04d}.png").write_bytes(canvas_of(digit, rng))
    return canvases / "0000.png", small, canvases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", metavar="PATH", help="weights file (default: the shipped model)")
    parser.add_argument("--runs", type=int, default=7, metavar="N",
                        help="runs of the single-image command (default: 7)")
    args = parser.parse_args()
    predict = [sys.executable, "-m", "mnist_app", "predict"] + (["--model", args.model] if args.model else [])

    with tempfile.TemporaryDirectory() as temp:
        one_png, small, canvases = write_folders(Path(temp))
        numpy_import = statistics.median(
            wall_time([sys.executable, "-c", "import numpy"]) for _ in range(args.runs))
        single = statistics.median(wall_time(predict + [str(one_png)]) for _ in range(args.runs))
        print(f"one 280x280 PNG: {single:.2f} s (median of {args.runs} runs; "
              f"`python -c 'import numpy'` alone: {numpy_import:.2f} s)")
        for name, folder in [("28x28 MNIST PNGs", small), ("280x280 canvas PNGs", canvases)]:
            seconds = wall_time(predict + [str(folder)])
            print(f"folder of {FOLDER_SIZE} {name}: {seconds:.2f} s, {FOLDER_SIZE / seconds:.0f} images/s")


if __name__ == "__main__":
    main()
