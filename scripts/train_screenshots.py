"""Screenshot the Train view (/train) in headless Chromium during and after a short run on
real MNIST, at a desktop and a phone size, into docs/train-desktop.png and docs/train-phone.png.

Starts `python -m mnist_app serve --data-dir DIR` on a free port of 127.0.0.1 and drives
Debian's Chromium with Playwright. Usage::

    python scripts/train_screenshots.py --data-dir /path/to/mnist [--epochs 3 --examples 10000]
"""

from __future__ import annotations

import argparse

from serve_screenshots import DOCS, SIZES, browser_on_server

WAIT_MS = 600_000  # the run itself: a few epochs of one core


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", required=True, metavar="DIR", help="directory holding the MNIST files")
    parser.add_argument("--epochs", type=int, default=3, help="epochs of the run shown (default: 3)")
    parser.add_argument("--examples", type=int, default=10_000, help="training examples (default: 10000)")
    args = parser.parse_args()
    with browser_on_server(["--data-dir", args.data_dir]) as (browser, url):
        for name, (width, height) in SIZES.items():
            page = browser.new_page(viewport={"width": width, "height": height}, has_touch=name == "phone")
            page.goto(url + "train")
            page.wait_for_selector("#start:not([disabled])")
            if name == "desktop":  # one run; the phone shows it as a late visitor does
                page.fill("input[name=epochs]", str(args.epochs))
                page.fill("input[name=examples]", str(args.examples))
                page.click("#start")
            page.wait_for_selector("#outcome:not([hidden])", timeout=WAIT_MS)
            path = DOCS / f"train-{name}.png"
            page.screenshot(path=str(path), full_page=name == "phone")
            print(f"{path}: {page.locator('#status').text_content().strip()}")


if __name__ == "__main__":
    main()
