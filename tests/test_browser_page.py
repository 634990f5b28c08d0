"""The page in a real browser: Debian's Chromium, driven by Playwright, against waitress.

Draws digits on #pad with the mouse, as a person would, and waits for #digit to read them.
Skips, saying why, when Chromium or Playwright is missing (`.ci/run` installs Chromium).
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from PIL import Image

from browser_fixtures import CHROMIUM, chromium_path
from mnist_sample import mnist_sample
from mnist_app.predict import Classifier
from mnist_app.web.app import make_app
from mnist_app.web.settings import Limits
from test_serve_server import running_server
from test_web_app import blank_png

WAIT_MS = 10_000  # how long to wait for the page before failing (not a timing check)
# Pointer moves along each straight part of a stroke, as a dragging hand sends several;
# the part is straight, so more moves would draw the same picture, only slower.
MOVES_PER_PART = 4
PHONE = {"width": 390, "height": 844}  # a phone's viewport, upright

# Strokes as fractions of the pad: a 7 (bar, then the long diagonal) and a 1.
SEVEN = [[(0.25, 0.2), (0.75, 0.2), (0.42, 0.85)]]
ONE = [[(0.52, 0.15), (0.5, 0.85)]]

if chromium_path() is None:
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install '.[test]')")
pytest.importorskip("waitress", reason="the serve extra (waitress) is not installed")


@pytest.fixture
def classifier_and_fake_mnist(fake_mnist_dir):
    pytest.importorskip("mnist_app.report", reason="this version has no report module")
    return Classifier.load(), Limits(), fake_mnist_dir


class Visit:
    """A page of the app in a fresh tab, recording console errors and foreign requests."""

    def __init__(self, browser, base_url: str, load_page: bool = True, **context_options):
        self.context = browser.new_context(**context_options)
        self.page = self.context.new_page()
        self.page.set_default_timeout(WAIT_MS)
        self.problems: list[str] = []
        self.page.on("console", lambda message: message.type == "error" and self.problems.append(message.text))
        self.page.on("pageerror", lambda error: self.problems.append(str(error)))
        self.page.on("request", lambda request: request.url.startswith(base_url + "/")
                     or self.problems.append(f"request to {request.url}"))
        if load_page:
            self.page.goto(base_url + "/")
            sync_api.expect(self.page.locator("#hidden .neuron")).to_have_count(30)  # the model is loaded

    def draw(self, strokes) -> None:
        """Draw ``strokes`` (lists of (x, y) fractions of the pad) with the mouse."""
        box = self.page.locator("#pad").bounding_box()
        mouse = self.page.mouse
        for stroke in strokes:
            points = [(box["x"] + x * box["width"], box["y"] + y * box["height"]) for x, y in stroke]
            mouse.move(*points[0])
            mouse.down()
            for end in points[1:]:
                mouse.move(*end, steps=MOVES_PER_PART)
            mouse.up()

    def expect_digit(self, text: str) -> None:
        """Wait until #digit shows ``text`` ("" for none). Locator checks, unlike
        wait_for_function, need no eval, which the page's CSP rightly forbids."""
        sync_api.expect(self.page.locator("#digit")).to_have_text(text, timeout=WAIT_MS)

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser, base_url):
    visit = Visit(browser, base_url)
    yield visit
    visit.close()


def test_drawing_a_digit_reads_it_and_clear_empties_it(visit):
    visit.expect_digit("")  # a blank pad shows no digit
    visit.draw(SEVEN)
    visit.expect_digit("7")
    sync_api.expect(visit.page.locator("#state")).to_contain_text("sure")
    sync_api.expect(visit.page.locator("#bars li.best .label")).to_have_text("7")
    assert count_colours(visit, "#seen") > 20  # the 28x28 picture the network saw, in greys

    visit.page.click("#clear")
    visit.expect_digit("")
    sync_api.expect(visit.page.locator("#state")).to_have_text("Draw a digit on the pad.")

    visit.draw(ONE)
    visit.expect_digit("1")
    visit.page.keyboard.press("Escape")
    visit.expect_digit("")
    assert visit.problems == []


