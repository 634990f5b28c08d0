"""The JSON API: POST /api/predict and /api/number, GET /api/model (and its weight sheet),
GET /healthz.

POST /api/predict answers, for an image that holds a digit (200)::

    {"digit": 7, "confidence": 0.982, "probabilities": [10 floats, index = digit: the
                                     raw outputs below, which the unsure rule judges],
     "unsure": false, "not_a_digit": false,
     "input": [28 rows of 28 ints 0-255: the picture the network saw, ink 255 on 0],
     "hidden": [n_hidden floats in (0, 1): the first hidden layer's activations],
     "outputs": [10 floats in (0, 1): the raw sigmoid outputs, averaged over the model's
                 five shifted readings if it makes them (mnist_app.reading)]}

When the model's rule says the picture holds something that is not a digit, the answer is
still 200, with ``"not_a_digit": true`` and ``digit`` and ``confidence`` null: the picture,
the activations and the probabilities are kept so the page can show what was seen.

POST /api/number takes the same bodies and answers every digit, left to right (200)::

    {"number": "4207", "unsure": false,
     "digits": [{"digit": 4, "confidence": 0.97, "unsure": false,
                 "box": [left, top, right, bottom] in the posted picture's pixels,
                 "input": [28 rows of 28 ints: the picture the network read]}, ...]}

A blank picture is 422 "no digit found", one whose marks read as no digit 400 "not a digit".
"""

from __future__ import annotations

import functools
import math
from typing import TYPE_CHECKING, Callable

import numpy as np

from mnist_app.constants import JSON_DECIMALS as DECIMALS
from mnist_app.limits import MAX_CORRECTIONS, MAX_IMAGE_PIXELS
from mnist_app.numbers import number_json
from mnist_app.report.images import DIVERGING_ANCHORS
from mnist_app.web.multipart import form_field
from mnist_app.web.protocol import HttpError, Request, Response, json_response
from mnist_app.web.settings import Limits
from mnist_app.web.weights_image import weight_sheet

if TYPE_CHECKING:
    from mnist_app.numbers import NumberReading

IMAGE_FIELD = "image"  # the multipart form field that carries the image
RAW_IMAGE_TYPES = ("image/", "application/octet-stream")  # bodies that are the image itself
WEIGHTS_PATH = "/api/model/hidden-weights.png"
# What GET /api/model shows of the model file's metadata: how the network was trained and
# how well it reads. Not the rest (where the trainer kept its files, its full history).
PUBLIC_METADATA = ("activation", "cost", "mnist_app_version", "created_utc", "best_epoch",
                   "validation_accuracy", "test_accuracy", "deskew", "average_shifts")


Preprocess = Callable[[bytes], np.ndarray]  # image file bytes -> (28, 28) uint8, MNIST's convention
ReadNumber = Callable[[bytes], "NumberReading"]  # image file bytes -> every digit, left to right
Form = Callable[[str], bytes]  # a multipart form: field name -> the field's bytes


