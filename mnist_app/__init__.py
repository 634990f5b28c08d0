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
<<<<<<< HEAD
    "ImageReadout": "mnist_app.predict",
    "Model": "mnist_app.model",
=======
    "Reading": "mnist_app.predict",
    "NumberReading": "mnist_app.numbers",
>>>>>>> bdd701b (Read whole numbers: predict --number, Classifier.read_number, POST /api/number and the page's number mode)
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
<<<<<<< HEAD
    "Classifier", "Prediction", "ImageReadout", "Model", "Network", "Hyperparameters", "train",
    "MnistAppError", "ImageError", "ModelFileError", "NoDigitFound", "NotADigit", "__version__",
=======
    "Classifier", "Prediction", "Reading", "NumberReading", "Network", "Hyperparameters", "train",
    "MnistAppError", "ImageError", "ModelFileError", "NoDigitFound", "NotADigit", "SeveralDigits", "__version__",
>>>>>>> bdd701b (Read whole numbers: predict --number, Classifier.read_number, POST /api/number and the page's number mode)
]

if TYPE_CHECKING:
    from mnist_app.errors import ImageError, MnistAppError, ModelFileError, NoDigitFound, NotADigit, SeveralDigits
    from mnist_app.network import Network
<<<<<<< HEAD
    from mnist_app.model import Model
    from mnist_app.predict import Classifier, ImageReadout, Prediction
=======
    from mnist_app.numbers import NumberReading
    from mnist_app.predict import Classifier, Prediction, Reading
>>>>>>> bdd701b (Read whole numbers: predict --number, Classifier.read_number, POST /api/number and the page's number mode)
    from mnist_app.training import Hyperparameters, train


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'mnist_app' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
