"""`mnist-app serve` for real: waitress on a free port of 127.0.0.1, driven with requests and
raw sockets, and the command's start-up, errors and shutdown."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest
import requests

import numpy as np

from mnist_app.cli import main
from mnist_app.errors import ImageError, NoDigitFound
from mnist_app.preprocess import to_mnist_image
import poison_pictures
from mnist_sample import mnist_sample
from mnist_app.predict import Classifier
from mnist_app.web import server as web_server
from mnist_app.web.app import make_app
from mnist_app.web.guarded_waitress import GuardedChannel
from mnist_app.cli import serve as serve_command
from mnist_app.web.settings import (
    CHANNEL_TIMEOUT,
    CONNECTION_LIMIT,
    MAX_BODY_BYTES,
    MAX_HEADER_BYTES,
    MAX_HEADER_VALUE_CHARS,
    MAX_UNSENT_BYTES,
    PREPROCESS_SECONDS,
    REQUEST_SECONDS,
    Limits,
    ServerSettings,
)
from mnist_app.web.workers import PreprocessingPool
from test_web_app import blank_png, canvas_png, multipart

pytest.importorskip("waitress", reason="the serve extra (waitress) is not installed")
from waitress import wasyncore  # noqa: E402  (after the skip)

TIMEOUT = 10  # seconds a test waits for the server before it fails (never a timing check)
# Short enough for a test to see a stalled connection dropped.
TEST_SETTINGS = ServerSettings(host="127.0.0.1", port=0, threads=4, channel_timeout=1, request_seconds=1,
                               cleanup_interval=1)


@contextlib.contextmanager
def running_server(app, settings: ServerSettings = TEST_SETTINGS, limits: Limits = Limits()):
    """Serve ``app`` on waitress in a background thread; yields the base URL."""
    socket_map: dict = {}
    server = web_server.create_server(app, settings, limits, socket_map)
    stop = threading.Event()

    def loop():
        while not stop.is_set():
            wasyncore.loop(timeout=0.05, map=socket_map, use_poll=True, count=1)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield web_server.urls(server)[0].rstrip("/")
    finally:
        stop.set()
        thread.join(TIMEOUT)
        server.task_dispatcher.shutdown()
        wasyncore.close_all(socket_map)


@pytest.fixture(scope="module")
def digits():
    images, labels = mnist_sample()
    return [(int(labels[i]), canvas_png(images[i])) for i in range(8)]


def raw_request(url: str, data: bytes, wait_for_answer: bool = True) -> bytes:
    """Send ``data`` on a new connection and return what the server answers."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=TIMEOUT) as connection:
        connection.sendall(data)
        return connection.recv(65536) if wait_for_answer else b""


def test_predict_over_http_as_body_and_as_form(base_url, digits):
    label, png = digits[0]
    raw = requests.post(f"{base_url}/api/predict", data=png, headers={"Content-Type": "image/png"}, timeout=TIMEOUT)
    form = requests.post(f"{base_url}/api/predict", files={"image": ("d.png", png, "image/png")}, timeout=TIMEOUT)
    for answer in (raw, form):
        assert answer.status_code == 200 and answer.json()["digit"] == label
        assert answer.headers["X-Content-Type-Options"] == "nosniff"


def test_a_chunked_upload_is_read_like_any_other(base_url, digits):
    label, png = digits[1]
    chunks = (png[i:i + 1000] for i in range(0, len(png), 1000))  # a generator: requests sends it chunked
    answer = requests.post(f"{base_url}/api/predict", data=chunks, headers={"Content-Type": "image/png"},
                           timeout=TIMEOUT)
    assert answer.status_code == 200 and answer.json()["digit"] == label


def test_concurrent_clients_each_get_their_own_answer(base_url, digits):
    jobs = [(label, png) for label, png in digits] * 3 + [(None, blank_png())] * 4

    def ask(job):
        label, png = job
        answer = requests.post(f"{base_url}/api/predict", data=png, headers={"Content-Type": "image/png"},
                               timeout=TIMEOUT)
        return label, answer.status_code, answer.json()

    with ThreadPoolExecutor(max_workers=8) as pool:
        for label, status, reading in pool.map(ask, jobs):
            if label is None:
                assert (status, reading) == (422, {"error": "no digit found"})
            else:
                assert status == 200 and reading["digit"] == label


def test_stalled_connections_do_not_block_others_and_are_dropped(base_url, digits):
    host, port = base_url.removeprefix("http://").split(":")
    stalled = []
    for index in range(12):
        connection = socket.create_connection((host, int(port)), timeout=TIMEOUT)
        if index % 2:  # half send part of a request, half nothing at all
            connection.sendall(b"POST /api/predict HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\nabc")
        stalled.append(connection)
    try:
        label, png = digits[2]
        answer = requests.post(f"{base_url}/api/predict", data=png, headers={"Content-Type": "image/png"},
                               timeout=TIMEOUT)
        assert answer.status_code == 200 and answer.json()["digit"] == label
        for connection in stalled:  # closed by the server after channel_timeout (1 s here)
            assert connection.recv(1024) == b""
    finally:
        for connection in stalled:
            connection.close()


