"""A fast slice of scripts/fuzz's hostile clients (fuzz.cases_server): slow, pipelining and
non-reading clients, long headers, requests waitress refuses itself and an ICO bomb,
against waitress on 127.0.0.1 in this process with small limits; and `mnist-app serve`
killed with SIGKILL, the processes it leaves counted.

Each attack is bounded in sockets and seconds. The oracle is the order of events (GET
/healthz answered while the attack still runs; a connection closed by the server before
the client gave up), never a measured time.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from fuzz import cases_server  # noqa: E402
from fuzz import hostile_clients as clients  # noqa: E402
from fuzz.images import png_of_zeros  # noqa: E402
from fuzz.live_server import kill_session, session_members  # noqa: E402
from mnist_app.predict import Classifier  # noqa: E402
from mnist_app.web.app import make_app  # noqa: E402
from mnist_app.web.workers import PreprocessingPool  # noqa: E402
from test_serve_server import TEST_SETTINGS, TIMEOUT, running_server  # noqa: E402

ATTACK_SECONDS = 8.0  # an attack stops by itself after this, whatever the server did
SMALL = replace(TEST_SETTINGS, connection_limit=10, request_seconds=1, max_unsent_bytes=64 * 1024)
BIG_REPORT = "<!doctype html><p>" + "x" * 300_000  # an answer larger than max_unsent_bytes


def address(url: str) -> tuple[str, int]:
    host, port = url.removeprefix("http://").rsplit(":", 1)
    return host, int(port)


@pytest.fixture(scope="module")
def small_server(tmp_path_factory):
    """The app on waitress with 10 connections, a 1 s request deadline and 64 kB of unread
    answers per connection."""
    app = make_app(Classifier.load(), data_dir=tmp_path_factory.mktemp("no-mnist"))
    with running_server(app, SMALL) as url:
        yield url


def healthz_during(url: str, attack) -> tuple[int, bool]:
    """Start ``attack(address, stop)`` in a thread, then GET /healthz; (its status, whether
    the attack was still running when the answer came)."""
    stop = threading.Event()
    with ThreadPoolExecutor(1) as pool:
        attacking = pool.submit(attack, address(url), stop)
        time.sleep(0.5)  # let the attack take hold
        try:
            status = requests.get(f"{url}/healthz", timeout=ATTACK_SECONDS - 2).status_code
        except requests.RequestException:
            status = 0
        still_attacking = not attacking.done()
        stop.set()
        attacking.result()
    return status, still_attacking


@pytest.mark.parametrize("opening, drop", [
    (b"GET /healthz HTTP/1.1\r\nHost: x\r\n", b"X-Drip: 1\r\n"),
    (b"POST /api/predict HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: 9999\r\n\r\n", b"x"),
], ids=["headers", "body"])
def test_healthz_answers_while_slow_clients_hold_every_connection(tmp_path, opening, drop):
    """The deadline is longer than the attack here: only making room lets /healthz in."""
    app = make_app(Classifier.load(), data_dir=tmp_path)
    with running_server(app, replace(SMALL, request_seconds=60)) as url:
        attack = lambda where, stop: clients.drip(where, 12, opening, drop, 0.2, ATTACK_SECONDS, stop)  # noqa: E731
        assert healthz_during(url, attack) == (200, True)


def test_a_request_that_trickles_is_cut_off_at_its_deadline(small_server):
    """Fewer slow clients than connections: the deadline, not the room, closes them."""
    counts = clients.drip(address(small_server), 2, b"GET / HTTP/1.1\r\nHost: x\r\n", b"X-Drip: 1\r\n", 0.2,
                          ATTACK_SECONDS, threading.Event(), until_closed=2)
    assert counts["closed by the server"] == 2


def test_healthz_answers_while_clients_pipeline_and_never_read(fake_mnist_dir):
    app = make_app(Classifier.load(), data_dir=fake_mnist_dir, render_report=lambda *args: BIG_REPORT)
    with running_server(app, SMALL) as url:
        assert requests.get(f"{url}/report", timeout=TIMEOUT).status_code == 200  # built, and kept
        attack = lambda where, stop: clients.pipeline_and_never_read(  # noqa: E731
            where, SMALL.threads, "/report", 60, ATTACK_SECONDS, stop)
        assert healthz_during(url, attack) == (200, True)


def test_a_long_content_type_is_refused_as_json(small_server):
    status, headers, body, _ = clients.exchange(address(small_server), clients.long_content_type(50_000))
    assert clients.refusal_problems(status, headers, body, 400) == []
    assert b"header value" in body


@pytest.mark.parametrize("name", clients.REFUSED_BY_WAITRESS)
def test_what_waitress_refuses_is_answered_as_the_app_answers(small_server, name):
    request, expected = clients.REFUSED_BY_WAITRESS[name]
    status, headers, body, _ = clients.exchange(address(small_server), request)
    assert clients.refusal_problems(status, headers, body, expected) == []


@pytest.mark.parametrize("path", ["/api/predict", "/api/number"])
def test_an_uploaded_ico_is_never_opened_in_the_servers_process(tmp_path, monkeypatch, path):
    """With worker processes, the server's own process parses no upload, whether it is read
    as a digit or as a number."""
    import PIL.Image

    opened = []
    real_open = PIL.Image.open
    monkeypatch.setattr(PIL.Image, "open", lambda *args, **kwargs: opened.append(1) or real_open(*args, **kwargs))
    ico = clients.ico_holding_png(png_of_zeros(2000, 2000))
    classifier = Classifier.load()
    with PreprocessingPool(1, read_number=classifier.read_number) as pool:
        app = make_app(classifier, data_dir=tmp_path, preprocess=pool, read_number=pool.read_number)
        with running_server(app) as url:
            status, headers, body, _ = clients.exchange(address(url), clients.upload(ico, "image/x-icon", path))
    assert 400 <= status < 500 and clients.refusal_problems(status, headers, body, status) == []
    assert opened == []


def test_sigkill_of_serve_leaves_no_process_and_no_folder_behind(tmp_path, monkeypatch):
    temp = Path(tempfile.mkdtemp())  # not in tmp_path: the fork server's socket path must stay short
    try:
        monkeypatch.setenv("TMPDIR", str(temp))
        monkeypatch.setattr("tempfile.tempdir", None)  # gettempdir() reads TMPDIR again
        problems, note = cases_server._killed({"MNIST_APP_DATA": str(tmp_path)}, signal.SIGKILL)
        assert problems == [], note
        assert list(temp.iterdir()) == []  # no pymp-* folder of the fork server
    finally:
        shutil.rmtree(temp)


def test_workers_end_with_the_server_even_in_the_middle_of_a_picture(tmp_path):
    """A process holding a pool whose worker is stuck on a picture is killed: the worker,
    the fork server and the resource tracker all end."""
    script = textwrap.dedent("""
        import sys, threading
        import poison_pictures
        from mnist_app.web.workers import PreprocessingPool
        pool = PreprocessingPool(1, timeout=60, preprocess=poison_pictures.hangs_on_poison)
        threading.Thread(target=pool, args=(poison_pictures.POISON,), daemon=True).start()
        print("reading", flush=True)
        threading.Event().wait()
    """)
    here = Path(__file__).resolve().parent
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONPATH": f"{here}{os.pathsep}{here.parent}",
                                    "TMPDIR": str(tmp_path)},  # the fork server's folder, left by a kill
                               start_new_session=True)
    try:
        assert process.stdout.readline() == "reading\n"
        time.sleep(0.5)  # the worker is now inside the picture
        assert len(session_members(process.pid)) >= 3  # the holder, the fork server, the worker
        process.kill()
        process.wait()
        deadline = time.monotonic() + TIMEOUT  # a guard against a hang, not a timing check
        while session_members(process.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert session_members(process.pid) == []
    finally:
        kill_session(process.pid)
        process.wait()
