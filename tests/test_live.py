"""Live training (mnist_app.live, mnist_app.web.live): runs of a generated MNIST in their own
process, their Server-Sent Events over real waitress, and every bound on them.

The fake MNIST (fake_mnist.FakeMnistSource) trains in a second or two; no test needs the
real data or the internet, and none checks a time: waits are bounded by TIMEOUT only so
that a broken server fails the test instead of hanging it.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import requests

from fake_mnist import BrokenMnistSource, FakeMnistSource, fake_digits
from mnist_app import model_io
from mnist_app.cli import main
from mnist_app.limits import LIVE_BATCH_SIZE, LIVE_EPOCHS, LIVE_ETA, LIVE_EXAMPLES, LIVE_HIDDEN
from mnist_app.live.run import MnistFiles
from mnist_app.live.runner import STOPPED_AT_TIME_LIMIT, STOPPED_BY_USER, Trainer
from mnist_app.live.settings import RunSettings, SettingError
from mnist_app.network import Network
from mnist_app.training import Hyperparameters, train
from mnist_app.predict import Classifier
from mnist_app.web.app import make_app
from mnist_app.web.live import StreamLimits
from test_serve_server import TIMEOUT, running_server
from test_web_app import call, canvas_png
from mnist_sample import mnist_sample
from processes import alive, descendants

pytest.importorskip("waitress", reason="the serve extra (waitress) is not installed")

TINY = {"epochs": 2, "examples": 2000, "hidden": 10, "batch_size": 20}  # about a second of training
SLOW = {"epochs": 30, "examples": 2000, "hidden": 10, "batch_size": 1}  # trains until it is stopped
STREAM_HEAD_START = 0.5  # seconds a run waits before training, so a test's stream sees every event live
RUN_SEED = 1  # every run trains alike, so its accuracy after two epochs is always the same
QUICK_STREAMS = StreamLimits(max_streams=1, lifetime=60, heartbeat=0.5, poll=0.1, retry_after=7)


@pytest.fixture(scope="module")
def classifier():
    return Classifier.load()


@pytest.fixture
def served(classifier):
    """A server whose Train view trains on the fake MNIST, one stream at a time; yields
    (base URL, trainer)."""
    with Trainer(FakeMnistSource(delay=STREAM_HEAD_START), max_seconds=60, grace_seconds=TIMEOUT,
                 seed=RUN_SEED) as trainer:
        app = make_app(classifier, trainer=trainer, streams=QUICK_STREAMS)
        with running_server(app) as url:
            yield url, trainer


def start(url: str, settings: dict) -> dict:
    answer = requests.post(f"{url}/api/train", json=settings, timeout=TIMEOUT)
    assert answer.status_code == 202, answer.text
    return answer.json()["run"]


def read_events(response) -> list[tuple[str, dict]]:
    """(event, data) of every event of an SSE response, until the server ends it."""
    events, kind = [], None
    for line in response.iter_lines(decode_unicode=True):
        if line.startswith("event: "):
            kind = line.removeprefix("event: ")
        elif line.startswith("data: "):
            events.append((kind, json.loads(line.removeprefix("data: "))))
    return events


def follow(url: str) -> list[tuple[str, dict]]:
    with requests.get(f"{url}/api/train/events", stream=True, timeout=TIMEOUT) as response:
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith("text/event-stream")
        return read_events(response)


def weights_from(event: dict) -> np.ndarray:
    """The weights an event's levels stand for: level k is (k - 128) / 127 x scale."""
    levels = np.frombuffer(base64.b64decode(event["weights"]["levels"]), dtype=np.uint8)
    return (levels.astype(float) - 128) / 127 * event["weights"]["scale"]


# ------------------------------------------------------------------------ training.train's hooks

def test_train_reports_the_first_epoch_every_1000_examples_and_stops_when_asked():
    images, labels = fake_digits(2600, seed=3)
    hyper = Hyperparameters(epochs=3, batch_size=10, deskew=False)
    reports, epochs = [], []
    train(Network([784, 10, 10], rng=np.random.default_rng(0)), images[:2500], labels[:2500], images[2500:],
          labels[2500:], hyper, np.random.default_rng(0), on_epoch=epochs.append, on_progress=reports.append)
    assert [(r.epoch, r.examples, r.epoch_examples) for r in reports] == [(1, n, 2500) for n in (0, 1000, 2000)]
    assert len(epochs) == 3 and reports[-1].val_accuracy > reports[0].val_accuracy

    asked = []
    result = train(Network([784, 10, 10], rng=np.random.default_rng(0)), images[:2500], labels[:2500],
                   images[2500:], labels[2500:], hyper, np.random.default_rng(0),
                   stop=lambda: asked.append(1) or len(asked) >= 300)  # 300 minibatches: 1.2 epochs
    assert result.interrupted and len(result.history) == 1 and len(asked) == 300


