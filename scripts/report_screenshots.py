"""Screenshot the HTML report in headless Chromium, at desktop and phone widths, into docs/.

    python scripts/report_screenshots.py [--model PATH] [--data-dir DIR]

Renders the report of the model (default: the shipped one) on the MNIST test set, opens it
offline in Debian's Chromium through Playwright (pip install '.[test]'), and writes full-page
screenshots: docs/report-desktop.png (a 1200 px window) and docs/report-phone.png (390 px).
Colours are reduced to a 256-colour palette to keep each file under 1 MB.
"""

from __future__ import annotations

import argparse
import io
import tempfile
from pathlib import Path

from benchmark_notes import DOCS, add_data_dir_option, add_model_option, load_mnist_or_exit
from chromium import CHROMIUM, CHROMIUM_ARGS
from PIL import Image
from playwright.sync_api import sync_playwright

from mnist_app.atomic import atomic_write
from mnist_app.model import Model
from mnist_app.report import render_report

WIDTHS = {"desktop": 1200, "phone": 390}  # CSS pixels of the browser window
MAX_BYTES = 1_000_000


def screenshots(page_path: Path) -> dict[str, bytes]:
    """Full-page PNG screenshots of the HTML file at each of WIDTHS."""
    shots = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for name, width in WIDTHS.items():
            context = browser.new_context(viewport={"width": width, "height": 900}, offline=True)
            page = context.new_page()
            page.goto(page_path.as_uri(), wait_until="load")
            shots[name] = page.screenshot(full_page=True)
            context.close()
        browser.close()
    return shots


def palette_png(png: bytes) -> bytes:
    """The screenshot with its colours reduced to 256: a third of the size, text still sharp."""
    image = Image.open(io.BytesIO(png)).convert("RGB").quantize(256, dither=Image.Dither.NONE)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_model_option(parser)
    add_data_dir_option(parser)
    args = parser.parse_args()
    model = Model.load(args.model)
    mnist = load_mnist_or_exit(args.data_dir)
    with tempfile.TemporaryDirectory() as directory:
        page = Path(directory) / "report.html"
        page.write_text(render_report(model, mnist.test_images, mnist.test_labels), encoding="utf-8")
        shots = screenshots(page)
    for name, png in shots.items():
        small = palette_png(png)
        path = DOCS / f"report-{name}.png"
        with atomic_write(path) as file:
            file.write(small)
        width, height = Image.open(io.BytesIO(small)).size
        warning = "  (over 1 MB: crop or scale it)" if len(small) > MAX_BYTES else ""
        print(f"{path}: {width}x{height}, {len(small) / 1e6:.2f} MB{warning}")


if __name__ == "__main__":
    main()
