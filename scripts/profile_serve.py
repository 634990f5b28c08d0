"""Where `mnist-app serve`'s own process spends its CPU under bench_serve.py's load.

Starts the server as `serve` does (its app, a pool of one worker process per core, four
request threads) in a child process with a sampler thread: every SAMPLE_SECONDS it reads
each thread's CPU clock and charges what the thread used since the last sample to the
Python function it is in (the innermost frame: a call into C, a system call included,
is charged to the function that made it) and to every function on its stack. Meanwhile
this process posts bench_serve.py's canvases from 16 clients; then the child prints the
functions that used the most CPU, in milliseconds per request. The workers' own CPU is
not sampled (bench_serve.py gives it). Prints only; writes no table. Usage::

    python scripts/profile_serve.py [--size 280] [--top 25]
"""

from __future__ import annotations

import argparse
import collections
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_serve  # noqa: E402

SAMPLE_SECONDS = 0.002
SERVER_THREADS = 4


def serve_and_sample(top: int, requests: int) -> None:
    """The child: serve on a free port (printed as `serve` prints it), sample until SIGTERM,
    then print the ``top`` functions by CPU, per request of ``requests``."""
    import logging

    from mnist_app.cli.common import usable_cores
    from mnist_app.predict import Classifier
    from mnist_app.web.app import make_app
    from mnist_app.web.server import create_server
    from mnist_app.web.settings import Limits, ServerSettings
    from mnist_app.web.workers import PreprocessingPool

    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # as `serve` sets it
    classifier = Classifier.load()
    pool = PreprocessingPool(usable_cores(), preprocess=classifier.digit_picture)
    server = create_server(make_app(classifier, preprocess=pool),
                           ServerSettings(host="127.0.0.1", port=0, threads=SERVER_THREADS), Limits())
    print(f"mnist-app: serving http://127.0.0.1:{server.effective_port}/", flush=True)
    on_stack: collections.Counter[str] = collections.Counter()
    innermost: collections.Counter[str] = collections.Counter()
    stop = threading.Event()

    def sample() -> None:
        used: dict[int, float] = {}
        while not stop.wait(SAMPLE_SECONDS):
            for ident, frame in sys._current_frames().items():
                if ident == threading.get_ident():
                    continue
                try:
                    now = time.clock_gettime(time.pthread_getcpuclockid(ident))
                except OSError:  # the thread ended
                    continue
                spent, used[ident] = now - used.get(ident, now), now
                names = []
                while frame is not None:
                    names.append(f"{Path(frame.f_code.co_filename).name}:{frame.f_code.co_name}")
                    frame = frame.f_back
                innermost[names[0]] += spent
                for name in set(names):
                    on_stack[name] += spent

    def report(*_) -> None:
        stop.set()
        for title, counter in (("innermost frame", innermost), ("anywhere on the stack", on_stack)):
            print(f"CPU ms per request, by {title}:")
            for name, seconds in counter.most_common(top):
                print(f"  {1000 * seconds / requests:6.3f}  {name}")
        sys.stdout.flush()
        os._exit(0)

    signal.signal(signal.SIGTERM, report)
    threading.Thread(target=sample, daemon=True).start()
    server.run()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=280, help="canvas side in pixels (default: 280)")
    parser.add_argument("--top", type=int, default=25, help="functions listed (default: 25)")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)  # the child
    args = parser.parse_args()
    requests = bench_serve.REQUESTS
    if args.serve:
        serve_and_sample(args.top, requests)
        return
    child = subprocess.Popen([sys.executable, __file__, "--serve", "--top", str(args.top)],
                             stdout=subprocess.PIPE, text=True)
    address = child.stdout.readline().split()[2].removeprefix("http://").rstrip("/")
    pngs = bench_serve.canvases(args.size)
    result = bench_serve.load(address, pngs)
    print(f"{args.size}x{args.size}: {result['requests_per_second']:.0f} requests/s, "
          f"load {os.getloadavg()[0]:.1f}, errors {len(result['errors'])}")
    child.terminate()
    print(child.communicate()[0])


if __name__ == "__main__":
    main()
