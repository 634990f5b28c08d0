"""Hostile clients against a live `mnist-app serve` on 127.0.0.1, with GET /healthz timed
throughout, and the server killed with its workers busy, the processes it leaves counted.

Each case returns (problems, note): an empty list of problems means it held; the note
says what was measured.
"""

from __future__ import annotations

import signal
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import requests

from fuzz import content
from fuzz import hostile_clients as clients
from fuzz.images import digit, encode, png_of_zeros
from fuzz.live_server import HealthProbe, live_server, orphans_after

SLOW_CLIENTS = 210  # more than serve's connection limit (200)
DRIP_EVERY = 4.0  # seconds between two drops of a slow client
ORPHAN_GRACE = 5.0  # seconds the server's processes have to end after it does
MAX_SERVER_GROWTH = 200 << 20  # bytes the server's own peak memory may grow by for one bomb
REPORT_BUILD_SECONDS = 120  # waiting for /report to be built before pipelining it
COSTLY_CLIENTS = 8  # twice serve's threads
COSTLY_PICTURE = "wave-4000x200.png"  # fuzz.content's: it once held a worker for 30 s (its deadline)
QUICK_CASES = ("header line", "never read", "refuses", "SIGKILL")


@dataclass
class ServerCase:
    name: str
    run: Callable[[], tuple[list[str], str]]


def server_cases(quick: bool, mnist: Path | None) -> list[ServerCase]:
    attack_seconds = 4.0 if quick else 20.0
    env = {"MNIST_APP_DATA": str(mnist)} if mnist else {"MNIST_APP_DATA": "/nonexistent"}
    head = b"GET /healthz HTTP/1.1\r\nHost: fuzz\r\n"
    body_head = b"POST /api/predict HTTP/1.1\r\nHost: fuzz\r\nContent-Type: image/png\r\nContent-Length: 100000\r\n\r\n"
    cases = [
        ServerCase(f"{SLOW_CLIENTS} clients drip a header line every {DRIP_EVERY:g} s",
                   lambda: _under_attack(env, attack_seconds, lambda address, stop: clients.drip(
                       address, SLOW_CLIENTS, head, b"X-Drip: 1\r\n", DRIP_EVERY, attack_seconds, stop))),
        ServerCase(f"{SLOW_CLIENTS} clients drip a body byte every {DRIP_EVERY:g} s",
                   lambda: _under_attack(env, attack_seconds, lambda address, stop: clients.drip(
                       address, SLOW_CLIENTS, body_head, b"x", DRIP_EVERY, attack_seconds, stop))),
        ServerCase("4 clients pipeline 230 requests each and never read",
                   lambda: _under_attack(env, attack_seconds, lambda address, stop: clients.pipeline_and_never_read(
                       address, 4, "/report" if mnist else "/static/app.js", 230, attack_seconds, stop),
                       warm_report=bool(mnist))),
        ServerCase(f"{COSTLY_CLIENTS} clients post a picture costly to read ({COSTLY_PICTURE}) to /api/number",
                   lambda: _under_attack(env, attack_seconds, lambda address, stop: clients.post_again_and_again(
                       address, COSTLY_CLIENTS, clients.upload(content.CONTENT[COSTLY_PICTURE](), path="/api/number"),
                       attack_seconds, stop))),
        ServerCase("4 long Content-Type headers at once (60 kB and 200 kB)", lambda: _long_content_types(env)),
        ServerCase("requests waitress refuses itself", lambda: _waitress_refusals(env)),
        ServerCase("an ICO holding a 13000x13000 PNG, uploaded", lambda: _ico_bomb(env)),
        *[ServerCase(f"{signum.name} while the workers read", lambda signum=signum: _killed(env, signum))
          for signum in (signal.SIGTERM, signal.SIGKILL)],
    ]
    # --quick: one slow client, the non-readers, waitress's refusals and SIGKILL.
    return [case for case in cases if any(word in case.name for word in QUICK_CASES)] if quick else cases


