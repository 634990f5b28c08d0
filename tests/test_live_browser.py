"""The Train view in a real browser (Debian's Chromium via Playwright) against waitress: a
2-epoch run on 2,000 generated examples draws two epoch points and its weight pictures
change; the drawing pad can then read with the trained network.

Skips, saying why, without Chromium or Playwright (see test_browser_page).
"""

from __future__ import annotations

import pytest

from fake_mnist import FakeMnistSource
from mnist_app.live.runner import Trainer
from mnist_app.predict import Classifier
from mnist_app.web.app import make_app
from mnist_app.web.live import StreamLimits
from test_browser_page import SEVEN, WAIT_MS, Visit, sync_api
from test_live import STREAM_HEAD_START
from test_serve_server import TIMEOUT, running_server


@pytest.fixture(scope="module")
def train_url():
    with Trainer(FakeMnistSource(delay=STREAM_HEAD_START), grace_seconds=TIMEOUT) as trainer:
        with running_server(make_app(Classifier.load(), trainer=trainer, streams=StreamLimits(max_streams=2))) as url:
            yield url


# Test-only: record a checksum of every picture the page puts on a canvas, so the test sees
# each update however fast the run goes (init scripts run outside the page's CSP).
RECORD_PICTURES = """
const put = CanvasRenderingContext2D.prototype.putImageData;
window.drawnPictures = [];
CanvasRenderingContext2D.prototype.putImageData = function (picture, ...rest) {
  if (this.canvas.parentElement && this.canvas.parentElement.id === 'neurons' && !this.canvas.previousElementSibling) {
    window.drawnPictures.push(picture.data.reduce((sum, value, i) => (sum * 31 + value * (i % 7 + 1)) % 1000003, 0));
  }
  return put.call(this, picture, ...rest);
};
"""

# True if the longest choice of a <select> fits beside its arrow (taken as 20 CSS pixels).
CHOICES_FIT = """(select) => {
  const style = getComputedStyle(select);
  const text = document.createElement("canvas").getContext("2d");
  text.font = style.font;
  const longest = Math.max(...[...select.options].map((option) => text.measureText(option.text).width));
  return select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) >= longest + 20;
}"""


def test_a_two_epoch_run_draws_its_curves_and_its_weights_form(browser, train_url):  # noqa: F811
    visit = Visit(browser, train_url, load_page=False)
    try:
        page = visit.page
        page.add_init_script(RECORD_PICTURES)
        page.goto(train_url + "/train")
        sync_api.expect(page.locator("input[name=hidden]")).to_have_value("30")  # the defaults arrived
        # On a desktop (Playwright's 1280 x 720), "cross-entropy" showed as "cross-entro".
        assert [select.evaluate(CHOICES_FIT) for select in page.locator("#settings select").all()] == [True, True]
        page.fill("input[name=hidden]", "10")
        page.fill("input[name=epochs]", "2")
        page.fill("input[name=examples]", "2000")
        page.fill("input[name=batch_size]", "10")
        page.click("#start")
        sync_api.expect(page.locator("#neurons canvas")).to_have_count(10)
        sync_api.expect(page.locator("#epochs tbody tr")).to_have_count(2, timeout=WAIT_MS)
        sync_api.expect(page.locator("#status")).to_contain_text("Done", timeout=WAIT_MS)
        # Points at 0 and 1,000 examples, then one per epoch; the table lists the two epochs.
        assert page.locator("#accuracy-chart").get_attribute("data-points") == "4"
        assert page.locator("#epochs tbody tr:nth-child(2) td:first-child").text_content() == "2"
        # Neuron 1's picture after each event that carried weights when the page's stream
        # sent it: up to five, fewer when newer weights superseded an event's before it was
        # sent (the run's log keeps only the newest weights, mnist_app.live.runner; a quiet
        # machine runs this tiny network faster than the stream polls).
        drawn = page.evaluate("window.drawnPictures")
        assert 2 <= len(drawn) <= 5, drawn
        assert len(set(drawn[:-1])) == len(drawn) - 1, drawn  # it changed at every event before done
        if len(drawn) == 5:
            assert drawn[4] in drawn[2:4]  # done: the kept weights are those of the best epoch
        assert page.locator("#download").get_attribute("href") == "/api/train/model.npz"

        page.click("text=Draw a digit for this network")  # the pad, reading with the trained network
        sync_api.expect(page.locator("#reader input[value=training]")).to_be_checked()
        visit.draw(SEVEN)
        sync_api.expect(page.locator("#state")).not_to_have_text("Draw a digit on the pad.")
        assert visit.problems == []
    finally:
        visit.close()


def test_the_train_view_fits_a_phone(browser, train_url):  # noqa: F811
    visit = Visit(browser, train_url, load_page=False, viewport={"width": 390, "height": 844},
                  device_scale_factor=2, has_touch=True)
    try:
        visit.page.goto(train_url + "/train")
        sync_api.expect(visit.page.locator("input[name=hidden]")).not_to_have_value("")  # the settings arrived
        assert visit.page.evaluate("document.documentElement.scrollWidth") <= 390
        start = visit.page.locator("#start").bounding_box()
        assert start["height"] >= 40 and start["y"] + start["height"] <= 844  # a big target, on screen
        assert visit.problems == []
    finally:
        visit.close()
