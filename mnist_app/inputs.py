"""How images and labels become the network's inputs and targets.

Images are MNIST's uint8 grey levels 0-255 (ink 255 on 0), or floats already in [0, 1]
(the format of the book's ``mnist_loader``); both become float rows in [0, 1]. (Whether a
model deskews its pictures first is its reading convention: :mod:`mnist_app.reading`.)
Labels are digits 0-9 and become one-hot rows; the label NOT_A_DIGIT (10) marks a training image that
holds no digit, and its target row is all zeros: none of the ten outputs should fire.
"""

from __future__ import annotations

import numpy as np

from mnist_app.constants import FRAME, INPUT_SIZE, N_CLASSES, NOT_A_DIGIT, PIXEL_SCALE


def check_images(images: np.ndarray, name: str = "images") -> np.ndarray:
    """``images`` as an (m, 28, 28) array, after checking its shape, type and range.

    Accepts (m, 28, 28) or (m, 784) arrays of uint8 (0-255) or floats in [0, 1]. Raises
    ValueError for anything else, so that floats scaled 0-255 or images scaled twice are
    refused instead of silently training on the wrong scale.
    """
    images = np.asarray(images)
    if images.ndim == 2 and images.shape[1] == INPUT_SIZE:
        images = images.reshape(len(images), FRAME, FRAME)
    if images.ndim != 3 or images.shape[1:] != (FRAME, FRAME):
        raise ValueError(f"{name} must have shape (m, 28, 28) or (m, 784), got {images.shape}")
    if images.dtype == np.uint8:
        return images
    if not np.issubdtype(images.dtype, np.floating):
        raise ValueError(f"{name} must be uint8 0-255 or floats in [0, 1], got dtype {images.dtype}")
    if images.size and not (np.isfinite(images).all() and images.min() >= 0 and images.max() <= 1):
        raise ValueError(f"{name} are floats outside [0, 1]; give uint8 0-255 or floats in [0, 1]")
    return images


def check_labels(labels: np.ndarray, count: int, name: str = "labels", not_a_digit: bool = False) -> np.ndarray:
    """``labels`` as an (m,) integer array of digits 0-9 (or NOT_A_DIGIT where ``not_a_digit``
    allows it), m = ``count``; ValueError otherwise."""
    labels = np.asarray(labels)
    if labels.shape != (count,) or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"{name} must be {count} integer digits, got {labels.dtype} {labels.shape}")
    largest = NOT_A_DIGIT if not_a_digit else N_CLASSES - 1
    if labels.size and (labels.min() < 0 or labels.max() > largest):
        raise ValueError(f"{name} must be digits 0-9" + (f" or {NOT_A_DIGIT} (not a digit)" if not_a_digit else ""))
    return labels


def to_inputs(images: np.ndarray, dtype=np.float32) -> np.ndarray:
    """Images (m, 28, 28), uint8 or float in [0, 1] -> network inputs (m, 784) in [0, 1]."""
    inputs = images.reshape(len(images), INPUT_SIZE).astype(dtype)
    if images.dtype == np.uint8:
        inputs *= PIXEL_SCALE
    return inputs


def one_hot(labels: np.ndarray, dtype=np.float32) -> np.ndarray:
    """Digits (m,) -> target outputs (m, 10): 1 for the digit, 0 elsewhere (all 0 for
    NOT_A_DIGIT)."""
    return np.eye(NOT_A_DIGIT + 1, N_CLASSES, dtype=dtype)[labels]
