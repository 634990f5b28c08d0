"""A live `mnist-app serve` on 127.0.0.1 for the hostile-client cases, the processes it
leaves behind, and a prober that times GET /healthz while clients attack.

The server runs in a session of its own, so every process it starts (the fork server,
the resource tracker, the preprocessing workers) can be counted, and killed, by session.
"""

from __future__ import annotations

import contextlib
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field

import requests

START_SECONDS = 30.0  # for the server to print its URL
PROBE_TIMEOUT = 5.0  # seconds one /healthz request may take before it counts as unanswered
PROBE_PAUSE = 0.1  # seconds between two /healthz requests


@dataclass
class LiveServer:
    process: subprocess.Popen
    url: str  # "http://127.0.0.1:PORT", no trailing slash

    @property
    def address(self) -> tuple[str, int]:
        host, port = self.url.removeprefix("http://").rsplit(":", 1)
        return host, int(port)

    def peak_rss(self) -> int:
        """The server process's peak resident memory so far, in bytes (VmHWM)."""
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
        return 0


@contextlib.contextmanager
def live_server(*arguments: str, env: dict | None = None):
    """Run ``python -m mnist_app serve --port 0 ARGUMENTS`` until the block ends; every
    process of its session is killed then, whatever happened."""
    process = subprocess.Popen([sys.executable, "-m", "mnist_app", "serve", "--port", "0", *arguments],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                               env={**os.environ, **(env or {})}, start_new_session=True,
                               cwd=tempfile.gettempdir())  # mnist_app from PYTHONPATH, not from the cwd
    try:
        line = _first_line(process)
        if not line.startswith("mnist-app: serving http://"):
            raise RuntimeError(f"serve did not start: {line!r}")
        yield LiveServer(process, line.split()[2].rstrip("/"))
    finally:
        kill_session(process.pid)
        process.wait()


def _first_line(process: subprocess.Popen) -> str:
    timer = threading.Timer(START_SECONDS, process.kill)
    timer.start()
    try:
        return process.stdout.readline()
    finally:
        timer.cancel()


def session_members(session: int) -> list[int]:
    """Live processes (zombies excluded) whose session id is ``session``, from /proc."""
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:  # it ended while we looked
            continue
        if fields[0] != "Z" and int(fields[3]) == session:
            members.append(int(entry))
    return members


def kill_session(session: int) -> None:
    for pid in session_members(session):
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


def orphans_after(server: LiveServer, signum: int, grace: float) -> list[int]:
    """Send ``signum`` to the server, wait for it to end, then up to ``grace`` seconds for
    the processes it started to end too; the pids still alive then."""
    server.process.send_signal(signum)
    server.process.wait(grace + START_SECONDS)
    return lingering(server.process.pid, grace)


def lingering(session: int, grace: float) -> list[int]:
    """The processes of ``session`` still alive after waiting up to ``grace`` seconds for them to end."""
    deadline = time.monotonic() + grace
    while (left := session_members(session)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


@dataclass
class HealthProbe:
    """Times GET /healthz on a fresh connection, again and again, until stopped."""

    url: str
    seconds: list[float] = field(default_factory=list)  # one per answered probe
    unanswered: int = 0  # probes without a 200 within PROBE_TIMEOUT
    _stop: threading.Event = field(default_factory=threading.Event)

    def __enter__(self) -> "HealthProbe":
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join(PROBE_TIMEOUT + 1)

    def _run(self) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                ok = requests.get(f"{self.url}/healthz", timeout=PROBE_TIMEOUT,
                                  headers={"Connection": "close"}).status_code == 200
            except requests.RequestException:
                ok = False
            if ok:
                self.seconds.append(time.monotonic() - started)
            else:
                self.unanswered += 1
            self._stop.wait(PROBE_PAUSE)

    def summary(self) -> str:
        if not self.seconds:
            return f"/healthz: none answered, {self.unanswered} unanswered"
        return (f"/healthz: {len(self.seconds)} answered, median {statistics.median(self.seconds) * 1000:.0f} ms, "
                f"max {max(self.seconds) * 1000:.0f} ms, {self.unanswered} unanswered within {PROBE_TIMEOUT:g} s")
