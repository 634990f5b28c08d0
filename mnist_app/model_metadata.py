"""The JSON metadata of a weights file: parsed with bounds, known keys checked by type.

Unknown keys are kept as they are (a newer mnist_app may add some); known keys must have
the type mnist_app writes, so that code reading ``metadata["history"]`` or
``metadata["test_accuracy"]`` can rely on it. Everywhere, numbers are finite and strings
are valid Unicode: NaN, Infinity, numbers too large for a float and lone surrogates are
refused when the file is read, so that whatever shows the metadata (the report, the
server's /api/model, which writes strict JSON) never meets them. :func:`metadata_json`
writes them as null and as backslash escapes, so every file mnist_app saves reads back.
"""

from __future__ import annotations

import dataclasses
import json
import math
from numbers import Real

from mnist_app.confidence import RejectRule
from mnist_app.errors import ModelFileError

FORMAT_VERSION = 1
ACTIVATION = "sigmoid"


def _integer(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _finite_number(value) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value)


def _fraction_or_none(value) -> bool:
    return value is None or (_finite_number(value) and 0 <= value <= 1)


def _list_of_objects(value) -> bool:
    return isinstance(value, list) and all(isinstance(item, dict) for item in value)


def _string_map(value) -> bool:
    return isinstance(value, dict) and all(isinstance(item, str) for item in value.values())


REJECT_FIELDS = frozenset(field.name for field in dataclasses.fields(RejectRule))


def _reject_rule(value) -> bool:
    """The thresholds of a RejectRule: known names, each a number from 0 to 1."""
    return isinstance(value, dict) and set(value) <= REJECT_FIELDS and \
        all(_finite_number(v) and 0 <= v <= 1 for v in value.values())


# key -> (what it must be, in words; the check)
KNOWN_KEYS = {
    "format_version": ("an integer", _integer),
    "activation": ("a string", lambda v: isinstance(v, str)),
    "cost": ("a string", lambda v: isinstance(v, str)),
    "sizes": ("a list of integers", lambda v: isinstance(v, list) and all(map(_integer, v))),
    "mnist_app_version": ("a string", lambda v: isinstance(v, str)),
    "created_utc": ("a string", lambda v: isinstance(v, str)),
    "output": ("a string", lambda v: isinstance(v, str)),
    "hyperparameters": ("an object", lambda v: isinstance(v, dict)),
    "seed": ("an integer", _integer),
    "history": ("a list of objects", _list_of_objects),
    "epochs": ("a list of objects", _list_of_objects),
    "best_epoch": ("an integer or null", lambda v: v is None or _integer(v)),
    "validation_accuracy": ("a number from 0 to 1 or null", _fraction_or_none),
    "test_accuracy": ("a number from 0 to 1 or null", _fraction_or_none),
    "interrupted": ("true or false", lambda v: isinstance(v, bool)),
    "training_data_sha256": ("an object of strings", _string_map),
    "reject": (f"an object of numbers from 0 to 1 named {sorted(REJECT_FIELDS)}", _reject_rule),
    "deskew": ("true or false", lambda v: isinstance(v, bool)),
    "average_shifts": ("true or false", lambda v: isinstance(v, bool)),
    "teacher": ("an object", lambda v: isinstance(v, dict)),
}


# A key asking for a preprocessing of the pictures: no mnist_app writes it, and this one
# reads pictures only by its own convention (the "deskew" and "average_shifts" keys), so
# keeping such a file as an unknown key would read its pictures wrongly without a word.
UNSUPPORTED_PREPROCESS_KEY = "preprocess"


def parse_metadata(text: str, costs) -> dict:
    """The metadata object in the JSON ``text``, checked; ``costs`` are the known cost names.

    Raises ModelFileError for JSON that does not parse (including nesting too deep for the
    parser and integers of thousands of digits), NaN, Infinity, a number too large for a
    float, a lone surrogate, a non-object, an unsupported format version, activation or
    cost, a "preprocess" key, and any known key of the wrong type.
    """
    try:
        metadata = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
        json.dumps(metadata, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise ModelFileError("metadata holds a lone surrogate, which is not valid Unicode") from None
    except RecursionError:
        raise ModelFileError("metadata is nested too deeply") from None
    except ValueError as error:  # JSONDecodeError, or an integer too long to convert
        raise ModelFileError(f"metadata is not valid JSON ({str(error)[:100]})") from None
    if not isinstance(metadata, dict):
        raise ModelFileError("metadata is not a JSON object")
    for key, (expected, is_valid) in KNOWN_KEYS.items():
        if key in metadata and not is_valid(metadata[key]):
            raise ModelFileError(f"metadata {key!r} is not {expected}")
    if UNSUPPORTED_PREPROCESS_KEY in metadata:
        raise ModelFileError(f"metadata {UNSUPPORTED_PREPROCESS_KEY!r} asks for a preprocessing this mnist_app "
                             "does not apply (it reads pictures by 'deskew' and 'average_shifts' only)")
    version = metadata.get("format_version")
    if version != FORMAT_VERSION:
        raise ModelFileError(f"unsupported format version {version!r} (this mnist_app reads {FORMAT_VERSION})")
    if metadata.get("activation") != ACTIVATION:
        raise ModelFileError(f"unsupported activation {metadata.get('activation')!r}")
    if metadata.get("cost") not in costs:
        raise ModelFileError(f"unknown cost {metadata.get('cost')!r}")
    return metadata


def metadata_json(metadata: dict) -> str:
    """``metadata`` as the JSON text a weights file holds, which :func:`parse_metadata`
    reads back: numbers that are not finite become null, and lone surrogates (a file name
    in no valid encoding, say) become backslash escapes."""
    return json.dumps(_readable(metadata), allow_nan=False)


def _readable(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, dict):
        return {_readable(key): _readable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_readable(item) for item in value]
    return value


def _refuse_constant(name: str):
    raise ModelFileError(f"metadata holds {name}, which mnist_app does not read: numbers must be finite")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ModelFileError(f"metadata holds the number {text[:30]}, too large for a float")
    return value
