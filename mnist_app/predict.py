"""Classify images with a trained network: load the model once, then preprocess and batch.

    classifier = Classifier.load()            # the shipped model, or Classifier.load(path)
    classifier.predict("seven.jpg").digit     # -> 7
    classifier.predict_many(["a.png", "b.png"])
    classifier.read("seven.jpg")              # also what the network saw and did

A Classifier turns images into MNIST's 28x28 pictures (:mod:`mnist_app.preprocess`) and
reads them with its :class:`~mnist_app.model.Model`.
"""

from __future__ import annotations

import contextlib
import functools
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, NamedTuple

import numpy as np

from mnist_app.constants import INPUT_SIZE, PIXEL_SCALE, SURE_DIGIT
from mnist_app.decode import ImageSource
from mnist_app.errors import ImageError, NotADigit, SeveralDigits
from mnist_app.model import Model, Readout
from mnist_app.network import Network
from mnist_app.preprocess import find_marks, marks_as_digit, to_mnist_image

if TYPE_CHECKING:  # numbers (and segment) load when a picture may hold several digits
    from mnist_app.numbers import NumberReading

BATCH_SIZE = 256  # images per feedforward call in predict_many / predict_each


@dataclass(frozen=True)
class Prediction:
    """What the network reads in one image.

    ``probabilities``: ten floats in [0, 1], index = digit: the network's independent
    sigmoid outputs (averaged over the model's readings), each its own score for that digit;
    they need not sum to 1, and a picture that is no digit leaves them all low. ``digit`` is
    the strongest and ``confidence`` its output: the number people read and the one the
    model's :class:`~mnist_app.confidence.RejectRule` judges (with the runner-up's, for
    ``unsure`` and ``not_a_digit``). ``box``: where the digit is in the picture, (left,
    top, right, bottom) in its pixels, right and bottom exclusive, for the digits of a
    number (:meth:`Classifier.read_number`).
    """

    digit: int
    confidence: float
    probabilities: tuple[float, ...]
    unsure: bool = False
    not_a_digit: bool = False
    box: tuple[int, int, int, int] | None = None

    def top(self, k: int) -> list[tuple[int, float]]:
        """The ``k`` strongest digits with their outputs, strongest first."""
        ranked = sorted(range(len(self.probabilities)), key=lambda d: -self.probabilities[d])
        return [(digit, self.probabilities[digit]) for digit in ranked[:k]]


@dataclass(frozen=True)
class ImageReadout:
    """One image as the network read it: the picture it saw and every layer's answer.

    ``image``: the (28, 28) uint8 input, ink 255 on 0 (deskewed if the model deskews).
    ``hidden``: the first hidden layer's activations for it, shape (n_hidden,), in (0, 1).
    ``outputs``: the ten raw sigmoid outputs, shape (10,), averaged over the model's shifted
    readings if it makes them (:mod:`mnist_app.reading`): the prediction's ``probabilities``.
    """

    image: np.ndarray
    hidden: np.ndarray
    outputs: np.ndarray
    prediction: Prediction


