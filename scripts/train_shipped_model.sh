#!/usr/bin/env bash
# Reproduce the shipped weights, models/mnist-784-30-10.npz: the default `train` (seed 0)
# on the real MNIST. Usage: bash scripts/train_shipped_model.sh [MNIST_DIR]
# MNIST_DIR defaults to ../shared/data/mnist. Prints the JSON summary (accuracies, epochs).
# The same seed gives the same weights for the same numpy build and BLAS thread count.
set -euo pipefail
cd "$(dirname "$0")/.."
data_dir="${1:-../shared/data/mnist}"
"${PYTHON:-python}" -m mnist_app train --data-dir "$data_dir" --seed 0 --output models/mnist-784-30-10.npz --json
