"""The top-level command line: --version, --help and usage errors."""

from __future__ import annotations

import pytest

from mnist_app import __version__
from mnist_app.cli import main


def exit_code_and_output(capsys, *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(list(argv))
    captured = capsys.readouterr()
    return exit_info.value.code, captured.out, captured.err


def test_version(capsys):
    code, out, _ = exit_code_and_output(capsys, "--version")
    assert code == 0 and out.strip() == f"mnist-app {__version__}"


def test_help_lists_every_command_and_the_exit_statuses(capsys):
    code, out, _ = exit_code_and_output(capsys, "--help")
    assert code == 0
    for command in ("download", "train", "evaluate", "predict"):
        assert f"\n    {command} " in out
    assert "exit status: 0 success, 1 failure" in out and "130 interrupted" in out


@pytest.mark.parametrize("argv", [[], ["classify"], ["predict"], ["train", "--epochs", "many"]])
def test_bad_usage_exits_2_with_a_usage_message(capsys, argv):
    code, out, err = exit_code_and_output(capsys, *argv)
    assert code == 2 and out == ""
    assert err.startswith("usage: mnist-app") and "error:" in err.splitlines()[-1]