# ------------------------------------------------------------------------ settings

@pytest.mark.parametrize("name, bad, bounds", [
    ("hidden", LIVE_HIDDEN[0] - 1, LIVE_HIDDEN), ("hidden", LIVE_HIDDEN[1] + 1, LIVE_HIDDEN),
    ("epochs", 0, LIVE_EPOCHS), ("epochs", 2.5, LIVE_EPOCHS), ("epochs", True, LIVE_EPOCHS),
    ("examples", LIVE_EXAMPLES[1] + 1, LIVE_EXAMPLES), ("batch_size", 0, LIVE_BATCH_SIZE),
    ("eta", 0, LIVE_ETA), ("eta", "3", LIVE_ETA),
])
def test_a_setting_out_of_range_is_named_with_its_range(name, bad, bounds):
    with pytest.raises(SettingError) as refused:
        RunSettings.from_json({name: bad})
    message = str(refused.value)
    assert message.startswith(f"{name} must be") and f"{bounds[0]:,}".rstrip("0").rstrip(".") in message
    assert f"{bounds[1]:,}".split(".")[0] in message


def test_settings_default_to_the_book_network_and_name_unknown_ones():
    settings = RunSettings.from_json({"cost": "quadratic", "init": "normal"})
    assert (settings.hidden, settings.cost, settings.init) == (30, "quadratic", "normal")
    with pytest.raises(SettingError, match="unknown setting 'lr'"):
        RunSettings.from_json({"lr": 3})
    with pytest.raises(SettingError, match="cost must be one of"):
        RunSettings.from_json({"cost": "mse"})


def test_bad_settings_get_json_400_naming_them(classifier, tmp_path):
    with Trainer(FakeMnistSource()) as trainer:
        app = make_app(classifier, trainer=trainer)
        answer = call(app, "POST", "/api/train", json.dumps({"hidden": 5}).encode(), "application/json")
        assert answer.status == 400 and answer.json()["error"].startswith("hidden must be a whole number from 10 to 100")
        answer = call(app, "POST", "/api/train", b"{not json", "application/json")
        assert answer.status == 400 and "not valid JSON" in answer.json()["error"]
        assert trainer.run is None


# ------------------------------------------------------------------------ the stream

def test_a_tiny_run_streams_progress_epochs_and_done_and_its_weights_load(served, tmp_path):
    url, _ = served
    run = start(url, {**TINY, "batch_size": 10})
    assert run["state"] == "training" and run["settings"]["hidden"] == 10
    events = follow(url)
    kinds = [kind for kind, _ in events]
    assert kinds == ["progress", "progress", "epoch", "epoch", "done"], kinds  # at 0 and 1,000 of 2,000
    before, progress, first, second, done = (data for _, data in events)
    assert [before["examples"], progress["examples"], progress["epoch_examples"]] == [0, 1000, 2000]
    assert before["val_accuracy"] < 0.5  # random weights
    assert [first["epoch"], second["epoch"]] == [1, 2]
    assert second["val_accuracy"] > 0.5  # the fake digits are easy; a random network gets 10%
    assert done["stopped"] is None and len(done["history"]) == 2 and done["seed"] == RUN_SEED
    # An event's weights are dropped from the log once newer ones arrive (a slow reader skips
    # them); the last weights are always sent.
    assert all(len(weights_from(data)) == 10 * 784 for _, data in events if "weights" in data)
    assert "weights" in done

    download = requests.get(f"{url}/api/train/model.npz", timeout=TIMEOUT)
    assert download.status_code == 200
    assert "attachment" in download.headers["Content-Disposition"]
    path = tmp_path / "live.npz"
    path.write_bytes(download.content)
    network, metadata = model_io.load(path)
    assert network.sizes == [784, 10, 10]
    assert [epoch["val_accuracy"] for epoch in metadata["history"]] == [first["val_accuracy"], second["val_accuracy"]]
    # The pictures the page drew last are the weights that were saved, to within a level.
    weights = network.weights[0].ravel()
    inside = np.abs(weights) < done["weights"]["scale"]
    step = done["weights"]["scale"] / 127
    assert np.all(np.abs(weights_from(done)[inside] - weights[inside]) <= step / 2 + 1e-6)

    image = tmp_path / "seven.png"
    image.write_bytes(canvas_png(mnist_sample()[0][0]))
    assert main(["predict", "--model", str(path), str(image)]) == 0

    # The pad's "training" reader: the run's network, 10 hidden neurons, not the shipped 30.
    answer = requests.post(f"{url}/api/train/predict", data=image.read_bytes(),
                           headers={"Content-Type": "image/png"}, timeout=TIMEOUT)
    assert answer.status_code == 200 and len(answer.json()["hidden"]) == 10

    head = requests.head(f"{url}/api/train/events", timeout=TIMEOUT)
    assert head.status_code == 200 and head.content == b""
    again = follow(url)  # the run is over: its events once more, with only the newest weights
    assert [kind for kind, _ in again] == kinds
    assert ["weights" in data for _, data in again] == [False] * (len(again) - 1) + [True]
    seen_all = {"Last-Event-ID": f"{run['number']}-{len(events) - 1}"}
    answer = requests.get(f"{url}/api/train/events", headers=seen_all, timeout=TIMEOUT)
    assert answer.status_code == 204  # so EventSource stops reconnecting


