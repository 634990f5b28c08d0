"""The command line imports only what the command that runs needs, and checks its
arguments before numpy loads, so a typo is answered at once (no timing here: which modules
are loaded is read from sys.modules in a fresh interpreter)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

# A child interpreter runs the command line on ``argv`` and prints its exit status and the
# mnist_app.cli modules and numpy-family modules it loaded.
PROBE = """
import json, sys
from mnist_app.cli import main
status = main(sys.argv[1:])
loaded = sorted(name for name in sys.modules if name.startswith(("mnist_app.cli.", "numpy", "PIL")))
print(json.dumps({"status": status, "loaded": loaded}))
"""

BAD_ARGUMENTS = {
    "backprop": ["x.png", "--label", "10"],
    "download": ["--timeout", "-1"],
    "evaluate": ["--timeout", "0"],
    "predict": ["--top-k", "11", "x.png"],
    "report": ["--mirror", "ftp://example"],
    "serve": ["--port", "x"],
}


def probe(argv: list[str]) -> dict:
    completed = subprocess.run([sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, timeout=60)
    return json.loads(completed.stdout.splitlines()[-1])


@pytest.mark.parametrize("command", sorted(BAD_ARGUMENTS))
def test_a_bad_argument_is_refused_before_numpy_or_other_commands_load(command):
    result = probe([command, *BAD_ARGUMENTS[command]])
    assert result["status"] == 2
    assert not [name for name in result["loaded"] if name.startswith(("numpy", "PIL"))]
    assert [name for name in result["loaded"] if name.startswith("mnist_app.cli.")] == \
        sorted(["mnist_app.cli.common", "mnist_app.cli.exits", f"mnist_app.cli.{command}"])


def test_help_lists_every_command():
    completed = subprocess.run([sys.executable, "-m", "mnist_app", "--help"], capture_output=True, text=True,
                               timeout=60)
    assert completed.returncode == 0
    for command in ("download", "train", "evaluate", "predict", "report", "serve"):
        assert f"    {command} " in completed.stdout


def test_a_misspelt_command_lists_the_choices():
    completed = subprocess.run([sys.executable, "-m", "mnist_app", "predcit", "x.png"], capture_output=True,
                               text=True, timeout=60)
    assert completed.returncode == 2
    assert "invalid choice: 'predcit'" in completed.stderr and "predict" in completed.stderr


READ_ONE_PROBE = """
import json, sys
from mnist_app.cli import main
status = main(sys.argv[1:])
loaded = sorted(name for name in sys.modules
                if name.endswith("ImagePlugin")
                or name in ("multiprocessing", "mnist_app.numbers", "mnist_app.distortions", "shutil", "PIL.ImageOps",
                            "PIL.ImageChops", "PIL.ImageStat"))
print(json.dumps({"status": status, "loaded": loaded}))
"""


# A plain PNG (an 8-bit grey one here) is decoded without Pillow's PNG plugin (mnist_app.plain_png).
@pytest.mark.parametrize("suffix, plugins", [(".png", []), (".jpg", ["PIL.JpegImagePlugin"])])
def test_reading_one_picture_loads_only_its_format_not_the_pool_shutil_image_ops_nor_distortions(tmp_path, suffix, plugins):
    from PIL import Image

    path = tmp_path / f"one{suffix}"
    picture = Image.new("L", (64, 64), 255)
    picture.paste(0, (28, 12, 36, 52))  # a black bar: a one
    picture.save(path)
    completed = subprocess.run([sys.executable, "-c", READ_ONE_PROBE, "predict", str(path)],
                               capture_output=True, text=True, timeout=60)
    result = json.loads(completed.stdout.splitlines()[-1])
    assert result["status"] == 0, completed.stderr
    assert result["loaded"] == plugins


# The process's threads after predict, as the kernel lists them: the main thread and
# OpenBLAS's (it starts its threads when numpy loads; predict starts no thread of its own).
BLAS_PROBE = """
import json, os, sys
from mnist_app.cli import main
status = main(sys.argv[1:])
print(json.dumps({"status": status, "threads": len(os.listdir("/proc/self/task"))}))
"""


@pytest.mark.parametrize("chosen", [None, "2"])
def test_predict_starts_one_blas_thread_unless_the_user_chose(tmp_path, chosen):
    if not os.path.isdir("/proc/self/task"):
        pytest.skip("counting a process's threads needs Linux's /proc")
    if chosen and len(os.sched_getaffinity(0)) < int(chosen):
        pytest.skip(f"OpenBLAS starts at most one thread per core: {chosen} needs {chosen} cores")
    from PIL import Image

    path = tmp_path / "one.png"
    picture = Image.new("L", (64, 64), 255)
    picture.paste(0, (28, 12, 36, 52))
    picture.save(path)
    environment = {name: value for name, value in os.environ.items()
                   if name not in ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS")}
    if chosen:
        environment["OMP_NUM_THREADS"] = chosen
    completed = subprocess.run([sys.executable, "-c", BLAS_PROBE, "predict", str(path)], capture_output=True,
                               text=True, timeout=60, env=environment)
    result = json.loads(completed.stdout.splitlines()[-1])
    assert result["status"] == 0, completed.stderr
    assert result["threads"] == int(chosen or 1)


@pytest.mark.parametrize("columns", [None, "120", "30", "0", "-5", "wide"])
def test_help_is_as_wide_as_argparse_would_make_it(monkeypatch, columns):
    """The parser sizes its help without shutil, to the width shutil would give argparse."""
    import shutil

    from mnist_app.cli import help_width

    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", columns)
    assert help_width() == shutil.get_terminal_size().columns - 2