def test_a_body_over_the_limit_is_refused_before_it_is_sent(base_url):
    too_big = Limits().max_body_bytes + 1
    head = f"POST /api/predict HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: {too_big}\r\n\r\n"
    answer = raw_request(base_url, head.encode())  # the server answers without waiting for the body
    assert answer.startswith(b"HTTP/1.1 413 ")


def test_the_body_limit_is_the_same_for_waitress_and_the_app(tmp_path):
    limits = Limits(max_body_bytes=2000)
    app = make_app(Classifier.load(), limits, data_dir=tmp_path)
    with running_server(app, limits=limits) as url:
        at_limit = requests.post(f"{url}/api/predict", data=b"x" * 2000, headers={"Content-Type": "image/png"},
                                 timeout=TIMEOUT)
        over = requests.post(f"{url}/api/predict", data=b"x" * 2001, headers={"Content-Type": "image/png"},
                             timeout=TIMEOUT)
    assert at_limit.status_code == 400  # read, and found not to be an image
    assert over.status_code == 413


def test_page_and_errors_over_http(base_url, monkeypatch):
    sent = []  # what the server's connections send, each call to send

    def send(channel, data, do_close=True):
        sent.append(bytes(data))
        return wasyncore.dispatcher.send(channel, data, do_close)

    monkeypatch.setattr(GuardedChannel, "send", send)
    page = requests.get(f"{base_url}/", timeout=TIMEOUT)
    assert page.status_code == 200 and "Content-Security-Policy" in page.headers
    header, _, body = b"".join(sent).partition(b"\r\n\r\n")
    assert len(sent) == 1 and header.startswith(b"HTTP/1.1 200 ") and body == page.content  # header and body in one send
    missing = requests.get(f"{base_url}/missing", timeout=TIMEOUT)
    assert missing.status_code == 404 and missing.json()["error"].startswith("no such page")
    wrong = requests.put(f"{base_url}/api/predict", timeout=TIMEOUT)
    assert wrong.status_code == 405 and wrong.headers["Allow"] == "POST"
    body, content_type = multipart([("other", None, b"x")])
    form = requests.post(f"{base_url}/api/predict", data=body, headers={"Content-Type": content_type},
                         timeout=TIMEOUT)
    assert form.status_code == 400 and form.json() == {"error": "the multipart form has no 'image' field"}


# ------------------------------------------------------------------------ the command

def test_serve_refuses_a_bad_model_before_listening(tmp_path, capsys, monkeypatch):
    def must_not_listen(*args, **kwargs):
        raise AssertionError("listened before loading the model")

    monkeypatch.setattr(web_server, "create_server", must_not_listen)
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a model")
    assert main(["serve", "--model", str(bad), "--port", "0"]) == 1
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("mnist-app: error: ")


