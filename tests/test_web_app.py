"""The WSGI app, called directly with environ dicts: every route and every error.

Each call goes through ``wsgiref.validate.validator``, which fails the test on anything
PEP 3333 forbids (bad status line, header types, reading the body wrongly, ...).
"""

from __future__ import annotations

import dataclasses
import io
import json
import logging
import re
import sys
import types
from pathlib import Path
from wsgiref.util import setup_testing_defaults
from wsgiref.validate import validator

import numpy as np
import pytest
from PIL import Image

from mnist_sample import mnist_sample
from mnist_app.data import TRAIN_IMAGES, TRAIN_LABELS
from mnist_app.limits import MAX_IMAGE_PIXELS
from mnist_app.predict import Classifier
from mnist_app.report.figures import WEIGHT_SCALE_PERCENTILE
from mnist_app.report.images import diverging
from mnist_app.web.app import CONTENT_SECURITY_POLICY, WebApp, make_app
from mnist_app.web.report_page import REPORT_CONTENT_SECURITY_POLICY
from mnist_app.web.settings import MAX_HEADER_VALUE_CHARS, REPORT_RETRY_SECONDS, Limits
from mnist_app.web.weights_image import weight_sheet
from test_preprocess import png_claiming_size

STATIC = Path(__file__).resolve().parent.parent / "mnist_app" / "web" / "static"


class Answer:
    """A response as the tests look at it."""

    def __init__(self, status: str, headers: list[tuple[str, str]], body: bytes):
        self.status = int(status.split()[0])
        self.headers = {name.lower(): value for name, value in headers}
        self.body = body

    def json(self):
        assert self.headers["content-type"].startswith("application/json")
        return json.loads(self.body)


class UnreadableInput(io.BytesIO):
    """A request body the app must not touch."""

    def read(self, *args):
        raise AssertionError("the app read a body it should have refused unread")


def call(app, method: str, path: str, body: bytes | None = None, content_type: str | None = None,
         headers: dict[str, str] | None = None, stream=None, validate: bool = True) -> Answer:
    """Run one request through ``app``, checked by wsgiref's PEP 3333 validator unless
    ``validate`` is false (to send what a compliant server never would)."""
    environ = {"REQUEST_METHOD": method, "SCRIPT_NAME": "", "PATH_INFO": path, "QUERY_STRING": "",
               "wsgi.input": stream or io.BytesIO(body or b"")}
    if body is not None:
        environ["CONTENT_LENGTH"] = str(len(body))
    if content_type is not None:
        environ["CONTENT_TYPE"] = content_type
    for name, value in (headers or {}).items():
        key = name.upper().replace("-", "_")
        environ[key if key in ("CONTENT_LENGTH", "CONTENT_TYPE") else "HTTP_" + key] = value
    setup_testing_defaults(environ)
    started = {}

    def start_response(status, response_headers, exc_info=None):
        started.update(status=status, headers=response_headers)

    result = (validator(app) if validate else app)(environ, start_response)
    try:
        body_out = b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    return Answer(started["status"], started["headers"], body_out)


