"""The IDX reader: round trips, and a precise IdxFormatError for every malformed file."""

from __future__ import annotations

import numpy as np
import pytest

from fake_mnist import idx_bytes
from mnist_app.errors import IdxFormatError
from mnist_app.idx import parse_idx, parse_images, parse_labels

RNG = np.random.default_rng(0)
IMAGES = RNG.integers(0, 256, size=(5, 28, 28), dtype=np.uint8)
LABELS = np.array([0, 9, 3, 3, 7], dtype=np.uint8)


@pytest.mark.parametrize("shape", [(0,), (7,), (2, 3), (4, 28, 28), (2, 1, 3, 2)])
def test_parse_idx_round_trips_any_shape(shape):
    array = RNG.integers(0, 256, size=shape, dtype=np.uint8)
    parsed = parse_idx(idx_bytes(array), ndim=len(shape), source="x")
    assert parsed.dtype == np.uint8
    np.testing.assert_array_equal(parsed, array)


def test_parse_images_and_labels_round_trip():
    images = parse_images(idx_bytes(IMAGES), "images")
    labels = parse_labels(idx_bytes(LABELS), "labels")
    assert images.shape == (5, 28, 28) and labels.shape == (5,)
    np.testing.assert_array_equal(images, IMAGES)
    np.testing.assert_array_equal(labels, LABELS)


def test_parsed_arrays_are_read_only_views():
    images = parse_images(idx_bytes(IMAGES), "images")
    assert not images.flags.writeable


GOOD_LABELS = idx_bytes(LABELS)


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "0 bytes is too short for an IDX header"),
        (b"\x1f\x8b" + GOOD_LABELS[2:], "not an IDX file (starts with 0x1f8b, expected 0x0000)"),
        (b"\0\0\x0d" + GOOD_LABELS[3:], "IDX type code 0x0d, expected 0x08 (unsigned byte)"),
        (b"\0\0\x08\x02" + GOOD_LABELS[4:], "2-dimensional, expected 1-dimensional"),
        (GOOD_LABELS[:6], "truncated header (6 of 8 bytes)"),
        (GOOD_LABELS[:-1], "truncated: 4 bytes of values, the header (5,) needs 5"),
        (GOOD_LABELS + b"\0\0", "2 trailing bytes after the 5 values of shape (5,)"),
    ],
    ids=["empty", "magic", "type-code", "dimensions", "short-header", "truncated", "trailing"],
)
def test_malformed_idx_is_rejected_with_a_precise_message(data, message):
    with pytest.raises(IdxFormatError) as raised:
        parse_labels(data, "labels.gz")
    assert str(raised.value) == f"labels.gz: {message}"


def test_labels_above_9_are_rejected():
    labels = np.array([1, 2, 10, 3, 255], dtype=np.uint8)
    with pytest.raises(IdxFormatError, match=r"^labels.gz: label 10 at index 2 is not a digit 0-9$"):
        parse_labels(idx_bytes(labels), "labels.gz")


def test_images_that_are_not_28x28_are_rejected():
    with pytest.raises(IdxFormatError, match=r"^images.gz: images are 28x27, expected 28x28$"):
        parse_images(idx_bytes(IMAGES[:, :, :27]), "images.gz")


def test_label_file_given_as_images_is_rejected():
    with pytest.raises(IdxFormatError, match="1-dimensional, expected 3-dimensional"):
        parse_images(GOOD_LABELS, "images.gz")
