"""Time reading digits where people wait, each beside the floor under it, in one run; writes
docs/benchmarks/predict.md.

- Start-up: `mnist-app predict one.png` (a 280x280 canvas export), run as the console script
  pip installs runs it, and `python -c "import mnist_app; mnist_app.Classifier.load()"`,
  each against the bare `python -c "import numpy, PIL.Image"`; and that floor once more
  with one BLAS thread, as predict starts OpenBLAS, to show what that alone saves. The three commands take
  turns, RUNS times; the table gives their medians and the median of each turn's ratios,
  in wall time and in CPU time (user and system: on a busy machine the wall time also
  counts the waits for a core). Every child runs with its bytecode cached
  (PYTHONPYCACHEPREFIX in a temporary folder, warmed once), as an installed package has it.
- A folder of FOLDER_SIZE mixed photos (PNG and JPEG, PNG_SHARE of them PNG, longer side
  log-uniform in PHOTO_SIDES pixels; MNIST test digits written on paper and photographed by
  mnist_app.synthetic, seeded): `mnist-app predict FOLDER` against Pillow decoding the same
  files (open, load, convert to grey) in a pool of one process per core. They take turns,
  REPEATS times; median images per second.
- Per photo of that folder, in this process: the CPU milliseconds of decoding as
  preprocessing decodes (preprocess.decode_picture) and of all of preprocessing; the median of
  their difference is what preprocessing adds beyond decoding.

- Instructions: the start-up commands once more under ``valgrind --tool=callgrind`` (if
  valgrind is installed), with PYTHONHASHSEED=0, the median of INSTRUCTION_RUNS runs: the
  count of instructions a process runs moves by a few thousand from run to run however
  busy the machine is (by up to 5% where OpenBLAS's threads spin), where its wall and CPU
  time move by tens of per cent. (Counted without the kernel's work: opening and reading
  files.)

The machine's 1-minute load average is recorded before and after: other jobs share the
cores, and ratios taken in one run cancel only part of that. Usage::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python scripts/bench_predict.py [--runs N] [--repeats N]
"""

from __future__ import annotations

import argparse
import io
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image

from benchmark_notes import SAMPLE_PATH, write_markdown
from mnist_app.errors import ImageError
from mnist_app.preprocess import decode_picture, to_mnist_image
from mnist_app.synthetic.pens import enlarged
from mnist_app.synthetic.sets import CANVAS, export, photo_of

FOLDER_SIZE = 400
PNG_SHARE = 0.7
PHOTO_SIDES = (80, 2000)
# Runs under callgrind of each start-up command, whose median counts: a process that starts
# OpenBLAS's threads (the floor starts one per core) runs as many more instructions as they
# spin, 431-452M for the floor in five runs on 2026-12-03; predict starts one, and counts
# the same to a few thousand every run.
INSTRUCTION_RUNS = 3
AIMS = {"predict one image": 1.25, "import and load": 1.3, "folder": 0.6, "beyond decoding ms": 2.0}
ONE_BLAS_THREAD_FLOOR = "import os; os.environ['OPENBLAS_NUM_THREADS'] = '1'; import numpy, PIL.Image"
# pip's console-script wrapper for `mnist-app`, as it writes it into bin/.
CONSOLE_SCRIPT = """import re
import sys
from mnist_app.cli import main
if __name__ == "__main__":
    sys.argv[0] = re.sub(r"(-script\\.pyw|\\.exe)?$", "", sys.argv[0])
    sys.exit(main())
"""


def child_environment(cache: str) -> dict[str, str]:
    """This environment with bytecode written to and read from ``cache``."""
    environment = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    environment["PYTHONPYCACHEPREFIX"] = cache
    return environment


def wall_time(command: list[str], environment: dict[str, str]) -> float:
    """Seconds ``command`` takes, its output discarded; exit 0 or 1 (an image not read) only."""
    return timed(command, environment)[0]


