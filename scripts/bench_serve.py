"""Load-test `mnist-app serve`: prints the numbers and writes docs/benchmarks/serve.md.

For each canvas size and thread count, starts `python -m mnist_app serve --port 0
--threads N` as a subprocess, then, from this process on the same machine:

- 16 clients (threads, one keep-alive connection each) post RGBA canvas PNGs of drawn
  MNIST test digits, 1600 requests in all: errors, requests/s, p50 and p99 latency
  (aim, issue 23: >= 300 requests/s, p99 <= 100 ms). The sizes: 280x280, a typical canvas export
  and the issue's load, and 128x128, what the page itself sends;
- the server's resident memory after the run, and its peak, with its preprocessing worker
  processes (/proc/PID/status VmRSS and VmHWM, summed; aim: <= 300 MB);
- 40 stalled connections (20 that sent part of a request, 20 that sent nothing) are
  opened, and a normal request on a new connection must still be answered (aim: < 2 s).

The clients use http.client rather than requests: the client shares the 2 cores with the
server, so the lighter it is, the more the numbers measure the server.

Usage::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python scripts/bench_serve.py [--threads 4[,2,...]]
        [--sizes 280,128]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from mnist_sample import mnist_sample  # noqa: E402  (lives beside the tests that also use it)
from processes import descendants  # noqa: E402
from benchmark_notes import blas_description, write_markdown  # noqa: E402
from test_web_app import canvas_png  # noqa: E402  (the canvas export the tests post, too)

CLIENTS = 16
REQUESTS = 1600
WARM_UP = 32
STALLED = 40
DISTINCT_IMAGES = 200  # different canvases, cycled
TIMEOUT = 30  # seconds any one request may take before the run is declared failed
AIMS = {"requests_per_second": 300, "p99_ms": 100, "rss_mb": 300, "stalled_answer_s": 2}


def start_server(threads: int) -> tuple[subprocess.Popen, str, int]:
    """The server subprocess, its address (host:port) and its pid. Its stderr goes to a
    temporary file (a pipe nobody reads could fill and block it), shown if it fails."""
    log = tempfile.TemporaryFile("w+")
    process = subprocess.Popen(
        [sys.executable, "-m", "mnist_app", "serve", "--port", "0", "--threads", str(threads)],
        stdout=subprocess.PIPE, stderr=log, text=True)
    line = process.stdout.readline()
    if not line.startswith("mnist-app: serving http://"):
        process.kill()
        process.wait()
        log.seek(0)
        sys.exit(f"the server did not start: {line!r} {log.read()}")
    address = line.split()[2].removeprefix("http://").rstrip("/")
    return process, address, process.pid


def post(connection: http.client.HTTPConnection, png: bytes) -> tuple[int, dict]:
    connection.request("POST", "/api/predict", body=png, headers={"Content-Type": "image/png"})
    response = connection.getresponse()
    return response.status, json.loads(response.read())


def load(address: str, pngs: list[tuple[int, bytes]]) -> dict:
    """Run REQUESTS posts from CLIENTS threads; latencies in seconds, errors, wrong digits."""
    host, port = address.split(":")
    next_index = iter(range(REQUESTS))
    lock = threading.Lock()
    latencies, errors, wrong = [], [], 0

    def client():
        nonlocal wrong
        connection = http.client.HTTPConnection(host, int(port), timeout=TIMEOUT)
        while True:
            with lock:
                index = next(next_index, None)
            if index is None:
                break
            label, png = pngs[index % len(pngs)]
            started = time.perf_counter()
            try:
                status, answer = post(connection, png)
            except (OSError, http.client.HTTPException, ValueError) as error:
                with lock:
                    errors.append(repr(error))
                connection.close()
                connection = http.client.HTTPConnection(host, int(port), timeout=TIMEOUT)
                continue
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                if status != 200:
                    errors.append(f"HTTP {status}: {answer}")
                elif answer["digit"] != label:
                    wrong += 1
        connection.close()

    workers = [threading.Thread(target=client) for _ in range(CLIENTS)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    wall = time.perf_counter() - started
    latencies.sort()
    return {
        "errors": errors,
        "wrong": wrong,
        "requests_per_second": REQUESTS / wall,
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * latencies[min(len(latencies) - 1, round(0.99 * len(latencies)))],
    }


def cpu_seconds(pid: int) -> float:
    """User and system CPU seconds used so far by the server and every process under it
    (/proc/PID/stat utime and stime). Unlike requests/s, this hardly depends on how many
    other jobs share the cores: cores / (CPU per request) bounds what the server can answer."""
    total = 0
    for process in [pid, *descendants(pid)]:
        try:
            fields = Path(f"/proc/{process}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def memory_mb(pid: int) -> tuple[float, float]:
    """Resident and peak resident memory, in MB (VmRSS, VmHWM), of the server with every
    process under it (its preprocessing workers and their fork server), summed: pages they
    share are counted once per process, so this is an upper bound."""
    rss = peak = 0.0
    for process in [pid, *descendants(pid)]:
        fields = {}
        for line in Path(f"/proc/{process}/status").read_text().splitlines():
            name, _, value = line.partition(":")
            fields[name] = value.split()
        rss += int(fields["VmRSS"][0]) / 1024
        peak += int(fields["VmHWM"][0]) / 1024
    return rss, peak


def answer_while_stalled(address: str, png: bytes) -> float:
    """Open STALLED idle or half-sent connections, then time one normal request (seconds)."""
    host, port = address.split(":")
    stalled = []
    try:
        for index in range(STALLED):
            connection = socket.create_connection((host, int(port)), timeout=TIMEOUT)
            if index % 2:
                connection.sendall(b"POST /api/predict HTTP/1.1\r\nHost: x\r\nContent-Length: 9000\r\n\r\npartial")
            stalled.append(connection)
        time.sleep(0.2)  # let the server accept them all
        started = time.perf_counter()
        fresh = http.client.HTTPConnection(host, int(port), timeout=TIMEOUT)
        status, _ = post(fresh, png)
        elapsed = time.perf_counter() - started
        fresh.close()
        if status != 200:
            sys.exit(f"the request made while {STALLED} connections stalled got HTTP {status}")
        return elapsed
    finally:
        for connection in stalled:
            connection.close()


def canvases(size: int) -> list[tuple[int, bytes]]:
    """(label, size x size RGBA PNG) for the first DISTINCT_IMAGES digits of the test sample."""
    images, labels = mnist_sample()
    return [(int(labels[i]), canvas_png(images[i], size)) for i in range(DISTINCT_IMAGES)]


def response_bytes(address: str, png: bytes) -> int:
    host, port = address.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=TIMEOUT)
    connection.request("POST", "/api/predict", body=png, headers={"Content-Type": "image/png"})
    size = len(connection.getresponse().read())
    connection.close()
    return size


def run(threads: int, pngs: list[tuple[int, bytes]]) -> dict:
    process, address, pid = start_server(threads)
    try:
        host, port = address.split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=TIMEOUT)
        for label, png in pngs[:WARM_UP]:
            post(connection, png)
        connection.close()
        cpu_before, client_before = cpu_seconds(pid), time.process_time()
        result = load(address, pngs)
        result["cpu_ms"] = 1000 * (cpu_seconds(pid) - cpu_before) / REQUESTS
        result["client_cpu_ms"] = 1000 * (time.process_time() - client_before) / REQUESTS
        result["rss_mb"], result["peak_rss_mb"] = memory_mb(pid)
        result["stalled_answer_s"] = answer_while_stalled(address, pngs[0][1])
        result["response_bytes"] = response_bytes(address, pngs[0][1])
        return result
    finally:
        process.terminate()
        process.wait(TIMEOUT)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", default="4", metavar="N[,N...]",
                        help="server worker thread counts to measure, one run each (default: 4)")
    parser.add_argument("--sizes", default="280,128", metavar="PX[,PX...]",
                        help="canvas sizes to post, one run each (default: 280,128)")
    args = parser.parse_args()
    print(f"{CLIENTS} clients, {REQUESTS} requests each run; BLAS: {blas_description()}")
    header = ("| canvas | server threads | load | errors | misread | requests/s | p50 ms | p99 ms "
              "| server CPU ms per request | clients' CPU ms per request | RSS after, MB | peak RSS, MB "
              "| answer with 40 stalled, s |")
    lines = [header, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    print(header)
    sizes = []
    for size in (int(px) for px in args.sizes.split(",")):
        pngs = canvases(size)
        sizes.append(f"{size}x{size} {statistics.mean(len(png) for _, png in pngs) / 1000:.1f} kB")
        for threads in (int(n) for n in args.threads.split(",")):
            load_average = os.getloadavg()[0]
            r = run(threads, pngs)
            row = (f"| {size}x{size} | {threads} | {load_average:.1f} | {len(r['errors'])} | {r['wrong']} "
                   f"| {r['requests_per_second']:.0f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} "
                   f"| {r['cpu_ms']:.2f} | {r['client_cpu_ms']:.2f} | {r['rss_mb']:.0f} | {r['peak_rss_mb']:.0f} | {r['stalled_answer_s']:.3f} |")
            print(row, flush=True)
            for error in r["errors"][:5]:
                print(f"  error: {error}")
            lines.append(row)
    aims = (f"Aims: >= {AIMS['requests_per_second']} requests/s, p99 <= {AIMS['p99_ms']} ms, RSS <= "
            f"{AIMS['rss_mb']} MB, an answer within {AIMS['stalled_answer_s']} s while {STALLED} "
            f"connections stall.")
    print(aims)
    notes = [
        "",
        f"Each run: {CLIENTS} client threads in one process (http.client, a keep-alive connection "
        f"each) post {REQUESTS} canvas exports (RGBA PNGs of {DISTINCT_IMAGES} MNIST test digits "
        f"drawn in black on transparent; mean size {', '.join(sizes)}; the answer is "
        f"{r['response_bytes'] / 1000:.1f} kB of JSON) to `python -m mnist_app serve`, a subprocess "
        f"on the same machine, after a warm-up of {WARM_UP} requests. Misread: a 200 answer with "
        "another digit than the label. 280x280 is a typical canvas export; 128x128 is what the "
        "page sends. Load: the machine's 1-minute load average just before the run (other "
        "jobs share these 2 cores). Server CPU: user and system time of the server and its "
        "worker processes over the run, per request. Clients' CPU: user and system time of the "
        f"{CLIENTS} client threads (this process) over the run, per request: they share the cores with the "
        "server, so requests/s is at most cores / (server CPU + clients' CPU) per request, and "
        "cores / server CPU is what the server alone could answer. "
        f"{aims} The server runs with the BLAS listed below (same interpreter, same environment).",
    ]
    path = write_markdown("serve", "`mnist-app serve` under load", lines + notes)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