def test_before_any_run_there_is_no_training_network_and_no_stream(served):
    url, _ = served
    png = canvas_png(mnist_sample()[0][0])
    early = requests.post(f"{url}/api/train/predict", data=png, headers={"Content-Type": "image/png"}, timeout=TIMEOUT)
    assert early.status_code == 409 and "no network is training" in early.json()["error"]
    assert requests.get(f"{url}/api/train/events", timeout=TIMEOUT).status_code == 404


# ------------------------------------------------------------------------ bounds

def test_one_run_at_a_time_409_and_stop_keeps_the_weights(served):
    url, trainer = served
    start(url, SLOW)
    second = requests.post(f"{url}/api/train", json=TINY, timeout=TIMEOUT)
    assert second.status_code == 409 and "is training" in second.json()["error"]
    with requests.get(f"{url}/api/train/events", stream=True, timeout=TIMEOUT) as stream:
        lines = stream.iter_lines(decode_unicode=True)
        assert any(line == "event: progress" for line in lines)  # it trains
        stopped = requests.post(f"{url}/api/train/stop", timeout=TIMEOUT)
        assert stopped.status_code == 202
        events = read_events(stream)
    kind, done = events[-1]
    assert kind == "done" and done["stopped"] == STOPPED_BY_USER and done["interrupted"] is True, events[-1]
    assert requests.get(f"{url}/api/train/model.npz", timeout=TIMEOUT).status_code == 200
    assert requests.post(f"{url}/api/train/stop", timeout=TIMEOUT).status_code == 409  # nothing trains


def test_streams_past_the_limit_get_503_with_retry_after(served):
    url, _ = served
    start(url, SLOW)
    with requests.get(f"{url}/api/train/events", stream=True, timeout=TIMEOUT) as held:
        assert held.status_code == 200
        extra = requests.get(f"{url}/api/train/events", timeout=TIMEOUT)
        assert extra.status_code == 503 and extra.headers["Retry-After"] == "7"
        assert "event streams are open" in extra.json()["error"]
        assert requests.get(f"{url}/healthz", timeout=TIMEOUT).status_code == 200
    requests.post(f"{url}/api/train/stop", timeout=TIMEOUT)


def test_a_stream_whose_client_goes_away_frees_its_place(served):
    url, _ = served
    start(url, SLOW)
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=TIMEOUT) as connection:
        connection.sendall(b"GET /api/train/events HTTP/1.1\r\nHost: x\r\n\r\n")
        assert connection.recv(100).startswith(b"HTTP/1.1 200")
    # The only place was this stream's; once the server sees the client gone, it is free.
    deadline = time.monotonic() + TIMEOUT
    while (status := requests.get(f"{url}/api/train/events", stream=True, timeout=TIMEOUT)).status_code == 503:
        status.close()
        assert time.monotonic() < deadline, "the stream of a client that left was never closed"
        time.sleep(0.1)
    status.close()
    requests.post(f"{url}/api/train/stop", timeout=TIMEOUT)


def test_a_stream_beats_and_ends_after_its_lifetime(classifier):
    # The run loads for longer than the stream lives, so the stream sees no event to
    # send, only heartbeats, however busy the machine (events between them would keep
    # the heartbeats away).
    limits = StreamLimits(max_streams=1, lifetime=1.0, heartbeat=0.2, poll=0.1)
    with Trainer(FakeMnistSource(delay=2 * limits.lifetime), grace_seconds=TIMEOUT) as trainer:
        with running_server(make_app(classifier, trainer=trainer, streams=limits)) as url:
            start(url, SLOW)
            with requests.get(f"{url}/api/train/events", stream=True, timeout=TIMEOUT) as stream:
                lines = list(stream.iter_lines(decode_unicode=True))  # ends by itself
            assert lines[0] == "retry: 3000" and ": heartbeat" in lines
            assert trainer.run.running  # the stream ended, not the run
            trainer.stop()


