"""Training speed of mnist_app next to the textbook's per-example loop, on the real MNIST.

    python scripts/bench_train.py [--data-dir DIR] [--epochs 3]

Prints, from one run: seconds per 50,000-image epoch (median over --epochs epochs) of
  * the textbook algorithm: Nielsen's update_mini_batch, one backprop per example with
    column vectors in float64, written out below as the baseline;
  * mnist_app's batched backprop at batch 10 with the same hyperparameters, in float32
    (the app's choice) and in float64;
  * mnist_app with its default settings;
  * the fastest batch-10 step written in numpy for the book's recipe, also below: the
    same arithmetic with every array preallocated and the layers unrolled, to show how
    far numpy itself can go at these shapes;
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

from benchmark_notes import add_data_dir_option, load_mnist_or_exit, write_markdown
from mnist_app.data import resolve_data_dir
from mnist_app.inputs import one_hot, to_inputs
from mnist_app.network import Network
from mnist_app.reading import ReadingConvention
from mnist_app.training import Hyperparameters, _minibatches, train

# The book's recipe as the issue gives it: mnist_app's defaults fill in the rest.
TEXTBOOK_FLAGS = ["--cost", "quadratic", "--init", "normal", "--lr", "3.0", "--batch-size", "10", "--epochs", "30", "--l2", "0",
                  "--no-deskew"]
TEXTBOOK = Hyperparameters(epochs=1, batch_size=10, learning_rate=3.0, momentum=0.0, l2=0.0, schedule="constant", shift=0,
                           deskew=False)


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


class UnrolledStep:
    """The fastest SGD step for the book's recipe (784-30-10, quadratic cost, no L2) that
    I could write in numpy: the bound on what numpy can do here, not code the app uses.

    It does the arithmetic of Network.backprop and the update, but every array is
    allocated once, every ufunc writes in place (out=), scalars are 0-d float32 arrays
    (numpy dispatches them faster than Python floats), the two layers are unrolled, and
    all parameters and gradients live in two flat buffers, so that the update is two
    passes. ``network`` is left sharing the flat parameter buffer.
    """

    def __init__(self, network: Network, batch_size: int):
        n_in, n_hidden, n_out = network.sizes
        shapes = [(n_hidden, n_in), (n_hidden,), (n_out, n_hidden), (n_out,)]
        layers = (network.weights[0], network.biases[0], network.weights[1], network.biases[1])
        self.parameters = np.concatenate([p.ravel() for p in layers]).astype(np.float32)
        self.gradient = np.empty_like(self.parameters)
        self.w1, self.b1, self.w2, self.b2 = _split(self.parameters, shapes)
        self.nabla_w1, self.nabla_b1, self.nabla_w2, self.nabla_b2 = _split(self.gradient, shapes)
        network.weights[:], network.biases[:] = [self.w1, self.w2], [self.b1, self.b2]
        self.half, self.one, self.inverse_m = (np.array(v, np.float32) for v in (0.5, 1.0, 1.0 / batch_size))
        self.z1, self.a1, self.delta1, self.sp1 = (np.empty((batch_size, n_hidden), np.float32) for _ in range(4))
        self.z2, self.a2, self.delta2, self.sp2 = (np.empty((batch_size, n_out), np.float32) for _ in range(4))

    def step(self, x: np.ndarray, y: np.ndarray, eta: np.ndarray) -> None:
        """One update from inputs ``x`` (m, 784) and one-hot ``y`` (m, 10); ``eta`` a 0-d array."""
        add, subtract, multiply, matmul = np.add, np.subtract, np.multiply, np.matmul
        half, one = self.half, self.one
        for a_in, w, b, z, a in ((x, self.w1, self.b1, self.z1, self.a1), (self.a1, self.w2, self.b2, self.z2, self.a2)):
            matmul(a_in, w.T, out=z)
            add(z, b, out=z)
            multiply(z, half, out=a)  # a = (1 + tanh(z/2)) / 2
            np.tanh(a, out=a)
            multiply(a, half, out=a)
            add(a, half, out=a)
        subtract(one, self.a2, out=self.sp2)  # BP1: delta2 = (a2 - y) a2 (1 - a2) / m
        multiply(self.sp2, self.a2, out=self.sp2)
        subtract(self.a2, y, out=self.delta2)
        multiply(self.delta2, self.sp2, out=self.delta2)
        multiply(self.delta2, self.inverse_m, out=self.delta2)
        matmul(self.delta2, self.w2, out=self.delta1)  # BP2
        subtract(one, self.a1, out=self.sp1)
        multiply(self.sp1, self.a1, out=self.sp1)
        multiply(self.delta1, self.sp1, out=self.delta1)
        np.sum(self.delta2, axis=0, out=self.nabla_b2)  # BP3
        np.sum(self.delta1, axis=0, out=self.nabla_b1)
        matmul(self.delta2.T, self.a1, out=self.nabla_w2)  # BP4
        matmul(self.delta1.T, x, out=self.nabla_w1)
        multiply(self.gradient, eta, out=self.gradient)
        subtract(self.parameters, self.gradient, out=self.parameters)


def _split(flat: np.ndarray, shapes: list[tuple[int, ...]]) -> list[np.ndarray]:
    """Views of consecutive pieces of ``flat`` with the given shapes."""
    views, start = [], 0
    for shape in shapes:
        size = int(np.prod(shape))
        views.append(flat[start : start + size].reshape(shape))
        start += size
    return views


def check_unrolled_step(mnist) -> None:
    """Stop unless one UnrolledStep moves the weights as mnist_app's backprop and update do."""
    x = to_inputs(mnist.train_images[:10])
    y = one_hot(mnist.train_labels[:10])
    app = Network(cost="quadratic", init="normal", rng=np.random.default_rng(0))
    unrolled = Network.from_parameters([w.copy() for w in app.weights], [b.copy() for b in app.biases], "quadratic")
    nabla_b, nabla_w = app.backprop(x, y)
    for p, g in zip(app.weights + app.biases, nabla_w + nabla_b):
        p -= 3.0 * g
    UnrolledStep(unrolled, 10).step(x, y, np.array(3.0, np.float32))
    for p, q in zip(app.weights + app.biases, unrolled.weights + unrolled.biases):
        if not np.allclose(p, q, rtol=1e-4, atol=1e-5):
            raise SystemExit("the unrolled step does not compute what mnist_app computes")


