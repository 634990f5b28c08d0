"""Would scipy.ndimage make preprocessing faster? Its cost and its gain, in one run; writes
docs/benchmarks/ndimage.md.

- Cost: the wall time of `python -c "import numpy, PIL.Image, scipy.ndimage"` against
  `python -c "import numpy, PIL.Image"` (the floor of `mnist-app predict one.png`), the two
  taking turns RUNS times, bytecode cached as an installed package has it.
- Gain: on the masks preprocessing labels (those of IMAGES canvas exports and photos,
  captured from parts.label_parts as preprocessing runs), the CPU time of
  parts.label_parts against scipy.ndimage.label with 8-connectivity, and of parts.spread
  against scipy.ndimage.maximum_filter, with a check that both give the same labels and
  the same spread.

Usage::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python scripts/bench_ndimage.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time

import numpy as np

from bench_predict import child_environment, sample_digits, wall_time
from benchmark_notes import write_markdown
from mnist_app.errors import ImageError
from mnist_app.preprocess import parts, to_mnist_image
from mnist_app.synthetic.sets import canvas_of, photo_of

IMAGES = 100  # of each kind
REPEATS = 5


def captured_masks() -> list[np.ndarray]:
    """The boolean masks parts.label_parts is given while IMAGES canvases and photos are read."""
    masks: list[np.ndarray] = []
    label_parts = parts.label_parts

    def capture(mask):
        masks.append(mask.copy())
        return label_parts(mask)

    digits, _ = sample_digits()
    rng = np.random.default_rng(0)
    parts.label_parts = capture
    try:
        for index in range(IMAGES):
            for picture in (canvas_of(digits[index], rng), photo_of(digits[index], rng)):
                try:
                    to_mnist_image(picture)
                except ImageError:
                    pass
    finally:
        parts.label_parts = label_parts
    return masks


def cpu_ms_per_call(function, arguments: list) -> float:
    """Median over REPEATS of the mean CPU milliseconds of ``function`` over ``arguments``."""
    runs = []
    for _ in range(REPEATS):
        started = time.process_time()
        for argument in arguments:
            function(argument)
        runs.append((time.process_time() - started) / len(arguments))
    return 1000 * statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11, metavar="N", help="turns of the import commands (default: 11)")
    args = parser.parse_args()
    from scipy import ndimage

    load_before = os.getloadavg()[0]
    floor_command = [sys.executable, "-c", "import numpy, PIL.Image"]
    scipy_command = [sys.executable, "-c", "import numpy, PIL.Image, scipy.ndimage"]
    with tempfile.TemporaryDirectory() as cache:
        environment = child_environment(cache)
        for command in (floor_command, scipy_command):
            wall_time(command, environment)
        floor, with_scipy = [], []
        for _ in range(args.runs):
            floor.append(wall_time(floor_command, environment))
            with_scipy.append(wall_time(scipy_command, environment))
    import_ms = 1000 * statistics.median(s - f for s, f in zip(with_scipy, floor))

    masks = captured_masks()
    eight = np.ones((3, 3), dtype=bool)
    same_labels = all(
        ours[1] == theirs[1] and np.array_equal(ours[0], theirs[0])
        for ours, theirs in ((parts.label_parts(mask), ndimage.label(mask, eight)) for mask in masks))
    same_spread = all(np.array_equal(parts.spread(np.maximum, mask, 2), ndimage.maximum_filter(mask, size=5))
                      for mask in masks)
    label_ours = cpu_ms_per_call(parts.label_parts, masks)
    label_scipy = cpu_ms_per_call(lambda mask: ndimage.label(mask, eight), masks)
    spread_ours = cpu_ms_per_call(lambda mask: parts.spread(np.maximum, mask, 2), masks)
    spread_scipy = cpu_ms_per_call(lambda mask: ndimage.maximum_filter(mask, size=5), masks)
    load_after = os.getloadavg()[0]
    per_image = len(masks) / (2 * IMAGES)
    lines = [
        "| what | mnist_app's own | scipy.ndimage | same result |", "| --- | ---: | ---: | --- |",
        f"| import, added to `python -c \"import numpy, PIL.Image\"` ({statistics.median(floor) * 1000:.0f} ms) "
        f"| 0 ms | {import_ms:.0f} ms | |",
        f"| label 8-connected parts, CPU ms per mask | {label_ours:.3f} | {label_scipy:.3f} | {same_labels} |",
        f"| spread (maximum over a 5x5 square), CPU ms per mask | {spread_ours:.3f} | {spread_scipy:.3f} "
        f"| {same_spread} |",
        "",
        f"{len(masks)} masks from {IMAGES} canvas exports and {IMAGES} photos ({per_image:.1f} per image; "
        f"median of {REPEATS} passes). Imports: median of {args.runs} turns' differences. "
        f"1-minute load average {load_before:.1f} before, {load_after:.1f} after, on "
        f"{len(os.sched_getaffinity(0))} cores.",
    ]
    print("\n".join(lines))
    print(f"wrote {write_markdown('ndimage', 'scipy.ndimage against the hand-written image code', lines)}")


if __name__ == "__main__":
    main()
