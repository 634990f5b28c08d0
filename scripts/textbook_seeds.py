"""The book's recipe across seeds: how often, and for how long, does it stall?

    python scripts/textbook_seeds.py [--data-dir DIR] [--seeds 0 1 2 3 4] [--variant pure]

The recipe is the book's first network: quadratic cost, N(0, 1) weights, eta = 3.0,
minibatches of 10, 30 epochs, no L2. ``--variant pure`` trains exactly that (plain SGD,
constant eta, no augmentation); ``--variant app`` passes only those flags and lets
mnist_app's defaults (momentum, cosine schedule, shifted images) fill in the rest, as
`python -m mnist_app train --cost quadratic --init normal --lr 3.0 --batch-size 10
--epochs 30 --l2 0` does.

For each seed it prints the validation accuracy per epoch, how many epochs ended below
90%, and the test accuracy of the best epoch. With N(0, 1) weights many hidden neurons
start saturated (|z| of order sqrt(784 * 0.1) ~ 9), and the quadratic cost's
delta = (a - y) sigma'(z) vanishes for saturated output neurons, so whole digits can go
unlearned for several epochs.
"""

from __future__ import annotations

import argparse
from dataclasses import replace

import numpy as np

from benchmark_notes import add_data_dir_option, load_mnist_or_exit
from mnist_app.evaluate import accuracy
from mnist_app.model import Model
from mnist_app.network import Network
from mnist_app.reading import ReadingConvention
from mnist_app.training import Hyperparameters, train

BOOK = dict(epochs=30, batch_size=10, learning_rate=3.0, l2=0.0)
VARIANTS = {
    "pure": Hyperparameters(**BOOK, momentum=0.0, schedule="constant", shift=0, deskew=False),
    "app": replace(Hyperparameters(), **BOOK),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_dir_option(parser)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4], help="seeds to train (default: 0 1 2 3 4)")
    parser.add_argument("--variant", choices=VARIANTS, default="pure", help="pure book SGD, or the book's flags on top of mnist_app's defaults (default: pure)")
    args = parser.parse_args()
    mnist = load_mnist_or_exit(args.data_dir)
    hyper = VARIANTS[args.variant]
    print(f"{args.variant}: {hyper}")
    for seed in args.seeds:
        rng = np.random.default_rng(seed)
        network = Network(cost="quadratic", init="normal", rng=rng)
        result = train(network, mnist.train_images[:50000], mnist.train_labels[:50000],
                       mnist.train_images[50000:], mnist.train_labels[50000:], hyper, rng)
        curve = [record.val_accuracy for record in result.history]
        below_90 = sum(value < 0.90 for value in curve)
        test = accuracy(Model(network, ReadingConvention(deskew=hyper.deskew)), mnist.test_images, mnist.test_labels)
        print(f"seed {seed}: epochs below 90% {below_90:2d}, best validation {result.best_val_accuracy:.2%} "
              f"(epoch {result.best_epoch}), test {test:.2%}, "
              f"{sum(record.seconds for record in result.history):.1f} s")
        print("   validation per epoch: " + " ".join(f"{value * 100:.1f}" for value in curve), flush=True)


if __name__ == "__main__":
    main()
