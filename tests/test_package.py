"""What `import mnist_app` offers a user: every name of its ``__all__``, whatever was imported
first, and every name the README and the package docstring import from it."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

import mnist_app

README = Path(__file__).resolve().parent.parent / "README.md"
NAMES = [name for name in mnist_app.__all__ if name != "__version__"]


@pytest.mark.parametrize("first", ["", "import mnist_app.training, mnist_app.cli, mnist_app.report; "])
def test_the_package_exports_its_classes_and_the_train_function(first):
    # In a fresh interpreter: importing a submodule first must not shadow a name.
    script = (f"{first}from mnist_app import {', '.join(NAMES)}; import inspect; "
              "assert callable(train) and not inspect.ismodule(train), train; "
              f"assert all(inspect.isclass(name) for name in ({', '.join(n for n in NAMES if n != 'train')})); "
              "from mnist_app import train as again; assert again is train")
    subprocess.run([sys.executable, "-c", script], check=True)


def test_every_name_the_docs_import_is_exported():
    imported = set()
    for text in (README.read_text(encoding="utf-8"), mnist_app.__doc__):
        for names in re.findall(r"from mnist_app import ([\w, ]+)", text):
            imported.update(name.strip() for name in names.split(","))
    assert imported and imported <= set(mnist_app.__all__)
    assert "Classifier" in imported and "Network" in imported


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'Reading'"):
        mnist_app.Reading  # noqa: B018 - renamed ImageReadout in 0.3


def test_every_subpackage_is_installed():
    # pyproject.toml lists the packages by hand; one left out imports here (the tests run
    # from the source tree) but is missing from every `pip install .` and the Docker image.
    tomllib = pytest.importorskip("tomllib", reason="tomllib is in the standard library from Python 3.11")
    root = README.parent
    listed = set(tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    found = {".".join(path.parent.relative_to(root).parts) for path in (root / "mnist_app").rglob("__init__.py")}
    assert found - {"mnist_app.models"} <= listed, sorted(found - listed)