class Classifier:
    """A :class:`~mnist_app.model.Model` that reads digits from image files, bytes and arrays."""

    def __init__(self, model: Model):
        self.model = model

    @classmethod
    def load(cls, path: str | os.PathLike | None = None) -> "Classifier":
        """The classifier saved at ``path`` (the shipped model if None); ModelFileError if bad."""
        return cls(Model.load(path))

    @property
    def network(self) -> Network:
        return self.model.network

    @property
    def metadata(self) -> dict:
        """The model file's metadata, as recorded."""
        return self.model.metadata

    def predict(self, source: ImageSource) -> Prediction:
        """The digit in one image (path, bytes, file object, PIL image or 2-D array).

        Raises ImageError if the image cannot be read or holds no digit (NotADigit if it
        holds something the model's rule says is not a digit, SeveralDigits if it clearly
        holds a number: :meth:`read_number` reads those).
        """
        marks = find_marks(source)
        picture = marks_as_digit(marks)
        prediction = self.predict_pictures(picture[np.newaxis])[0]
        if _holds_several_digits(self, marks, picture, prediction):
            raise SeveralDigits()
        return _raise_if_not_a_digit(prediction)

    def digit_picture(self, source: ImageSource) -> np.ndarray:
        """The one digit in ``source`` as :meth:`predict` frames it for the network, (28, 28)
        uint8. Raises ImageError if the image cannot be read or holds no digit,
        SeveralDigits if it clearly holds a number (the server's /api/predict reads so)."""
        marks = find_marks(source)
        picture = marks_as_digit(marks)
        if _holds_several_digits(self, marks, picture):
            raise SeveralDigits()
        return picture

    def read_number(self, source: ImageSource) -> NumberReading:
        """Every digit in one image, left to right: a :class:`~mnist_app.numbers.NumberReading`.

        Raises ImageError if the image cannot be read, NoDigitFound if it is blank,
        NotADigit if none of its marks reads as a digit.
        """
        from mnist_app.numbers import read_number

        return read_number(self, source)

    def predict_pictures(self, pictures: np.ndarray) -> list[Prediction]:
        """Predictions for pictures in MNIST's convention, (n, 28, 28) uint8 (as
        :func:`~mnist_app.preprocess.to_mnist_image` makes them)."""
        return self.predict_vectors(_as_vectors(pictures))

    def outputs(self, pictures: list[np.ndarray]) -> np.ndarray:
        """The model's raw outputs for each picture, (28, 28) uint8: (n, 10) in [0, 1], whose
        strongest the model's rule judges (the score with which
        :mod:`mnist_app.preprocess.segment` chooses where to cut a number)."""
        return np.asarray(self.model.read(_as_vectors(np.asarray(pictures))).outputs)

    def read(self, source: ImageSource) -> ImageReadout:
        """Like :meth:`predict`, keeping the 28x28 input and the layers' activations; the
        rule's verdict is in ``readout.prediction`` instead of raised."""
        return self.read_picture(to_mnist_image(source))

    def read_picture(self, image: np.ndarray) -> ImageReadout:
        """The :class:`ImageReadout` of a picture already in MNIST's convention, (28, 28) uint8,
        as :func:`~mnist_app.preprocess.to_mnist_image` makes it."""
        readout = self.model.read(image[np.newaxis])
        return ImageReadout(readout.pictures[0], readout.hidden[0], readout.outputs[0], predictions(readout)[0])

    def predict_many(self, sources: Iterable[ImageSource], batch_size: int = BATCH_SIZE) -> list[Prediction]:
        """The digit in each image, in order; the first image that fails raises its error
        (ImageError, or NotADigit), its message prefixed with the image's name."""
        sources = list(sources)
        results = []
        for source, outcome in zip(sources, self.predict_each(sources, batch_size)):
            if isinstance(outcome, ImageError):
                raise type(outcome)(f"{describe(source)}: {outcome}")
            results.append(outcome)
        return results

    def predict_each(self, sources: Iterable[ImageSource], batch_size: int = BATCH_SIZE,
                     mapper: Callable = map) -> Iterator[Prediction | ImageError]:
        """Yield, in order, each image's Prediction or the ImageError that stopped it.

        Images are preprocessed one by one and go through the network ``batch_size`` at a
        time, so one bad image never stops the others and memory stays bounded. Images are
        preprocessed by ``mapper(function, sources)``, ``function`` being
        :func:`preprocess_or_error` for this classifier: the built-in ``map`` by default, or
        e.g. a process pool's ``map`` to use several cores (the command line does that for
        folders). An image that may hold a number (wide marks, or marks the rule doubts) is
        also cut into digits there (the costly part, run where it was decoded):
        SeveralDigits if it holds a number.
        """
        sources = list(sources)
        batch: list[tuple[ImageSource, Preprocessed | ImageError]] = []
        for item in zip(sources, mapper(functools.partial(preprocess_or_error, self), sources)):
            batch.append(item)
            if len(batch) == batch_size:
                yield from self._classify(batch)
                batch = []
        yield from self._classify(batch)

    def predict_vectors(self, vectors: np.ndarray) -> list[Prediction]:
        """Predictions for images in MNIST's convention as rows ``vectors`` (n, 784), float in
        [0, 1], e.g. from :func:`~mnist_app.preprocess.to_mnist_vector`."""
        return predictions(self.model.read(vectors)) if len(vectors) else []

    def _classify(self, batch: list[tuple[ImageSource, "Preprocessed | ImageError"]]
                  ) -> Iterator[Prediction | ImageError]:
        readable = [item for _, item in batch if not isinstance(item, ImageError)]
        results = iter(self.predict_vectors(np.array([item.vector for item in readable])) if readable else [])
        for _, item in batch:
            if isinstance(item, ImageError):
                yield item
                continue
            prediction = next(results)
            if item.several_digits:
                yield SeveralDigits()
            else:
                yield NotADigit() if prediction.not_a_digit else prediction


