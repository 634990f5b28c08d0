"""The README stays a lean user's guide whose numbers are not copied by hand: each number
in its prose is a value the code defines (read here from the code) or appears in a table
that a script under scripts/ writes (docs/benchmarks/, docs/realistic.md,
docs/numbers-realistic.md, docs/held-out-families.md). Commands and
their output (indented or fenced blocks) are checked by tests/test_readme_example.py."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from mnist_app import model_io
from mnist_app.cli import build_parser
from mnist_app.cli.exits import EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_OK, EXIT_TERMINATED, EXIT_USAGE
from mnist_app.confidence import UNSURE_SHARE
from mnist_app.constants import DEFAULT_HIDDEN, FRAME, INPUT_SIZE, N_CLASSES, N_TRAIN_IMAGES

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
MAX_README_BYTES = 13 * 1024  # issues 20 and 24 asked for the numbers and held-out tables in it
GENERATED_TABLES = [*sorted((ROOT / "docs" / "benchmarks").glob("*.md")),
                    *(ROOT / "docs" / name for name in ("realistic.md", "numbers-realistic.md", "held-out-families.md"))]
NUMBER = re.compile(r"(?<![\w.#-])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:%|x(?=[\s,;)]))?(?![\w-]|\.\w)")  # 98.04%, 1.23x


def prose(text: str) -> str:
    """``text`` without fenced code, indented blocks, inline code, link targets and images."""
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    text = "\n".join(line for line in text.splitlines() if not line.startswith("    "))
    text = re.sub(r"`[^`]*`", "", text)
    return re.sub(r"\]\([^)]*\)", "]", text)


def defined_by_the_code() -> set[str]:
    """Numbers the README may state because the code (or the shipped model's file) says so."""
    train = build_parser(["train"])._subparsers._group_actions[0].choices["train"]  # type: ignore[union-attr]
    validation = train.get_default("validation")
    python = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"].lstrip(">=")
    _, metadata = model_io.load(model_io.default_model_path())
    numbers = [INPUT_SIZE, *DEFAULT_HIDDEN, N_CLASSES, FRAME, validation, N_TRAIN_IMAGES - validation,
               EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_INTERRUPTED, EXIT_TERMINATED]
    return ({f"{n:,}" for n in numbers} | {str(n) for n in numbers}
            | {python, f"{metadata['test_accuracy']:.2%}", f"{UNSURE_SHARE:.0%}"})


def in_generated_tables() -> set[str]:
    return {number for path in GENERATED_TABLES for number in NUMBER.findall(path.read_text(encoding="utf-8"))}


def test_the_readme_is_lean():
    assert README.stat().st_size <= MAX_README_BYTES


def test_the_number_finder_finds_numbers_and_not_names():
    assert NUMBER.findall("at 98.04% on 10,000 digits, 784 inputs") == ["98.04%", "10,000", "784"]
    assert NUMBER.findall("takes 1.23x the time, 0x1f (1.1x, 1.2x)") == ["1.23x", "1.1x", "1.2x"]
    assert NUMBER.findall("BP1-BP4 in mnist-784-30-10.npz, v0.2, 28×28 and 3, 4.") == ["28", "28", "3", "4"]


def test_every_number_in_the_readme_is_defined_by_the_code_or_generated():
    allowed = defined_by_the_code() | in_generated_tables()
    stated = NUMBER.findall(prose(README.read_text(encoding="utf-8")))
    assert stated, "the README states no number at all? the finder is broken"
    copied = sorted(set(stated) - allowed)
    assert not copied, (f"README numbers {copied} are neither defined by the code nor in a table a script "
                        "writes (docs/benchmarks/, docs/realistic.md): link the table instead of copying them")
