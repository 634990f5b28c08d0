"""The README's first `predict` example, on the pictures scripts/example_pictures.py draws."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from mnist_app.cli import main

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "example_pictures.py"


def test_the_readme_example_reads_the_digits_and_says_what_the_others_are(tmp_path, capsys):
    subprocess.run([sys.executable, str(SCRIPT), str(tmp_path)], check=True, capture_output=True)
    assert main(["predict", str(tmp_path)]) == 1  # two pictures hold no digit
    captured = capsys.readouterr()
    out = dict(line.rsplit(": ", 1) for line in captured.out.splitlines())
    assert out[f"{tmp_path}/four.jpg"].startswith("4 (") and "unsure" not in out[f"{tmp_path}/four.jpg"]
    assert out[f"{tmp_path}/seven.png"].startswith("7 (") and "unsure" not in out[f"{tmp_path}/seven.png"]
    assert out[f"{tmp_path}/dot.png"].endswith("(unsure)")
    assert captured.err.splitlines() == [f"mnist-app: error: {tmp_path}/blank.png: no digit found",
                                         f"mnist-app: error: {tmp_path}/scribble.png: not a digit"]
