"""Every script under scripts/ that takes arguments starts and shows its --help: a script
whose imports no longer resolve (a name moved or renamed in mnist_app) fails here, not on
the day someone re-runs a benchmark."""

from __future__ import annotations

import contextlib
import io
import runpy
import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"
WITH_ARGUMENTS = sorted(path.name for path in SCRIPTS.glob("*.py") if "argparse" in path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", WITH_ARGUMENTS)
def test_the_script_shows_its_help(name, monkeypatch):
    monkeypatch.setattr(sys, "argv", [str(SCRIPTS / name), "--help"])
    monkeypatch.setattr(sys, "path", [str(SCRIPTS), *sys.path])  # as `python scripts/NAME` runs it
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed), pytest.raises(SystemExit) as exit_:
        runpy.run_path(str(SCRIPTS / name), run_name="__main__")
    assert exit_.value.code == 0
    assert printed.getvalue().startswith("usage:")
