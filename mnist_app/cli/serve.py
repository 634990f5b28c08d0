"""``mnist-app serve``: the draw-a-digit page and the JSON API on waitress."""

from __future__ import annotations

import contextlib
import logging
import signal
import sys

from mnist_app.cli.common import EXIT_INTERRUPTED, EXIT_OK, add_model_option, usable_cores, whole_number
from mnist_app.data import DATA_DIR_ENV
from mnist_app.web.settings import (
    CHANNEL_TIMEOUT,
    DEFAULT_HOST,
    DEFAULT_PORT,
    DEFAULT_THREADS,
    MAX_BODY_BYTES,
    REQUEST_SECONDS,
    Limits,
    ServerSettings,
)

MAX_THREADS = 64


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "serve",
        help="serve a page to draw digits on, and a JSON API",
        description="Serve a web page where you draw a digit (or drop a photo of one) and watch "
        "the network read it, and a JSON API for programs: POST an image to /api/predict. "
        f"Needs waitress: pip install 'mnist_app[serve]'. Request bodies over "
        f"{MAX_BODY_BYTES // (1024 * 1024)} MB are refused; a request must arrive within {REQUEST_SECONDS} s, "
        f"and connections idle for {CHANNEL_TIMEOUT} s are closed. With MNIST in --data-dir, /train trains a "
        "network while you watch. Ctrl-C (or SIGTERM) stops the server and any training, with exit status 0.",
    )
    add_model_option(parser)
    parser.add_argument("--host", default=DEFAULT_HOST,
                        help="address to listen on; 0.0.0.0 for every interface "
                        "(default: %(default)s, this machine only)")
    parser.add_argument("--port", type=whole_number(0, 65535), default=DEFAULT_PORT,
                        help="TCP port; 0 picks a free one (default: %(default)s)")
    parser.add_argument("--threads", type=whole_number(1, MAX_THREADS), default=DEFAULT_THREADS,
                        metavar="N", help="worker threads answering requests (default: %(default)s)")
    parser.add_argument("--workers", type=whole_number(0, MAX_THREADS), default=usable_cores(), metavar="N",
                        help="processes that preprocess posted images, so every core reads; 0 to "
                        "preprocess in the request threads (default: %(default)s, one per core)")
    parser.add_argument("--data-dir", metavar="DIR",
                        help="directory holding the MNIST files, for the /report page and training in /train; nothing "
                        f"is downloaded (default: ${DATA_DIR_ENV}, else $XDG_CACHE_HOME/mnist_app, "
                        "else ~/.cache/mnist_app)")
    parser.set_defaults(run=run)


def run(args) -> int:
    from mnist_app.data import resolve_data_dir
    from mnist_app.live.run import MnistFiles
    from mnist_app.live.runner import Trainer
    from mnist_app.predict import Classifier
    from mnist_app.web.app import make_app
    from mnist_app.web.live import StreamLimits
    from mnist_app.web.server import create_server

    _log_to_stderr()
    classifier = Classifier.load(args.model)  # a bad model stops here, before listening
    limits = Limits()
    with contextlib.ExitStack() as cleanup:
        readers = _readers(classifier, args.workers, cleanup)
        trainer = cleanup.enter_context(Trainer(MnistFiles(resolve_data_dir(args.data_dir))))
        app = make_app(classifier, limits, data_dir=args.data_dir, **readers,
                       trainer=trainer, streams=StreamLimits.for_threads(args.threads))
        server = create_server(app, ServerSettings(host=args.host, port=args.port, threads=args.threads), limits)
        status = _serve(server, on_stop=trainer.close)
    print("mnist-app: stopped", file=sys.stderr)
    return status


def _readers(classifier, workers: int, cleanup: contextlib.ExitStack) -> dict:
    """How posted images are read, as make_app's ``preprocess`` and ``read_number``: by a
    pool of ``workers`` processes (closed by ``cleanup``), or in the request threads when
    ``workers`` is 0."""
    from mnist_app.errors import MnistAppError
    from mnist_app.web.workers import PreprocessingPool

    if not workers:
        return {"preprocess": classifier.digit_picture, "read_number": classifier.read_number}
    try:
        pool = cleanup.enter_context(PreprocessingPool(workers, preprocess=classifier.digit_picture,
                                                       read_number=classifier.read_number))
    except OSError as error:  # e.g. "AF_UNIX path too long": the fork server's socket is made in TMPDIR
        raise MnistAppError(f"cannot start the image workers: {error.strerror or error} "
                            "(set a shorter TMPDIR, or use --workers 0 to read in the request threads)") from None
    return {"preprocess": pool, "read_number": pool.read_number}


def _serve(server, on_stop) -> int:
    """Run ``server`` until Ctrl-C or SIGTERM, then close it; the exit status: interrupted
    (130) after Ctrl-C, as every command, and 0 after SIGTERM, the way a service manager or
    ``docker stop`` asks a server to end. ``on_stop`` runs first, in the signal handler: it
    ends the training run, and so its event streams, which would otherwise hold the
    server's threads while waitress waits for them to finish."""
    from mnist_app.web.server import on_every_interface, urls

    interrupted = []

    def stop(signum, frame):
        interrupted.append(signum == signal.SIGINT)
        on_stop()
        raise KeyboardInterrupt

    # SIGINT only where Python would raise KeyboardInterrupt for it (not when it is ignored).
    handled = [signal.SIGTERM] + [signal.SIGINT] * (signal.getsignal(signal.SIGINT) is signal.default_int_handler)
    previous_handlers = {number: signal.signal(number, stop) for number in handled}
    try:
        where = "on every interface; " if on_every_interface(server) else ""
        print(f"mnist-app: serving {' and '.join(urls(server))} ({where}Ctrl-C to stop)", flush=True)
        server.run()  # returns when Ctrl-C interrupts it
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        for number, handler in previous_handlers.items():
            signal.signal(number, handler)
    return EXIT_INTERRUPTED if any(interrupted) else EXIT_OK


def _log_to_stderr() -> None:
    """Warnings and errors of the app and of waitress on stderr, one line each. Waitress's
    "Task queue depth" warnings are left out: under load requests queue for the worker
    threads by design, and a line per request would slow the server down."""
    logging.basicConfig(handlers=[one_line_log_handler()], level=logging.WARNING)
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)


def one_line_log_handler() -> logging.Handler:
    """A stderr handler writing "mnist-app: LOGGER: MESSAGE", one line per record whatever
    a client put in its request: control characters are escaped (web.protocol.loggable)."""
    from mnist_app.web.protocol import loggable

    class OneLineFormatter(logging.Formatter):
        def format(self, record: logging.LogRecord) -> str:
            return loggable(super().format(record))

    handler = logging.StreamHandler()
    handler.setFormatter(OneLineFormatter("mnist-app: %(name)s: %(message)s"))
    return handler

