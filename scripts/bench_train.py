"""Training speed of mnist_app next to the textbook's per-example loop, on the real MNIST.

    python scripts/bench_train.py [--data-dir ../shared/data/mnist] [--epochs 3]

Prints, from one run: seconds per 50,000-image epoch (median over --epochs epochs) of
  * the textbook algorithm: Nielsen's update_mini_batch, one backprop per example with
    column vectors in float64, written out below as the baseline;
  * mnist_app's batched backprop at batch 10 with the same hyperparameters, in float32
    (the app's choice) and in float64;
  * mnist_app with its default settings;
  * the floor: the same epoch at batch 10 if only its matrix products took time;
the speed-up of each over the baseline; and, for whole `python -m mnist_app train` runs
in a subprocess (loading the data, 30 epochs, testing, saving), the wall time and the
peak resident memory, with the default BLAS threads and with one thread.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from mnist_app.data import load_mnist
from mnist_app.network import Network
from mnist_app.train import Hyperparameters, train

REPO = Path(__file__).resolve().parents[1]
# The book's recipe as the issue gives it: mnist_app's defaults fill in the rest.
TEXTBOOK_FLAGS = ["--cost", "quadratic", "--init", "normal", "--lr", "3.0", "--batch-size", "10", "--epochs", "30", "--l2", "0"]
TEXTBOOK = Hyperparameters(epochs=1, batch_size=10, learning_rate=3.0, momentum=0.0, l2=0.0, schedule="constant", shift=0)


def textbook_epoch(weights, biases, images, labels, eta, batch_size, rng) -> float:
    """One epoch of the book's algorithm (network.py, SGD + update_mini_batch + backprop);
    returns its wall time in seconds. ``weights``/``biases`` are lists of float64 arrays,
    biases as columns (n, 1); updated in place."""
    started = time.perf_counter()
    order = rng.permutation(len(images))
    for start in range(0, len(order), batch_size):
        batch = order[start : start + batch_size]
        nabla_w = [np.zeros(w.shape) for w in weights]
        nabla_b = [np.zeros(b.shape) for b in biases]
        for index in batch:
            x = images[index].reshape(784, 1) / 255.0
            y = np.zeros((10, 1))
            y[labels[index]] = 1.0
            activation, activations, zs = x, [x], []
            for w, b in zip(weights, biases):
                z = w @ activation + b
                zs.append(z)
                activation = 1.0 / (1.0 + np.exp(-z))
                activations.append(activation)
            delta = (activations[-1] - y) * activations[-1] * (1 - activations[-1])
            nabla_b[-1] += delta
            nabla_w[-1] += delta @ activations[-2].T
            for layer in range(2, len(weights) + 1):
                sp = activations[-layer] * (1 - activations[-layer])
                delta = (weights[-layer + 1].T @ delta) * sp
                nabla_b[-layer] += delta
                nabla_w[-layer] += delta @ activations[-layer - 1].T
        for w, nw in zip(weights, nabla_w):
            w -= (eta / len(batch)) * nw
        for b, nb in zip(biases, nabla_b):
            b -= (eta / len(batch)) * nb
    return time.perf_counter() - started


def mnist_app_epoch_seconds(mnist, hyper: Hyperparameters, epochs: int, dtype, cost: str, init: str) -> float:
    """Median seconds per epoch of mnist_app's train() (validation included, as in real use)."""
    rng = np.random.default_rng(0)
    network = Network(cost=cost, init=init, rng=rng, dtype=dtype)
    result = train(
        network, mnist.train_images[:50000], mnist.train_labels[:50000],
        mnist.train_images[50000:], mnist.train_labels[50000:],
        Hyperparameters(**{**hyper.__dict__, "epochs": epochs}), rng,
    )
    return statistics.median(record.seconds for record in result.history)


