#!/usr/bin/env bash
# Reproduce the shipped weights, models/mnist-784-30-10.npz, on the real MNIST:
#   1. a 784-400-10 teacher, trained with the robustness flags below;
#   2. the shipped 784-30-10, trained the same way with the teacher's outputs mixed into
#      its targets (distillation), its "unsure" rule calibrated on the validation digits.
# Every choice was made on the validation split (the last 10,000 training images) and the
# realistic sets built from it (scripts/measure_realistic.py --source validation); the test
# set gives only the final number. Takes about «time» here (2 cores).
#
# Usage: bash scripts/train_shipped_model.sh [MNIST_DIR]
# MNIST_DIR defaults to $MNIST_APP_DATA, else mnist_app's cache (downloading the files there).
# Prints each run's JSON summary. The same seed gives the same weights for the same numpy
# build and BLAS thread count.
set -euo pipefail
cd "$(dirname "$0")/.."
data=()
if [ -n "${1:-}" ]; then data=(--data-dir "$1"); fi
python="${PYTHON:-python}"
teacher="$(mktemp -d)/teacher-784-400-10.npz"
trap 'rm -f "$teacher"' EXIT

robust=(--distort 0.5 --nondigits 21000 --typed 6000 --seed 0)
"$python" -m mnist_app train "${data[@]}" "${robust[@]}" --hidden 400 --epochs 40 --lr 1.5 \
    --momentum 0.9 --l2 5e-5 --distort 1 --output "$teacher" --json
"$python" -m mnist_app train "${data[@]}" "${robust[@]}" --epochs 60 --lr 1.0 --momentum 0.9 \
    --teacher "$teacher" --distill 0.5 --output models/mnist-784-30-10.npz --json
