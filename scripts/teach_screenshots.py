"""Screenshot teaching on the page: the blunder of docs/learners.md (docs/blunder.png, made
by scripts/teach_blunders.py) is opened on the page, read wrong, and taught its label with
one click. Writes docs/teach-desktop.png, docs/teach-phone.png (whole pages) and
docs/teach-step.png (the #step panel alone, at the desktop size).

Starts `python -m mnist_app serve` on a free port of 127.0.0.1 and drives Debian's Chromium
with Playwright, as scripts/serve_screenshots.py does. Usage::

    python scripts/teach_screenshots.py [--label 5]
"""

from __future__ import annotations

import argparse

from playwright.sync_api import expect

from serve_screenshots import DOCS, SIZES, browser_on_server, screenshot

BLUNDER = DOCS / "blunder.png"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", type=int, default=1, help="the digit docs/blunder.png shows (default: 1)")
    args = parser.parse_args()
    with browser_on_server([]) as (browser, url):
        for name, (width, height) in SIZES.items():
            page = browser.new_page(viewport={"width": width, "height": height}, has_touch=name == "phone")
            page.goto(url)
            expect(page.locator("#hidden .neuron")).to_have_count(30)
            page.set_input_files("#file", str(BLUNDER))
            expect(page.locator("#digit")).not_to_have_text("")
            read = page.locator("#digit").text_content().strip()
            page.click(f'button[data-teach="{args.label}"]')
            expect(page.locator("#step-summary")).to_contain_text("1 step taught")
            page.wait_for_timeout(300)  # the bars' transition
            path = DOCS / f"teach-{name}.png"
            screenshot(page, path, full_page=True)
            print(f"{path}: read {read!r}, after the step {page.locator('#digit').text_content().strip()!r}")
            if name == "desktop":
                page.locator("#step").screenshot(path=str(DOCS / "teach-step.png"))
                print(DOCS / "teach-step.png")


if __name__ == "__main__":
    main()
