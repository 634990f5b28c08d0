"""mnist_app: read handwritten digits with a numpy network trained by backpropagation.

    from mnist_app import Classifier
    Classifier.load().predict("seven.png").digit     # -> 7
    Classifier.load().read_number("amount.png").number  # -> "4207"

    from mnist_app import Network, Hyperparameters, train
    network = Network([784, 30, 10])                 # Nielsen's network, batched backprop

The names below are imported on first use, so ``import mnist_app`` stays cheap for the
command line (Pillow, for one, is needed only to read images).
"""

from __future__ import annotations

import importlib

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)

__version__ = "0.2.0"

_EXPORTS = {
    "Classifier": "mnist_app.predict",
    "Prediction": "mnist_app.predict",
    "ImageReadout": "mnist_app.predict",
    "Model": "mnist_app.model",
    "NumberReading": "mnist_app.numbers",
    "Network": "mnist_app.network",
    "Hyperparameters": "mnist_app.training",
    "train": "mnist_app.training",
    "MnistAppError": "mnist_app.errors",
    "ImageError": "mnist_app.errors",
    "ModelFileError": "mnist_app.errors",
    "NoDigitFound": "mnist_app.errors",
    "NotADigit": "mnist_app.errors",
    "SeveralDigits": "mnist_app.errors",
}
__all__ = [
    "Classifier", "Prediction", "ImageReadout", "Model", "NumberReading", "Network", "Hyperparameters", "train",
    "MnistAppError", "ImageError", "ModelFileError", "NoDigitFound", "NotADigit", "SeveralDigits", "__version__",
]

if TYPE_CHECKING:
    from mnist_app.errors import ImageError, MnistAppError, ModelFileError, NoDigitFound, NotADigit, SeveralDigits
    from mnist_app.network import Network
    from mnist_app.model import Model
    from mnist_app.numbers import NumberReading
    from mnist_app.predict import Classifier, ImageReadout, Prediction
    from mnist_app.training import Hyperparameters, train


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'mnist_app' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
