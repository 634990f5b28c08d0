"""Screenshot the drawing page in headless Chromium after drawing a digit with the mouse,
at a desktop and a phone size, into docs/serve-desktop.png and docs/serve-phone.png; and
after writing a number in number mode, into docs/number-desktop.png and docs/number-phone.png.

Starts `python -m mnist_app serve` on a free port of 127.0.0.1 and drives Debian's Chromium
with Playwright (`pip install '.[test]'`; `apt-get install chromium`). Usage::

    python scripts/serve_screenshots.py [--model PATH]
"""

from __future__ import annotations

import argparse
import contextlib
import subprocess
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

from benchmark_notes import DOCS, add_model_option
from chromium import CHROMIUM, CHROMIUM_ARGS

# A handwritten 3, as strokes of (x, y) fractions of the pad.
THREE = [[(0.32, 0.27), (0.45, 0.17), (0.62, 0.2), (0.66, 0.33), (0.55, 0.45), (0.44, 0.48)],
         [(0.55, 0.47), (0.68, 0.58), (0.68, 0.72), (0.55, 0.82), (0.4, 0.8), (0.3, 0.72)]]
# "4207" on the number mode's wide pad.
NUMBER = [[(0.1, 0.12), (0.05, 0.62), (0.19, 0.62)], [(0.16, 0.2), (0.16, 0.88)],
          [(0.27, 0.3), (0.31, 0.15), (0.38, 0.12), (0.42, 0.25), (0.38, 0.5), (0.27, 0.86), (0.45, 0.86)],
          [(0.6, 0.14), (0.53, 0.3), (0.53, 0.7), (0.6, 0.87), (0.67, 0.7), (0.67, 0.3), (0.6, 0.14)],
          [(0.76, 0.16), (0.93, 0.16), (0.82, 0.88)]]
SIZES = {"desktop": (1280, 800), "phone": (390, 844)}


def draw(page, strokes) -> None:
    """Draw ``strokes`` on #pad with the mouse, as a person would."""
    box = page.locator("#pad").bounding_box()
    for stroke in strokes:
        points = [(box["x"] + x * box["width"], box["y"] + y * box["height"]) for x, y in stroke]
        page.mouse.move(*points[0])
        page.mouse.down()
        for point in points[1:]:
            page.mouse.move(*point, steps=10)
        page.mouse.up()


@contextlib.contextmanager
def browser_on_server(serve_options: list[str]):
    """Yields (Chromium, base URL) with `mnist-app serve` running on a free port with
    ``serve_options``; stops both afterwards."""
    command = [sys.executable, "-m", "mnist_app", "serve", "--port", "0", "--workers", "0", *serve_options]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        url = server.stdout.readline().split()[2]  # "mnist-app: serving http://127.0.0.1:PORT/ (...)"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser, url
            browser.close()
    finally:
        server.terminate()
        server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_model_option(parser)
    args = parser.parse_args()
    with browser_on_server(["--model", args.model] if args.model else []) as (browser, url):
        for name, (width, height) in SIZES.items():
            page = browser.new_page(viewport={"width": width, "height": height}, has_touch=name == "phone")
            page.goto(url)
            shoot(page, THREE, "#digit", DOCS / f"serve-{name}.png", full_page=name == "phone")
            page.keyboard.press("Escape")
            page.check("#number-mode")
            shoot(page, NUMBER, "#number", DOCS / f"number-{name}.png", full_page=name == "phone")


def shoot(page, strokes, output: str, path: Path, full_page: bool) -> None:
    """Draw ``strokes``, wait until the element ``output`` shows a reading, screenshot to ``path``."""
    draw(page, strokes)
    page.wait_for_function(f"document.querySelector('{output}').textContent.trim() !== ''")
    page.wait_for_timeout(800)  # the last debounced reading
    screenshot(page, path, full_page)
    print(f"{path}: read {page.locator(output).text_content().strip()!r}")


def screenshot(page, path: Path, full_page: bool) -> None:
    """Screenshot ``page`` to ``path``; with ``full_page``, all of it, by making the window
    as tall as the page: Chromium's own full-page capture drops the touch emulation, so a
    phone's picture showed what only a mouse user sees (the Esc key on Clear)."""
    if not full_page:
        page.screenshot(path=str(path))
        return
    window = page.viewport_size
    page.set_viewport_size({"width": window["width"], "height": page.evaluate("document.documentElement.scrollHeight")})
    page.wait_for_timeout(300)  # the pad redraws at its new size
    page.screenshot(path=str(path))
    page.set_viewport_size(window)


if __name__ == "__main__":
    main()