def timed(command: list[str], environment: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the process and its children) of ``command``. On a busy
    machine the wall time also counts the time spent waiting for a core; the CPU time not."""
    cpu_before = _children_cpu()
    started = time.perf_counter()
    status = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=environment).returncode
    wall = time.perf_counter() - started
    if status not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed with exit status {status}")
    return wall, _children_cpu() - cpu_before


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def startup_commands(root: Path) -> dict[str, list[str]]:
    """The start-up commands by the name the table gives them, the floor first; writes the
    canvas and the console script they run into ``root``."""
    digit = sample_digits()[0][0]
    png = root / "one.png"
    png.write_bytes(export(enlarged(digit, 200, np.random.default_rng(0)), "canvas", CANVAS, np.random.default_rng(1)))
    wrapper = root / "mnist-app"
    wrapper.write_text(CONSOLE_SCRIPT)
    floor = [sys.executable, "-c", "import numpy, PIL.Image"]
    commands = {
        "`python -c \"import numpy, PIL.Image\"` (the floor)": floor,
        "`mnist-app predict one.png` (280x280 canvas)": [sys.executable, str(wrapper), "predict", str(png)],
        "`python -c \"import mnist_app; mnist_app.Classifier.load()\"`":
            [sys.executable, "-c", "import mnist_app; mnist_app.Classifier.load()"],
        # predict starts OpenBLAS with one thread (cli.common.one_blas_thread): this row shows
        # how much of its lead over the floor that alone makes.
        "the floor with one BLAS thread, as predict sets it": [sys.executable, "-c", ONE_BLAS_THREAD_FLOOR],
    }
    return commands


def startup_rows(commands: dict[str, list[str]], runs: int, environment: dict[str, str]) -> list[str]:
    """Table rows: the bare imports, then predict one canvas and import-and-load with ratios."""
    for command in commands.values():  # write the bytecode cache
        wall_time(command, environment)
    walls: dict[str, list[float]] = {name: [] for name in commands}
    cpus: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            wall, cpu = timed(command, environment)
            walls[name].append(wall)
            cpus[name].append(cpu)
    floor_wall, floor_cpu = walls[next(iter(commands))], cpus[next(iter(commands))]
    aims = (None, AIMS["predict one image"], AIMS["import and load"], None)
    rows = []
    for name, aim in zip(commands, aims):
        wall_ratio = statistics.median(t / f for t, f in zip(walls[name], floor_wall))
        cpu_ratio = statistics.median(t / f for t, f in zip(cpus[name], floor_cpu))
        rows.append(f"| {name} | {1000 * statistics.median(walls[name]):.0f} ms wall, "
                    f"{1000 * statistics.median(cpus[name]):.0f} ms CPU | {wall_ratio:.2f}x wall, "
                    f"{cpu_ratio:.2f}x CPU | " + (f"<= {aim}x" if aim else "") + " |")
    return rows


def instruction_row(commands: dict[str, list[str]], environment: dict[str, str]) -> str:
    """A table row: the instructions (callgrind) of the floor, of predict one canvas and of
    import-and-load, and the ratios of the last two to the floor's."""
    if shutil.which("valgrind") is None:
        return "| instructions (callgrind) | not counted: valgrind is not installed | | |"
    environment = {**environment, "PYTHONHASHSEED": "0"}
    floor, predict, load = (statistics.median(instructions(command, environment) for _ in range(INSTRUCTION_RUNS))
                            for command in list(commands.values())[:3])
    return (f"| instructions (callgrind): the floor, `predict one.png`, import and load | "
            f"{floor / 1e6:.0f}M, {predict / 1e6:.0f}M, {load / 1e6:.0f}M | "
            f"{predict / floor:.2f}x, {load / floor:.2f}x | <= {AIMS['predict one image']}x, <= {AIMS['import and load']}x |")


def instructions(command: list[str], environment: dict[str, str]) -> int:
    """The instructions ``command`` runs in user space, counted by valgrind's callgrind."""
    completed = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *command],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=environment)
    counted = re.search(r"I\s+refs:\s+([\d,]+)", completed.stderr)
    if completed.returncode not in (0, 1) or counted is None:
        raise SystemExit(f"callgrind failed on {' '.join(command)}: {completed.stderr[-500:]}")
    return int(counted.group(1).replace(",", ""))


def sample_digits() -> tuple[np.ndarray, np.ndarray]:
    with np.load(SAMPLE_PATH) as sample:
        return sample["images"], sample["labels"]


