"""What the Train view's cost and initialisation switches do: the book's chapter 3 on the
page's network. Trains 784-30-10 four times (quadratic or cross-entropy cost, N(0, 1) or
N(0, 1/n_in) weights) with the view's other defaults, through the same code the view runs
(:func:`mnist_app.live.run.run_training`, seeded), and writes docs/benchmarks/live-study.md:
validation accuracy during the first epoch (on the first 500 validation images, as the
page shows it) and after each epoch (on all 10,000).

Usage::

    python scripts/live_study.py --data-dir DIR [--epochs 3] [--seed 1]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchmark_notes import add_data_dir_option, write_markdown  # noqa: E402
from mnist_app.data import resolve_data_dir  # noqa: E402
from mnist_app.live.run import MnistFiles, run_training  # noqa: E402
from mnist_app.live.settings import RunSettings  # noqa: E402
from mnist_app.training_progress import PROGRESS_MONITOR_EXAMPLES  # noqa: E402

PAIRS = [("quadratic", "normal"), ("quadratic", "scaled"), ("cross-entropy", "normal"), ("cross-entropy", "scaled")]
SHOWN_EXAMPLES = (0, 1000, 3000, 10000, 30000)


class Collected:
    """Stands in for the event pipe: keeps every event."""

    def __init__(self):
        self.events: list[tuple[str, dict]] = []

    def send(self, event) -> None:
        self.events.append(event)

    def close(self) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_dir_option(parser)
    parser.add_argument("--epochs", type=int, default=3, help="epochs of each run (default: 3)")
    parser.add_argument("--seed", type=int, default=1, help="the same seed for every run (default: 1)")
    args = parser.parse_args()
    source = MnistFiles(resolve_data_dir(args.data_dir))
    defaults = RunSettings()
    header = " | ".join(f"{n:,} examples" for n in SHOWN_EXAMPLES)
    rows = [f"| cost | weights | {header} | " + " | ".join(f"epoch {e}" for e in range(1, args.epochs + 1)) + " |",
            "| --- | --- | " + " | ".join("---:" for _ in range(len(SHOWN_EXAMPLES) + args.epochs)) + " |"]
    for cost, init in PAIRS:
        collected = Collected()
        with tempfile.TemporaryDirectory() as directory:
            run_training(RunSettings(epochs=args.epochs, cost=cost, init=init), source,
                         str(Path(directory) / "model.npz"), collected, lambda: False, seed=args.seed)
        progress = {data["examples"]: data["val_accuracy"] for kind, data in collected.events if kind == "progress"}
        epochs = [data["val_accuracy"] for kind, data in collected.events if kind == "epoch"]
        if len(epochs) != args.epochs:
            sys.exit(f"{cost}, {init}: {collected.events[-1]}")
        # Reports come after whole minibatches: the first at or past each shown count.
        during = [f"{progress[min(e for e in progress if e >= n)]:.1%}" for n in SHOWN_EXAMPLES]
        rows.append(f"| {cost} | {'N(0, 1)' if init == 'normal' else 'N(0, 1/n_in)'} | " + " | ".join(during)
                    + " | " + " | ".join(f"{a:.2%}" for a in epochs) + " |")
        print(rows[-1], flush=True)
    notes = ["", f"784-{defaults.hidden}-10, η = {defaults.eta:g}, batch {defaults.batch_size}, "
             f"{defaults.examples:,} training examples, seed {args.seed}; the other settings are "
             "`mnist-app train`'s (cosine schedule, L2 1e-4, shifts of 1 pixel, deskewed digits). "
             f"Within the first epoch: the first {PROGRESS_MONITOR_EXAMPLES} validation images after that many examples "
             f"(the page's points; reports come after whole minibatches of {defaults.batch_size}, so at "
             "1,024 for 1,000); per epoch: all 10,000. A random network reads 10%."]
    print(f"wrote {write_markdown('live-study', 'Cost and initial weights in the Train view', rows + notes)}")


if __name__ == "__main__":
    main()
