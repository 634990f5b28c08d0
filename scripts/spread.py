"""How much the default `train` result moves: across seeds, BLAS threads and BLAS kernels.

A run is reproducible bit for bit only with the same numpy build, BLAS kernel and thread
count: matrix products add in a different order otherwise, the weights drift apart after a
few thousand steps, and the final accuracy lands elsewhere within the spread the seeds show.
This script runs `python -m mnist_app train --seed S` in subprocesses:

- seeds 0..N-1 with the default environment;
- seed 0 with OPENBLAS_NUM_THREADS=1, and with OPENBLAS_CORETYPE set to another kernel
  (what a different CPU would pick), when numpy uses OpenBLAS;

and writes the test accuracies to docs/benchmarks/spread.md. Usage::

    python scripts/spread.py [--data-dir DIR] [--seeds 5] [--other-kernel Sandybridge]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmark_notes import add_data_dir_option, load_mnist_or_exit, write_markdown
from mnist_app.data import resolve_data_dir


def test_accuracy(data_dir: str, seed: int, env_changes: dict[str, str]) -> float:
    """The test accuracy of one default `train` run with ``env_changes`` in its environment."""
    env = {**os.environ, **env_changes}
    with tempfile.TemporaryDirectory() as scratch:
        command = [sys.executable, "-m", "mnist_app", "train", "--data-dir", data_dir, "--quiet", "--json",
                   "--seed", str(seed), "--output", str(Path(scratch) / "model.npz")]
        output = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    return json.loads(output.strip().splitlines()[-1])["test_accuracy"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_dir_option(parser)
    parser.add_argument("--seeds", type=int, default=5, help="seeds 0..N-1 to train (default: 5)")
    parser.add_argument("--other-kernel", default="Sandybridge",
                        help="an OPENBLAS_CORETYPE other than this machine's (default: Sandybridge)")
    args = parser.parse_args()
    load_mnist_or_exit(args.data_dir)  # fetch the files once, or fail in one line
    data_dir = str(resolve_data_dir(args.data_dir))

    by_seed = [test_accuracy(data_dir, seed, {}) for seed in range(args.seeds)]
    lines = ["Test accuracy of the default `python -m mnist_app train`, one run each:", "",
             "| run | test accuracy |", "| --- | ---: |"]
    lines += [f"| seed {seed} | {accuracy:.2%} |" for seed, accuracy in enumerate(by_seed)]
    variants = {"seed 0, OPENBLAS_NUM_THREADS=1": {"OPENBLAS_NUM_THREADS": "1"},
                f"seed 0, OPENBLAS_CORETYPE={args.other_kernel}": {"OPENBLAS_CORETYPE": args.other_kernel}}
    for name, env_changes in variants.items():
        lines.append(f"| {name} | {test_accuracy(data_dir, 0, env_changes):.2%} |")
        print(lines[-1], flush=True)
    lines += ["", f"Seeds: mean {statistics.mean(by_seed):.2%}, from {min(by_seed):.2%} to {max(by_seed):.2%} "
              f"(standard deviation {statistics.stdev(by_seed):.2%})." if len(by_seed) > 1 else ""]
    print("\n".join(lines))
    print(f"wrote {write_markdown('spread', 'How much a training run moves', lines)}")


if __name__ == "__main__":
    main()