def unrolled_epoch_seconds(mnist, epochs: int) -> float:
    """Median seconds per epoch of UnrolledStep on the book's recipe, fed by mnist_app's own
    minibatches and validated every epoch, as mnist_app's epochs are."""
    check_unrolled_step(mnist)
    rng = np.random.default_rng(0)
    network = Network(cost="quadratic", init="normal", rng=rng)
    step = UnrolledStep(network, TEXTBOOK.batch_size)
    eta = np.array(TEXTBOOK.learning_rate, np.float32)
    val_inputs = to_inputs(mnist.train_images[50000:])
    seconds = []
    for _ in range(epochs):
        started = time.perf_counter()
        for x, y in _minibatches(mnist.train_images[:50000], mnist.train_labels[:50000], TEXTBOOK, rng,
                                 np.float32, teacher=None, convention=ReadingConvention()):
            step.step(x, y, eta)
        np.argmax(network.feedforward(val_inputs), axis=1)
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds)


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
    add_data_dir_option(parser)
    parser.add_argument("--epochs", type=int, default=3, help="epochs timed per configuration (default: 3)")
    parser.add_argument("--skip-whole-runs", action="store_true", help="only time epochs")
    args = parser.parse_args()

    # Whole runs first: Linux carries a parent's peak RSS into its child's ru_maxrss across
    # fork and exec, so they must start while this process is still small.
    lines = []
    if not args.skip_whole_runs:
        lines += ["Whole `python -m mnist_app train` runs (load data, train, test, save):", "",
                  "| run | BLAS threads | wall time | peak RSS | test accuracy |", "| --- | --- | ---: | ---: | ---: |"]
        for label, flags in (("book's recipe", TEXTBOOK_FLAGS), ("defaults", [])):
            for threads in (None, "1"):
                seconds, peak_mb, accuracy = whole_run(flags, str(resolve_data_dir(args.data_dir)), threads)
                lines.append(f"| {label} | {threads or 'default'} | {seconds:.1f} s | {peak_mb:.0f} MB | {accuracy} |")
                print(lines[-1], flush=True)
        lines.append("")

    mnist = load_mnist_or_exit(args.data_dir)
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
        ("unrolled in-place numpy step (script), batch 10", unrolled_epoch_seconds(mnist, args.epochs)),
        ("floor: only the matrix products of batch 10, float32", statistics.median(blas_floor_seconds() for _ in range(args.epochs))),
    ]
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    lines += [f"Seconds per 50,000-image epoch, median of {args.epochs} (BLAS threads: {threads}):", "",
              "| what | s/epoch | vs. the per-example loop |", "| --- | ---: | ---: |"]
    lines += [f"| {name} | {seconds:.3f} | {baseline / seconds:.1f}x |" for name, seconds in rows]
    print("\n".join(lines))
    print(f"wrote {write_markdown('train', 'Training speed', lines)}")


if __name__ == "__main__":
    main()
