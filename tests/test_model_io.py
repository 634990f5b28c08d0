"""Weights files: a round trip is exact, and every kind of bad file gives one clear error."""

import json
import os
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


# --- hostile files: bounded, checked as a whole, read member by member ------------------


def save_arrays(path, sizes=(784, 30, 10), dtype=np.float32, **extra):
    """A weights file for ``sizes`` written directly, so sizes the Network refuses can be tried."""
    rng = np.random.default_rng(0)
    metadata = {"format_version": 1, "activation": "sigmoid", "cost": "cross-entropy", **extra.pop("metadata", {})}
    arrays = {"sizes": np.array(sizes, np.int64), "metadata": np.array(json.dumps(metadata))}
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        arrays[f"weights_{i}"] = rng.normal(size=(n_out, n_in)).astype(dtype)
        arrays[f"biases_{i}"] = np.zeros(n_out, dtype)
    np.savez(path, **{**arrays, **extra})


def npy_header(shape, descr="<f4") -> bytes:
    """The start of a .npy file declaring ``shape``, followed by only 64 bytes of data."""
    header = repr({"descr": descr, "fortran_order": False, "shape": tuple(shape)}).encode()
    header += b" " * (63 - (len(header) + 10) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header + bytes(64)


def replace_member(path, name: str, content: bytes) -> None:
    with zipfile.ZipFile(path) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    members[name] = content
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, data in members.items():
            archive.writestr(member, data)


@pytest.mark.parametrize("sizes", [(784, 30, 9), (784, 30, 11), (783, 30, 10)])
def test_a_network_that_does_not_read_digits_is_refused(tmp_path, sizes):
    save_arrays(tmp_path / "model.npz", sizes)
    with pytest.raises(ModelFileError, match=r"do not read digits: expected 784 inputs \(28x28 pixels\) and 10 outputs"):
        model_io.load(tmp_path / "model.npz")


def test_layer_sizes_over_the_parameter_limit_are_refused_before_reading_weights(tmp_path):
    path = tmp_path / "model.npz"
    save_arrays(path)
    replace_member(path, "sizes.npy", npy_header((3,), "<i8")[:-64] + np.array([784, 10**9, 10], "<i8").tobytes())
    with pytest.raises(ModelFileError, match=r"make 795,000,000,010 parameters, over the 16,000,000 limit"):
        model_io.load(path)


@pytest.mark.parametrize("member, content, message", [
    ("weights_0.npy", npy_header((10**9, 784)), r"weights_0 has shape \(1000000000, 784\), expected \(30, 784\)"),
    ("weights_0.npy", npy_header((30, 784)), "weights_0 is truncated: 64 of 94080 bytes"),
    ("weights_0.npy", npy_header((30, 784), "|O"), "weights_0 has dtype object"),
    ("weights_0.npy", b"not a .npy file at all", "weights_0 is not a valid .npy array"),
    ("metadata.npy", npy_header((), "<U100000000"), "metadata is over 4,194,304 characters"),
    ("weights_1.npy", npy_header((10, 30)) + bytes(10 << 20), "weights_1 has data after its 1200 bytes"),
], ids=["huge-shape", "short-data", "object-dtype", "not-npy", "huge-metadata", "zip-bomb-member"])
def test_member_headers_are_checked_before_their_data_is_read(tmp_path, network, member, content, message):
    path = tmp_path / "model.npz"
    model_io.save(path, network, {})
    replace_member(path, member, content)
    with pytest.raises(ModelFileError, match=message):
        model_io.load(path)


def test_members_that_are_not_needed_are_never_read(tmp_path, network):
    path = tmp_path / "model.npz"
    model_io.save(path, network, {})
    replace_member(path, "padding.npy", npy_header((10**12,)))  # would be 4 TB if loaded
    loaded, _ = model_io.load(path)
    assert loaded.sizes == network.sizes


def test_a_zip_with_too_many_members_is_refused_before_it_is_parsed(tmp_path, network):
    path = tmp_path / "model.npz"
    model_io.save(path, network, {})
    with zipfile.ZipFile(path, "a") as archive:
        for i in range(300):
            archive.writestr(f"x{i}", b"")
    with pytest.raises(ModelFileError, match="the zip holds 306 members, a weights file has at most 256"):
        model_io.load(path)


@pytest.mark.parametrize("make, message", [
    (lambda path: os.mkfifo(path), "is a FIFO"),
    (lambda path: path.symlink_to("/dev/zero"), "is a device"),
], ids=["fifo", "dev-zero"])
def test_a_model_path_that_is_not_a_regular_file_is_refused_at_once(tmp_path, make, message):
    make(tmp_path / "model.npz")
    with pytest.raises(ModelFileError, match=message):
        model_io.load(tmp_path / "model.npz")


@pytest.mark.parametrize("changes, message", [
    ({"format_version": True}, "'format_version' is not an integer"),
    ({"cost": ["cross-entropy"]}, "'cost' is not a string"),
    ({"history": "45 epochs"}, "'history' is not a list of objects"),
    ({"test_accuracy": 1.5}, "'test_accuracy' is not a number from 0 to 1"),
    ({"seed": "zero"}, "'seed' is not an integer"),
    ({"average_shifts": 1}, "'average_shifts' is not true or false"),
    ({"reject": {"unsure_below": 2}}, "'reject' is not an object of numbers from 0 to 1"),
    ({"reject": {"confidence": 0.5}}, "'reject' is not an object of numbers from 0 to 1"),
    ({"sizes": [784, 31, 10]}, r"metadata says sizes \[784, 31, 10\], the arrays have \[784, 30, 10\]"),
])
def test_known_metadata_keys_are_type_checked(tmp_path, network, changes, message):
    path = tmp_path / "model.npz"
    model_io.save(path, network, {})
    rewrite(path, metadata=metadata_with(path, **changes))
    with pytest.raises(ModelFileError, match=message):
        model_io.load(path)


def test_a_model_asking_for_a_preprocessing_is_refused(tmp_path, network):
    path = tmp_path / "model.npz"
    model_io.save(path, network, {})
    rewrite(path, metadata=metadata_with(path, preprocess={"invert": True}))
    with pytest.raises(ModelFileError, match="'preprocess' asks for a preprocessing this mnist_app does not apply"):
        model_io.load(path)


def test_unknown_metadata_keys_and_extra_arrays_are_kept_and_ignored(tmp_path, network):
    path = tmp_path / "model.npz"
    model_io.save(path, network, {"favourite_colour": "blue", "history": [{"epoch": 1}]})
    rewrite(path, notes=np.arange(3))
    _, metadata = model_io.load(path)
    assert metadata["favourite_colour"] == "blue" and metadata["history"] == [{"epoch": 1}]


@pytest.mark.parametrize("text, message", [
    ('{"a": ' + "[" * 100_000 + "]" * 100_000 + "}", "metadata is nested too deeply"),
    ('{"seed": ' + "9" * 50_000 + "}", "metadata is not valid JSON"),
], ids=["deep", "huge-integer"])
def test_metadata_the_json_parser_chokes_on_is_one_error(tmp_path, network, text, message):
    path = tmp_path / "model.npz"
    model_io.save(path, network, {})
    rewrite(path, metadata=np.array(text))
    with pytest.raises(ModelFileError, match=message):
        model_io.load(path)


@pytest.mark.parametrize("extra, message", [
    ('"test_accuracy": NaN', "metadata holds NaN, which mnist_app does not read"),
    ('"history": [{"epoch": 1, "train_cost": Infinity}]', "metadata holds Infinity"),
    ('"notes": {"deep": [1, -Infinity]}', "metadata holds -Infinity"),
    ('"learning_rate": 1e999', "metadata holds the number 1e999, too large for a float"),
    ('"output": "model-\\udcff.npz"', "metadata holds a lone surrogate"),
    ('"\\ud800": 1', "metadata holds a lone surrogate"),
], ids=["nan", "infinity-in-history", "minus-infinity-nested", "float-overflow", "surrogate", "surrogate-key"])
def test_metadata_with_numbers_or_text_strict_json_cannot_write_is_refused(tmp_path, network, extra, message):
    """The server writes /api/model with allow_nan=False and every page as UTF-8."""
    path = tmp_path / "model.npz"
    model_io.save(path, network, {})
    text = str(metadata_with(path))
    rewrite(path, metadata=np.array(text[:-1] + ", " + extra + "}"))
    with pytest.raises(ModelFileError, match=message):
        model_io.load(path)


def test_save_writes_what_load_reads_back_from_any_metadata(tmp_path, network):
    path = tmp_path / "model.npz"
    model_io.save(path, network, {"output": os.fsdecode(b"model-\xff.npz"), "history": [{"val_cost": float("nan")}],
                                  "notes": {"best": float("inf")}})
    _, metadata = model_io.load(path)
    assert metadata["output"] == "model-\\udcff.npz"
    assert metadata["history"] == [{"val_cost": None}] and metadata["notes"] == {"best": None}


def test_big_endian_weights_are_read_in_native_order(tmp_path):
    path = tmp_path / "model.npz"
    save_arrays(path, dtype=">f4")
    loaded, _ = model_io.load(path)
    assert all(w.dtype == np.float32 and w.dtype.isnative for w in loaded.weights)


@pytest.mark.parametrize("make", [lambda path: os.mkfifo(path), lambda path: path.mkdir()], ids=["fifo", "directory"])
def test_check_writable_refuses_what_save_must_not_replace(tmp_path, make):
    make(tmp_path / "out.npz")
    with pytest.raises(ModelFileError, match=r"out.npz: (is a directory|cannot write the weights here \(is a FIFO)"):
        model_io.check_writable(tmp_path / "out.npz")
