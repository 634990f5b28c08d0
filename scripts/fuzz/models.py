"""Weights files to throw at the model loader: wrong sizes, broken zips, lying headers, odd metadata.

``MODELS`` maps a name to (builder, verdict): the builder writes the file at a path, the
verdict says whether a careful loader should "accept" or "reject" it.
"""

from __future__ import annotations

import io
import json
import pickle
import zipfile
from pathlib import Path

import numpy as np

GOOD_SIZES = (784, 30, 10)


def _metadata(**changes) -> dict:
    metadata = {"format_version": 1, "activation": "sigmoid", "cost": "cross-entropy",
                "sizes": list(GOOD_SIZES), "mnist_app_version": "fuzz", "created_utc": "2024-01-01T00:00:00+00:00"}
    metadata.update(changes)
    return {key: value for key, value in metadata.items() if value is not _DROP}


_DROP = object()


def _arrays(sizes=GOOD_SIZES, dtype=np.float32, metadata=None, seed=0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    arrays = {"sizes": np.array(sizes, dtype=np.int64),
              "metadata": np.array(json.dumps(metadata if metadata is not None else _metadata(sizes=list(sizes))))}
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        arrays[f"weights_{i}"] = rng.normal(0, n_in ** -0.5, (n_out, n_in)).astype(dtype)
        arrays[f"biases_{i}"] = rng.normal(0, 1, n_out).astype(dtype)
    return arrays


def _npz(**changes):
    """A builder: the good arrays with ``changes`` (None removes an array)."""
    def build(path: Path) -> None:
        arrays = _arrays()
        for name, value in changes.items():
            if value is None:
                arrays.pop(name)
            else:
                arrays[name] = value
        np.savez(path, **arrays)
    return build


def _sized(sizes, **kwargs):
    return lambda path: np.savez(path, **_arrays(sizes, **kwargs))


def _with_metadata(**changes):
    return _npz(metadata=np.array(json.dumps(_metadata(**changes))))


def _raw_metadata(text: str):
    return _npz(metadata=np.array(text))


def _bytes(content: bytes):
    return lambda path: path.write_bytes(content)


def _zip(members: dict[str, bytes], compression=zipfile.ZIP_STORED):
    def build(path: Path) -> None:
        with zipfile.ZipFile(path, "w", compression) as archive:
            for name, data in members.items():
                archive.writestr(name, data)
    return build


def _npy(array: np.ndarray, allow_pickle=False) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=allow_pickle)
    return buffer.getvalue()


