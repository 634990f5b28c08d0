"""Time `python -m mnist_app predict` end to end, start-up included; prints and writes a table.

- one PNG (a 280x280 canvas export): the median wall time of several runs, next to the
  time Python takes just to import numpy, which bounds it from below;
- folders of 1000 images: 28x28 MNIST PNGs, 280x280 canvas exports, photo-like PNGs
  (400-1200 px photos of the digits on paper) and the same photos as JPEGs, each read
  once with every core (the command's worker pool) and once pinned to one core with
  `taskset -c 0`, side by side.

The digits are the committed MNIST test sample, drawn by mnist_app.synthetic, seeded.
Writes docs/benchmarks/predict.md. Usage::

    python scripts/bench_predict.py [--model PATH] [--runs N]
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from benchmark_notes import SAMPLE_PATH, write_markdown
from mnist_app.decode import load_image
from mnist_app.errors import ImageError
from mnist_app.preprocess import DECODE_SIDE, to_mnist_image
from mnist_app.synthetic.sets import canvas_of, photo_of

FOLDER_SIZE = 1000


def wall_time(command: list[str]) -> float:
    """Seconds ``command`` takes to run, its output discarded. Exit status 1 is accepted:
    predict says so when some image was not read (a digit it calls "not a digit", say)."""
    started = time.perf_counter()
    status = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
    if status not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed with exit status {status}")
    return time.perf_counter() - started


def stage_times(folder: Path) -> tuple[float, float]:
    """Median CPU milliseconds per image of decoding alone and of all of preprocessing."""
    files = sorted(folder.iterdir())
    decode, total = [], []
    for file in files:
        started = time.process_time()
        load_image(file, max_side=DECODE_SIDE)
        decode.append(time.process_time() - started)
        started = time.process_time()
        try:
            to_mnist_image(file)
        except ImageError:
            pass
        total.append(time.process_time() - started)
    return 1000 * statistics.median(decode), 1000 * statistics.median(total)


def write_folders(root: Path) -> dict[str, Path]:
    """The four folders of FOLDER_SIZE images under ``root``, by description. The photos
    are the same pictures twice: as the JPEGs a camera writes, and saved again as PNGs."""
    with np.load(SAMPLE_PATH) as sample:
        images = sample["images"]
    rng = np.random.default_rng(0)
    folders = {"28x28 MNIST PNGs": root / "mnist", "280x280 canvas PNGs": root / "canvas",
               "photo-like PNGs (400-1200 px)": root / "photos", "the same photos as JPEGs": root / "jpegs"}
    for folder in folders.values():
        folder.mkdir()
    for index in range(FOLDER_SIZE):
        digit = images[index % len(images)]
        name = f"{index:04d}.png"
        Image.fromarray(digit).save(folders["28x28 MNIST PNGs"] / name)
        (folders["280x280 canvas PNGs"] / name).write_bytes(canvas_of(digit, rng))
        photo = photo_of(digit, rng)
        Image.open(io.BytesIO(photo)).save(folders["photo-like PNGs (400-1200 px)"] / name)
        (folders["the same photos as JPEGs"] / f"{index:04d}.jpg").write_bytes(photo)
    return folders


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", metavar="PATH", help="weights file (default: the shipped model)")
    parser.add_argument("--runs", type=int, default=7, metavar="N",
                        help="runs of the single-image command (default: 7)")
    args = parser.parse_args()
    predict = [sys.executable, "-m", "mnist_app", "predict"] + (["--model", args.model] if args.model else [])
    one_core = ["taskset", "-c", "0"] if shutil.which("taskset") else None

    with tempfile.TemporaryDirectory() as temp:
        folders = write_folders(Path(temp))
        one_png = folders["280x280 canvas PNGs"] / "0000.png"
        numpy_import = statistics.median(wall_time([sys.executable, "-c", "import numpy"]) for _ in range(args.runs))
        single = statistics.median(wall_time(predict + [str(one_png)]) for _ in range(args.runs))
        lines = [f"One 280x280 canvas PNG, end to end: {single:.2f} s (median of {args.runs} runs; "
                 f"`python -c 'import numpy'` alone: {numpy_import:.2f} s).", "",
                 f"Folders of {FOLDER_SIZE} images, images per second (one run each):", "",
                 f"| folder | all {os.cpu_count()} cores (worker pool) | one core (`taskset -c 0`) | ratio |",
                 "| --- | ---: | ---: | ---: |"]
        for name, folder in folders.items():
            every_core = FOLDER_SIZE / wall_time(predict + [str(folder)])
            single_core = FOLDER_SIZE / wall_time(one_core + predict + [str(folder)]) if one_core else float("nan")
            lines.append(f"| {name} | {every_core:.0f} | {single_core:.0f} | {every_core / single_core:.2f}x |")
            print(lines[-1], flush=True)
        lines += ["", "Where one image's time goes, in this process (median ms of CPU over the folder):", "",
                  "| folder | Pillow decoding alone | all of preprocessing |", "| --- | ---: | ---: |"]
        lines += [f"| {name} | {decode_ms:.1f} | {total_ms:.1f} |"
                  for name, (decode_ms, total_ms) in ((name, stage_times(folder)) for name, folder in folders.items())]
    print("\n".join(lines))
    print(f"wrote {write_markdown('predict', 'Prediction speed', lines)}")


if __name__ == "__main__":
    main()
