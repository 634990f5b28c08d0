"""POST /api/number: the same bodies as /api/predict, every digit left to right, JSON errors."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from mnist_app.confidence import RejectRule
from mnist_app.errors import SeveralDigits
from mnist_app.predict import Classifier
from mnist_app.synthetic import nondigits
from mnist_app.synthetic.numbers import Line, write_line
from mnist_app.web.app import make_app
from test_numbers import HEIGHT, MARGIN, clear_digits, on_white
from test_web_app import blank_png, call, multipart, png_claiming_size


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return make_app(Classifier.load(), data_dir=tmp_path_factory.mktemp("no-mnist-here"))


@pytest.fixture(scope="module")
def number_png() -> tuple[str, bytes, tuple[int, int]]:
    """(the number, a PNG of it in ink on white, the picture's (width, height))."""
    inks, number = clear_digits(3, start=70)
    ink, _ = write_line(inks, HEIGHT, Line(gaps=(0.3, 0.4), drift=0.0), np.random.default_rng(7))
    return number, on_white(ink), (ink.shape[1] + 2 * MARGIN, ink.shape[0] + 2 * MARGIN)


def test_number_reads_every_digit_with_its_box_and_picture(app, number_png):
    number, png, (width, height) = number_png
    answer = call(app, "POST", "/api/number", png, "image/png")
    assert answer.status == 200
    reading = answer.json()
    assert set(reading) == {"number", "digits", "unsure"}
    assert reading["number"] == number
    for digit, expected in zip(reading["digits"], number):
        assert set(digit) == {"digit", "confidence", "unsure", "box", "input"}
        assert digit["digit"] == int(expected)
        left, top, right, bottom = digit["box"]
        assert 0 <= left < right <= width and 0 <= top < bottom <= height
        picture = np.array(digit["input"])
        assert picture.shape == (28, 28) and 0 <= picture.min() and picture.max() <= 255


def test_number_takes_the_image_field_of_a_multipart_form(app, number_png):
    number, png, _ = number_png
    body, content_type = multipart([("image", "number.png", png)])
    answer = call(app, "POST", "/api/number", body, content_type)
    assert answer.status == 200 and answer.json()["number"] == number


@pytest.mark.parametrize("body, content_type, status, message", [
    (b"", "image/png", 400, "the image is empty"),
    (b"this is not an image", "image/png", 400, "not an image Pillow can identify"),
    (b"{}", "application/json", 415, "cannot read a body of type application/json"),
])
def test_bad_bodies_are_json_4xx_with_the_reason(app, body, content_type, status, message):
    answer = call(app, "POST", "/api/number", body, content_type)
    assert answer.status == status
    assert message in answer.json()["error"]


def test_a_blank_picture_is_422_no_digit_found(app):
    answer = call(app, "POST", "/api/number", blank_png(), "image/png")
    assert answer.status == 422 and answer.json() == {"error": "no digit found"}


def test_marks_that_are_no_digits_are_400_not_a_digit(tmp_path):
    # A rule that calls every reading "not a digit", so that no piece of the mark can pass
    # whatever the shipped weights make of it: what is checked is the route's answer.
    model = Classifier.load().model
    doubting = Classifier(dataclasses.replace(model, rule=RejectRule(not_a_digit_below=1.0, unsure_below=1.0)))
    dash = nondigits.bar(HEIGHT, 6, np.random.default_rng(0))  # a pen stroke across: no digit
    answer = call(make_app(doubting, data_dir=tmp_path), "POST", "/api/number", on_white(dash), "image/png")
    assert answer.status == 400 and answer.json() == {"error": "not a digit"}


def test_an_image_over_the_pixel_budget_is_413(app):
    answer = call(app, "POST", "/api/number", png_claiming_size(10_000, 10_000), "image/png")
    assert answer.status == 413 and answer.json()["error"].startswith("image too large")


def test_predict_refuses_a_number_with_the_several_digits_error(app, number_png):
    # What the page offers number mode for; a single digit is still read.
    _, png, _ = number_png
    answer = call(app, "POST", "/api/predict", png, "image/png")
    assert answer.status == 400 and answer.json() == {"error": str(SeveralDigits())}
    inks, number = clear_digits(1, start=70)
    one = call(app, "POST", "/api/predict", on_white(inks[0]), "image/png")
    assert one.status == 200 and one.json()["digit"] == int(number)


def test_only_post_is_allowed(app):
    answer = call(app, "GET", "/api/number")
    assert answer.status == 405 and answer.headers["allow"] == "POST"


def test_a_pool_of_workers_reads_numbers_as_the_request_thread_does(number_png):
    """`serve --workers N` reads numbers in its worker processes: the same answer, and the
    same 4xx for a blank picture, and for a number posted to /api/predict."""
    from mnist_app.web.workers import PreprocessingPool

    number, png, _ = number_png
    classifier = Classifier.load()
    with PreprocessingPool(1, preprocess=classifier.digit_picture, read_number=classifier.read_number) as pool:
        pooled = make_app(classifier, data_dir="no-mnist-here", preprocess=pool, read_number=pool.read_number)
        in_worker = call(pooled, "POST", "/api/number", png, "image/png")
        blank = call(pooled, "POST", "/api/number", blank_png(), "image/png")
        as_one_digit = call(pooled, "POST", "/api/predict", png, "image/png")
    assert in_worker.status == 200 and in_worker.json()["number"] == number
    assert as_one_digit.status == 400 and as_one_digit.json() == {"error": str(SeveralDigits())}
    assert in_worker.json() == call(make_app(classifier, data_dir="no-mnist-here"), "POST", "/api/number", png,
                                    "image/png").json()
    assert blank.status == 422 and blank.json()["error"] == "no digit found"
