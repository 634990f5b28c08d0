"""Where Debian's Chromium is and how the screenshot scripts and the browser tests launch it."""

from __future__ import annotations

import os
import shutil

CHROMIUM = "/usr/bin/chromium"
# Headless in a container: no sandbox (root), no GPU, and nothing that reaches the network.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]


def chromium_path() -> str | None:
    """Debian's Chromium, else any chromium on PATH, else None."""
    return CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")
