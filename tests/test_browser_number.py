"""Number mode in a real browser: write "42" on the widened pad with the mouse, see 42."""

from __future__ import annotations

import struct

from test_browser_page import (
    PHONE, SEVEN, Visit, check_digit_boxes_on_pad, digit_boxes, eventually, pad_ink, sync_api,
)

# Strokes as fractions of the (3:1) pad: a 4 (down and across, then the stem) and a 2.
FOUR = [[(0.14, 0.12), (0.08, 0.62), (0.26, 0.62)], [(0.22, 0.2), (0.22, 0.88)]]
TWO = [[(0.34, 0.3), (0.38, 0.15), (0.45, 0.12), (0.5, 0.25), (0.46, 0.5), (0.34, 0.86), (0.54, 0.86)]]


def settled_boxes(page, boxes) -> tuple[dict, dict]:
    """The bounding boxes of the first two of ``boxes`` (digit boxes or their tags), asked
    again if a later reading redrew them between the question and the answer (a box that
    is gone has none)."""
    for _ in range(50):
        first, second = boxes.nth(0).bounding_box(), boxes.nth(1).bounding_box()
        if first and second:
            return first, second
        page.wait_for_timeout(100)
    raise AssertionError("the digit boxes kept changing")


def expected_boxes(page, answer) -> list[dict]:
    """Where the digit boxes of ``answer`` (a response of /api/number to a drawing) belong
    on the page now: its boxes, in pixels of the PNG posted, scaled by the pad's height
    over the PNG's (read from its header) from the pad's corner."""
    _, height = struct.unpack(">II", answer.request.post_data_buffer[16:24])
    pad = page.locator("#pad").bounding_box()
    scale = pad["height"] / height
    return [{"x": pad["x"] + left * scale, "y": pad["y"] + top * scale,
             "width": (right - left) * scale, "height": (bottom - top) * scale}
            for left, top, right, bottom in (digit["box"] for digit in answer.json()["digits"])]


def check_boxes_show(page, answer) -> None:
    """The page's digit boxes are ``answer``'s, where they belong on the pad now (to a pixel)."""
    shown = digit_boxes(page)
    expected = expected_boxes(page, answer)
    assert len(shown) == len(expected)
    for box, belongs in zip(shown, expected):
        assert all(abs(box[key] - belongs[key]) < 1 for key in belongs), (box, belongs)


QUIET = 1.0  # seconds without a request after which a page has read its drawing


class Readings:
    """The /api/number requests a page sends, and the answers it gets."""

    def __init__(self, page):
        self.page, self.sent, self.answers = page, [], []
        page.on("request", lambda request: request.url.endswith("/api/number") and self.sent.append(request))
        page.on("response", lambda response: response.url.endswith("/api/number") and self.answers.append(response))
        page.route("**/api/number", lambda route: route.continue_())  # so that the PNGs posted are seen

    def hold(self) -> None:
        """From now on, leave every /api/number request unanswered: what the page shows
        next comes from the answers it has."""
        self.page.unroute("**/api/number")
        self.page.route("**/api/number", lambda route: None)

    def settle(self) -> None:
        """Wait until the page shows the answer to the last request it sent, and sends no more
        for QUIET seconds (it asks again at most every 100 ms while the drawing changes, and
        once more after an answer if the drawing changed meanwhile). The wait is the page's
        (wait_for_timeout): Playwright's sync API delivers a request's event, and lets a routed
        request go on, only while Python waits on it (see eventually)."""
        for _ in range(10):
            eventually(self.page, self.check_last_answer_shown)
            asked = len(self.sent)
            self.page.wait_for_timeout(QUIET * 1000)
            if len(self.sent) == asked:
                return
        raise AssertionError("the page kept asking")

    def check_last_answer_shown(self) -> None:
        assert self.sent and len(self.answers) == len(self.sent), "a reading is still on its way"
        check_boxes_show(self.page, self.answers[-1])


def test_writing_42_in_number_mode_reads_42_with_a_box_per_digit(browser, base_url):
    """... and when the window narrows to a phone's (the pad from 3:1 to 2:1) and widens
    again, the boxes follow the pad from the same answer, over the same strokes."""
    visit = Visit(browser, base_url)
    try:
        page = visit.page
        readings = Readings(page)
        square = page.locator("#pad").bounding_box()
        page.check("#number-mode")
        wide = page.locator("#pad").bounding_box()
        assert wide["width"] > 2 * wide["height"] and wide["width"] > square["width"]
        visit.draw(FOUR + TWO)
        sync_api.expect(page.locator("#number")).to_have_text("42", timeout=10_000)
        boxes = page.locator("#number-boxes .digit-box")
        sync_api.expect(boxes).to_have_count(2)
        sync_api.expect(boxes.nth(0)).to_contain_text("4 · ")
        sync_api.expect(boxes.nth(1)).to_contain_text("2 · ")
        first, second = settled_boxes(page, boxes)
        assert first["x"] + first["width"] <= second["x"] + 4  # left to right, side by side
        readings.settle()
        read = readings.answers[-1]
        readings.hold()  # the boxes must follow the pad from this answer, not from a new reading
        desktop = page.viewport_size
        for viewport in [PHONE, desktop]:
            page.set_viewport_size(viewport)
            eventually(page, lambda: check_boxes_show(page, read))
            check_digit_boxes_on_pad(page)  # and the strokes in them
        page.keyboard.press("Escape")
        sync_api.expect(page.locator("#number")).to_have_text("")
        sync_api.expect(boxes).to_have_count(0)
        page.uncheck("#number-mode")
        assert page.locator("#pad").bounding_box()["width"] == square["width"]
        assert visit.problems == []
    finally:
        visit.close()


