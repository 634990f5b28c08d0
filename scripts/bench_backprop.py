"""Time POST /api/backprop with 32 replayed corrections; writes docs/benchmarks/backprop.md.

The page sends its earlier corrections with every step and the server replays them from
the shipped weights, so the largest request the page can make (MAX_CORRECTIONS replayed,
then the new step) must still answer fast: the aim is a median of at most 50 ms.

In one run, on the same drawn digits (128-pixel canvases of MNIST test digits, as the
page sends them), one client at a time:

- POST /api/backprop with 32 corrections, over HTTP to `mnist-app serve` (its defaults);
- the same request through the WSGI app in this process (no HTTP);
- floors: POST /api/predict of the same picture over HTTP (decoding and preprocessing,
  which any request pays); `teach.replay` + `teach.teach` alone (33 steps with the model's
  backprop, no parsing or JSON); and the bare matmuls of 33 backprop steps on one float64
  example (numpy and nothing else).

Usage::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python scripts/bench_backprop.py [--requests 200]
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from bench_serve import start_server  # noqa: E402
from benchmark_notes import blas_description, write_markdown  # noqa: E402
from mnist_sample import mnist_sample  # noqa: E402
from test_web_app import call, canvas_png, multipart  # noqa: E402  (the canvas export the tests post)
from mnist_app.limits import MAX_CORRECTIONS  # noqa: E402
from mnist_app.predict import Classifier  # noqa: E402
from mnist_app.teach import Correction, replay, teach  # noqa: E402
from mnist_app.web.app import make_app  # noqa: E402

CANVAS = 128  # pixels of the page's canvas export (app.js EXPORT_SIZE)
DIGITS = 20  # different drawn digits, cycled
WARM_UP = 10
AIM_MS = 50
THREADS = 4  # mnist-app serve's default


def requests_for(classifier, app) -> list[tuple[bytes, str, bytes]]:
    """(multipart body, its Content-Type, the bare PNG) for DIGITS drawn digits, each taught
    its label with MAX_CORRECTIONS earlier corrections (the page's largest request)."""
    images, labels = mnist_sample()
    pngs = [canvas_png(images[i], CANVAS) for i in range(DIGITS)]
    first = call(app, "POST", "/api/backprop", *multipart([("image", "d.png", pngs[0]), ("label", None, b"3")]))
    corrections = json.dumps([{"picture": first.json()["reading_after"]["input"], "label": int(labels[i % DIGITS]),
                               "eta": 0.5} for i in range(MAX_CORRECTIONS)]).encode()
    out = []
    for i, png in enumerate(pngs):
        body, content_type = multipart([("image", "digit.png", png), ("label", None, str((labels[i] + 1) % 10).encode()),
                                        ("eta", None, b"0.5"), ("corrections", None, corrections)])
        out.append((body, content_type, png))
    return out


def median_ms(timings: list[float]) -> float:
    return 1000 * statistics.median(timings)


def time_http(address: str, path: str, bodies: list[tuple[bytes, str]], count: int) -> list[float]:
    host, port = address.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    timings = []
    for i in range(WARM_UP + count):
        body, content_type = bodies[i % len(bodies)]
        started = time.perf_counter()
        connection.request("POST", path, body=body, headers={"Content-Type": content_type,
                                                              "Accept-Encoding": "gzip, deflate, br"})  # as browsers
        response = connection.getresponse()
        payload = response.read()
        if response.getheader("Content-Encoding") == "gzip":
            payload = gzip.decompress(payload)  # as a browser would before using it
        elapsed = time.perf_counter() - started
        if response.status != 200:
            sys.exit(f"{path} answered {response.status}: {payload[:200]!r}")
        if i >= WARM_UP:
            timings.append(elapsed)
    connection.close()
    return timings


def time_calls(function, count: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU seconds (this process's, which waiting for a busy CPU does not
    add to) of each call after the warm-up."""
    timings, cpu = [], []
    for i in range(WARM_UP + count):
        started, cpu_started = time.perf_counter(), time.process_time()
        function(i)
        if i >= WARM_UP:
            timings.append(time.perf_counter() - started)
            cpu.append(time.process_time() - cpu_started)
    return timings, cpu


def bare_matmuls(weights: list[np.ndarray], biases: list[np.ndarray], x: np.ndarray, y: np.ndarray) -> None:
    """33 backprop steps on one example, the matrix work alone (sigmoid by tanh, as the
    network computes it): the floor under any implementation in numpy."""
    w1, w2 = weights
    b1, b2 = biases
    for _ in range(MAX_CORRECTIONS + 1):
        a1 = 0.5 + 0.5 * np.tanh(0.5 * (w1 @ x + b1))
        a2 = 0.5 + 0.5 * np.tanh(0.5 * (w2 @ a1 + b2))
        delta2 = a2 - y
        delta1 = (w2.T @ delta2) * a1 * (1 - a1)
        w2 -= 0.5 * np.outer(delta2, a1)
        b2 -= 0.5 * delta2
        w1 -= 0.5 * np.outer(delta1, x)
        b1 -= 0.5 * delta1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="timed requests per measurement (default: 200)")
    args = parser.parse_args()
    load_before = " ".join(f"{v:.1f}" for v in os.getloadavg())
    classifier = Classifier.load()
    app = make_app(classifier, data_dir=Path("/nonexistent"))
    requests = requests_for(classifier, app)
    bodies = [(body, content_type) for body, content_type, _ in requests]
    pngs = [(png, "image/png") for _, _, png in requests]

    server, address, _ = start_server(THREADS)
    try:
        teach_http = time_http(address, "/api/backprop", bodies, args.requests)
        predict_http = time_http(address, "/api/predict", pngs, args.requests)
    finally:
        server.terminate()
        server.wait()
    teach_wsgi = time_calls(lambda i: call(app, "POST", "/api/backprop", *bodies[i % len(bodies)], validate=False,
                                           headers={"Accept-Encoding": "gzip"}), args.requests)

    images, labels = mnist_sample()
    pictures = classifier.model.convention.prepare(images[:DIGITS])
    corrections = [Correction(pictures[i % DIGITS], int(labels[i % DIGITS]), 0.5) for i in range(MAX_CORRECTIONS)]
    library = time_calls(lambda i: teach(replay(classifier.network, corrections), pictures[i % DIGITS],
                                         (int(labels[i % DIGITS]) + 1) % 10, 0.5), args.requests)
    weights = [w.astype(np.float64) for w in classifier.network.weights]
    biases = [b.astype(np.float64) for b in classifier.network.biases]
    x, y = pictures[0].reshape(-1) / 255.0, np.eye(10)[3]
    floor = time_calls(lambda i: bare_matmuls([w.copy() for w in weights], [b.copy() for b in biases], x, y),
                       args.requests)

    teach_ms = median_ms(teach_http)
    rows = [
        ("POST /api/backprop, 32 replayed + 1 step, over HTTP", teach_http, None),
        ("the same through the WSGI app, no HTTP", *teach_wsgi),
        ("floor: POST /api/predict of the same picture, over HTTP", predict_http, None),
        ("floor: teach.replay + teach.teach, 33 steps, no parsing or JSON", *library),
        ("floor: bare numpy matmuls of 33 backprop steps", *floor),
    ]
    table = ["| what | median ms | p90 ms | × the bare matmuls | median CPU ms (in this process) |",
             "| --- | --- | --- | --- | --- |"]
    for name, timings, cpu in rows:
        p90 = 1000 * sorted(timings)[int(0.9 * len(timings))]
        cpu_text = f"{median_ms(cpu):.2f}" if cpu else "(in the server)"
        table.append(f"| {name} | {median_ms(timings):.2f} | {p90:.2f} | "
                     f"{median_ms(timings) / median_ms(floor[0]):.1f} | {cpu_text} |")
        print(table[-1])
    verdict = "holds" if teach_ms <= AIM_MS else "does NOT hold"
    body = [
        f"One client at a time, {args.requests} timed requests each after {WARM_UP} warm-up ones, {DIGITS} "
        f"different drawn digits ({CANVAS}-pixel canvas PNGs of MNIST test digits, as the page sends them) "
        f"cycled. Every /api/backprop request carries {MAX_CORRECTIONS} corrections (the most the page "
        f"sends), which the server replays from the shipped weights before the new step; its answer is about "
        f"{len(call(app, 'POST', '/api/backprop', *bodies[0]).body) // 1024} KiB of JSON. The server is "
        f"`mnist-app serve` with its defaults ({THREADS} threads), on this machine.",
        "",
        f"- aim: median ≤ {AIM_MS} ms for one correction plus {MAX_CORRECTIONS} replayed: **{teach_ms:.1f} ms, "
        f"{verdict}** (over HTTP; the CPU time column is what the same request costs without waiting "
        "for a CPU that other work holds)",
        f"- BLAS: {blas_description()}",
        f"- load average before / after the run (other work on the machine): {load_before} / "
        f"{' '.join(f'{v:.1f}' for v in os.getloadavg())}",
        "",
        *table,
    ]
    print(write_markdown("backprop", "POST /api/backprop: teaching with replayed corrections", body))


if __name__ == "__main__":
    main()
