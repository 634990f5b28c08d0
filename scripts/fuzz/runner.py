"""Run one `python -m mnist_app ...` case in a bounded subprocess and judge what it did.

Bounds per case: RLIMIT_AS (address space), RLIMIT_FSIZE (largest file it may write), a
wall-clock timeout, a peak RSS, and a fresh working directory. Each case runs in a session
of its own, so processes it leaves behind (orphaned workers) are found and counted. The
oracle (``judge``) lists every way the run misbehaved; an empty list means the case passed.
"""

from __future__ import annotations

import hashlib
import os
import re
import resource
import signal
import stat
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from fuzz.live_server import kill_session, lingering, session_members

MEMORY_LIMIT = 1536 << 20  # RLIMIT_AS per case: 1.5 GB of address space
RSS_BUDGET = 1024 << 20  # a case whose peak RSS passes this fails even if it finished
FILE_SIZE_LIMIT = 256 << 20  # RLIMIT_FSIZE: no file the app writes may pass 256 MB
DEFAULT_TIMEOUT = 20.0  # seconds of wall clock per case
ORPHAN_GRACE = 2.0  # seconds processes the case started may take to leave after it exits
POLL_SECONDS = 0.005  # how often a running case's memory (and signal timer) is looked at
MEMBER_POLLS = 20  # ...and every this many polls, which processes it has started

EXIT_OK = 0
# What the app may print on stderr besides errors: its prefix, or train's per-epoch lines.
ALLOWED_STDERR = re.compile(r"^(mnist-app: |epoch \d+/\d+: )")
ERROR_PREFIX = "mnist-app: error: "


@dataclass
class Case:
    """One command-line run.

    ``argv`` follows ``python -m mnist_app``; "{work}" in it becomes the case's working
    directory. ``setup(work)`` builds the input files first. ``expect`` is the set of
    acceptable exit codes. ``outputs`` names the files (relative to work) the run may
    create or replace; every other file present before must be untouched afterwards.
    ``interrupt_after`` sends ``interrupt_signal`` (Ctrl-C's SIGINT unless said) that many
    seconds after the start, or after the process has started a child process (a worker
    pool) if ``interrupt_with_children``. An exit by a signal is a failure unless ``expect``
    holds its negative number, as Popen reports it (-9 for SIGKILL).
    """

    category: str
    name: str
    argv: list[str]
    expect: frozenset[int]
    setup: Callable[[Path], None] | None = None
    stdin: str | None = None  # a path ("{work}" allowed) opened as stdin; default /dev/null
    stdout: str | None = None  # a path to open as stdout (e.g. a full device); default a file
    close_stdout: bool = False  # stdout is a pipe whose reading end is already closed
    interrupt_after: float | None = None  # send interrupt_signal this many seconds after start
    interrupt_signal: int = signal.SIGINT
    interrupt_with_children: bool = False  # ...counted from when the process has a child
    max_rss: int = RSS_BUDGET  # peak RSS in bytes past which the case fails
    timeout: float = DEFAULT_TIMEOUT
    outputs: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    check: Callable[["Result"], list[str]] | None = None  # extra, case-specific oracle


@dataclass
class Result:
    case: Case
    work: Path
    returncode: int | None  # None: killed at the timeout
    stdout: str
    stderr: str
    seconds: float
    max_rss: int  # bytes
    interrupted: bool = False  # the signal was sent (the command had not finished before it was due)
    orphans: int = 0  # processes of the case's session still running ORPHAN_GRACE after it exited


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_SIZE_LIMIT, FILE_SIZE_LIMIT))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def run(case: Case, work: Path, before_setup: Callable[[], None] | None = None) -> Result:
    """Run ``case`` in ``work``: build its files, call ``before_setup`` (to snapshot the files), run and collect the result."""
    if case.setup:
        case.setup(work)
    if before_setup:
        before_setup()
    argv = [sys.executable, "-m", "mnist_app", *(arg.replace("{work}", str(work)) for arg in case.argv)]
    out_path, err_path = work.parent / f"{work.name}.out", work.parent / f"{work.name}.err"
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "MNIST_APP_DATA": str(work / "no-data"),
           "COLUMNS": "100", **case.env}
    stdin_path = case.stdin.replace("{work}", str(work)) if case.stdin else os.devnull
    with open(err_path, "wb") as err, open(out_path, "wb") as out:
        stdin = os.open(stdin_path, os.O_RDONLY | os.O_NONBLOCK)  # a FIFO must not block us
        os.set_blocking(stdin, True)
        if case.close_stdout:
            read_end, stdout = os.pipe()
            os.close(read_end)
        elif case.stdout:
            stdout = os.open(case.stdout.replace("{work}", str(work)), os.O_WRONLY)
        else:
            stdout = out.fileno()
        start = time.monotonic()
        try:
            process = subprocess.Popen(argv, cwd=work, env=env, stdin=stdin, stdout=stdout, stderr=err,
                                       preexec_fn=_limits, start_new_session=True)
        finally:
            os.close(stdin)
            if stdout != out.fileno():
                os.close(stdout)
        returncode, peak_rss, interrupted = _wait(process, start, case)
        seconds = time.monotonic() - start
        orphans = _reap_session(process.pid)
    return Result(case, work, returncode, out_path.read_text(errors="replace"),
                  err_path.read_text(errors="replace"), seconds, peak_rss, interrupted, orphans)