def blas_floor_seconds(batch_size: int = 10, examples: int = 50000) -> float:
    """Seconds an epoch would take if a minibatch cost only its three matrix products on
    the 784x30 layer's scale (forward z, BP4's delta^T a, and the 30x10 layer's forward):
    what no numpy implementation of these shapes can beat."""
    rng = np.random.default_rng(0)
    x = rng.random((batch_size, 784), dtype=np.float32)
    w1, w2 = rng.random((30, 784), dtype=np.float32), rng.random((10, 30), dtype=np.float32)
    delta = rng.random((batch_size, 30), dtype=np.float32)
    started = time.perf_counter()
    for _ in range(examples // batch_size):
        a = x @ w1.T
        a @ w2.T
        delta.T @ x
    return time.perf_counter() - started


def whole_run(flags: list[str], data_dir: str, threads: str | None) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in MB and the last output line of one `python -m mnist_app train`."""
    env = dict(os.environ)
    if threads:
        env["OPENBLAS_NUM_THREADS"] = env["OMP_NUM_THREADS"] = threads
    with tempfile.TemporaryDirectory() as scratch:
        command = [sys.executable, "-m", "mnist_app", "train", "--data-dir", data_dir, "--quiet",
                   "--output", str(Path(scratch) / "model.npz"), *flags]
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True)
        output = process.stdout.read()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{output}")
    accuracy_line = next(line for line in output.splitlines() if line.startswith("test accuracy"))
    return seconds, usage.ru_maxrss / 1024, accuracy_line.split(" with ")[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=str(REPO.parent / "shared" / "data" / "mnist"), help="MNIST files (default: ../shared/data/mnist)")
    parser.add_argument("--epochs", type=int, default=3, help="epochs timed per configuration (default: 3)")
    parser.add_argument("--skip-whole-runs", action="store_true", help="only time epochs")
    args = parser.parse_args()

    # Whole runs first: Linux carries a parent's peak RSS into its child's ru_maxrss across
    # fork and exec, so they must start while this process is still small.
    if not args.skip_whole_runs:
        print("whole `python -m mnist_app train` runs (load data, train, test, save):")
        for label, flags in (("textbook recipe", TEXTBOOK_FLAGS), ("defaults", [])):
            for threads in (None, "1"):
                seconds, peak_mb, accuracy = whole_run(flags, args.data_dir, threads)
                print(f"  {label:<16} BLAS threads {threads or 'default':<8} {seconds:6.1f} s  peak RSS {peak_mb:5.0f} MB  {accuracy}", flush=True)

    mnist = load_mnist(args.data_dir)
    default = Hyperparameters()
    rng = np.random.default_rng(0)
    weights = [rng.standard_normal((30, 784)), rng.standard_normal((10, 30))]
    biases = [rng.standard_normal((30, 1)), rng.standard_normal((10, 1))]
    baseline = statistics.median(
        textbook_epoch(weights, biases, mnist.train_images[:50000], mnist.train_labels[:50000], 3.0, 10, rng)
        for _ in range(args.epochs)
    )
    rows = [
        ("textbook per-example loop, batch 10, float64", baseline),
        ("mnist_app, batch 10, float32", mnist_app_epoch_seconds(mnist, TEXTBOOK, args.epochs, np.float32, "quadratic", "normal")),
        ("mnist_app, batch 10, float64", mnist_app_epoch_seconds(mnist, TEXTBOOK, args.epochs, np.float64, "quadratic", "normal")),
        (f"mnist_app defaults (batch {default.batch_size}, shift {default.shift}), float32",
         mnist_app_epoch_seconds(mnist, default, args.epochs, np.float32, "cross-entropy", "scaled")),
        ("floor: only the matrix products of batch 10, float32", statistics.median(blas_floor_seconds() for _ in range(args.epochs))),
    ]
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    print(f"seconds per 50,000-image epoch, median of {args.epochs} (BLAS threads: {threads}):")
    for name, seconds in rows:
        print(f"  {name:<52} {seconds:7.3f} s   {baseline / seconds:5.1f}x")


if __name__ == "__main__":
    main()