def _holds_several_digits(classifier: Classifier, marks, picture: np.ndarray, alone: Prediction | None = None) -> bool:
    """Whether ``marks`` (framed as one digit: ``picture``, which ``classifier`` reads as
    ``alone``, read here if not given) hold a number, as
    :func:`mnist_app.numbers.holds_several_digits` tells (imported only when it is asked).
    Marks no wider than a digit are that digit, unless they stand apart or fall into tall
    parts (Marks.stand_apart, in_tall_parts) and their reading leaves room for a number
    (:func:`_doubted`, looked at first if given). Marks that cannot be cut are one digit."""
    if not marks.looks_wide:
        if ((alone is not None and not _doubted(alone, marks))
                or not (marks.stand_apart() or marks.in_tall_parts())):
            return False
    if alone is None:
        alone = classifier.predict_pictures(picture[np.newaxis])[0]
        if not (marks.looks_wide or _doubted(alone, marks)):
            return False
    from mnist_app.numbers import holds_several_digits

    with contextlib.suppress(ImageError):
        return holds_several_digits(classifier, marks, picture, alone)
    return False


def _doubted(alone: Prediction, marks) -> bool:
    """Whether ``alone``, the reading of narrow ``marks`` in separate tall parts, leaves room
    for a number: a digit read unsure or under SURE_DIGIT (a "16" written close read as a
    weak 6), or no digit where the marks stand apart (parts over shared columns read as no
    digit stay so: asked, 7 hatchings of seeds 1-2's 400 non-digits became several digits)."""
    if alone.not_a_digit:
        return marks.stand_apart()
    return alone.unsure or alone.confidence < SURE_DIGIT


def predictions(readout: Readout) -> list[Prediction]:
    """One :class:`Prediction` per picture of ``readout``: its raw outputs, as people read them."""
    outputs = np.asarray(readout.outputs, dtype=np.float64)
    return [
        Prediction(int(digit), float(row[digit]), tuple(float(p) for p in row), bool(doubt), bool(none))
        for digit, row, doubt, none in zip(readout.digits, outputs, readout.unsure, readout.not_a_digit)
    ]


class Preprocessed(NamedTuple):  # not a dataclass, whose methods compile at import (docs/speed.md)
    """One image made ready for the network: ``vector`` (784,) float32 in [0, 1], and
    whether it holds several digits (:func:`_holds_several_digits`)."""

    vector: np.ndarray
    several_digits: bool


def preprocess_or_error(classifier: Classifier, source: ImageSource) -> Preprocessed | ImageError:
    """The network's input for ``source``, or the ImageError that prevented it: the step
    of :meth:`Classifier.predict_each` that a process pool can run. Marks that may hold a
    number are also cut into digits, which ``classifier`` reads, to tell whether they do.

    An unexpected exception (a bug, or a decoder failing in a way nobody foresaw) also
    becomes this image's ImageError, so that one picture never stops a folder. The error
    returned carries no traceback and no chained exception: those would keep the failed
    call's frames, and with them its full-size copies of the picture, alive for as long
    as the error is held (a batch holds up to BATCH_SIZE of them).
    """
    try:
        marks = find_marks(source)
        picture = marks_as_digit(marks)
        return Preprocessed(_as_vectors(picture[np.newaxis])[0], _holds_several_digits(classifier, marks, picture))
    except ImageError as error:
        return _detached(error)
    except Exception as error:  # noqa: BLE001 - see the docstring
        return ImageError(f"cannot read this image (unexpected {type(error).__name__}: {error})")


def _detached(error: ImageError) -> ImageError:
    """``error`` without its traceback and chained exceptions: the same type and message,
    holding no frame of the call that raised it."""
    error.__cause__ = error.__context__ = None
    return error.with_traceback(None)


def _as_vectors(pictures: np.ndarray) -> np.ndarray:
    """Pictures (n, 28, 28) uint8 as the network's input rows (n, 784), float32 in [0, 1]."""
    return pictures.reshape(len(pictures), INPUT_SIZE).astype(np.float32) * PIXEL_SCALE


def _raise_if_not_a_digit(prediction: Prediction) -> Prediction:
    if prediction.not_a_digit:
        raise NotADigit()
    return prediction


def describe(source: ImageSource) -> str:
    """A short name for ``source`` in messages: its path, else its kind."""
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    return f"<{type(source).__name__}>"
