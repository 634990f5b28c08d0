"""What the report tests share: a small trained model on the fake MNIST and its report (a
session fixture, so it is trained once), and HTML probes."""

from __future__ import annotations

import base64
import contextlib
import io
import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from PIL import Image

from mnist_app import data
from mnist_app.cli import main

TRAIN_FAST = ["--epochs", "2", "--batch-size", "16", "--validation", "200", "--quiet"]
SECTION_IDS = ("model", "learning", "confusion", "mistakes", "network", "robustness", "confidence")
DATA_URI = re.compile(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"')


def run_cli(argv: list[str]) -> tuple[int, str]:
    """Run ``mnist-app argv``; returns the exit status and what it printed on stdout."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main(argv)
    return status, out.getvalue()


@contextlib.contextmanager
def fake_data(fake_mnist_files):
    """The fake MNIST's directory, with mnist_app accepting its hashes inside the block."""
    directory, hashes = fake_mnist_files
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(data, "FILES", hashes)
        yield directory


def train_fake_model(directory: Path, model: Path) -> dict:
    """Train a 784-30-10 network for two epochs on the fake MNIST; returns train --json's summary."""
    status, printed = run_cli(["train", "--data-dir", str(directory), "--output", str(model), "--json",
                               *TRAIN_FAST])
    assert status == 0
    return json.loads(printed.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def fake_report(fake_mnist_files, tmp_path_factory) -> SimpleNamespace:
    """A model trained for two epochs on the fake MNIST (``model``), train --json's summary
    (``summary``) and the report the CLI wrote from it (``page``), made once per session;
    tests read them and never change them."""
    directory = tmp_path_factory.mktemp("report")
    model, page = directory / "model.npz", directory / "out" / "report.html"
    with fake_data(fake_mnist_files) as data_dir:
        summary = train_fake_model(data_dir, model)
        status, printed = run_cli(["report", "--model", str(model), "--data-dir", str(data_dir),
                                   "--output", str(page), "--quiet"])
    assert status == 0 and f"saved {page}" in printed
    return SimpleNamespace(model=model, summary=summary, page=page)


def embedded_pngs(html: str) -> list[Image.Image]:
    """Every PNG embedded as a data URI, decoded (raises if one is not a valid PNG)."""
    images = []
    for payload in DATA_URI.findall(html):
        image = Image.open(io.BytesIO(base64.b64decode(payload, validate=True)))
        image.load()
        images.append(image)
    return images
