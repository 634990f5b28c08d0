"""The one-page HTML report of a model: what it learned and how well it reads the test set.

    from mnist_app.report import render_report
    html = render_report(Model.load(), test_images, test_labels)

:mod:`figures` computes every number, :mod:`svg` draws the charts, :mod:`images` turns
arrays into embedded PNGs, :mod:`html` assembles the self-contained page.
"""

from __future__ import annotations

import numpy as np

from mnist_app.model import Model
from mnist_app.report.figures import compute_figures
from mnist_app.report.html import render

__all__ = ["render_report"]


def render_report(model: Model, test_images: np.ndarray, test_labels: np.ndarray) -> str:
    """The report of ``model`` on the test set
    ``test_images`` (m, 28, 28) uint8 and ``test_labels`` (m,) digits, as one HTML page.

    The page embeds everything it shows and loads nothing. Raises ValueError if the network
    does not map 784 pixels to 10 digits or the test arrays are bad or empty.
    """
    return render(compute_figures(model, test_images, test_labels))