def canvas_png(digit_image: np.ndarray, size: int = 280) -> bytes:
    """A size x size RGBA PNG as a browser canvas exports it: the MNIST digit in black ink
    on a transparent background."""
    ink = Image.fromarray(digit_image).resize((size * 5 // 7, size * 5 // 7), Image.Resampling.BICUBIC)
    alpha = Image.new("L", (size, size), 0)
    alpha.paste(ink, (size // 7, size // 7))
    canvas = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    canvas.putalpha(alpha)
    buffer = io.BytesIO()
    canvas.save(buffer, "PNG")
    return buffer.getvalue()


def multipart(fields: list[tuple[str, str | None, bytes]], boundary: str = "xYzZy") -> tuple[bytes, str]:
    """A multipart/form-data body of (name, filename, content) fields and its Content-Type."""
    body = b""
    for name, filename, content in fields:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        body += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n".encode()
        body += (b"Content-Type: image/png\r\n" if filename else b"") + b"\r\n" + content + b"\r\n"
    return body + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier.load()


@pytest.fixture(scope="module")
def sample_digits():
    """Five MNIST test digits (label, canvas PNG) that the shipped model reads right."""
    images, labels = mnist_sample()
    return [(int(labels[i]), canvas_png(images[i])) for i in range(5)]


@pytest.fixture
def app(classifier, tmp_path):
    return make_app(classifier, data_dir=tmp_path / "no-mnist-here")


def blank_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", (280, 280), (0, 0, 0, 0)).save(buffer, "PNG")
    return buffer.getvalue()


# ------------------------------------------------------------------------ predict

def test_predict_reads_a_canvas_png_and_shows_what_the_network_saw(app, sample_digits):
    for label, png in sample_digits:
        answer = call(app, "POST", "/api/predict", png, "image/png")
        assert answer.status == 200
        reading = answer.json()
        assert reading["digit"] == label
        assert reading["confidence"] == max(reading["probabilities"])
        assert reading["probabilities"] == reading["outputs"]  # what the rule judges is what is shown
        assert reading["unsure"] is False and reading["not_a_digit"] is False
        picture = np.array(reading["input"])
        assert picture.shape == (28, 28) and picture.min() == 0 and picture.max() >= 200  # deskewing blurs a little
        assert len(reading["hidden"]) == 30 and all(0 <= a <= 1 for a in reading["hidden"])
        assert len(reading["outputs"]) == 10


def test_predict_answers_what_the_classifier_reads(app, classifier, sample_digits):
    label, png = sample_digits[0]
    direct = classifier.read(png)
    reading = call(app, "POST", "/api/predict", png, "image/png").json()
    assert np.array_equal(np.array(reading["input"], dtype=np.uint8), direct.image)
    assert reading["hidden"] == pytest.approx(direct.hidden.tolist(), abs=1e-6)
    assert reading["probabilities"] == pytest.approx(direct.prediction.probabilities, abs=1e-6)


@pytest.mark.parametrize("content_type", ["image/jpeg", "IMAGE/PNG; charset=binary", "application/octet-stream"])
def test_predict_takes_any_image_type_header(app, sample_digits, content_type):
    label, png = sample_digits[1]
    answer = call(app, "POST", "/api/predict", png, content_type)  # Pillow reads the bytes, whatever the label
    assert answer.status == 200 and answer.json()["digit"] == label


def test_predict_takes_the_image_field_of_a_multipart_form(app, sample_digits):
    label, png = sample_digits[2]
    body, content_type = multipart([("note", None, b"hello"), ("image", "seven.png", png)])
    answer = call(app, "POST", "/api/predict", body, content_type)
    assert answer.status == 200 and answer.json()["digit"] == label


@pytest.mark.parametrize("path", ["/api/predict", "/api/number", "/api/backprop"])
def test_two_images_in_one_form_are_400_one_image_per_request(app, sample_digits, path):
    body, content_type = multipart([("image", "a.png", sample_digits[0][1]), ("image", "b.png", sample_digits[1][1]),
                                    ("label", None, b"3")])
    answer = call(app, "POST", path, body, content_type)
    assert answer.status == 400
    assert answer.json() == {"error": "the multipart form has 2 'image' fields; send one per request"}


def test_a_blank_picture_is_no_digit_never_a_guess(app):
    answer = call(app, "POST", "/api/predict", blank_png(), "image/png")
    assert answer.status == 422
    assert answer.json() == {"error": "no digit found"}


def test_not_a_digit_is_200_with_the_flag_and_no_digit(classifier, sample_digits, tmp_path):
    class NotADigitClassifier:
        model, network, metadata, digit_picture = classifier.model, classifier.network, classifier.metadata, \
            classifier.digit_picture

        def read_picture(self, image):
            reading = classifier.read_picture(image)
            return dataclasses.replace(reading, prediction=dataclasses.replace(reading.prediction, not_a_digit=True))

    app = make_app(NotADigitClassifier(), data_dir=tmp_path)
    reading = call(app, "POST", "/api/predict", sample_digits[0][1], "image/png").json()
    assert reading["not_a_digit"] is True
    assert reading["digit"] is None and reading["confidence"] is None
    assert len(reading["input"]) == 28 and len(reading["probabilities"]) == 10


@pytest.mark.parametrize("body, message", [
    (b"", "the image is empty"),
    (b"this is not an image", "not an image Pillow can identify"),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 40, "not an image Pillow can identify"),
])
def test_unreadable_images_are_400_with_the_reason(app, body, message):
    answer = call(app, "POST", "/api/predict", body, "image/png")
    assert answer.status == 400
    assert message in answer.json()["error"]


@pytest.mark.parametrize("side", [10_000, 20_000], ids=["over-the-budget", "over-pillows-bomb-limit"])
def test_an_image_over_the_decoders_pixel_budget_is_413_before_decoding(app, side):
    """Uploads have the one pixel budget files have (mnist_app.limits), checked by decode."""
    assert side * side > MAX_IMAGE_PIXELS
    answer = call(app, "POST", "/api/predict", png_claiming_size(side, side), "image/png")
    assert answer.status == 413
    assert answer.json()["error"] == f"image too large: over {MAX_IMAGE_PIXELS:,} pixels (possible decompression bomb)"


@pytest.mark.parametrize("path, content_type", [("/api/predict", "image/png"), ("/api/number", "image/png"),
                                                ("/api/backprop", "multipart/form-data; boundary=B")])
def test_a_body_over_the_limit_is_413_without_reading_it(classifier, tmp_path, path, content_type):
    app = make_app(classifier, Limits(max_body_bytes=1000), data_dir=tmp_path)
    answer = call(app, "POST", path, content_type=content_type,
                  headers={"Content-Length": "1001"}, stream=UnreadableInput())
    assert answer.status == 413
    assert answer.json() == {"error": "the body is 1,001 bytes; the limit is 1,000"}


def test_a_post_without_content_length_is_411(app):
    answer = call(app, "POST", "/api/predict", content_type="image/png", stream=UnreadableInput())
    assert answer.status == 411
    assert "Content-Length" in answer.json()["error"]


@pytest.mark.parametrize("length", ["abc", "-1", "1_000", "１２"])
def test_a_malformed_content_length_is_400(app, length):
    answer = call(app, "POST", "/api/predict", content_type="image/png",
                  headers={"Content-Length": length}, stream=UnreadableInput(), validate=False)
    assert answer.status == 400 and "Content-Length" in answer.json()["error"]


def test_a_body_shorter_than_its_content_length_is_400(app):
    answer = call(app, "POST", "/api/predict", content_type="image/png",
                  headers={"Content-Length": "100"}, stream=io.BytesIO(b"x" * 10))
    assert answer.status == 400 and "ended after 10 of 100 bytes" in answer.json()["error"]


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_other_content_types_are_415_and_say_what_to_send(app, sample_digits, content_type):
    answer = call(app, "POST", "/api/predict", sample_digits[0][1], content_type)
    assert answer.status == 415
    assert "image/png" in answer.json()["error"] and "multipart/form-data" in answer.json()["error"]


@pytest.mark.parametrize("fields, content_type, message", [
    ([("note", None, b"x")], None, "no 'image' field"),
    ([("image", "a.png", b"x")], "multipart/form-data", "without a boundary"),
    ([("image", "a.png", b"x")], "multipart/form-data; boundary=" + "b" * 71, "1-70 ASCII"),
    ([("image", "a.png", b"x")], "multipart/form-data; boundary=other", "without its boundary"),
])
def test_bad_multipart_forms_are_400(app, fields, content_type, message):
    body, default_type = multipart(fields)
    answer = call(app, "POST", "/api/predict", body, content_type or default_type)
    assert answer.status == 400 and message in answer.json()["error"]


# ------------------------------------------------------------------------ routing

@pytest.mark.parametrize("method, path, allow", [
    ("GET", "/api/predict", "POST"),
    ("PUT", "/", "GET, HEAD"),
    ("DELETE", "/healthz", "GET, HEAD"),
    ("POST", "/api/model", "GET, HEAD"),
])
def test_a_wrong_method_is_405_with_allow(app, method, path, allow):
    answer = call(app, method, path)
    assert answer.status == 405
    assert answer.headers["allow"] == allow
    assert method in answer.json()["error"]


@pytest.mark.parametrize("path", ["/nope", "/static/", "/static/../pyproject.toml", "/api/predict/", "/index.html"])
def test_an_unknown_path_is_404_json(app, path):
    answer = call(app, "GET", path)
    assert answer.status == 404
    assert answer.json()["error"].startswith("no such page")


@pytest.mark.parametrize("method, path", [
    ("GET", "/"), ("GET", "/static/app.js"), ("GET", "/healthz"), ("GET", "/nope"),
    ("POST", "/api/predict"), ("GET", "/report"), ("GET", "/api/model/hidden-weights.png"),
])
def test_every_response_carries_the_security_headers(app, method, path):
    headers = call(app, method, path, b"x" if method == "POST" else None, "image/png").headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "default-src 'self'" in CONTENT_SECURITY_POLICY and "unsafe" not in CONTENT_SECURITY_POLICY
    assert headers["referrer-policy"] == "no-referrer"
    assert "cache-control" in headers


def test_a_bug_is_a_500_json_and_one_log_line_never_a_traceback(classifier, sample_digits, tmp_path, caplog):
    class BrokenClassifier:
        model, network, metadata, digit_picture = classifier.model, classifier.network, classifier.metadata, \
            classifier.digit_picture

        def read_picture(self, image):
            raise RuntimeError("secret internal detail")

    app = make_app(BrokenClassifier(), data_dir=tmp_path)
    with caplog.at_level(logging.ERROR, logger="mnist_app.web"):
        answer = call(app, "POST", "/api/predict", sample_digits[0][1], "image/png")
    assert answer.status == 500
    assert answer.json() == {"error": "internal server error"}
    assert b"secret" not in answer.body and b"Traceback" not in answer.body
    [record] = caplog.records
    assert "RuntimeError: secret internal detail" in record.getMessage()
    assert "\n" not in record.getMessage() and record.exc_info is None


# ------------------------------------------------------------------------ page and assets

def test_the_page_is_served_with_everything_the_issue_names(app):
    answer = call(app, "GET", "/")
    assert answer.status == 200 and answer.headers["content-type"] == "text/html; charset=utf-8"
    page = answer.body.decode()
    for needle in ['<canvas id="pad"', '<output id="digit"', 'aria-live="polite"', 'id="pen"',
                   'id="undo"', 'id="clear"', 'type="file"', 'href="/report"', 'rel="icon"',
                   '<script type="module" src="/static/app.js">']:
        assert needle in page


def test_every_asset_is_served_from_package_data(app):
    for path in STATIC.iterdir():
        url = "/" if path.name == "index.html" else f"/static/{path.name}"
        answer = call(app, "GET", url)
        assert answer.status == 200, url
        assert answer.body == path.read_bytes()
    assert call(app, "GET", "/static/app.js").headers["content-type"] == "text/javascript; charset=utf-8"
    assert call(app, "GET", "/static/favicon.svg").headers["content-type"] == "image/svg+xml"


def test_the_page_needs_nothing_from_another_origin_and_no_inline_code():
    html = (STATIC / "index.html").read_text()
    files = sorted(STATIC.glob("*.js")) + sorted(STATIC.glob("*.css")) + sorted(STATIC.glob("*.html"))
    assert len(files) >= 10
    for path in files:
        text = path.read_text()
        assert not re.search(r"(src|href|url)\s*[=(]\s*[\"']?\s*(https?:)?//", text), path.name
        assert "@import" not in text, path.name
        assert not re.search(r"""\bimport\b[^;]*?from\s*["'](?!\./)""", text), path.name  # modules: our own only
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)  # every script is a file
    assert not re.search(r"\s(style|on\w+)\s*=", html)  # no inline style or handlers
    assert "<style" not in html
    assert len(re.findall(r"<script", html)) == 1


def test_assets_revalidate_with_etags(app):
    first = call(app, "GET", "/static/style.css")
    assert first.headers["cache-control"] == "no-cache" and first.headers["etag"]
    again = call(app, "GET", "/static/style.css", headers={"If-None-Match": first.headers["etag"]})
    assert again.status == 304 and again.body == b""
    stale = call(app, "GET", "/static/style.css", headers={"If-None-Match": '"old"'})
    assert stale.status == 200 and stale.body == first.body


def test_head_answers_the_headers_of_get_without_the_body(app):
    get, head = call(app, "GET", "/"), call(app, "HEAD", "/")
    assert head.status == 200 and head.body == b""
    assert head.headers["content-length"] == get.headers["content-length"] == str(len(get.body))


def test_api_answers_are_never_cached(app, sample_digits):
    assert call(app, "POST", "/api/predict", sample_digits[0][1], "image/png").headers["cache-control"] == "no-store"


# ------------------------------------------------------------------------ model and health

def test_healthz_says_the_model_is_loaded(app):
    answer = call(app, "GET", "/healthz")
    assert answer.status == 200 and answer.json() == {"status": "ok", "sizes": [784, 30, 10]}


def test_model_describes_the_network_and_its_weight_sheet(app, classifier):
    model = call(app, "GET", "/api/model").json()
    assert model["sizes"] == [784, 30, 10]
    assert model["metadata"]["test_accuracy"] == classifier.metadata["test_accuracy"]
    assert model["limits"]["max_body_bytes"] == Limits().max_body_bytes
    sheet = model["hidden_weights"]
    assert (sheet["count"], sheet["columns"], sheet["tile"]) == (30, 10, 28) and sheet["scale"] > 0
    answer = call(app, "GET", sheet["url"])
    assert answer.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(answer.body)).size == (280, 84)


def test_the_weight_sheet_draws_each_neuron_in_its_tile_as_the_report_does():
    rng = np.random.default_rng(0)
    weights = rng.normal(0, 0.3, (12, 784))
    sheet = weight_sheet(weights, columns=10)
    pixels = np.asarray(Image.open(io.BytesIO(sheet.png)).convert("RGB"))
    assert pixels.shape == (56, 280, 3)
    assert sheet.scale == pytest.approx(np.percentile(np.abs(weights), WEIGHT_SCALE_PERCENTILE))
    tiles = diverging(weights.reshape(12, 28, 28), sheet.scale)  # the report's colours and scale
    assert np.array_equal(pixels[:28, :28], tiles[0])
    assert np.array_equal(pixels[28:, 28:56], tiles[11])  # neuron 11: row 1, column 1
    assert (pixels[28:, 56:] == 255).all()  # past the last neuron: white


# ------------------------------------------------------------------------ report

def fake_render(calls: list):
    def render_report(model, test_images, test_labels):
        calls.append((model.network.sizes, model.metadata["cost"], test_images.shape, test_labels.shape))
        return "<!doctype html><title>report</title>"
    return render_report


def test_report_is_rendered_once_from_the_test_set_and_kept(classifier, fake_mnist_dir):
    for name in (TRAIN_IMAGES, TRAIN_LABELS):  # the test set is all it needs
        (fake_mnist_dir / name).unlink()
    calls = []
    app = make_app(classifier, data_dir=fake_mnist_dir, render_report=fake_render(calls))
    for _ in range(2):
        answer = call(app, "GET", "/report")
        assert answer.status == 200 and answer.body == b"<!doctype html><title>report</title>"
        assert answer.headers["content-type"] == "text/html; charset=utf-8"
        # its own policy: its inline stylesheet and data: images, still no script at all
        assert answer.headers["content-security-policy"] == REPORT_CONTENT_SECURITY_POLICY
        assert answer.headers["x-content-type-options"] == "nosniff"
    assert calls == [([784, 30, 10], "cross-entropy", (200, 28, 28), (200,))]
    assert "default-src 'none'" in REPORT_CONTENT_SECURITY_POLICY and "script" not in REPORT_CONTENT_SECURITY_POLICY


def test_report_without_mnist_is_503_saying_to_download(classifier, tmp_path):
    calls = []
    app = make_app(classifier, data_dir=tmp_path / "empty", render_report=fake_render(calls))
    answer = call(app, "GET", "/report")
    # into the server's folder, as the Train view says too: a plain download goes elsewhere
    assert answer.status == 503 and f"run `mnist-app download --data-dir {tmp_path / 'empty'}`" in answer.json()["error"]
    assert calls == []


def test_report_without_mnist_is_a_page_for_a_browser(classifier, tmp_path):
    """The drawing page links /report: a browser is told the same in a page, not in JSON."""
    app = make_app(classifier, data_dir=tmp_path / "<empty>", render_report=fake_render([]))
    browser = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
    answers = [call(app, "GET", "/report", headers=browser) for _ in range(2)]  # the build, then the kept failure
    for answer in answers:
        assert answer.status == 503 and answer.headers["content-type"] == "text/html; charset=utf-8"
        page = answer.body.decode()
        assert "run `mnist-app download --data-dir" in page and "&lt;empty&gt;" in page and "<empty>" not in page
        assert 'href="/"' in page and answer.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert 'http-equiv="refresh"' in answers[1].body.decode()  # reloads when Retry-After says
    assert answers[1].headers["retry-after"].isdigit()


def test_report_without_the_report_module_is_503(classifier, fake_mnist_dir, monkeypatch):
    monkeypatch.setitem(sys.modules, "mnist_app.report", None)  # import fails as if absent
    answer = call(make_app(classifier, data_dir=fake_mnist_dir), "GET", "/report")
    assert answer.status == 503 and answer.json()["error"] == "this version of mnist_app has no report module"


def test_report_uses_mnist_app_report_when_it_exists(classifier, fake_mnist_dir, monkeypatch):
    calls = []
    module = types.ModuleType("mnist_app.report")
    module.render_report = fake_render(calls)
    monkeypatch.setitem(sys.modules, "mnist_app.report", module)
    assert call(make_app(classifier, data_dir=fake_mnist_dir), "GET", "/report").status == 200
    assert len(calls) == 1


def test_a_report_request_during_the_build_does_not_wait(classifier, fake_mnist_dir):
    during = []

    def slow_render(model, test_images, test_labels):
        during.append(call(app, "GET", "/report"))  # arrives while this build holds the lock
        return "<p>done</p>"

    app = make_app(classifier, data_dir=fake_mnist_dir, render_report=slow_render)
    assert call(app, "GET", "/report").status == 200
    [busy] = during
    assert busy.status == 503 and busy.headers["retry-after"] == "5"
    assert "being built" in busy.json()["error"]


def test_a_failed_report_is_kept_and_answered_again_without_a_rebuild(classifier, fake_mnist_dir, tmp_path, caplog):
    calls = []

    def failing_render(model, test_images, test_labels):
        calls.append(1)
        raise ValueError("odd\nmetadata")

    app = make_app(classifier, data_dir=fake_mnist_dir, render_report=failing_render)
    with caplog.at_level(logging.ERROR, logger="mnist_app.web"):
        answers = [call(app, "GET", "/report") for _ in range(3)]
    assert len(calls) == 1  # built once; the failure is kept
    assert [answer.status for answer in answers] == [500] * 3
    assert all(set(answer.json()) == {"error"} for answer in answers)
    assert 0 < int(answers[-1].headers["retry-after"]) <= REPORT_RETRY_SECONDS
    [record] = caplog.records  # logged once, on one line
    assert "\n" not in record.getMessage() and "odd\\nmetadata" in record.getMessage()
    missing = make_app(classifier, data_dir=tmp_path / "empty", render_report=failing_render)
    assert [call(missing, "GET", "/report").status for _ in range(2)] == [503, 503]
    assert len(calls) == 1


def test_a_path_with_control_characters_is_logged_escaped_on_one_line(caplog):
    def bug(request):
        raise RuntimeError("boom\r\nFAKE LOG LINE")

    app = WebApp({"/x\nFAKE LOG LINE\x1b[31m": {"GET": bug}})
    with caplog.at_level(logging.ERROR, logger="mnist_app.web"):
        assert call(app, "GET", "/x\nFAKE LOG LINE\x1b[31m").status == 500
    [record] = caplog.records
    message = record.getMessage()
    assert "\n" not in message and "\r" not in message and "\x1b" not in message
    assert "/x\\nFAKE LOG LINE\\x1b[31m" in message and "boom\\r\\nFAKE LOG LINE" in message


def test_the_model_answer_shows_only_public_plain_metadata(classifier, tmp_path):
    class OddClassifier:
        network, model, digit_picture = classifier.network, classifier.model, classifier.digit_picture
        metadata = {**classifier.metadata, "output": "/home/trainer/secret/model.npz",
                    "test_accuracy": float("nan"), "activation": "sig\ud800moid", "cost": "cross-entropy"}

    answer = call(make_app(OddClassifier(), data_dir=tmp_path), "GET", "/api/model")
    assert answer.status == 200
    metadata = json.loads(answer.body)["metadata"]  # strict JSON: no NaN
    assert "output" not in metadata and "history" not in metadata and "hyperparameters" not in metadata
    assert "test_accuracy" not in metadata and "activation" not in metadata
    assert metadata["cost"] == "cross-entropy"


@pytest.mark.parametrize("header", ["Content-Type", "Content-Disposition"])
def test_a_header_value_over_the_limit_is_400(app, sample_digits, header):
    """Parameter parsing is quadratic at worst, so a longer value is never parsed."""
    long_value = 'a="' + ";" * MAX_HEADER_VALUE_CHARS + '"'
    if header == "Content-Type":
        answer = call(app, "POST", "/api/predict", sample_digits[0][1], f"image/png; {long_value}")
    else:
        body = (b"--xYzZy\r\nContent-Disposition: form-data; name=\"image\"; " + long_value.encode()
                + b"\r\n\r\n" + sample_digits[0][1] + b"\r\n--xYzZy--\r\n")
        answer = call(app, "POST", "/api/predict", body, "multipart/form-data; boundary=xYzZy")
    assert answer.status == 400
    assert answer.json()["error"].endswith(f"the limit is {MAX_HEADER_VALUE_CHARS:,}")


def test_a_pool_of_workers_reads_digits_as_the_request_thread_does(classifier, sample_digits, tmp_path):
    """`serve --workers N` preprocesses /api/predict's picture in its worker processes: the
    same answer as the request thread's, to the byte, and the same 422."""
    from mnist_app.web.workers import PreprocessingPool

    in_thread = make_app(classifier, data_dir=tmp_path / "no-mnist-here")
    with PreprocessingPool(1, preprocess=classifier.digit_picture) as pool:
        pooled = make_app(classifier, data_dir=tmp_path / "no-mnist-here", preprocess=pool)
        answers = [call(pooled, "POST", "/api/predict", png, "image/png") for _, png in sample_digits]
        blank = call(pooled, "POST", "/api/predict", blank_png(), "image/png")
    for answer, (_, png) in zip(answers, sample_digits):
        assert answer.status == 200 and answer.body == call(in_thread, "POST", "/api/predict", png, "image/png").body
    assert blank.status == 422 and blank.json()["error"] == "no digit found"
