"""The report in a real browser: Debian's headless Chromium, offline, at desktop and phone widths.

Skips, saying why, when Chromium or Playwright is missing (`.ci/run` installs Chromium;
the browser is browser_fixtures' session one).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from report_helpers import SECTION_IDS

pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install '.[test]')")


@pytest.fixture(scope="module")
def report_file(fake_report) -> Path:
    return fake_report.page


@pytest.mark.parametrize("width", [1200, 390])
def test_every_section_shows_offline_without_errors(browser, report_file, width):
    context = browser.new_context(viewport={"width": width, "height": 900}, offline=True)
    page = context.new_page()
    requests, errors = [], []
    page.on("request", lambda request: requests.append(request.url))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(report_file.as_uri(), wait_until="load")

    for section in SECTION_IDS:
        located = page.locator(f"section#{section}")
        assert located.is_visible(), section
        box = located.bounding_box()
        assert box["height"] > 80 and box["x"] >= 0 and box["x"] + box["width"] <= width, (section, box)
    assert page.evaluate("Array.from(document.images).every(i => i.complete && i.naturalWidth === 28)")
    assert page.evaluate("document.images.length") >= 30
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing pushes the page sideways
    assert errors == []
    assert all(url == report_file.as_uri() or url.startswith("data:") for url in requests), requests
    context.close()
