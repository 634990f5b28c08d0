"""Weights files: a round trip is exact, and every kind of bad file gives one clear error."""

import json
import zipfile

import numpy as np
import pytest

from mnist_app import model_io
from mnist_app.errors import ModelFileError
from mnist_app.network import Network


@pytest.fixture
def network():
    return Network([784, 30, 10], cost="cross-entropy", rng=np.random.default_rng(0))


def test_round_trip_keeps_weights_bit_for_bit_and_metadata(tmp_path, network):
    path = tmp_path / "model.npz"
    model_io.save(path, network, {"seed": 7, "test_accuracy": 0.97})

    loaded, metadata = model_io.load(path)

    assert loaded.sizes == [784, 30, 10] and loaded.cost.name == "cross-entropy"
    for saved, restored in zip(network.weights + network.biases, loaded.weights + loaded.biases):
        assert restored.dtype == saved.dtype and np.array_equal(restored, saved)
    assert metadata["seed"] == 7 and metadata["test_accuracy"] == 0.97
    assert metadata["format_version"] == model_io.FORMAT_VERSION and metadata["activation"] == "sigmoid"
    assert metadata["created_utc"].endswith("+00:00")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.npz"]  # no temporary file left


def test_a_failed_save_leaves_the_previous_file_intact(tmp_path, network):
    path = tmp_path / "model.npz"
    model_io.save(path, network, {})
    before = path.read_bytes()
    with pytest.raises(TypeError):
        model_io.save(path, network, {"not json": object()})
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.npz"]


def rewrite(path, **changes):
    """Copy of the npz at ``path`` with some arrays replaced (None removes one)."""
    with np.load(path) as archive:
        arrays = {name: archive[name] for name in archive.files}
    for name, value in changes.items():
        if value is None:
            arrays.pop(name)
        else:
            arrays[name] = value
    np.savez(path, **arrays)


def metadata_with(path, **changes):
    with np.load(path) as archive:
        metadata = json.loads(str(archive["metadata"]))
    metadata.update(changes)
    return np.array(json.dumps(metadata))


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]), "not a readable .npz"),
        (lambda p: p.write_text("hello, I am a text file"), "not a readable .npz"),
        (lambda p: p.write_bytes(b""), "not a readable .npz"),
        (lambda p: rewrite(p, weights_0=np.zeros((30, 783), np.float32)), "shape"),
        (lambda p: rewrite(p, biases_1=None), "missing array 'biases_1'"),
        (lambda p: rewrite(p, weights_1=np.full((10, 30), np.nan, np.float32)), "NaN"),
        (lambda p: rewrite(p, weights_1=np.zeros((10, 30), np.int32)), "dtype"),
        (lambda p: rewrite(p, metadata=np.array("{not json")), "JSON"),
        (lambda p: rewrite(p, metadata=metadata_with(p, format_version=99)), "format version 99"),
        (lambda p: rewrite(p, metadata=metadata_with(p, cost="hinge")), "unknown cost"),
        (lambda p: rewrite(p, sizes=np.array([784], np.int64)), "sizes"),
        (lambda p: rewrite(p, metadata=np.array([b"x"], dtype=object)), "metadata is not a JSON string"),
    ],
    ids=["truncated", "text", "empty", "shape", "missing", "nan", "int", "json", "version", "cost", "sizes", "pickle"],
)
def test_bad_files_raise_one_model_file_error_naming_the_file(tmp_path, network, damage, message):
    path = tmp_path / "model.npz"
    model_io.save(path, network, {})
    damage(path)
    with pytest.raises(ModelFileError, match=message) as error:
        model_io.load(path)
    assert str(path) in str(error.value) and "\n" not in str(error.value)


def test_missing_file(tmp_path):
    with pytest.raises(ModelFileError, match="no such model file"):
        model_io.load(tmp_path / "absent.npz")


def test_a_directory_is_not_a_model_file(tmp_path):
    with pytest.raises(ModelFileError, match="is a directory, not a model file"):
        model_io.load(tmp_path)


def test_a_save_that_cannot_write_raises_model_file_error(tmp_path, network):
    (tmp_path / "a-file").write_text("")
    with pytest.raises(ModelFileError, match="cannot write the weights here"):
        model_io.save(tmp_path / "a-file" / "model.npz", network, {})


def test_a_zip_that_is_not_an_npz(tmp_path):
    path = tmp_path / "model.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hi")
    with pytest.raises(ModelFileError, match="not a mnist_app weights file"):
        model_io.load(path)
