"""The command line under hostile names, streams and output: one line per failure."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from mnist_app import model_io
from mnist_app.cli import main
from mnist_app.cli.common import printable
from mnist_app.network import Network

FORGED = "seven\nmnist-app: error: \x1b[31mforged"  # a file name that tries to print a line of its own


@pytest.fixture(scope="module")
def model_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("model") / "model.npz"
    model_io.save(path, Network([784, 16, 10], rng=np.random.default_rng(0)), {})
    return path


def seven_png() -> bytes:
    picture = Image.new("L", (64, 64), 235)
    ImageDraw.Draw(picture).line([(14, 12), (50, 12), (26, 54)], fill=20, width=6)
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    return buffer.getvalue()


def test_printable_escapes_control_characters_only():
    assert printable("a\nb\r\tc\x1b[0m\u202eé ü/x.png") == "a\\nb\\r\\tc\\x1b[0m\\u202eé ü/x.png"


# Beside Unicode's control characters (category Cc), the marks that make text run another way
# or start a new line without looking like a control character.
INVISIBLE_MARKS = "\u200e\u200f\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def test_printable_escapes_exactly_the_control_characters_and_invisible_marks():
    for code in [*range(0x3000), 0xFEFF, 0x1F600, 0x10FFFF]:
        char = chr(code)
        escaped = unicodedata.category(char) == "Cc" or char in INVISIBLE_MARKS
        expected = ({"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(char) or f"\\{'x' if code < 256 else 'u'}{code:0{2 if code < 256 else 4}x}"
                    if escaped else char)
        assert printable(f"a{char}b") == f"a{expected}b", hex(code)


def test_a_file_name_cannot_forge_output_lines(tmp_path, model_path, capsys):
    (tmp_path / f"{FORGED}.png").write_bytes(seven_png())
    (tmp_path / f"{FORGED}-bad.png").write_bytes(b"not an image")
    assert main(["predict", "--model", str(model_path), str(tmp_path)]) == 1
    captured = capsys.readouterr()
    out, err = captured.out.splitlines(), captured.err.splitlines()
    assert len(out) == 1 and out[0].startswith(f"{tmp_path}/seven\\nmnist-app: error: \\x1b[31mforged.png: ")
    assert len(err) == 1 and err[0].startswith("mnist-app: error: ") and "\x1b" not in err[0]

    assert main(["predict", "--json", "--model", str(model_path), str(tmp_path)]) == 1
    paths = [json.loads(line)["path"] for line in capsys.readouterr().out.splitlines()]
    assert paths == [f"{tmp_path}/{FORGED}-bad.png", f"{tmp_path}/{FORGED}.png"]


def test_a_model_path_with_a_newline_is_one_error_line(tmp_path, capsys):
    assert main(["predict", "--model", str(tmp_path / "a\nmnist-app: error: b.npz"), "x.png"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [f"mnist-app: error: {tmp_path}/a\\nmnist-app: error: b.npz: no such model file"]


def test_a_path_too_long_to_look_at_is_an_image_error(model_path, capsys):
    assert main(["predict", "--model", str(model_path), "n" * 5000]) == 1
    assert capsys.readouterr().err == "mnist-app: error: " + "n" * 5000 + ": file name too long\n"


def run_command(*argv: str, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mnist_app", *argv], stdin=stdin, stdout=stdout,
                          stderr=subprocess.PIPE, timeout=60)


def test_stdin_that_never_ends_is_refused_at_the_image_limit(model_path):
    with open("/dev/zero", "rb") as zeros:
        result = run_command("predict", "--model", str(model_path), "-", stdin=zeros)
    assert result.returncode == 1
    assert result.stderr.decode() == "mnist-app: error: -: input too large: over the 67,108,864-byte limit\n"


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_output_to_a_full_device_is_one_error_line(tmp_path, model_path):
    (tmp_path / "seven.png").write_bytes(seven_png())
    with open("/dev/full", "wb") as full:
        result = run_command("predict", "--model", str(model_path), str(tmp_path / "seven.png"), stdout=full)
    assert result.returncode == 1
    assert result.stderr.decode() == "mnist-app: error: cannot write the output: No space left on device\n"


def test_stdin_closed_is_one_error_line(model_path):
    result = subprocess.run([sys.executable, "-m", "mnist_app", "predict", "--model", str(model_path), "-"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60,
                            preexec_fn=lambda: os.close(0))  # as `<&-` in a shell
    assert result.returncode == 1
    assert result.stderr.decode() == "mnist-app: error: -: cannot read stdin: it is closed\n"


@pytest.mark.skipif(not os.path.exists("/proc/self/mem"), reason="needs Linux's /proc/self/mem")
@pytest.mark.parametrize("command", [["predict", "x.png"], ["evaluate"], ["serve", "--port", "0"]])
def test_a_model_file_that_fails_to_read_is_one_error_line(command, capsys):
    """/proc/self/mem is a regular file of size 0 whose read fails with EINVAL."""
    assert main([command[0], "--model", "/proc/self/mem", *command[1:]]) == 1
    assert capsys.readouterr().err == \
        "mnist-app: error: /proc/self/mem: cannot read the model file (invalid argument)\n"
