"""Fixtures for the tests that drive a real browser or the server: one headless Chromium
(Debian's, via Playwright, launched as scripts/chromium.py says) and one server of the
drawing page and its API, each started once per session and shared by every module that
asks for them. A test that asks for them is skipped, saying why, when Chromium, Playwright
or waitress is missing (`.ci/run` installs all three)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from chromium import CHROMIUM, CHROMIUM_ARGS, chromium_path  # noqa: E402


@pytest.fixture(scope="session")
def browser():
    """A headless Chromium for the whole session; each test opens its own context."""
    executable = chromium_path()
    if executable is None:
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install '.[test]')")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def base_url(tmp_path_factory):
    """The drawing page and its API, served by waitress with the shipped model, for the session."""
    if importlib.util.find_spec("waitress") is None:
        pytest.skip("the serve extra (waitress) is not installed")
    from mnist_app.predict import Classifier
    from mnist_app.web.app import make_app
    from test_serve_server import running_server

    app = make_app(Classifier.load(), data_dir=tmp_path_factory.mktemp("no-mnist"))
    with running_server(app) as url:
        yield url