def test_undo_and_the_hidden_neurons(visit):
    visit.draw(SEVEN)
    visit.expect_digit("7")
    visit.page.hover("#hidden .neuron:nth-child(12)")
    sync_api.expect(visit.page.locator("#neuron-caption")).to_contain_text("Neuron 12, activation ")
    assert count_colours(visit, "#weights") > 50  # that neuron's weight image

    visit.page.click("#undo")  # the only stroke: nothing is left, so no digit
    visit.expect_digit("")
    assert visit.page.locator("#undo").is_disabled()
    assert visit.problems == []


def count_colours(visit: Visit, canvas: str) -> int:
    """How many different colours the 28x28 ``canvas`` shows."""
    return visit.page.evaluate("""(selector) => {
        const data = document.querySelector(selector).getContext('2d').getImageData(0, 0, 28, 28).data;
        return new Set(Array.from({length: 784}, (_, i) => data.subarray(4 * i, 4 * i + 3).join())).size;
    }""", canvas)


def test_a_chosen_file_is_read_and_a_blank_one_is_no_digit(visit, tmp_path):
    blank = tmp_path / "blank.png"
    blank.write_bytes(blank_png())
    visit.page.set_input_files("#file", str(blank))
    sync_api.expect(visit.page.locator("#state")).to_have_text(re.compile("^No digit found"))
    visit.expect_digit("")
    # Chromium logs every 4xx answer to fetch on the console; this 422 is the expected one.
    assert [problem for problem in visit.problems if "status of 422" not in problem] == []


def picture_of_digits(path, digits) -> None:
    """MNIST digits side by side, dark ink on white paper, in the format ``path``'s suffix
    names (Chromium shows no TIFF)."""
    ink = np.hstack(digits)
    Image.fromarray(255 - ink).resize((ink.shape[1] * 5, ink.shape[0] * 5)).save(path)


def pad_cells(visit: Visit) -> np.ndarray:
    """The square pad's red level at the centre of each of its 28x28 cells."""
    return np.array(visit.page.evaluate("""() => {
        const pad = document.querySelector('#pad');
        const data = pad.getContext('2d').getImageData(0, 0, pad.width, pad.height).data;
        return Array.from({length: 28}, (_, i) => Array.from({length: 28}, (_, j) =>
            data[4 * (Math.floor((i + 0.5) * pad.height / 28) * pad.width + Math.floor((j + 0.5) * pad.width / 28))]));
    }"""))


def test_a_file_the_browser_cannot_show_is_drawn_as_the_server_read_it(visit, tmp_path):
    images, labels = mnist_sample()
    picture_of_digits(tmp_path / "digit.tif", [images[0]])
    visit.page.set_input_files("#file", str(tmp_path / "digit.tif"))
    visit.expect_digit(str(labels[0]))
    seen = Classifier.load().read(str(tmp_path / "digit.tif")).image  # what the network saw: ink 255 on 0
    sync_api.expect(visit.page.locator("#pad-note")).to_have_text(
        "This browser cannot show this TIFF file: the pad shows the 28×28 picture the server read from it.")
    pad = pad_cells(visit)
    assert (pad[seen >= 192] < 80).all() and (pad[seen == 0] == 255).all()  # dark ink on white paper
    assert (seen >= 192).sum() > 20

    visit.page.click("#clear")
    sync_api.expect(visit.page.locator("#pad-note")).to_be_hidden()
    assert (pad_cells(visit) == 0).all()  # a blank pad: transparent
    assert visit.problems == []


def pad_ink(page, within: dict | None = None) -> tuple[int, dict | None]:
    """How many of the pad's pixels are dark ink (opaque, red under 80), within ``within``
    (a bounding box on the page; the whole pad if None), and the bounding box of those pixels
    on the page (None if there are none)."""
    pad = page.locator("#pad").bounding_box()
    area = within or pad
    count, left, top, right, bottom = page.evaluate("""([left, top, width, height]) => {
        const pad = document.querySelector('#pad');
        const scale = pad.width / pad.clientWidth;
        const [x0, y0] = [Math.round(left * scale), Math.round(top * scale)];
        const [w, h] = [Math.round(width * scale), Math.round(height * scale)];
        const data = pad.getContext('2d').getImageData(x0, y0, w, h).data;
        let [count, x1, y1, x2, y2] = [0, Infinity, Infinity, -Infinity, -Infinity];
        for (let i = 0; i < w * h; i += 1) {
            if (data[4 * i] >= 80 || data[4 * i + 3] !== 255) continue;
            const [x, y] = [x0 + i % w, y0 + Math.floor(i / w)];
            [count, x1, y1, x2, y2] = [count + 1, Math.min(x1, x), Math.min(y1, y), Math.max(x2, x + 1), Math.max(y2, y + 1)];
        }
        return [count, x1 / scale, y1 / scale, x2 / scale, y2 / scale];
    }""", [area["x"] - pad["x"], area["y"] - pad["y"], area["width"], area["height"]])
    if not count:
        return 0, None
    return count, {"x": pad["x"] + left, "y": pad["y"] + top, "width": right - left, "height": bottom - top}


