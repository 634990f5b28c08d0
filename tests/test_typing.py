"""The package type-checks, and a user's script gets real types from the public API.

mypy runs once on the package and on a small script, with the project's own settings
(``[tool.mypy]`` in pyproject.toml). ``assert_type`` in the script fails if a public name
lost its annotations and became ``Any``. mypy and types-requests come with the test extra
(``pip install '.[test]'``, as .ci/run does); without them the test skips.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

USER_SCRIPT = """\
import numpy as np
from typing_extensions import assert_type

from mnist_app import Classifier, Hyperparameters, Model, Network, Prediction, train
from mnist_app.model import Readout
from mnist_app.training import TrainingResult

classifier = Classifier.load()
prediction = classifier.predict("seven.png")
digit: int = prediction.digit
assert_type(prediction, Prediction)
assert_type(prediction.top(3), list[tuple[int, float]])
readout = Model.load().read(np.zeros((1, 28, 28), dtype=np.uint8))
assert_type(readout, Readout)
assert_type(classifier.model, Model)

network = Network([784, 30, 10])
images = np.zeros((10, 28, 28), dtype=np.uint8)
labels = np.zeros(10, dtype=np.int64)
result = train(network, images, labels, images[:0], labels[:0], Hyperparameters(epochs=1),
               np.random.default_rng(0))
assert_type(result, TrainingResult)
"""


@pytest.mark.skipif(importlib.util.find_spec("mypy") is None,
                    reason="mypy is not installed: pip install '.[test]' (or mypy types-requests)")
def test_package_and_a_user_script_type_check(tmp_path: Path) -> None:
    script = tmp_path / "user_script.py"
    script.write_text(USER_SCRIPT)
    # The cache is the one `python -m mypy` uses in the checkout: a second run takes ~1 s.
    checked = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(REPO / "pyproject.toml"), "mnist_app", str(script)],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
