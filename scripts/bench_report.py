"""Time `mnist-app report` on the 10,000 MNIST test images, end to end and step by step.

    python scripts/bench_report.py [--data-dir DIR] [--model PATH] [--runs 3]

The data directory is --data-dir, else $MNIST_APP_DATA, else the cache (as for the app).
Prints a table of medians and writes it to docs/benchmarks/report.md with the machine and
the command. Issue 11 asks for at most 15 s here.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmark_notes import add_data_dir_option, add_model_option, load_mnist_or_exit, write_markdown

from mnist_app.data import resolve_data_dir
from mnist_app.model import Model
from mnist_app.report.figures import compute_figures
from mnist_app.report.html import render
from mnist_app.report.robustness import MAX_IMAGES, robustness_curves, variant_count


def timed(function, *args):
    """(seconds, result) of one call."""
    start = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - start, result


def end_to_end(data_dir: Path, model: str | None) -> float:
    """Wall time of one `python -m mnist_app report` process, start-up and writing included."""
    with tempfile.TemporaryDirectory() as directory:
        command = [sys.executable, "-m", "mnist_app", "report", "--data-dir", str(data_dir),
                   "--output", str(Path(directory) / "report.html"), "--quiet"]
        command += ["--model", model] if model else []
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_dir_option(parser)
    add_model_option(parser)
    parser.add_argument("--runs", type=int, default=3, help="runs of each measurement; medians are shown")
    args = parser.parse_args()
    model = Model.load(args.model)

    samples: dict[str, list[float]] = {}
    for _ in range(args.runs):
        seconds, mnist = timed(load_mnist_or_exit, args.data_dir)
        images, labels = mnist.test_images, mnist.test_labels
        samples.setdefault("load the MNIST files (all four, verified)", []).append(seconds)
        seconds, figures = timed(compute_figures, model, images, labels)
        samples.setdefault("compute every figure (`figures.compute_figures`)", []).append(seconds)
        seconds, _ = timed(robustness_curves, model, images, labels)
        samples.setdefault(f"  of which robustness: {variant_count()} transformed copies of "
                           f"{MAX_IMAGES:,} digits", []).append(seconds)
        seconds, page = timed(render, figures)
        samples.setdefault(f"draw the page (`html.render`, {len(page) / 1024:.0f} KiB)", []).append(seconds)
        samples.setdefault("`mnist-app report`, end to end in a new process", []).append(
            end_to_end(resolve_data_dir(args.data_dir), args.model))

    rows = [f"| {name} | {statistics.median(values):.2f} |" for name, values in samples.items()]
    body = [f"The report of `{args.model or 'the shipped model'}` on the {len(labels):,} MNIST test images, "
            f"median of {args.runs} runs:", "", "| step | seconds |", "| --- | ---: |", *rows]
    print("\n".join(body))
    print(f"wrote {write_markdown('report', 'Time to build the HTML report', body)}")


if __name__ == "__main__":
    main()
