"""Save and load a network's weights as a self-describing ``.npz`` file.

Layout (format version 1):

    sizes          int64 (L,)                layer sizes, e.g. [784, 30, 10]
    weights_<i>    float32/64 (sizes[i+1], sizes[i])   for i = 0 .. L-2
    biases_<i>     float32/64 (sizes[i+1],)
    metadata       0-d unicode string: JSON with format_version, activation, cost,
                   mnist_app_version, created_utc and whatever the trainer recorded
                   (hyperparameters, seed, history, accuracies, training-data hash).

Loading reads only these members, never unpickles, and checks each one's shape and dtype
against the layer sizes before reading its data (:mod:`mnist_app.npz`). The network must
read digits: 784 inputs, 10 outputs, finite weights, at most MAX_MODEL_PARAMETERS. A bad
file gives one ModelFileError instead of a failure deep in numpy or a huge allocation.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone

import numpy as np

from mnist_app import __version__
from mnist_app.constants import DEFAULT_MODEL_NAME, INPUT_SIZE, N_CLASSES
from mnist_app.errors import ModelFileError
from mnist_app.limits import (
    MAX_METADATA_CHARS,
    MAX_MODEL_FILE_BYTES,
    MAX_MODEL_LAYERS,
    MAX_MODEL_MEMBERS,
    MAX_MODEL_PARAMETERS,
)
from mnist_app.model_metadata import ACTIVATION, FORMAT_VERSION, metadata_json, parse_metadata
from mnist_app.network import COSTS, Network
from mnist_app.npz import NpzReader
from mnist_app.safe_io import UnsafeInput, describe_oserror, open_regular_file

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
UNICODE_BYTES = 4  # numpy stores a "<U" string as 4 bytes per character
# os.path rather than pathlib: importing pathlib alone took 4% of `mnist-app predict one.png`.
_PACKAGE_DIR = os.path.dirname(os.path.realpath(__file__))


def default_model_path() -> str:
    """The shipped weights: inside the installed package, else in a source checkout's models/."""
    candidates = [os.path.join(folder, "models", DEFAULT_MODEL_NAME)
                  for folder in (_PACKAGE_DIR, os.path.dirname(_PACKAGE_DIR))]
    for candidate in candidates:
        if os.path.isfile(candidate):
            return candidate
    raise ModelFileError(
        f"no shipped model found (looked for {candidates[0]} and {candidates[1]}); pass --model PATH"
    )


def save(path: str | os.PathLike, network: Network, metadata: dict) -> None:
    """Write ``network`` and ``metadata`` (JSON-serialisable) to ``path`` atomically."""
    full_metadata = {
        "format_version": FORMAT_VERSION,
        "activation": ACTIVATION,
        "cost": network.cost.name,
        "sizes": network.sizes,
        "mnist_app_version": __version__,
        "created_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        **metadata,
    }
    arrays = {"sizes": np.array(network.sizes, dtype=np.int64), "metadata": np.array(metadata_json(full_metadata))}
    for i, (w, b) in enumerate(zip(network.weights, network.biases)):
        arrays[f"weights_{i}"] = w
        arrays[f"biases_{i}"] = b
    from mnist_app import atomic  # only for writing: reading a model need not import it

    try:
        with atomic.atomic_write(path) as file:
            # mypy checks **arrays against savez's allow_pickle: bool (numpy >= 2.1), a name no key
            # here has; unused-ignore keeps older numpy, whose savez has no such parameter, quiet.
            np.savez(file, **arrays)  # type: ignore[arg-type, unused-ignore]
    except OSError as error:
        raise ModelFileError(f"{path}: cannot write the weights here ({error.strerror})") from None


def check_writable(path: str | os.PathLike) -> None:
    """Raise ModelFileError now if :func:`save` could not write ``path``, so that a long
    training run is not lost at the end: a directory, a device or FIFO, a name too long,
    no permission. Creates missing parent directories, as save does."""
    from mnist_app import atomic

    try:
        atomic.check_writable(path)
    except IsADirectoryError:
        raise ModelFileError(f"{path}: is a directory; give a file name for the weights") from None
    except NotADirectoryError:
        raise ModelFileError(f"{path}: {os.path.dirname(os.fspath(path)) or '.'} is not a directory") from None
    except OSError as error:
        raise ModelFileError(f"{path}: cannot write the weights here ({error.strerror})") from None


