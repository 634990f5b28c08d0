"""The training process of a live run (``python -m mnist_app.live.run``, started by
:mod:`mnist_app.live.runner`): load MNIST, train with :func:`mnist_app.training.train`, and
send what happens through a pipe, as ``(kind, data)`` pairs:

- ``("progress", {...})``: before training, then every PROGRESS_EXAMPLES examples of the
  first epoch (:class:`~mnist_app.training_progress.ProgressRecord`'s fields, and
  ``elapsed``: seconds since training began);
- ``("epoch", {...})``: after each epoch (:class:`~mnist_app.training.EpochRecord`'s
  fields, and ``elapsed``);
- ``("done", {...})``: the run's summary once its weights are saved (as ``mnist-app train``
  saves them, history included), also after a stop;
- ``("error", {"error": message})``: the run could not start or failed.

Before them ``("started", {})`` says the process stops at SIGINT rather than dies of it.

Progress, epoch and done events carry ``parameters``: the network's weights and biases as
lists of numpy arrays, for the server to draw the hidden neurons and read digits with.

The same network, data split, defaults and seed give the same weights as ``mnist-app
train --seed``: this is that command's training, watched.
"""

from __future__ import annotations

import math
import pickle
import secrets
import signal
import sys
import threading
import time
from dataclasses import asdict, dataclass
from multiprocessing.connection import Connection
from pathlib import Path

import numpy as np

from mnist_app import model_io
from mnist_app.constants import INPUT_SIZE, N_CLASSES, N_TRAIN_IMAGES, VALIDATION_IMAGES
from mnist_app.data import FILES, TRAIN_IMAGES, TRAIN_LABELS, Mnist, load_mnist
from mnist_app.errors import MnistAppError
from mnist_app.evaluate import evaluate
from mnist_app.live.settings import RunSettings
from mnist_app.model import Model
from mnist_app.network import Network
from mnist_app.reading import ReadingConvention
from mnist_app.training import EpochRecord, Hyperparameters, train
from mnist_app.training_progress import ProgressRecord



@dataclass(frozen=True)
class MnistFiles:
    """MNIST in ``data_dir``, as ``mnist-app download`` leaves it. Nothing is downloaded."""

    data_dir: Path

    def missing(self) -> list[str]:
        """The MNIST files that are not in the directory."""
        return [name for name in FILES if not (Path(self.data_dir) / name).is_file()]

    def how_to_get(self) -> str:
        return (f"training needs the MNIST files in {self.data_dir}: run "
                f"`mnist-app download --data-dir {self.data_dir}`, then start the server again")

    def load(self) -> Mnist:
        return load_mnist(self.data_dir, mirrors=())


def reading_convention(hyper: Hyperparameters) -> ReadingConvention:
    """How the trained network reads a digit, as ``mnist-app train`` records it by default."""
    return ReadingConvention(deskew=hyper.deskew, average_shifts=True)


def run_training(settings: RunSettings, source, model_path: str, events, stop_requested,
                 seed: int | None = None) -> None:
    """Train as ``settings`` say on ``source``'s MNIST (:class:`MnistFiles` or alike), send
    events on the ``events`` connection, save the weights at ``model_path``; stop early,
    keeping the weights, once ``stop_requested()`` answers True."""
    try:
        summary = _train(settings, source, model_path, events.send, stop_requested,
                         secrets.randbits(63) if seed is None else seed)
        events.send(("done", summary))
    except (MnistAppError, ValueError, OSError) as error:
        events.send(("error", {"error": str(error).splitlines()[0] if str(error) else type(error).__name__}))
    except MemoryError:
        events.send(("error", {"error": "the training process ran out of memory"}))
    except Exception as error:  # a bug: the page says what failed, the server's stderr gets the traceback
        events.send(("error", {"error": f"training failed: {type(error).__name__}: {error}"}))
        raise
    finally:
        events.close()


def main() -> None:
    """``python -m mnist_app.live.run FD``: the training process. Reads the pickled
    (sys.path, pickled (settings, source, model_path, seed)) its server writes on stdin, sends
    events on file descriptor FD, and stops (keeping its weights) at SIGINT."""
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda signum, frame: stop.set())  # train() adds its own while it runs
    path, job = pickle.load(sys.stdin.buffer)
    sys.path[:] = path  # where the server found the source's class
    settings, source, model_path, seed = pickle.loads(job)
    events = Connection(int(sys.argv[1]), readable=False)
    events.send(("started", {}))  # from now on a SIGINT stops the run instead of killing it
    run_training(settings, source, model_path, events, stop.is_set, seed)


def _train(settings: RunSettings, source, model_path: str, send, stop_requested, seed: int) -> dict:
    mnist = source.load()
    n_validation = min(VALIDATION_IMAGES, len(mnist.train_images) * VALIDATION_IMAGES // N_TRAIN_IMAGES)
    n_train = min(settings.examples, len(mnist.train_images) - n_validation)
    hyper = settings.hyperparameters()
    rng = np.random.default_rng(seed)
    sizes = [INPUT_SIZE, settings.hidden, N_CLASSES]
    network = Network(sizes, cost=settings.cost, init=settings.init, rng=rng)
    started = time.perf_counter()

    def report(kind: str, record: ProgressRecord | EpochRecord) -> None:
        # A cost may be infinite part-way through an epoch that diverges (the epoch's end
        # raises TrainingDiverged); JSON has no infinity.
        measured = {name: None if isinstance(value, float) and not math.isfinite(value) else value
                    for name, value in asdict(record).items()}
        send((kind, {**measured, "elapsed": round(time.perf_counter() - started, 3),
                     "parameters": ([w.copy() for w in network.weights], [b.copy() for b in network.biases])}))

    result = train(network, mnist.train_images[:n_train], mnist.train_labels[:n_train],
                   mnist.train_images[-n_validation:], mnist.train_labels[-n_validation:], hyper, rng,
                   on_epoch=lambda record: report("epoch", record),
                   on_progress=lambda record: report("progress", record), stop=stop_requested)
    model = Model(network, reading_convention(hyper))
    test = evaluate(model, mnist.test_images, mnist.test_labels)
    summary = {
        "hyperparameters": {**asdict(hyper), "sizes": sizes, "cost": settings.cost, "init": settings.init,
                            "validation": n_validation, "examples": n_train},
        "seed": seed,
        **result.summary(),
        "test_accuracy": test.accuracy,
    }
    metadata = {**summary, **model.to_metadata(),
                "training_data_sha256": {name: mnist.sha256[name] for name in (TRAIN_IMAGES, TRAIN_LABELS)}}
    model_io.save(model_path, network, metadata)
    return {**summary, "parameters": (network.weights, network.biases)}


if __name__ == "__main__":
    main()