def _npy_header(shape, descr="<f4", fortran=False) -> bytes:
    """A .npy header declaring ``shape`` and ``descr``, with a few bytes of data after it."""
    header = repr({"descr": descr, "fortran_order": fortran, "shape": tuple(shape)}).encode()
    header += b" " * (63 - (len(header) + 10) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header + bytes(64)


def _good_members(**changes) -> dict[str, bytes]:
    members = {f"{name}.npy": _npy(array) for name, array in _arrays().items()}
    for name, value in changes.items():
        if value is None:
            members.pop(f"{name}.npy")
        else:
            members[f"{name}.npy"] = value
    return members


def _extra_zero_member(size: int):
    """The good model plus a member of ``size`` zero bytes (compresses to ~size/1000)."""
    def build(path: Path) -> None:
        _zip(_good_members())(path)
        with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
            with archive.open("padding.npy", "w", force_zip64=True) as member:
                block = bytes(1 << 24)
                for _ in range(size // len(block)):
                    member.write(block)
    return build


def _many_members(count: int):
    def build(path: Path) -> None:
        with zipfile.ZipFile(path, "w") as archive:
            for name, data in _good_members().items():
                archive.writestr(name, data)
            for i in range(count):
                archive.writestr(f"x{i}", b"")
    return build


def _nested_json(depth: int) -> str:
    return json.dumps(_metadata())[:-1] + ', "deep": ' + "[" * depth + "]" * depth + "}"


MODELS = {
    # (builder, "accept" or "reject")
    "good-784-30-10": (_sized(GOOD_SIZES), "accept"),
    "good-float64": (_sized(GOOD_SIZES, dtype=np.float64), "accept"),
    "good-784-10": (_sized((784, 10)), "accept"),
    "good-784-100-30-10": (_sized((784, 100, 30, 10)), "accept"),
    "good-unknown-metadata-key": (_with_metadata(favourite_colour="blue"), "accept"),
    "good-extra-member": (_npz(notes=np.arange(3)), "accept"),
    "good-history-and-reject": (_with_metadata(history=[{"epoch": 1, "val_accuracy": 0.9}],
                                               reject={"not_a_digit_below": 0.1, "unsure_below": 0.3}), "accept"),
    "reject-unknown-threshold": (_with_metadata(reject={"confidence": 0.5}), "reject"),
    "reject-threshold-string": (_with_metadata(reject={"unsure_below": "high"}), "reject"),
    "reject-threshold-2": (_with_metadata(reject={"unsure_below": 2.0}), "reject"),
    "sizes-784-30-9": (_sized((784, 30, 9)), "reject"),
    "sizes-784-30-11": (_sized((784, 30, 11)), "reject"),
    "sizes-783-30-10": (_sized((783, 30, 10)), "reject"),
    "sizes-785-30-10": (_sized((785, 30, 10)), "reject"),
    "sizes-one-layer": (_npz(sizes=np.array([784], np.int64)), "reject"),
    "sizes-zero-hidden": (_npz(sizes=np.array([784, 0, 10], np.int64)), "reject"),
    "sizes-negative": (_npz(sizes=np.array([784, -30, 10], np.int64)), "reject"),
    "sizes-float": (_npz(sizes=np.array([784.0, 30.0, 10.0])), "reject"),
    "sizes-2d": (_npz(sizes=np.array([[784, 30, 10]], np.int64)), "reject"),
    "sizes-huge-declared": (_npz(sizes=np.array([784, 2**40, 10], np.int64)), "reject"),
    "sizes-int64-max": (_npz(sizes=np.array([784, 2**63 - 1, 10], np.int64)), "reject"),
    "sizes-1000-layers": (_npz(sizes=np.full(1000, 784, np.int64)), "reject"),
    "sizes-metadata-mismatch": (_with_metadata(sizes=[784, 31, 10]), "reject"),
    "weights-transposed": (_npz(weights_0=np.zeros((784, 30), np.float32)), "reject"),
    "weights-0d": (_npz(weights_1=np.float32(1.0)), "reject"),
    "weights-nan": (_npz(weights_1=np.full((10, 30), np.nan, np.float32)), "reject"),
    "biases-inf": (_npz(biases_0=np.full(30, np.inf, np.float32)), "reject"),
    "weights-int": (_npz(weights_1=np.zeros((10, 30), np.int32)), "reject"),
    "weights-complex": (_npz(weights_1=np.zeros((10, 30), np.complex64)), "reject"),
    "weights-float16": (_npz(weights_1=np.zeros((10, 30), np.float16)), "reject"),
    "weights-big-endian": (_npz(weights_1=np.zeros((10, 30), ">f4"), biases_1=np.zeros(10, ">f4")), "accept"),
    "weights-fortran": (_npz(weights_0=np.asfortranarray(np.zeros((30, 784), np.float32))), "accept"),
    "weights-mixed-dtypes": (_npz(weights_1=np.zeros((10, 30), np.float64)), "reject"),
    "weights-missing": (_npz(weights_1=None), "reject"),
    "metadata-missing": (_npz(metadata=None), "reject"),
    "metadata-int": (_npz(metadata=np.array(5)), "reject"),
    "metadata-bytes": (_npz(metadata=np.array(b"{}")), "reject"),
    "metadata-json-list": (_raw_metadata("[1, 2]"), "reject"),
    "metadata-not-json": (_raw_metadata("{not json"), "reject"),
    "metadata-deep-nesting": (_raw_metadata(_nested_json(100_000)), "reject"),
    "metadata-huge-int": (_raw_metadata(json.dumps(_metadata())[:-1] + ', "seed": ' + "9" * 50_000 + "}"), "reject"),
    "metadata-nan-inf": (_raw_metadata(json.dumps(_metadata(test_accuracy=float("nan"), seed=float("inf")))), "reject"),
    "metadata-version-string": (_with_metadata(format_version="1"), "reject"),
    "metadata-version-true": (_with_metadata(format_version=True), "reject"),
    "metadata-cost-number": (_with_metadata(cost=5), "reject"),
    "metadata-cost-list": (_with_metadata(cost=["cross-entropy"]), "reject"),
    "metadata-activation-missing": (_with_metadata(activation=_DROP), "reject"),
    "metadata-history-string": (_with_metadata(history="lots"), "reject"),
    "metadata-reject-list": (_with_metadata(reject=[0.5]), "reject"),
    "metadata-seed-string": (_with_metadata(seed="zero"), "reject"),
    "metadata-deskew-string": (_with_metadata(deskew="false"), "reject"),
    "good-deskew-and-teacher": (_with_metadata(deskew=True, teacher={"sizes": [784, 400, 10]}), "accept"),
    "metadata-hyperparameters-list": (_with_metadata(hyperparameters=[1, 2]), "reject"),
    "metadata-accuracy-string": (_with_metadata(test_accuracy="97%"), "reject"),
    "metadata-2d-unicode": (_npz(metadata=np.array([["{}"]])), "reject"),
    "metadata-declares-400MB": (_zip(_good_members(metadata=_npy_header((), descr="<U100000000"))), "reject"),
    "pickled-object-array": (_zip(_good_members(metadata=_npy(np.array([{"a": 1}], dtype=object), True))), "reject"),
    "pickle-file": (_bytes(pickle.dumps({"sizes": [784, 30, 10]})), "reject"),
    "not-a-zip-text": (_bytes(b"hello, I am a text file\n"), "reject"),
    "not-a-zip-empty": (_bytes(b""), "reject"),
    "not-a-zip-random": (_bytes(np.random.default_rng(0).integers(0, 256, 4096, np.uint8).tobytes()), "reject"),
    "npy-not-npz": (_bytes(_npy(np.zeros((30, 784), np.float32))), "reject"),
    "zip-of-text-members": (_zip({name: b"not npy data" for name in _good_members()}), "reject"),
    "zip-truncated": (lambda path: (_sized(GOOD_SIZES)(path), path.write_bytes(path.read_bytes()[:5000])), "reject"),
    "zip-only-central-directory": (lambda path: (_sized(GOOD_SIZES)(path), path.write_bytes(path.read_bytes()[-300:])), "reject"),
    "npy-huge-shape": (_zip(_good_members(weights_0=_npy_header((10**9, 784)))), "reject"),
    "npy-shape-overflow": (_zip(_good_members(weights_0=_npy_header((2**62, 2**62)))), "reject"),
    "npy-bad-header": (_zip(_good_members(weights_0=b"\x93NUMPY\x01\x00\xff\xff" + b"{" * 100)), "reject"),
    "npy-version-9": (_zip(_good_members(weights_0=b"\x93NUMPY\x09\x00" + bytes(100))), "reject"),
    "npy-short-data": (_zip(_good_members(weights_0=_npy(np.zeros((30, 784), np.float32))[:2000])), "reject"),
    "npy-trailing-data": (_zip(_good_members(weights_0=_npy(np.zeros((30, 784), np.float32)) + bytes(1000))), "reject"),
    "npy-descr-object": (_zip(_good_members(weights_0=_npy_header((30, 784), descr="|O"))), "reject"),
    "npy-descr-struct": (_zip(_good_members(weights_0=_npy_header((30, 784), descr=[("a", "<f4")]))), "reject"),
    "deflated-members": (_zip(_good_members(), zipfile.ZIP_DEFLATED), "accept"),
    "bzip2-members": (_zip(_good_members(), zipfile.ZIP_BZIP2), "accept"),
    "lzma-members": (_zip(_good_members(), zipfile.ZIP_LZMA), "accept"),
    "members-without-npy-suffix": (_zip({name[:-4]: data for name, data in _good_members().items()}), "reject"),
    "extra-member-1GB-zeros": (_extra_zero_member(1 << 30), "accept"),
    "extra-20000-members": (_many_members(20_000), "reject"),
    "weights-member-zip-bomb": (_zip(_good_members(weights_0=_npy_header((30, 784)) + bytes(200 << 20)),
                                     zipfile.ZIP_DEFLATED), "reject"),
}

HEAVY = frozenset({"extra-member-1GB-zeros", "weights-member-zip-bomb"})  # seconds to build; not in --quick


def _with_json(fragment: str):
    """The good model whose metadata ends with the raw JSON ``fragment`` ("key": value)."""
    return _raw_metadata(json.dumps(_metadata())[:-1] + ", " + fragment + "}")


_EPOCHS = [{"epoch": 1, "train_cost": 0.5, "val_accuracy": 0.9, "learning_rate": 0.1},
           {"epoch": 2, "train_cost": 0.4, "val_accuracy": 0.92, "learning_rate": 0.1}]


def _history(**first_epoch):
    return [{**_EPOCHS[0], **first_epoch}, _EPOCHS[1]]


# Metadata that loads but is odd, or that strict JSON and UTF-8 cannot carry: what is loaded
# must then render in the report and in the server's /api/model (fuzz.worker "metadata").
ODD_METADATA = {
    "metadata-nan-in-history": (_with_json('"history": [{"epoch": 1, "train_cost": NaN}]'), "reject"),
    "metadata-infinity-nested": (_with_json('"notes": {"a": [1, {"b": Infinity}]}'), "reject"),
    "metadata-minus-infinity-key": (_with_json('"hyperparameters": {"learning_rate": -Infinity}'), "reject"),
    "metadata-float-overflow-1e999": (_with_json('"hyperparameters": {"learning_rate": 1e999}'), "reject"),
    "metadata-lone-surrogate": (_with_json('"created_utc": "2024-\\ud800"'), "reject"),
    "metadata-lone-surrogate-key": (_with_json('"\\udc80": 1'), "reject"),
    "metadata-surrogate-pair": (_with_json('"notes": "\\ud83d\\ude00"'), "accept"),
    "metadata-init-list": (_with_metadata(hyperparameters={"init": [1, 2]}), "accept"),
    "metadata-init-dict": (_with_metadata(hyperparameters={"init": {"scale": 2}}), "accept"),
    "metadata-rate-1.7e308": (_with_metadata(history=_history(learning_rate=1.7e308)), "accept"),
    "metadata-cost-1.7e308": (_with_metadata(history=_history(train_cost=1.7e308)), "accept"),
    "metadata-cost-minus-1.7e308": (_with_metadata(history=_history(train_cost=-1.7e308)), "accept"),
    "metadata-epoch-1e300": (_with_metadata(history=_history(epoch=1e300)), "accept"),
    "metadata-epoch-int-10**300": (_with_metadata(history=_history(epoch=10**300)), "accept"),
    "metadata-seconds-1.7e308": (_with_metadata(history=_history(seconds=1.7e308)), "accept"),
    "metadata-best-epoch-10**300": (_with_metadata(history=_history(), best_epoch=10**300), "accept"),
    "metadata-hyperparameters-1.7e308": (_with_metadata(hyperparameters={"learning_rate": 1.7e308,
                                                                        "epochs": 10**300}), "accept"),
    "metadata-script-and-controls": (_with_metadata(hyperparameters={"init": "<script>\u202e\x1b[31m"}), "accept"),
}
MODELS.update(ODD_METADATA)
