#!/usr/bin/env bash
# Reproduce the shipped weights, models/mnist-784-30-10.npz: the 784-30-10 network trained
# on the real MNIST with the robustness flags, its "unsure" rule calibrated on the
# validation digits. Every choice was made on the validation split (the last 10,000
# training images) and on realistic sets drawn from it; the test set gives only the final
# number (models/README.md has the alternatives tried).
#
# Usage: bash scripts/train_shipped_model.sh [MNIST_DIR]
# MNIST_DIR defaults to $MNIST_APP_DATA, else mnist_app's cache (downloading the files there).
# OUTPUT=PATH writes elsewhere. Prints the run's JSON summary. The same seed gives the same
# weights for the same numpy build and the same installed fonts (the typed non-digits and
# digits come from every installed font family on the training side; see models/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
data=()
if [ -n "${1:-}" ]; then data=(--data-dir "$1"); fi
# One BLAS thread: the weights then depend only on the numpy build and the fonts installed.
OPENBLAS_NUM_THREADS=1 "${PYTHON:-python}" -m mnist_app train "${data[@]}" --seed 0 --epochs 40 --lr 1.0 \
    --momentum 0.9 --distort 0.5 --nondigits 16000 --typed 4000 --hands 2000 \
    --output "${OUTPUT:-models/mnist-784-30-10.npz}" --json
