"""The validation accuracy of each recipe the shipped model was chosen from, one run each.

Every variant is a `python -m mnist_app train` command (seed 0) whose JSON summary gives the
best validation accuracy; the test set is not looked at. Writes docs/benchmarks/recipes.md.
The distilled variant first trains its 784-400-10 teacher. Takes about an hour on 2 cores.

    python scripts/recipe_study.py [--data-dir DIR] [--only NAME ...]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmark_notes import add_data_dir_option, load_mnist_or_exit, write_markdown
from mnist_app.data import resolve_data_dir

EXTRAS = ["--nondigits", "21000", "--typed", "6000"]
SHIPPED = ["--epochs", "60", "--lr", "1.0", "--momentum", "0.9", "--distort", "0.5", *EXTRAS]
TEACHER = ["--hidden", "400", "--epochs", "40", "--lr", "1.5", "--momentum", "0.9", "--l2", "5e-5",
           "--distort", "1", *EXTRAS]
VARIANTS = {
    "round 1's defaults (45 epochs, eta 3.0, no deskewing)": ["--no-deskew"],
    "the same with 21,000 non-digits and 6,000 typed digits": ["--no-deskew", *EXTRAS],
    "the same with strength-1 distortions, no extras": ["--no-deskew", "--distort", "1"],
    "today's `train` defaults (deskewed)": [],
    "shipped: deskewed, extras, strength-0.5 distortions, momentum, 60 epochs": SHIPPED,
    "the same distilled from a 784-400-10 teacher, weight 0.5": [*SHIPPED, "--teacher", "{teacher}"],
}


def validation_accuracy(data_dir: str, flags: list[str], output: Path) -> float:
    command = [sys.executable, "-m", "mnist_app", "train", "--data-dir", data_dir, "--quiet", "--json",
               "--seed", "0", "--output", str(output), *flags]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])["validation_accuracy"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_dir_option(parser)
    parser.add_argument("--only", nargs="+", metavar="N", type=int,
                        help="run only these variants (1-based, in the table's order)")
    args = parser.parse_args()
    load_mnist_or_exit(args.data_dir)
    data_dir = str(resolve_data_dir(args.data_dir))
    lines = ["| variant (all 784-30-10, cross-entropy, seed 0) | flags | validation |", "| --- | --- | ---: |"]
    with tempfile.TemporaryDirectory() as scratch:
        teacher = Path(scratch) / "teacher.npz"
        for number, (name, flags) in enumerate(VARIANTS.items(), start=1):
            if args.only and number not in args.only:
                continue
            if "{teacher}" in flags and not teacher.exists():
                teacher_accuracy = validation_accuracy(data_dir, TEACHER, teacher)
                lines.append(f"| the teacher, 784-400-10 | `{' '.join(TEACHER)}` | {teacher_accuracy:.2%} |")
            run_flags = [str(teacher) if flag == "{teacher}" else flag for flag in flags]
            accuracy = validation_accuracy(data_dir, run_flags, Path(scratch) / f"{number}.npz")
            shown = " ".join("TEACHER" if flag == "{teacher}" else flag for flag in flags) or "(none)"
            lines.append(f"| {name} | `{shown}` | {accuracy:.2%} |")
            print(lines[-1], flush=True)
    print("\n".join(lines))
    print(f"wrote {write_markdown('recipes', 'Recipes on the validation split', lines)}")


if __name__ == "__main__":
    main()
