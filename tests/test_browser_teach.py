"""Teaching on the page, in a real browser: draw a digit, say what it should be, and watch
the #step panel show one step of backprop (Chromium driven by Playwright, as
test_browser_page.py, whose fixtures and skips this module shares)."""

from __future__ import annotations

import json
import re

import pytest

from mnist_sample import mnist_sample
from test_browser_page import SEVEN, WAIT_MS, Visit, count_colours, visit  # noqa: F401 - visit: a fixture
from test_web_app import canvas_png

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install '.[test]')")


def value(visit, selector: str) -> float:
    return float(visit.page.locator(selector).get_attribute("data-value"))


def teach_and_wait(visit, digit: int, steps_before: int) -> None:
    visit.page.click(f'button[data-teach="{digit}"]')
    sync_api.expect(visit.page.locator("#step-summary")).to_contain_text(
        f"{steps_before + 1} step{'s' if steps_before else ''} taught", timeout=WAIT_MS)


def test_teaching_shows_the_step_and_raises_the_taught_digit(visit):
    step = visit.page.locator("#step")
    sync_api.expect(step).to_be_hidden()  # until the first step
    visit.draw(SEVEN)
    visit.expect_digit("7")
    sync_api.expect(visit.page.locator("button[data-teach]")).to_have_count(10)

    teach_and_wait(visit, 3, 0)
    sync_api.expect(step).to_be_visible()
    deltas = visit.page.locator("#step-outputs td.delta")
    sync_api.expect(deltas).to_have_count(10)
    delta_values = [float(cell.get_attribute("data-value")) for cell in deltas.all()]
    assert delta_values[3] < 0 and delta_values[7] > 0  # BP1: a - y, y = e_3
    assert all(cell.text_content().strip()[0] in "+−" for cell in deltas.all())  # the numbers are shown
    sync_api.expect(visit.page.locator("#step-hidden .step-cell")).to_have_count(30)
    before = value(visit, 'tr[data-digit="3"] td.before')
    after = value(visit, 'tr[data-digit="3"] td.after')
    assert after > before
    assert count_colours(visit, "#why") > 20  # the input gradient over the picture
    assert visit.page.locator("#why-caption sub").first.text_content() == "7"  # a^L_7, as HTML writes it
    assert "^" not in visit.page.locator("#why-caption").text_content()
    sync_api.expect(visit.page.locator("#step-weights canvas")).to_have_count(4)

    visit.page.click("#again")  # one more step on the same picture
    sync_api.expect(visit.page.locator("#step-summary")).to_contain_text("2 steps taught", timeout=WAIT_MS)
    assert value(visit, 'tr[data-digit="3"] td.before') == pytest.approx(after, abs=1e-6)

    visit.page.click("#reset")
    sync_api.expect(step).to_be_hidden()
    visit.expect_digit("7")  # read again with the shipped weights
    assert visit.problems == []


def test_teaching_works_with_touch_on_a_phone(browser, base_url):
    visit = Visit(browser, base_url, viewport={"width": 390, "height": 844}, device_scale_factor=2,
                  has_touch=True)
    try:
        visit.draw(SEVEN)
        visit.expect_digit("7")
        visit.page.locator('button[data-teach="9"]').tap()
        sync_api.expect(visit.page.locator("#step")).to_be_visible(timeout=WAIT_MS)
        sync_api.expect(visit.page.locator("#step-summary")).to_contain_text("1 step taught", timeout=WAIT_MS)
        assert visit.page.evaluate("document.documentElement.scrollWidth") <= 390
        assert visit.problems == []
    finally:
        visit.close()


def test_a_file_over_the_size_limit_is_never_sent_and_cannot_be_taught(visit, tmp_path):
    from mnist_app.web.settings import MAX_BODY_BYTES

    big = tmp_path / "big.png"
    with open(big, "wb") as file:
        file.truncate(MAX_BODY_BYTES + 1)
    posts = []
    visit.page.on("request", lambda request: request.method == "POST" and posts.append(request.url))
    visit.page.set_input_files("#file", str(big))
    size = f"{(MAX_BODY_BYTES + 1) / 2**20:.1f} MB"
    limit = f"{MAX_BODY_BYTES / 2**20:.1f} MB"
    sync_api.expect(visit.page.locator("#state")).to_have_text(
        f"That file is {size}; the server reads images up to {limit}.")
    sync_api.expect(visit.page.locator('button[data-teach="3"]')).to_be_disabled()
    sync_api.expect(visit.page.locator("#pad-hint")).to_be_hidden()
    assert posts == []  # neither read nor taught: no upload to be refused
    assert visit.problems == []


def test_after_a_file_the_server_cannot_read_the_pad_and_teaching_say_so(visit, tmp_path):
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"not a picture at all")
    visit.page.set_input_files("#file", str(junk))
    sync_api.expect(visit.page.locator("#state")).to_contain_text("Could not read that image")
    sync_api.expect(visit.page.locator("#pad-hint")).to_be_hidden()  # not "Draw one digit here"
    sync_api.expect(visit.page.locator('button[data-teach="3"]')).to_be_disabled()
    visit.page.click("#clear")
    sync_api.expect(visit.page.locator("#pad-hint")).to_be_visible()
    sync_api.expect(visit.page.locator('button[data-teach="3"]')).to_be_enabled()
    # Chromium logs every 4xx answer to fetch on the console; the server's refusal is expected.
    assert [problem for problem in visit.problems if "status of 4" not in problem] == []


def test_a_step_the_server_would_refuse_for_size_is_never_sent_and_says_why(visit, tmp_path):
    """A picture just under the body limit is read and taught once; the next step would
    carry the first one's correction (a 28x28 picture, about 2 kB of JSON) and pass it."""
    from mnist_app.web.settings import MAX_BODY_BYTES

    images, labels = mnist_sample()
    png = canvas_png(images[0])
    near_limit = tmp_path / "near-limit.png"
    near_limit.write_bytes(png + bytes(MAX_BODY_BYTES - 1500 - len(png)))  # the decoder stops at the PNG's end
    steps = []
    visit.page.on("request", lambda request: request.url.endswith("/api/backprop") and steps.append(request))
    visit.page.set_input_files("#file", str(near_limit))
    visit.expect_digit(str(labels[0]))
    teach_and_wait(visit, 3, 0)  # the picture and the form's fields: under the limit
    visit.page.click('button[data-teach="3"]')
    sync_api.expect(visit.page.locator("#step-summary")).to_have_text(re.compile("^This picture"))
    # The second step's body: the first's, its empty list of corrections ("[]") replaced by
    # the correction the first step's answer gave, as JSON.stringify writes it.
    correction = [{"picture": steps[0].response().json()["reading_after"]["input"], "label": 3, "eta": 0.5}]
    first = int(steps[0].header_value("Content-Length"))
    over = first - 2 + len(json.dumps(correction, separators=(",", ":"))) - MAX_BODY_BYTES
    assert 0 < over < 1024
    assert visit.page.locator("#step-summary").text_content() == (
        f"This picture (10.0 MB) with the 1 step taught before it is {over} bytes over the 10.0 MB the server takes "
        "in one request: reset to the shipped weights, or teach with a smaller picture.")
    assert len(steps) == 1  # the second step was never sent
    assert visit.problems == []
