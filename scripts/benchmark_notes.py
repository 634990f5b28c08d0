"""Shared by the measuring scripts: find MNIST, describe the machine, write tables to docs/.

Every table under docs/ says where and how it was measured (CPU, cores, Python, numpy, the
BLAS library and the kernel it chose at run time, OPENBLAS_* variables) and the exact
command, so a number can be re-measured and compared between machines.
"""

from __future__ import annotations

import ctypes
import datetime
import glob
import os
import platform
import shlex
import sys
from pathlib import Path

import numpy as np

from mnist_app.atomic import atomic_write
from mnist_app.data import DATA_DIR_ENV, Mnist, load_mnist, resolve_data_dir
from mnist_app.errors import MnistAppError

DOCS = Path(__file__).resolve().parent.parent / "docs"
# The committed MNIST test digits the scripts redraw (written by make_test_sample.py).
SAMPLE_PATH = DOCS.parent / "tests" / "data" / "mnist_test_sample.npz"


def add_model_option(parser) -> None:
    """--model PATH: the weights file a script measures (default: the shipped model)."""
    parser.add_argument("--model", metavar="PATH", help="weights file (default: the shipped model)")


def add_sets_options(parser, *, count: int | None, seed: int) -> None:
    """--count (images per set; left out when ``count`` is None) and --seed of the generated sets."""
    if count is not None:
        parser.add_argument("--count", type=int, default=count, metavar="N",
                            help=f"images per set (default: {count})")
    parser.add_argument("--seed", type=int, default=seed, metavar="N", help=f"seed of the sets (default: {seed})")


def add_data_dir_option(parser) -> None:
    """--data-dir, found as the app finds it: the option, else $MNIST_APP_DATA, else the cache."""
    parser.add_argument("--data-dir", metavar="DIR",
                        help=f"folder with the four MNIST .gz files (default: ${DATA_DIR_ENV}, "
                        "else mnist_app's cache, downloading them there if missing)")


def load_mnist_or_exit(data_dir: str | None) -> Mnist:
    """MNIST from ``data_dir`` as the app resolves it; one line and exit 1 if unavailable."""
    try:
        return load_mnist(resolve_data_dir(data_dir))
    except MnistAppError as error:
        raise SystemExit(f"{Path(sys.argv[0]).name}: error: {error} "
                         f"(pass --data-dir DIR or set {DATA_DIR_ENV})") from None


def blas_description() -> str:
    """numpy's BLAS, e.g. "scipy-openblas 0.3.31 (Haswell kernels)"."""
    info = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    description = f"{info.get('name', '?')} {info.get('version', '?')}"
    kernel = _openblas_core()
    return f"{description} ({kernel} kernels)" if kernel else description


def _openblas_core() -> str | None:
    """The CPU kernel OpenBLAS picked at run time (OPENBLAS_CORETYPE can force a slow one)."""
    libraries = glob.glob(os.path.join(os.path.dirname(np.__file__), "..", "numpy.libs", "*openblas*"))
    for library in libraries:
        try:
            handle = ctypes.CDLL(library)
        except OSError:
            continue
        for symbol in ("scipy_openblas_get_corename64_", "openblas_get_corename64_", "openblas_get_corename"):
            function = getattr(handle, symbol, None)
            if function is not None:
                function.restype = ctypes.c_char_p
                return function().decode()
    return None


def machine_description() -> list[str]:
    """Markdown bullet lines describing this machine and software."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            cpu = next(line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    openblas_variables = {k: v for k, v in os.environ.items() if k.startswith("OPENBLAS")}
    return [
        f"- machine: {cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}",
        f"- Python {platform.python_version()}, numpy {np.__version__}, BLAS {blas_description()}",
        f"- OPENBLAS_* variables: {openblas_variables or 'none set'}",
    ]


def write_markdown(name: str, title: str, body: list[str]) -> Path:
    """Write docs/benchmarks/<name>.md atomically: the title, ``body`` lines, the machine and
    the command that produced it. Returns the path."""
    command = " ".join(shlex.quote(part) for part in [Path(sys.executable).name, *sys.argv])
    lines = [
        f"# {title}", "",
        *body, "",
        f"Measured {datetime.date.today().isoformat()} with `{command}` on:", "",
        *machine_description(), "",
    ]
    path = DOCS / "benchmarks" / f"{name}.md"
    with atomic_write(path) as file:
        file.write("\n".join(lines).encode())
    return path