def digit_boxes(page) -> list[dict]:
    """The bounding boxes of the digit boxes over the pad, taken at one moment (each answer
    to a reading draws them anew)."""
    return page.locator("#number-boxes .digit-box").evaluate_all(
        "boxes => boxes.map((box) => { const { x, y, width, height } = box.getBoundingClientRect();"
        " return { x, y, width, height }; })")


def check_digit_boxes_on_pad(page) -> None:
    """Each digit's box lies on the pad, with its picture (over 50 dark pixels) in it."""
    pad = page.locator("#pad").bounding_box()
    for inside in digit_boxes(page):
        assert pad["x"] <= inside["x"] and inside["x"] + inside["width"] <= pad["x"] + pad["width"]
        assert pad["y"] <= inside["y"] and inside["y"] + inside["height"] <= pad["y"] + pad["height"]
        assert pad_ink(page, inside)[0] > 50  # the digit's picture is drawn in its box


def eventually(page, check) -> None:
    """Call ``check`` (which asserts) until it passes, for up to WAIT_MS: what the page draws
    after a resize is drawn when the browser reports the pad's new size, a moment later.
    Between tries it waits on ``page`` (wait_for_timeout), never time.sleep: Playwright's sync
    API delivers the page's events (a request, a response) to Python only while Python waits
    on it, so a check that counts them would never see one arrive."""
    for _ in range(WAIT_MS // 100):
        try:
            return check()
        except AssertionError:
            page.wait_for_timeout(100)
    check()


@pytest.mark.parametrize("kind", ["TIFF", "PNG"])
def test_a_number_file_draws_each_digit_in_its_box_at_any_pad_size(visit, tmp_path, kind):
    """A TIFF (which the browser cannot show: the pad shows what the server read) or a PNG
    (which it shows): each digit in its box, and still after the window narrows to a phone's."""
    images, labels = mnist_sample()
    picture_of_digits(tmp_path / f"number.{kind.lower()}", [images[0], images[1], images[2]])
    visit.page.check("#number-mode")
    visit.page.set_input_files("#file", str(tmp_path / f"number.{kind.lower()}"))
    sync_api.expect(visit.page.locator("#number")).to_have_text("".join(str(label) for label in labels[:3]))
    if kind == "TIFF":
        sync_api.expect(visit.page.locator("#pad-note")).to_have_text(
            "This browser cannot show this TIFF file: the pad shows each digit's 28×28 picture the server read from it.")
    check_digit_boxes_on_pad(visit.page)
    visit.page.set_viewport_size(PHONE)
    eventually(visit.page, lambda: check_digit_boxes_on_pad(visit.page))
    assert visit.problems == []


def test_the_page_fits_a_phone_screen(browser, base_url):
    visit = Visit(browser, base_url, viewport=PHONE, device_scale_factor=2,
                  has_touch=True)
    try:
        width = visit.page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"]  # nothing sticks out sideways
        pad = visit.page.locator("#pad").bounding_box()
        assert pad["width"] >= 300 and pad["y"] + pad["height"] <= PHONE["height"]  # big, and on the first screen
        visit.draw(SEVEN)
        visit.expect_digit("7")
        assert visit.problems == []
    finally:
        visit.close()


def test_the_report_page_shows_within_its_policy(browser, classifier_and_fake_mnist):
    """The real report (from the fake test set) under the policy /report sends: the browser
    blocks nothing, so every chart and picture shows."""
    app = make_app(*classifier_and_fake_mnist)
    with running_server(app) as url:
        visit = Visit(browser, url, load_page=False)
        try:
            visit.page.goto(url + "/report")
            sync_api.expect(visit.page.locator("img").first).to_be_visible()
            broken = visit.page.evaluate("[...document.images].filter(i => !i.complete || !i.naturalWidth).length")
            assert broken == 0 and visit.problems == []
        finally:
            visit.close()
