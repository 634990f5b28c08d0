"""Fixtures shared by the test modules."""

from __future__ import annotations

import shutil
import signal
from pathlib import Path

import pytest

from fake_mnist import write_fake_mnist
from mnist_app import data

# mirror_server: the loopback-mirror fixtures (server, published, data_dir, ...);
# browser_fixtures: one Chromium and one page server per session (browser, base_url);
# report_helpers: the fake model and its report, made once per session (fake_report).
pytest_plugins = ("mirror_server", "browser_fixtures", "report_helpers")

# Tests press Ctrl-C (send SIGINT) in the commands they start. A shell starts a background
# job (`pytest &` in a script) with SIGINT ignored, which its children inherit, and then
# the commands rightly ignore it; restore the default here, so that those tests check the
# commands and not how the suite was started.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(scope="session")
def fake_mnist_files(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """The fake MNIST files, generated once per session, and their content hashes."""
    directory = tmp_path_factory.mktemp("fake_mnist")
    return directory, write_fake_mnist(directory, n_train=1000, n_test=200, seed=0)


@pytest.fixture
def fake_mnist_dir(fake_mnist_files, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data directory of its own holding a small learnable fake MNIST (1000 train, 200 test
    images, seed 0; see ``fake_mnist.fake_digits``).

    ``mnist_app.data.FILES`` is patched to the fake files' hashes, so ``load_mnist`` and the
    CLI's ``--data-dir`` accept the directory offline.
    """
    source, hashes = fake_mnist_files
    directory = tmp_path / "mnist"
    shutil.copytree(source, directory)
    monkeypatch.setattr(data, "FILES", hashes)
    return directory
