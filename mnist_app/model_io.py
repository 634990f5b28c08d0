"""Save and load a network's weights as a self-describing ``.npz`` file.

Layout (format version 1):

    sizes          int64 (L,)                layer sizes, e.g. [784, 30, 10]
    weights_<i>    float32/64 (sizes[i+1], sizes[i])   for i = 0 .. L-2
    biases_<i>     float32/64 (sizes[i+1],)
    metadata       0-d unicode string: JSON with format_version, activation, cost,
                   mnist_app_version, created_utc and whatever the trainer recorded
                   (hyperparameters, seed, accuracies, training-data hash).

Loading never unpickles (``allow_pickle=False``) and checks everything before building a
Network, so a bad file gives one ModelFileError instead of a failure deep in numpy.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from mnist_app import __version__
from mnist_app.atomic import atomic_write
from mnist_app.errors import ModelFileError
from mnist_app.network import COSTS, Network

FORMAT_VERSION = 1
DEFAULT_MODEL_NAME = "mnist-784-30-10.npz"
_PACKAGE_DIR = Path(__file__).resolve().parent


def default_model_path() -> Path:
    """The shipped weights: inside the installed package, else in a source checkout's models/."""
    candidates = [_PACKAGE_DIR / "models" / DEFAULT_MODEL_NAME, _PACKAGE_DIR.parent / "models" / DEFAULT_MODEL_NAME]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise ModelFileError(
        f"no shipped model found (looked for {candidates[0]} and {candidates[1]}); pass --model PATH"
    )


def save(path: str | os.PathLike, network: Network, metadata: dict) -> None:
    """Write ``network`` and ``metadata`` (JSON-serialisable) to ``path`` atomically."""
    full_metadata = {
        "format_version": FORMAT_VERSION,
        "activation": "sigmoid",
        "cost": network.cost.name,
        "sizes": network.sizes,
        "mnist_app_version": __version__,
        "created_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        **metadata,
    }
    arrays = {"sizes": np.array(network.sizes, dtype=np.int64), "metadata": np.array(json.dumps(full_metadata))}
    for i, (w, b) in enumerate(zip(network.weights, network.biases)):
        arrays[f"weights_{i}"] = w
        arrays[f"biases_{i}"] = b
    try:
        with atomic_write(path) as file:
            np.savez(file, **arrays)
    except OSError as error:
        raise ModelFileError(f"{path}: cannot write the weights here ({error.strerror})") from None


def check_writable(path: str | os.PathLike) -> None:
    """Raise ModelFileError now if :func:`save` could not write ``path``, so that a long
    training run is not lost at the end. Creates missing parent directories, as save does."""
    path = Path(path)
    if path.is_dir():
        raise ModelFileError(f"{path}: is a directory; give a file name for the weights")
    if path.parent.exists() and not path.parent.is_dir():
        raise ModelFileError(f"{path}: {path.parent} is not a directory")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path.parent):
            pass
    except OSError as error:
        raise ModelFileError(f"{path}: cannot write the weights here ({error.strerror})") from None


def load(path: str | os.PathLike) -> tuple[Network, dict]:
    """Read a weights file written by :func:`save`; returns the network and its metadata."""
    path = Path(path)
    if path.is_dir():
        raise ModelFileError(f"{path}: is a directory, not a model file")
    if not path.is_file():
        raise ModelFileError(f"{path}: no such model file")
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError) as error:
        raise ModelFileError(f"{path}: not a readable .npz weights file ({error})") from None
    try:
        network, metadata = _from_arrays(arrays)
    except ModelFileError as error:
        raise ModelFileError(f"{path}: {error}") from None
    return network, metadata


def _from_arrays(arrays: dict[str, np.ndarray]) -> tuple[Network, dict]:
    for required in ("sizes", "metadata"):
        if required not in arrays:
            raise ModelFileError(f"not a mnist_app weights file (no {required!r} array)")
    metadata = _parse_metadata(arrays["metadata"])
    sizes = arrays["sizes"]
    if sizes.ndim != 1 or len(sizes) < 2 or sizes.dtype.kind not in "iu" or (sizes < 1).any():
        raise ModelFileError(f"bad layer sizes {sizes.tolist()}")
    weights, biases = [], []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1].tolist(), sizes[1:].tolist())):
        weights.append(_checked_array(arrays, f"weights_{i}", (n_out, n_in)))
        biases.append(_checked_array(arrays, f"biases_{i}", (n_out,)))
    if len({a.dtype for a in weights + biases}) != 1:
        raise ModelFileError("weights and biases have mixed dtypes")
    return Network.from_parameters(weights, biases, metadata["cost"]), metadata


def _parse_metadata(array: np.ndarray) -> dict:
    if array.ndim != 0 or array.dtype.kind != "U":
        raise ModelFileError("metadata is not a JSON string")
    try:
        metadata = json.loads(str(array))
    except json.JSONDecodeError as error:
        raise ModelFileError(f"metadata is not valid JSON ({error})") from None
    if not isinstance(metadata, dict):
        raise ModelFileError("metadata is not a JSON object")
    version = metadata.get("format_version")
    if version != FORMAT_VERSION:
        raise ModelFileError(f"unsupported format version {version!r} (this mnist_app reads {FORMAT_VERSION})")
    if metadata.get("activation") != "sigmoid":
        raise ModelFileError(f"unsupported activation {metadata.get('activation')!r}")
    if metadata.get("cost") not in COSTS:
        raise ModelFileError(f"unknown cost {metadata.get('cost')!r}")
    return metadata


def _checked_array(arrays: dict[str, np.ndarray], name: str, shape: tuple[int, ...]) -> np.ndarray:
    if name not in arrays:
        raise ModelFileError(f"missing array {name!r}")
    array = arrays[name]
    if array.shape != shape:
        raise ModelFileError(f"{name} has shape {array.shape}, expected {shape}")
    if array.dtype not in (np.float32, np.float64):
        raise ModelFileError(f"{name} has dtype {array.dtype}, expected float32 or float64")
    if not np.isfinite(array).all():
        raise ModelFileError(f"{name} holds NaN or infinite values")
    return array