def _under_attack(env: dict, seconds: float, attack, warm_report: bool = False) -> tuple[list[str], str]:
    with live_server("--workers", "1", env=env) as server:
        if warm_report:
            _wait_for_report(server.url)
        stop = threading.Event()
        with ThreadPoolExecutor(1) as pool:
            with HealthProbe(server.url) as probe:
                attacking = pool.submit(attack, server.address, stop)
                time.sleep(seconds)
            stop.set()
            counts = attacking.result()
    problems = [f"/healthz unanswered {probe.unanswered} times during the attack"] if probe.unanswered else []
    if not probe.seconds:
        problems.append("/healthz never answered during the attack")
    return problems, f"{probe.summary()}; attack: {counts}"


def _wait_for_report(url: str) -> None:
    deadline = time.monotonic() + REPORT_BUILD_SECONDS
    while requests.get(f"{url}/report", timeout=REPORT_BUILD_SECONDS).status_code == 503:
        if time.monotonic() > deadline:
            raise RuntimeError("the report was not built in time")
        time.sleep(1)


def _long_content_types(env: dict) -> tuple[list[str], str]:
    problems, notes = [], []
    with live_server("--workers", "1", env=env) as server:
        with HealthProbe(server.url) as probe, ThreadPoolExecutor(4) as pool:
            answers = list(pool.map(lambda chars: clients.exchange(server.address, clients.long_content_type(chars)),
                                    [60_000, 60_000, 200_000, 200_000]))
    for (status, headers, body, seconds), expected in zip(answers, [400, 400, 431, 431]):
        problems += clients.refusal_problems(status, headers, body, expected)
        notes.append(f"{status} in {seconds:.2f} s")
    if probe.unanswered:
        problems.append(f"/healthz unanswered {probe.unanswered} times")
    return problems, f"{', '.join(notes)}; {probe.summary()}"


def _waitress_refusals(env: dict) -> tuple[list[str], str]:
    problems = []
    with live_server("--workers", "0", env=env) as server:
        for name, (request, expected) in clients.REFUSED_BY_WAITRESS.items():
            status, headers, body, _ = clients.exchange(server.address, request)
            problems += [f"{name}: {problem}" for problem in clients.refusal_problems(status, headers, body, expected)]
    return problems, f"{len(clients.REFUSED_BY_WAITRESS)} kinds"


def _ico_bomb(env: dict) -> tuple[list[str], str]:
    ico = clients.ico_holding_png(png_of_zeros(13000, 13000))
    with live_server("--workers", "1", env=env) as server:
        before = server.peak_rss()
        status, headers, body, seconds = clients.exchange(server.address, clients.upload(ico, "image/x-icon"), 60)
        growth = server.peak_rss() - before
    problems = clients.refusal_problems(status, headers, body, status)  # JSON, with the app's headers
    if not 400 <= status < 500:
        problems.append(f"status {status}, expected a 4xx")
    if growth > MAX_SERVER_GROWTH:
        problems.append(f"the server's own peak memory grew by {growth >> 20} MB")
    return problems, f"{len(ico) >> 10} kB ICO: {status} in {seconds:.1f} s, server peak +{growth >> 20} MB"


def _killed(env: dict, signum: signal.Signals) -> tuple[list[str], str]:
    photo = encode(digit(1500), "PNG")
    # a killed server cannot remove its fork server's folder (pymp-*): it is made in ours,
    # named short (the fork server's socket path must fit in 107 bytes)
    with tempfile.TemporaryDirectory(prefix="k") as scratch, \
            live_server("--workers", "2", env={**env, "TMPDIR": scratch}) as server:
        stop = threading.Event()

        def post_until_stopped():
            while not stop.is_set():
                try:
                    requests.post(f"{server.url}/api/predict", data=photo,
                                  headers={"Content-Type": "image/png"}, timeout=10)
                except requests.RequestException:
                    return

        with ThreadPoolExecutor(4) as pool:
            for _ in range(4):
                pool.submit(post_until_stopped)
            time.sleep(1.0)
            left = orphans_after(server, signum, ORPHAN_GRACE)
            stop.set()
    problems = [f"{len(left)} processes left {ORPHAN_GRACE:g} s after the server ended"] if left else []
    return problems, f"exit {server.process.returncode}, {len(left)} processes left"
