"""What `import mnist_app` offers a user: the names in its docstring, whatever was imported first."""

import subprocess
import sys

import pytest

NAMES = ["Classifier", "Prediction", "Reading", "Network", "Hyperparameters", "train",
         "MnistAppError", "ImageError", "ModelFileError", "NoDigitFound", "NotADigit"]


@pytest.mark.parametrize("first", ["", "import mnist_app.training, mnist_app.cli, mnist_app.report; "])
def test_the_package_exports_its_classes_and_the_train_function(first):
    # In a fresh interpreter: importing a submodule first must not shadow a name.
    script = (f"{first}from mnist_app import {', '.join(NAMES)}; import inspect; "
              "assert callable(train) and not inspect.ismodule(train), train; "
              "assert all(inspect.isclass(name) for name in (Classifier, Network, Hyperparameters)); "
              "from mnist_app import train as again; assert again is train")
    subprocess.run([sys.executable, "-c", script], check=True)