def load(path: str | os.PathLike) -> tuple[Network, dict]:
    """Read a weights file written by :func:`save`; returns the network and its metadata."""
    path = os.fspath(path)
    try:
        file = open_regular_file(path, MAX_MODEL_FILE_BYTES)
    except UnsafeInput as error:
        reason = {"no such file": "no such model file", "is a directory": "is a directory, not a model file"}
        raise ModelFileError(f"{path}: {reason.get(str(error), str(error))}") from None
    try:
        with file, NpzReader(file, MAX_MODEL_MEMBERS) as archive:
            return _read_network(archive)
    except ModelFileError as error:
        raise ModelFileError(f"{path}: {error}") from None
    except OSError as error:  # a regular file that cannot be read, e.g. /proc/self/mem (EINVAL)
        raise ModelFileError(f"{path}: cannot read the model file ({describe_oserror(error)})") from None


def _read_network(archive: NpzReader) -> tuple[Network, dict]:
    """The network and metadata in ``archive``, each member checked before it is read."""
    if not {"sizes", "metadata"} <= archive.names:
        missing = sorted({"sizes", "metadata"} - archive.names)[0]
        raise ModelFileError(f"not a mnist_app weights file (no {missing!r} array)")
    sizes = _checked_sizes(archive.read("sizes", _sizes_header))
    metadata = parse_metadata(str(archive.read("metadata", _metadata_header)), COSTS)
    if "sizes" in metadata and metadata["sizes"] != sizes:
        raise ModelFileError(f"metadata says sizes {metadata['sizes']}, the arrays have {sizes}")
    weights, biases = [], []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        weights.append(_checked_finite(archive.read(f"weights_{i}", _float_header((n_out, n_in))), f"weights_{i}"))
        biases.append(_checked_finite(archive.read(f"biases_{i}", _float_header((n_out,))), f"biases_{i}"))
    if len({a.dtype for a in weights + biases}) != 1:
        raise ModelFileError("weights and biases have mixed dtypes")
    return Network.from_parameters(weights, biases, metadata["cost"]), metadata


def _sizes_header(shape, dtype) -> str | None:
    if dtype.kind not in "iu" or len(shape) != 1:
        return f"must be a list of integers, got {dtype} {shape}"
    if not 2 <= shape[0] <= MAX_MODEL_LAYERS:
        return f"must list 2 to {MAX_MODEL_LAYERS} layer sizes, got {shape[0]}"
    return None


def _checked_sizes(array: np.ndarray) -> list[int]:
    """The layer sizes, if they make a digit reader of a bounded size."""
    sizes = array.tolist()
    if min(sizes) < 1:
        raise ModelFileError(f"bad layer sizes {sizes}")
    if sizes[0] != INPUT_SIZE or sizes[-1] != N_CLASSES:
        raise ModelFileError(f"layer sizes {sizes} do not read digits: expected {INPUT_SIZE} inputs "
                             f"(28x28 pixels) and {N_CLASSES} outputs (digits 0-9)")
    parameters = sum(n_out * (n_in + 1) for n_in, n_out in zip(sizes[:-1], sizes[1:]))
    if parameters > MAX_MODEL_PARAMETERS:
        raise ModelFileError(f"layer sizes {sizes} make {parameters:,} parameters, "
                             f"over the {MAX_MODEL_PARAMETERS:,} limit")
    return sizes


def _metadata_header(shape, dtype) -> str | None:
    if shape != () or dtype.kind != "U":
        return "is not a JSON string"
    if dtype.itemsize > MAX_METADATA_CHARS * UNICODE_BYTES:
        return f"is over {MAX_METADATA_CHARS:,} characters"
    return None


def _float_header(shape: tuple[int, ...]):
    def check(actual_shape, dtype) -> str | None:
        if actual_shape != shape:
            return f"has shape {actual_shape}, expected {shape}"
        if dtype.newbyteorder("=") not in FLOAT_DTYPES:
            return f"has dtype {dtype}, expected float32 or float64"
        return None
    return check


def _checked_finite(array: np.ndarray, name: str) -> np.ndarray:
    if not np.isfinite(array).all():
        raise ModelFileError(f"{name} holds NaN or infinite values")
    return array