def on_square_pad(strokes):
    """``strokes`` drawn for the 3:1 pad, on the square pad: the 4 and the 2 side by side across
    its width (x 0.03-0.85), flattened (y 0.35-0.7) so they are clearly wider than one digit."""
    return [[((x * 3 - 0.2) * 0.6 + 0.05, y * 0.45 + 0.3) for x, y in stroke] for stroke in strokes]


def test_two_digits_in_single_digit_mode_offer_number_mode_which_reads_them(browser, base_url):
    visit = Visit(browser, base_url)
    try:
        page = visit.page
        visit.draw(on_square_pad(FOUR + TWO))
        state = page.locator("#state")
        sync_api.expect(state).to_contain_text("several digits", timeout=10_000)
        assert "--number" not in state.inner_text()  # plain words, not the command line's hint
        sync_api.expect(page.locator("#digit")).to_have_text("")  # never one of them
        page.click("#read-as-number")
        sync_api.expect(page.locator("#number-mode")).to_be_checked()
        sync_api.expect(page.locator("#number")).to_have_text("42", timeout=10_000)  # the drawing stayed
        assert [problem for problem in visit.problems if "status of 400" not in problem] == []  # the 400s: the refusals
    finally:
        visit.close()


# "42" written across the square pad as people write it, as tall as wide: the single-digit
# reading asks number mode's question of its two marks standing apart, and says several digits...
CLOSE_42 = [[(0.22, 0.2), (0.12, 0.6), (0.42, 0.6)], [(0.36, 0.3), (0.36, 0.85)],
            [(0.55, 0.3), (0.7, 0.2), (0.85, 0.3), (0.6, 0.8), (0.9, 0.8)]]
# ...but with the 4's bar run on into the 2 it is one mark no wider than a digit, which the
# single-digit reading never cuts: it answers "not a digit", and number mode reads 42.
TOUCHING_42 = [[(0.22, 0.2), (0.12, 0.6), (0.62, 0.6)], *CLOSE_42[1:]]


def test_the_pad_stays_put_on_a_phone_whatever_the_verdict_says(browser, base_url):
    """A finger stays where it is while the page reads the drawing: if a longer verdict
    pushed the pad down mid-stroke, the rest of the stroke would land elsewhere. A touching
    "42" that the single-digit reading calls not a digit offers number mode, as a "42" it
    calls several digits does; last, a tap turns it on, and it reads 42."""
    visit = Visit(browser, base_url, viewport={"width": 320, "height": 640}, has_touch=True)
    try:
        page, state = visit.page, visit.page.locator("#state")
        top = page.locator("#pad").bounding_box()["y"]
        for strokes, words in [(on_square_pad(FOUR + TWO), "several digits"), (SEVEN, "sure"),
                               (TOUCHING_42, "Not a digit. Several digits?"), (CLOSE_42, "Looks like several digits")]:
            page.keyboard.press("Escape")  # clears without scrolling to a button
            visit.draw(strokes)
            sync_api.expect(state).to_contain_text(words, timeout=10_000)
            assert page.locator("#pad").bounding_box()["y"] == top, words
        page.tap("#read-as-number")
        sync_api.expect(page.locator("#number")).to_have_text("42", timeout=10_000)
        first, second = settled_boxes(page, page.locator("#number-boxes .digit-tag"))
        assert first["x"] + first["width"] <= second["x"], "the 4's tag covers the 2's"
        assert [problem for problem in visit.problems if "status of 400" not in problem] == []  # the refusal
    finally:
        visit.close()


def test_a_digit_beyond_the_narrowed_pad_is_fitted_into_it_with_its_box(browser, base_url):
    """A 1 written at the right end of number mode's 3:1 pad (on a desktop) is beyond the
    2:1 pad of a phone: when the window narrows, the drawing is scaled down to fit it, and
    the 1's box is drawn around the 1 as the pad shows it (the server's box is a few pixels
    wider than the ink the test finds on the pad's canvas)."""
    visit = Visit(browser, base_url)
    try:
        page = visit.page
        page.check("#number-mode")
        visit.draw([[(0.9, 0.15), (0.9, 0.85)]])
        sync_api.expect(page.locator("#number")).to_have_text("1", timeout=10_000)
        page.set_viewport_size(PHONE)

        def fitted() -> None:
            pad = page.locator("#pad").bounding_box()
            _, ink = pad_ink(page)
            assert ink is not None, "the 1 is not on the pad"
            assert ink["x"] + ink["width"] < pad["x"] + pad["width"] - 2  # whole, not cut by the edge
            assert ink["height"] > pad["height"] / 2  # scaled down, not to nothing
            boxes = digit_boxes(page)
            assert len(boxes) == 1, boxes
            box = boxes[0]
            box_right, ink_right = box["x"] + box["width"], ink["x"] + ink["width"]
            box_bottom, ink_bottom = box["y"] + box["height"], ink["y"] + ink["height"]
            slack = [ink["x"] - box["x"], ink["y"] - box["y"], box_right - ink_right, box_bottom - ink_bottom]
            assert all(-1 <= each <= 6 for each in slack), (box, ink)

        eventually(page, fitted)
        assert visit.problems == []
    finally:
        visit.close()
