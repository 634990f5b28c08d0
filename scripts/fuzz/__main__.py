"""Fuzz mnist_app as a hostile user would, within bounds, and print what broke.

    python scripts/fuzz --quick          # ~20 s: a slice of every category
    python scripts/fuzz                  # a few minutes: everything
    python scripts/fuzz --only mirrors --seed 3 --mnist DIR

Every command case runs `python -m mnist_app ...` in a fresh directory and session under
RLIMIT_AS 1.5 GB, RLIMIT_FSIZE 256 MB, a wall-clock timeout and a peak-RSS bound (its
own for the memory cases: folders of failing scans, 16-bit and ICO bombs); a process it
leaves running (a worker after SIGTERM or SIGKILL) is a failure. Library cases run many
mutated inputs, hostile images, model files and odd metadata through one bounded worker
process. Hostile clients (slow, pipelining, never reading) attack a live `mnist-app
serve` while GET /healthz is timed, and the server is killed with its workers busy
(fuzz.cases_server). Real MNIST (``--mnist``, else $MNIST_APP_DATA) is needed only for
the cases that train or evaluate, and for pipelining the report; without it they are
skipped or use a smaller answer. Nothing is sent anywhere but 127.0.0.1. Exit status 1
if any case failed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fuzz import cases_args, cases_files, cases_memory, cases_server, library  # noqa: E402
from fuzz.cases_files import MNIST_NAMES  # noqa: E402
from fuzz.images import HOSTILE, QUICK_HOSTILE  # noqa: E402
from fuzz.models import HEAVY, MODELS, ODD_METADATA  # noqa: E402
from fuzz.mirrors import HostileMirror  # noqa: E402
from fuzz.runner import in_python_start_up, judge, run, snapshot  # noqa: E402

SERVER_CATEGORY = "hostile clients (live server)"
QUICK_MUTATED_IMAGES = 200
FULL_MUTATED_IMAGES = 12000


def main() -> int:
    parser = argparse.ArgumentParser(prog="fuzz", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a slice of every category (~20 s)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the mutated inputs (default: 0)")
    parser.add_argument("--only", metavar="CATEGORY", help="run only categories whose name contains this")
    parser.add_argument("--mnist", type=Path, default=os.environ.get("MNIST_APP_DATA"),
                        help="directory with the four real MNIST .gz files (default: $MNIST_APP_DATA)")
    parser.add_argument("--jobs", type=int, default=3,
                        help="command cases run at once; many only wait on a mirror or a timer (default: 3)")
    parser.add_argument("--images", type=int, help="mutated images to try (default: 300 quick, 6000 full)")
    args = parser.parse_args()
    mnist = args.mnist if args.mnist and all((args.mnist / n).is_file() for n in MNIST_NAMES) else None
    server = HostileMirror(mnist)
    mirror_404 = server.url("404")
    quick = args.quick

    command_cases = {
        "special files": lambda: _slice(cases_files.special_image_cases(), quick,
                                        ("FIFO as", "zero link", "stdin /dev/zero", "folder", "300")),
        "hostile images": lambda: cases_files.image_cases(quick),
        "costly content": lambda: cases_files.content_cases(quick),
        "memory": lambda: cases_memory.memory_cases(quick),
        "model files": lambda: cases_files.model_cases(quick),
        "data directories": lambda: cases_files.data_dir_cases(mnist, mirror_404, quick),
        "mirrors": lambda: cases_args.mirror_cases(server, quick),
        "arguments": lambda: _slice(cases_args.argument_cases(mnist, mirror_404), quick,
                                    ("10000000000", "--timeout inf", "unknown option")),
        "outputs": lambda: _slice(cases_args.output_cases(mnist, mirror_404), quick, ("device /dev/full", "300")),
        "streams and signals": lambda: _slice(cases_args.stream_cases(mnist, mirror_404), quick,
                                              ("0.1 s in predict", "predict to a full", "predict to a closed",
                                               "0.5 s after the pool starts")),
    }
    images = args.images if args.images is not None else (QUICK_MUTATED_IMAGES if quick else FULL_MUTATED_IMAGES)
    library_runs = {
        "library: mutated images": ("images", images),
        "library: hostile images": ("hostile-images", len(QUICK_HOSTILE if quick else HOSTILE)),
        "library: model files": ("models", len(MODELS) - (len(HEAVY) if quick else 0)),
        "library: odd metadata": ("metadata", len(ODD_METADATA)),
    }
    wanted = lambda name: not args.only or args.only in name  # noqa: E731
    started = time.monotonic()
    rows, failures, server_notes = [], [], []
    root = Path(tempfile.mkdtemp(prefix="mnist-fuzz-"))
    try:
        for category, (kind, count) in library_runs.items():
            if wanted(category):
                t0 = time.monotonic()
                tried, broken, stats = library.run_items(kind, args.seed, 0, count, quick)
                rows.append((category, tried, len(broken), time.monotonic() - t0,
                             f"slowest {stats['slowest']:.2f} s"))
                failures += [(category, name, problem) for name, problem in broken]
        for category, make in command_cases.items():
            if wanted(category):
                t0 = time.monotonic()
                cases = make()
                results = _run_all(cases, root, mnist, args.jobs)
                broken = [(category, case.name, "; ".join(problems)) for case, problems, _ in results if problems]
                peak = max((result.max_rss for _, _, result in results), default=0)
                note = f"peak RSS {peak >> 20} MB"
                early = sum(in_python_start_up(result) for _, _, result in results)
                if early:
                    note += f"; {early} Ctrl-C landed in Python's own start-up (not judged)"
                rows.append((category, len(cases), len(broken), time.monotonic() - t0, note))
                failures += broken
        if wanted(SERVER_CATEGORY):
            t0 = time.monotonic()
            cases = cases_server.server_cases(quick, mnist)
            broken_before = len(failures)
            for case in cases:
                try:
                    problems, note = case.run()
                except Exception as error:  # the harness's own failure, reported as the case's
                    problems, note = [f"the case failed to run: {type(error).__name__}: {error}"], "-"
                server_notes.append(f"{case.name}: {note}")
                failures += [(SERVER_CATEGORY, case.name, problem) for problem in problems]
            rows.append((SERVER_CATEGORY, len(cases), len(failures) - broken_before, time.monotonic() - t0,
                         "measured: see below"))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    _print_table(rows, failures, time.monotonic() - started, mnist)
    if server_notes:
        print(f"\n{SERVER_CATEGORY}, measured:\n" + "\n".join(f"  {note}" for note in server_notes))
    return 1 if failures else 0


def _slice(cases, quick: bool, keep: tuple[str, ...]):
    return [case for case in cases if any(word in case.name for word in keep)] if quick else cases


def _run_all(cases, root: Path, mnist: Path | None, jobs: int):
    def one(numbered):
        number, case = numbered
        work = root / f"case{number}-{os.getpid()}-{id(case)}"
        work.mkdir()
        try:
            if mnist:
                (work / "mnist").mkdir()
                for name in MNIST_NAMES:
                    (work / "mnist" / name).symlink_to(mnist / name)
            before = {}
            result = run(case, work, before_setup=lambda: before.update(snapshot(work)))
            return case, judge(result, before), result
        finally:
            shutil.rmtree(work, ignore_errors=True)
            for suffix in (".out", ".err"):
                (root / f"{work.name}{suffix}").unlink(missing_ok=True)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(one, enumerate(cases)))


def _print_table(rows, failures, seconds: float, mnist: Path | None) -> None:
    width = max(len(row[0]) for row in rows) if rows else 10
    print(f"{'category':<{width}}  {'tried':>6}  {'failed':>6}  {'seconds':>7}  notes")
    for category, tried, failed, elapsed, note in rows:
        print(f"{category:<{width}}  {tried:>6}  {failed:>6}  {elapsed:>7.1f}  {note}")
    total_tried = sum(row[1] for row in rows)
    print(f"{'total':<{width}}  {total_tried:>6}  {len(failures):>6}  {seconds:>7.1f}"
          + ("" if mnist else "  (no real MNIST: train/evaluate cases skipped)"))
    if failures:
        print("\nfailures:")
        for category, name, problem in failures:
            print(f"  [{category}] {name}: {problem}")


if __name__ == "__main__":
    sys.exit(main())
