"""Number mode in a real browser: write "42" on the widened pad with the mouse, see 42."""

from __future__ import annotations

from test_browser_page import SEVEN, Visit, sync_api

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


def test_writing_42_in_number_mode_reads_42_with_a_box_per_digit(browser, base_url):
    visit = Visit(browser, base_url)
    try:
        page = visit.page
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


# "42" written across the square pad as people write it, as tall as wide: not clearly a
# number to the single-digit reading (which answers "not a digit"), but number mode reads it.
CLOSE_42 = [[(0.22, 0.2), (0.12, 0.6), (0.42, 0.6)], [(0.36, 0.3), (0.36, 0.85)],
            [(0.55, 0.3), (0.7, 0.2), (0.85, 0.3), (0.6, 0.8), (0.9, 0.8)]]


def test_the_pad_stays_put_on_a_phone_whatever_the_verdict_says(browser, base_url):
    """A finger stays where it is while the page reads the drawing: if a longer verdict
    pushed the pad down mid-stroke, the rest of the stroke would land elsewhere. Last, a
    "42" that the single-digit reading calls not a digit offers number mode, which a tap
    turns on and which reads 42."""
    visit = Visit(browser, base_url, viewport={"width": 320, "height": 640}, has_touch=True)
    try:
        page, state = visit.page, visit.page.locator("#state")
        top = page.locator("#pad").bounding_box()["y"]
        for strokes, words in [(on_square_pad(FOUR + TWO), "several digits"), (SEVEN, "sure"),
                               (CLOSE_42, "Several digits?")]:
            page.keyboard.press("Escape")  # clears without scrolling to a button
            visit.draw(strokes)
            sync_api.expect(state).to_contain_text(words, timeout=10_000)
            assert page.locator("#pad").bounding_box()["y"] == top, words
        sync_api.expect(state).to_contain_text("Not a digit")
        page.tap("#read-as-number")
        sync_api.expect(page.locator("#number")).to_have_text("42", timeout=10_000)
        first, second = settled_boxes(page, page.locator("#number-boxes .digit-tag"))
        assert first["x"] + first["width"] <= second["x"], "the 4's tag covers the 2's"
        assert [problem for problem in visit.problems if "status of 400" not in problem] == []  # the refusal
    finally:
        visit.close()