def write_photos(folder: Path) -> list[Path]:
    """FOLDER_SIZE photos of the sample's digits, PNG_SHARE of them re-saved as PNG."""
    digits, _ = sample_digits()
    rng = np.random.default_rng(0)
    folder.mkdir()
    paths = []
    for index in range(FOLDER_SIZE):
        photo = photo_of(digits[index % len(digits)], rng, long_side=PHOTO_SIDES)
        if rng.random() < PNG_SHARE:
            path = folder / f"{index:04d}.png"
            Image.open(io.BytesIO(photo)).save(path)
        else:
            path = folder / f"{index:04d}.jpg"
            path.write_bytes(photo)
        paths.append(path)
    return paths


def decode_to_grey(path: Path) -> None:
    """Pillow alone: open, decode, convert to grey."""
    with Image.open(path) as image:
        image.load()
        image.convert("L")


def decoding_rate(paths: list[Path]) -> float:
    """Images per second Pillow decodes ``paths`` at, in one process per usable core."""
    started = time.perf_counter()
    with ProcessPoolExecutor(len(os.sched_getaffinity(0))) as pool:
        list(pool.map(decode_to_grey, paths, chunksize=8))
    return len(paths) / (time.perf_counter() - started)


def folder_row(folder: Path, paths: list[Path], repeats: int, environment: dict[str, str]) -> str:
    predict = [sys.executable, "-m", "mnist_app", "predict", str(folder)]
    wall_time(predict, environment)  # bytecode cache and file cache
    floor, app = [], []
    for _ in range(repeats):
        floor.append(decoding_rate(paths))
        app.append(len(paths) / wall_time(predict, environment))
    ratio = statistics.median(a / f for a, f in zip(app, floor))
    return (f"| {len(paths)} mixed photos, {statistics.median(floor):.0f} images/s decoded by Pillow | "
            f"{statistics.median(app):.0f} images/s | {ratio:.2f}x | >= {AIMS['folder']}x |")


def per_photo_row(paths: list[Path]) -> str:
    """Median CPU ms per photo: decoding, all of preprocessing, and the difference."""
    decode, total = [], []
    for path in paths:
        started = time.process_time()
        decode_picture(path)
        decode.append(time.process_time() - started)
        started = time.process_time()
        try:
            to_mnist_image(path)
        except ImageError:
            pass
        total.append(time.process_time() - started)
    beyond = statistics.median(t - d for t, d in zip(total, decode))
    return (f"| per photo, CPU ms: decoding {1000 * statistics.median(decode):.1f}, all of preprocessing "
            f"{1000 * statistics.median(total):.1f} | {1000 * beyond:.1f} ms beyond decoding | | "
            f"<= {AIMS['beyond decoding ms']} ms |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, metavar="N", help="turns of the start-up commands (default: 15)")
    parser.add_argument("--repeats", type=int, default=3, metavar="N", help="turns over the folder (default: 3)")
    parser.add_argument("--no-instructions", action="store_true",
                        help="do not count the start-up commands' instructions with callgrind (about 4 minutes)")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as temp:
        root = Path(temp)
        environment = child_environment(str(root / "bytecode"))
        commands = startup_commands(root)
        rows = startup_rows(commands, args.runs, environment)
        print("\n".join(rows), flush=True)
        if not args.no_instructions:
            rows.append(instruction_row(commands, environment))
            print(rows[-1], flush=True)
        paths = write_photos(root / "photos")
        rows.append(folder_row(root / "photos", paths, args.repeats, environment))
        print(rows[-1], flush=True)
        rows.append(per_photo_row(paths))
        print(rows[-1], flush=True)
    load_after = os.getloadavg()[0]
    cores = len(os.sched_getaffinity(0))
    busy = "busy: other jobs were running" if max(load_before, load_after) > cores else "quiet"
    lines = ["| what | time or rate | against its floor | aim |", "| --- | ---: | ---: | ---: |", *rows, "",
             f"Start-up: median of {args.runs} turns; the ratio is the median of each turn's ratio to the "
             f"bare imports (CPU: user and system time of the process); instructions: median of "
             f"{INSTRUCTION_RUNS} runs each under callgrind, PYTHONHASHSEED=0. Folder: median of {args.repeats} turns, `python -m mnist_app predict FOLDER` "
             f"against Pillow decoding the same files with {cores} processes. 1-minute load average "
             f"{load_before:.1f} before and {load_after:.1f} after, on {cores} cores ({busy})."]
    print("\n".join(lines))
    print(f"wrote {write_markdown('predict', 'Where people wait: reading digits against the floor', lines)}")


if __name__ == "__main__":
    main()
