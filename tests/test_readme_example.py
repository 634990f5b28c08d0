"""The README's `predict` examples, run on the pictures scripts/example_pictures.py draws:
the same lines, and every number within half a point of what the app prints here (the
last digit may move between machines, see models/README.md)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from mnist_app.cli import main

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "example_pictures.py"
NUMBER = re.compile(r"\d+\.\d+")


def readme_example() -> list[tuple[list[str], list[str]]]:
    """The README's `$ mnist-app predict ...` commands, each with the lines it shows."""
    lines = ROOT.joinpath("README.md").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("    $ mnist-app predict"))
    runs: list[tuple[list[str], list[str]]] = []
    for line in lines[start:]:
        if not line.startswith("    "):
            break
        if line.startswith("    $ mnist-app predict"):
            runs.append((line.removeprefix("    $ mnist-app predict").split(), []))
        else:
            runs[-1][1].append(line[4:])
    return runs


def same_but_numbers(shown: str, printed: str, tolerance: float) -> bool:
    """``shown`` and ``printed`` have the same text between their numbers, and numbers that
    differ by at most ``tolerance``; ``...`` in ``shown`` stands for the rest of the line."""
    pattern, actual = NUMBER.sub("#", shown), NUMBER.sub("#", printed)
    same_text = actual.startswith(pattern.split("...")[0]) if "..." in shown else actual == pattern
    return same_text and all(abs(float(a) - float(b)) <= tolerance
                             for a, b in zip(NUMBER.findall(shown), NUMBER.findall(printed)))


def test_the_readme_shows_three_predict_runs():
    runs = readme_example()
    assert [arguments for arguments, _ in runs] == [["photos/"], ["--top-k", "3", "photos/four.jpg"],
                                                     ["--json", "photos/four.jpg"]]
    assert all(lines for _, lines in runs)


@pytest.mark.parametrize("run", range(3))
def test_the_readme_example_is_what_predict_prints(run, tmp_path, capsys):
    subprocess.run([sys.executable, str(SCRIPT), str(tmp_path / "photos")], check=True, capture_output=True)
    arguments, shown = readme_example()[run]
    status = main(["predict", *(argument.replace("photos", str(tmp_path / "photos")) for argument in arguments)])
    captured = capsys.readouterr()
    printed = [line.replace(str(tmp_path / "photos"), "photos")
               for line in captured.err.splitlines() + captured.out.splitlines()]
    assert status == (1 if run == 0 else 0)  # the folder holds two pictures that are no digit
    by_name = {re.sub(r"^mnist-app: error: ", "", line).split(":")[0]: line for line in printed}
    tolerance = 0.005 if "--json" in arguments else 0.5  # a fraction, or a percentage
    for line in shown:
        name = re.sub(r"^mnist-app: error: ", "", line).split(":")[0] if "--json" not in arguments else \
            "{\"path\""
        actual = by_name.get(name, printed[0])
        assert same_but_numbers(line, actual, tolerance), (line, actual)
    assert len(shown) == len(printed)