def _wait(process: subprocess.Popen, start: float, case: Case):
    """Reap ``process`` (interrupting or killing it as the case says); (returncode, the
    peak RSS of it and of the processes it started, whether the case's signal was sent).

    The peak is each process's own high-water mark (VmHWM), read as it runs: the maxrss
    the kernel reports at exit would count the pages of this large process, which the
    child holds between fork and exec.
    """
    interrupted = False
    clock_from = None if case.interrupt_with_children else start
    peak, members, polls = 0, {process.pid}, 0
    while True:
        peak = max([peak] + [_peak_rss(member) for member in members])
        pid, status = os.waitpid(process.pid, os.WNOHANG)
        if pid:
            process.returncode = os.waitstatus_to_exitcode(status)
            return process.returncode, peak, interrupted
        now = time.monotonic()
        elapsed = now - start
        polls += 1
        if polls % MEMBER_POLLS == 0 or clock_from is None:
            members = {process.pid, *session_members(process.pid)}
        if clock_from is None and len(members) > 1:
            clock_from = now
        if case.interrupt_after is not None and not interrupted and clock_from is not None \
                and now - clock_from >= case.interrupt_after:
            os.kill(process.pid, case.interrupt_signal)
            interrupted = True
        if elapsed > case.timeout:
            os.killpg(process.pid, signal.SIGKILL)
            _, status = os.waitpid(process.pid, 0)
            process.returncode = os.waitstatus_to_exitcode(status)
            return None, peak, interrupted
        time.sleep(POLL_SECONDS)


def _peak_rss(pid: int) -> int:
    """The high-water mark of process ``pid``'s resident memory in bytes (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/status", "rb") as status:
            for line in status:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _reap_session(session: int) -> int:
    """How many processes of the finished case's ``session`` (each case's process leads
    its own) are still running after ORPHAN_GRACE seconds; they are killed then."""
    left = lingering(session, ORPHAN_GRACE)
    kill_session(session)
    return len(left)


def snapshot(work: Path) -> dict[str, tuple]:
    """Every entry under ``work``: relative name -> (type, size, mtime, sha256 of a small file)."""
    entries = {}
    for root, dirs, files in os.walk(work):
        for name in dirs + files:
            path = Path(root, name)
            info = path.lstat()
            digest = None
            if stat.S_ISREG(info.st_mode) and info.st_size < 64 << 20 and os.access(path, os.R_OK):
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
            entries[str(path.relative_to(work))] = (stat.S_IFMT(info.st_mode), info.st_size, info.st_mtime_ns, digest)
    return entries


def in_python_start_up(result: Result) -> bool:
    """True if a Ctrl-C landed before any mnist_app.cli code ran: in the interpreter's own
    start-up (site, .pth hooks), where Python prints its own message and no app can help."""
    if result.case.interrupt_after is None or result.returncode not in (-signal.SIGINT, 1):
        return False
    stderr = result.stderr
    return "mnist_app/cli" not in stderr and (not stderr.strip() or "Fatal Python error: init_" in stderr
                                               or stderr.rstrip().endswith("KeyboardInterrupt"))


def _expected_exits(result: Result) -> frozenset[int]:
    """The case's expected exit statuses, or success for a command that finished before
    its Ctrl-C was due (a fast machine)."""
    finished_first = result.case.interrupt_after is not None and not result.interrupted
    return frozenset({EXIT_OK}) if finished_first else result.case.expect


def judge(result: Result, before: dict[str, tuple]) -> list[str]:
    """What went wrong in ``result``: exit code, tracebacks, stderr format, files, bounds.
    A Ctrl-C during Python's own start-up is not judged (see in_python_start_up)."""
    case, problems = result.case, []
    if in_python_start_up(result):
        return _file_problems(result, before)
    if result.returncode is None:
        problems.append(f"hung: killed after {case.timeout:g} s")
    elif result.returncode not in (expected := _expected_exits(result)):
        problems.append(f"killed by {signal.Signals(-result.returncode).name}" if result.returncode < 0
                        else f"exit {result.returncode}, expected {'/'.join(map(str, sorted(expected)))}")
    if result.orphans:
        problems.append(f"left {result.orphans} process(es) running after it exited")
    for stream, text in (("stderr", result.stderr), ("stdout", result.stdout)):
        if "Traceback" in text:
            problems.append(f"traceback on {stream}: {_last_line(text)}")
    strays = [line for line in result.stderr.splitlines() if line and not ALLOWED_STDERR.match(line)]
    if strays and not any("Traceback" in p for p in problems):
        problems.append(f"{len(strays)} unprefixed stderr line(s): {strays[0][:100]!r}")
    if result.returncode in (1, 2) and ERROR_PREFIX not in result.stderr and not problems \
            and not case.close_stdout:  # a closed pipe may end quietly, as `| head` expects
        problems.append(f"exit {result.returncode} without an {ERROR_PREFIX.strip()!r} line")
    if result.max_rss > case.max_rss:
        problems.append(f"peak RSS {result.max_rss >> 20} MB over the {case.max_rss >> 20} MB budget")
    problems += _file_problems(result, before)
    if case.check and not problems:
        problems += case.check(result)
    return problems


def _file_problems(result: Result, before: dict[str, tuple]) -> list[str]:
    problems = []
    after = snapshot(result.work)
    leftovers = [name for name in after if name.endswith(".part")]
    if leftovers:
        problems.append(f"left {leftovers[0]}")
    for name, old in before.items():
        if name in result.case.outputs:
            continue
        new = after.get(name)
        if new is None:
            problems.append(f"removed {name}")
        elif new[0] != old[0]:
            problems.append(f"clobbered {name}: file type changed")
        elif stat.S_ISREG(old[0]) and (new[1], new[3]) != (old[1], old[3]):
            problems.append(f"modified {name}")
    return problems


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:120] if lines else ""
