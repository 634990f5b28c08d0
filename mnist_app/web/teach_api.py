"""POST /api/backprop: one SGD step on the posted picture, replaying the page's corrections.

The server keeps no state and the shipped model never changes. The page sends, as a
multipart/form-data form:

    image        the picture, as POST /api/predict takes it
    label        the digit it should be read as, 0-9
    eta          the learning rate, above 0 and at most MAX_TEACH_ETA (default 0.5)
    corrections  optional JSON: the page's earlier steps, oldest first, at most
                 MAX_CORRECTIONS of them, each {"picture": 28 rows of 28 grey levels
                 0-255 as the network saw it, "label": 0-9, "eta": number}

The server replays the corrections from the shipped weights, one plain SGD step each, then
takes the new step (:mod:`mnist_app.teach`). The answer has the keys of ``mnist-app
backprop --json`` (floats rounded to DECIMALS) and ``reading_after``: the picture read by
the taught network as POST /api/predict reads it, whose ``input`` is the picture to send
back as this step's correction. Anything malformed is a 400 naming it.
"""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np

from mnist_app.limits import MAX_CORRECTION_JSON_BYTES, MAX_CORRECTIONS
from mnist_app.predict import Classifier
from mnist_app.constants import DEFAULT_TEACH_ETA
from mnist_app.teach import Correction, check_eta, check_label, check_picture, replay, teach
from mnist_app.web.api import DECIMALS, Api, Form, reading_json
from mnist_app.web.multipart import MissingField
from mnist_app.web.protocol import HttpError, Request, Response, gzipped_if_accepted, json_response

FIELDS = "'image', 'label', 'eta' and 'corrections'"


class TeachApi:
    """The handler of POST /api/backprop, reading posted images as ``api`` does."""

    def __init__(self, api: Api):
        self.api = api

    def backprop(self, request: Request) -> Response:
        image, form = self.api.posted_image(request)
        if form is None:
            raise HttpError(400, f"send a multipart/form-data form with the fields {FIELDS}")
        try:
            label = check_label(_whole_number(form("label").decode("ascii", "replace").strip()))
            eta_text = _optional(form, "eta")
            eta = DEFAULT_TEACH_ETA if eta_text is None else check_eta(_number(eta_text))
            corrections_text = _optional(form, "corrections")
            corrections = [] if corrections_text is None else parse_corrections(corrections_text)
        except ValueError as error:
            raise HttpError(400, str(error)) from None
        classifier = self.api.classifier
        mnist_image = self.api.preprocess(image)
        picture = classifier.model.convention.prepare(mnist_image[np.newaxis])[0]
        lesson = teach(replay(classifier.network, corrections), picture, label, eta)
        answer = lesson.to_json(DECIMALS)
        answer["reading_after"] = reading_json(
            Classifier(replace(classifier.model, network=lesson.network_after)).read_picture(mnist_image))
        return gzipped_if_accepted(request, json_response(answer))  # about 140 kB, a fifth gzipped


def parse_corrections(text: bytes) -> list[Correction]:
    """The corrections field (JSON) as Correction objects; ValueError naming what is wrong.
    A field longer than MAX_CORRECTIONS corrections can be is refused before parsing."""
    if len(text) > MAX_CORRECTIONS * MAX_CORRECTION_JSON_BYTES:
        raise ValueError(f"the corrections are {len(text):,} bytes; {MAX_CORRECTIONS} corrections take at most "
                         f"{MAX_CORRECTIONS * MAX_CORRECTION_JSON_BYTES:,}")
    try:
        items = json.loads(text)
    except RecursionError:
        raise ValueError("corrections are nested too deeply") from None
    except ValueError:
        raise ValueError("corrections are not valid JSON") from None
    if not isinstance(items, list):
        raise ValueError("corrections must be a JSON list")
    if len(items) > MAX_CORRECTIONS:
        raise ValueError(f"at most {MAX_CORRECTIONS} corrections are replayed, got {len(items)}; reset the page's")
    corrections = []
    for number, item in enumerate(items, 1):
        if not isinstance(item, dict) or not {"picture", "label", "eta"} <= set(item):
            raise ValueError(f"correction {number} must be an object with picture, label and eta")
        try:
            picture = _picture(item["picture"])
            corrections.append(Correction(check_picture(picture, "its picture"), check_label(item["label"]),
                                          check_eta(item["eta"])))
        except ValueError as error:
            raise ValueError(f"correction {number}: {error}") from None
    return corrections


def _picture(rows) -> np.ndarray:
    """Nested lists of whole numbers as an array (its shape checked later); ValueError for
    ragged rows, strings, floats or numbers too large for int64."""
    try:
        array = np.array(rows)
    except (ValueError, OverflowError):
        raise ValueError("the picture must be 28 rows of 28 whole grey levels 0-255") from None
    if array.dtype.kind not in "iu":
        raise ValueError("the picture must hold whole grey levels 0-255")
    return array


def _optional(form: Form, name: str) -> bytes | None:
    """The field's bytes, or None if the form has no such field."""
    try:
        return form(name)
    except MissingField:
        return None


def _whole_number(text: str) -> int:
    if not (text.isascii() and text.isdigit() and len(text) <= 3):
        raise ValueError(f"the label must be a digit 0-9, got {text[:20]!r}")
    return int(text)


def _number(text: bytes) -> float:
    try:
        return float(text.decode("ascii").strip())
    except (UnicodeDecodeError, ValueError):
        raise ValueError(f"eta must be a number, got {text[:20]!r}") from None
