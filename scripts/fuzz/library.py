"""Library-level fuzzing: run :mod:`fuzz.worker` under the same bounds as the command cases.

One worker process goes through many items; if an item hangs, is too slow or kills the
worker (memory limit, crash), that item is recorded as a failure and a new worker carries
on from the next one.
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from fuzz.runner import _limits

SCRIPTS = Path(__file__).resolve().parents[1]
ITEM_SECONDS = 4.0  # the worker is killed when one item has run this long
SLOW_SECONDS = 2.0  # an item slower than this is listed as slow (a failure)


def run_items(kind: str, seed: int, first: int, stop: int, quick: bool = False) -> tuple[int, list, dict]:
    """Run items [first, stop) of ``kind``; (items tried, [(item name, problem)], stats)."""
    failures, stats = [], {"slowest": 0.0, "slowest_name": ""}
    index = first
    tried = 0
    scratch = tempfile.mkdtemp(prefix="fuzz-scratch-")  # removed here: a killed worker cannot
    try:
        while index < stop:
            index, done, item_failures = _run_worker(kind, seed, index, stop, stats, quick, scratch)
            tried += done
            failures += item_failures
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return tried, failures, stats


def _run_worker(kind, seed, first, stop, stats, quick, scratch):
    env = {**os.environ, "PYTHONPATH": str(SCRIPTS), "PYTHONDONTWRITEBYTECODE": "1"}
    process = subprocess.Popen([sys.executable, "-m", "fuzz.worker", kind, str(seed), str(first), str(stop), scratch,
                                *(["quick"] if quick else [])],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, preexec_fn=_limits,
                               start_new_session=True)
    failures, done, current, started = [], 0, None, time.monotonic()
    buffer = b""
    while True:
        ready, _, _ = select.select([process.stdout], [], [], 0.1)
        if ready:
            chunk = os.read(process.stdout.fileno(), 65536)
            if not chunk:
                break
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            for line in lines:
                word, index, rest = line.decode(errors="replace").split(" ", 2)
                if word == "begin":
                    current, started = (int(index), rest), time.monotonic()
                else:
                    done += 1
                    seconds, outcome = rest.split(" ", 1)
                    seconds = float(seconds)
                    if seconds > stats["slowest"]:
                        stats["slowest"], stats["slowest_name"] = seconds, current[1]
                    problem = _problem(outcome, seconds)
                    if problem:
                        failures.append((current[1], problem))
                    current = None
        elif current and time.monotonic() - started > ITEM_SECONDS:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            failures.append((current[1], f"hung: killed after {ITEM_SECONDS:g} s"))
            return current[0] + 1, done + 1, failures
    process.wait()
    stderr = process.stderr.read().decode(errors="replace").strip()
    if current:  # the worker died inside an item
        reason = f"killed by {signal.Signals(-process.returncode).name}" if process.returncode < 0 else \
            f"worker died (exit {process.returncode}): {stderr.splitlines()[-1][:150] if stderr else ''}"
        failures.append((current[1], reason))
        return current[0] + 1, done + 1, failures
    if process.returncode != 0:
        failures.append((f"{kind} worker", f"exit {process.returncode}: {stderr[-300:]}"))
    return stop, done, failures


def _problem(outcome: str, seconds: float) -> str | None:
    if outcome.startswith(("CRASH", "WARNING")):
        return outcome
    if seconds > SLOW_SECONDS:
        return f"slow: {seconds:.1f} s ({outcome[:80]})"
    return None
