"""How images and labels become the network's inputs and targets.

Images are MNIST's uint8 grey levels 0-255 (ink 255 on 0), or floats already in [0, 1]
(the format of the book's ``mnist_loader``); both become float rows in [0, 1]. Labels are
digits 0-9 and become one-hot rows.
"""

from __future__ import annotations

import numpy as np

from mnist_app.constants import FRAME, INPUT_SIZE, N_CLASSES, PIXEL_SCALE


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


def check_labels(labels: np.ndarray, count: int, name: str = "labels") -> np.ndarray:
    """``labels`` as an (m,) integer array of digits 0-9, m = ``count``; ValueError otherwise."""
    labels = np.asarray(labels)
    if labels.shape != (count,) or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"{name} must be {count} integer digits, got {labels.dtype} {labels.shape}")
    if labels.size and (labels.min() < 0 or labels.max() >= N_CLASSES):
        raise ValueError(f"{name} must be digits 0-9")
    return labels


def to_inputs(images: np.ndarray, dtype=np.float32) -> np.ndarray:
    """Images (m, 28, 28), uint8 or float in [0, 1] -> network inputs (m, 784) in [0, 1]."""
    inputs = images.reshape(len(images), INPUT_SIZE).astype(dtype)
    if images.dtype == np.uint8:
        inputs *= PIXEL_SCALE
    return inputs


def one_hot(labels: np.ndarray, dtype=np.float32) -> np.ndarray:
    """Digits (m,) -> target outputs (m, 10): 1 for the digit, 0 elsewhere."""
    return np.eye(N_CLASSES, dtype=dtype)[labels]