def test_a_run_is_stopped_at_the_time_limit_and_keeps_its_weights(classifier):
    with Trainer(FakeMnistSource(), max_seconds=1, grace_seconds=TIMEOUT) as trainer:
        with running_server(make_app(classifier, trainer=trainer, streams=QUICK_STREAMS)) as url:
            start(url, SLOW)
            kind, done = follow(url)[-1]
            assert kind == "done" and done["stopped"] == STOPPED_AT_TIME_LIMIT
            assert requests.get(f"{url}/api/train/model.npz", timeout=TIMEOUT).status_code == 200


@pytest.mark.parametrize("source, message", [
    (BrokenMnistSource(OSError("the disk is gone")), "the disk is gone"),
    (BrokenMnistSource(RuntimeError("a bug")), "training failed: RuntimeError: a bug"),
    (BrokenMnistSource(exit_status=3), "the training process ended unexpectedly (exit status 3)"),
], ids=["expected", "a bug", "a crash"])
def test_a_run_that_fails_ends_in_one_error_event_and_frees_the_trainer(source, message, capfd):
    with Trainer(source, grace_seconds=TIMEOUT) as trainer:
        run = trainer.start(RunSettings.from_json(TINY))
        events, finished = [], False
        while not finished:
            new, finished = run.log.wait(len(events), TIMEOUT)
            events += new
        assert [(event.kind, event.data["error"]) for event in events] == [("error", message)]
        assert not run.running and trainer.start(RunSettings.from_json(TINY)) is not run
    if "bug" in message:
        assert "Traceback" in capfd.readouterr().err  # the server's log keeps what a bug needs


def test_without_mnist_the_view_says_how_to_get_it(classifier, tmp_path):
    with Trainer(MnistFiles(tmp_path)) as trainer:
        app = make_app(classifier, trainer=trainer)
        status = call(app, "GET", "/api/train").json()
        assert status["data"]["ready"] is False
        assert f"mnist-app download --data-dir {tmp_path}" in status["data"]["message"]
        answer = call(app, "POST", "/api/train", b"{}", "application/json")
        assert answer.status == 503 and "mnist-app download" in answer.json()["error"]
        assert call(app, "GET", "/api/train/events").status == 404
        assert call(app, "GET", "/api/train/model.npz").status == 404
        assert call(app, "GET", "/train").status == 200


def test_a_server_with_too_few_threads_serves_no_stream():
    assert StreamLimits.for_threads(4).max_streams == 2  # two threads left for everything else
    assert StreamLimits.for_threads(2).max_streams == 0
    assert StreamLimits.for_threads(64).max_streams == StreamLimits().max_streams


SERVE_FAKE = """
import sys
from fake_mnist import FakeMnistSource, fake_digits
from mnist_app.cli.serve import _serve
from mnist_app.live.runner import Trainer
from mnist_app.predict import Classifier
from mnist_app.web.app import make_app
from mnist_app.web.live import StreamLimits
from mnist_app.web.server import create_server
from mnist_app.web.settings import Limits, ServerSettings

with Trainer(FakeMnistSource()) as trainer:
    app = make_app(Classifier.load(), trainer=trainer, streams=StreamLimits(max_streams=1))
    server = create_server(app, ServerSettings(port=0), Limits())
    _serve(server, on_stop=trainer.close)
print("stopped", flush=True)
"""


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process tree from Linux's /proc")
@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_stopping_the_server_stops_the_run_and_leaves_no_process(stop_signal):
    tests = str(Path(__file__).resolve().parent)
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([tests, os.environ.get("PYTHONPATH", "")])}
    process = subprocess.Popen([sys.executable, "-c", SERVE_FAKE], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env=environment)
    try:
        url = process.stdout.readline().split()[2].rstrip("/")
        start(url, SLOW)
        with requests.get(f"{url}/api/train/events", stream=True, timeout=TIMEOUT) as stream:
            assert any(line == "event: progress" for line in stream.iter_lines(decode_unicode=True))
            below = descendants(process.pid)  # the training process
            assert below
            process.send_signal(stop_signal)
            assert process.wait(TIMEOUT) == 0
        assert process.stdout.read() == "stopped\n"
        deadline = time.monotonic() + TIMEOUT
        while any(alive(pid) for pid in below):
            assert time.monotonic() < deadline, f"left running: {[pid for pid in below if alive(pid)]}"
            time.sleep(0.1)
    finally:
        process.kill()
        process.wait()