def test_serve_says_in_one_line_when_the_port_is_in_use(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 1
    [line] = capsys.readouterr().err.splitlines()
    assert line == f"mnist-app: error: cannot listen on 127.0.0.1:{port}: the port is in use"


def test_serve_says_in_one_line_when_the_host_is_no_address(capsys):
    assert main(["serve", "--host", "a..b", "--port", "0", "--workers", "0"]) == 1  # a name no resolver accepts
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("mnist-app: error: cannot listen on a..b:0: no such address (")


def test_serve_says_in_one_line_when_its_workers_cannot_start(tmp_path):
    """The fork server's socket is made in TMPDIR: a path past 107 bytes cannot be bound."""
    long_temp = tmp_path / ("t" * 110)
    long_temp.mkdir()
    finished = subprocess.run([sys.executable, "-m", "mnist_app", "serve", "--port", "0", "--workers", "1"],
                              env={**os.environ, "TMPDIR": str(long_temp)}, capture_output=True, text=True,
                              timeout=60)
    assert finished.returncode == 1 and finished.stdout == ""
    [line] = finished.stderr.splitlines()
    assert line.startswith("mnist-app: error: cannot start the image workers: ") and "TMPDIR" in line


def test_serve_without_waitress_says_how_to_install_it(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "waitress", None)
    monkeypatch.setitem(sys.modules, "waitress.server", None)
    assert main(["serve", "--port", "0"]) == 1
    [line] = capsys.readouterr().err.splitlines()
    assert line == f"mnist-app: error: serving needs waitress: {web_server.INSTALL_HINT}"


@pytest.mark.parametrize("arguments", [["--port", "65536"], ["--threads", "0"], ["--port", "http"]])
def test_serve_checks_its_arguments(arguments, capsys):
    assert main(["serve", *arguments]) == 2
    assert capsys.readouterr().err.startswith("mnist-app: error: argument")


@pytest.mark.parametrize("stop_signal, status", [(signal.SIGINT, 130), (signal.SIGTERM, 0)], ids=["SIGINT", "SIGTERM"])
def test_serve_prints_its_url_serves_and_stops_cleanly(stop_signal, status, tmp_path, digits):
    environment = {**os.environ, "MNIST_APP_DATA": str(tmp_path)}
    process = subprocess.Popen([sys.executable, "-m", "mnist_app", "serve", "--port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment)
    try:
        first_line = process.stdout.readline()
        assert first_line.startswith("mnist-app: serving http://127.0.0.1:")
        url = first_line.split()[2]
        assert requests.get(f"{url}healthz", timeout=TIMEOUT).json()["status"] == "ok"
        label, png = digits[0]  # read by the worker processes, as a digit and as a number
        for path, key in (("api/predict", "digit"), ("api/number", "number")):
            answer = requests.post(f"{url}{path}", data=png, headers={"Content-Type": "image/png"}, timeout=TIMEOUT)
            assert str(answer.json()[key]) == str(label), path
        process.send_signal(stop_signal)
        assert process.wait(TIMEOUT) == status  # Ctrl-C: 130, interrupted, as the README's table says
        assert process.stderr.read() == "mnist-app: stopped\n"
    finally:
        process.kill()
        process.wait()


def test_settings_reach_waitress():
    settings = replace(TEST_SETTINGS, threads=3, connection_limit=7, max_unsent_bytes=5000)
    options = settings.waitress_options(Limits(max_body_bytes=99))
    assert options["threads"] == 3 and options["connection_limit"] == 7
    assert options["channel_timeout"] == 1 and options["cleanup_interval"] == 1
    assert options["max_request_body_size"] == 100 and options["asyncore_use_poll"] is True
    assert options["outbuf_high_watermark"] == 5000 and options["max_request_header_size"] == MAX_HEADER_BYTES
    server = web_server.create_server(make_app(Classifier.load()), settings, Limits(), {})
    try:
        assert (server.adj.threads, server.adj.connection_limit, server.request_seconds) == (3, 7, 1)
    finally:
        server.close()
        server.task_dispatcher.shutdown()


def test_the_server_logs_one_line_per_record_whatever_a_client_sent(capsys):
    handler = serve_command.one_line_log_handler()
    record = logging.LogRecord("waitress", logging.ERROR, __file__, 1, "Exception while serving %s", ("/a\nFAKE\x1b[2J",),
                               None)
    handler.handle(record)
    [line] = capsys.readouterr().err.splitlines()
    assert line == "mnist-app: waitress: Exception while serving /a\\nFAKE\\x1b[2J"


def test_the_documented_bounds_are_the_settings():
    text = (Path(__file__).resolve().parents[1] / "docs" / "serve.md").read_text()
    for value in [f"{MAX_BODY_BYTES >> 20} MB", f"{MAX_HEADER_BYTES >> 10} kB", f"{MAX_HEADER_VALUE_CHARS:,} characters",
                  f"within {REQUEST_SECONDS} s", f"idle for {CHANNEL_TIMEOUT} s", f"all {CONNECTION_LIMIT} connections",
                  f"over {MAX_UNSENT_BYTES >> 20} MB", f"takes over {PREPROCESS_SECONDS} s"]:
        assert value in text


def test_a_pool_of_preprocessing_workers_answers_like_the_request_threads(digits):
    """`serve --workers N` preprocesses in other processes: same answers, errors included."""
    _, png = digits[0]
    with PreprocessingPool(2) as preprocess:
        assert np.array_equal(preprocess(png), to_mnist_image(png))
        with pytest.raises(NoDigitFound):
            preprocess(blank_png())
        pictures = list(ThreadPoolExecutor(4).map(preprocess, [png] * 8))
    assert all(np.array_equal(picture, pictures[0]) for picture in pictures)


def test_a_picture_that_kills_its_worker_is_refused_and_never_read_in_the_server(digits):
    _, png = digits[0]
    with PreprocessingPool(1, preprocess=poison_pictures.dies_on_poison) as preprocess:
        with pytest.raises(ImageError, match="^cannot read this image: the process reading it died$"):
            preprocess(poison_pictures.POISON)
        assert np.array_equal(preprocess(png), to_mnist_image(png))  # another worker took its place
    assert poison_pictures.RAN_IN_SERVER == []


def test_a_stuck_worker_is_killed_and_replaced_and_its_picture_refused(digits):
    _, png = digits[0]
    with PreprocessingPool(1, timeout=0.5, preprocess=poison_pictures.hangs_on_poison) as preprocess:
        stuck = ThreadPoolExecutor(1).submit(preprocess, poison_pictures.POISON)
        with pytest.raises(ImageError, match="^cannot read this image: reading it took over 0.5 s$"):
            stuck.result(timeout=TIMEOUT)  # a guard against a hang, not a timing check
        assert np.array_equal(preprocess(png), to_mnist_image(png))
    assert poison_pictures.RAN_IN_SERVER == []
