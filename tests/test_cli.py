"""The top-level command line: --version, --help and usage errors."""

from __future__ import annotations

import pytest

from mnist_app import __version__
from mnist_app.cli import COMMANDS, main


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


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_each_command_has_a_help_that_reads_as_written(capsys, command):
    # argparse expands %-formats in help texts: a bare "5% size" once printed "5{...} size"
    # and "4% of" stopped `train --help` with a TypeError.
    code, out, err = exit_code_and_output(capsys, command, "--help")
    assert code == 0 and err == ""
    assert out.startswith(f"usage: mnist-app {command}") and "{'" not in out
    if command == "train":
        words = " ".join(out.split())
        assert "10% size" in words and "4% of the training digits" in words


@pytest.mark.parametrize("argv, help_command", [
    ([], "mnist-app"), (["classify"], "mnist-app"), (["predict"], "mnist-app predict"),
    (["train", "--epochs", "many"], "mnist-app train"),
    (["predict", "--nosuch", "x.png"], "mnist-app predict"),  # argparse's top level says "unrecognized"
])
def test_bad_usage_exits_2_with_one_line_pointing_at_help(capsys, argv, help_command):
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("mnist-app: error: ") and captured.err.count("\n") == 1
    assert captured.err.endswith(f"(see '{help_command} --help')\n")