class Api:
    """The API's handlers for one loaded ``classifier``, within ``limits``. Posted images are
    turned into MNIST's 28x28 by ``preprocess``, and read as numbers by ``read_number``: in
    the request's thread (the classifier's own ``digit_picture``, which refuses a picture
    that clearly holds several digits, and ``read_number``), or by a pool of worker
    processes (``mnist-app serve --workers``)."""

    def __init__(self, classifier, limits: Limits, preprocess: Preprocess | None = None,
                 read_number: ReadNumber | None = None):
        self.classifier = classifier
        self.limits = limits
        self.preprocess = preprocess or classifier.digit_picture
        self._read_number = read_number
        network = classifier.network
        self.sheet = weight_sheet(network.weights[0])
        self.model = {
            "sizes": list(network.sizes),
            "metadata": public_metadata(classifier.metadata),
            "hidden_weights": self.sheet.describe(WEIGHTS_PATH),
            "limits": {"max_body_bytes": limits.max_body_bytes,
                       "max_image_pixels": MAX_IMAGE_PIXELS,
                       "max_corrections": MAX_CORRECTIONS},
            "diverging_colours": DIVERGING_ANCHORS.astype(int).tolist(),  # blue (-) .. white .. red (+)
        }

    def predict(self, request: Request) -> Response:
        """Read the digit in the posted image: the body itself (Content-Type image/* or
        application/octet-stream) or the ``image`` field of a multipart form."""
        return self.predict_with(self.classifier, request)

    def predict_with(self, classifier, request: Request) -> Response:
        """:meth:`predict` with another ``classifier`` (the network being trained)."""
        image, _ = self.posted_image(request)
        return json_response(reading_json(classifier.read_picture(self.preprocess(image))))

    def number(self, request: Request) -> Response:
        """Read every digit in the posted image (the bodies of :meth:`predict`), left to
        right: the network chooses where to cut."""
        image, _ = self.posted_image(request)
        read_number = self._read_number or self.classifier.read_number
        return json_response(number_reading_json(read_number(image)))

    def posted_image(self, request: Request) -> tuple[bytes, Form | None]:
        """The posted image's bytes, checked against the limits, and the multipart form it
        came in (a function: field name -> its bytes, 400 if absent), or None for a body
        that is the image itself. 411, 413, 415 or 400 for what cannot be read."""
        length = request.content_length(self.limits.max_body_bytes)
        media_type, params = request.content_type()
        multipart = media_type == "multipart/form-data"
        if not (multipart or media_type.startswith(RAW_IMAGE_TYPES)):
            body_kind = f"a body of type {media_type}" if media_type else "a body without Content-Type"
            raise HttpError(415, f"cannot read {body_kind}: send "
                            f"the image with Content-Type image/png (or another image/* type), "
                            f"or a multipart/form-data form with an {IMAGE_FIELD!r} field")
        body = request.read_body(length)
        form = functools.partial(form_field, body, params.get("boundary")) if multipart else None
        image = form(IMAGE_FIELD) if form else body
        if not image:
            raise HttpError(400, "the image is empty (0 bytes)")
        return image, form

    def model_info(self, request: Request) -> Response:
        return json_response(self.model)

    def hidden_weights(self, request: Request) -> Response:
        return Response(200, self.sheet.png, "image/png", (("Cache-Control", "no-cache"),))

    def health(self, request: Request) -> Response:
        return json_response({"status": "ok", "sizes": self.model["sizes"]})


def public_metadata(metadata: dict) -> dict:
    """The PUBLIC_METADATA entries of ``metadata`` whose values are plain JSON: a printable
    string, a bool, or a finite number (a NaN, an infinity or a lone surrogate would make
    the answer invalid JSON)."""
    def plain(value) -> bool:
        if isinstance(value, str):
            return value.isprintable()  # no control characters, no lone surrogates
        return isinstance(value, (bool, int)) or (isinstance(value, float) and math.isfinite(value))

    return {name: metadata[name] for name in PUBLIC_METADATA if plain(metadata.get(name))}


def reading_json(reading) -> dict:
    """A :class:`mnist_app.predict.ImageReadout` as the JSON object POST /api/predict answers."""
    prediction = reading.prediction
    not_a_digit = prediction.not_a_digit
    return {
        "digit": None if not_a_digit else prediction.digit,
        "confidence": None if not_a_digit else round(prediction.confidence, DECIMALS),
        "probabilities": _rounded(prediction.probabilities),
        "unsure": bool(prediction.unsure),
        "not_a_digit": not_a_digit,
        "input": reading.image.tolist(),
        "hidden": _rounded(reading.hidden),
        "outputs": _rounded(reading.outputs),
    }


def number_reading_json(reading) -> dict:
    """A :class:`mnist_app.numbers.NumberReading` as POST /api/number answers it: each
    digit also carries the 28x28 picture the network read ("input")."""
    answer = number_json(reading)
    for digit, picture in zip(answer["digits"], reading.pictures):
        digit["input"] = picture.tolist()
    return answer


def _rounded(values) -> list[float]:
    return [round(float(value), DECIMALS) for value in values]
