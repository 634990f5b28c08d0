"""Child process of the library-level fuzzing: call mnist_app on many items, report each one.

    python -m fuzz.worker KIND SEED FIRST STOP SCRATCH [quick]

writes its model files under the folder SCRATCH (the caller's, which removes it: the
worker may be killed mid-item), and prints, for each item index in [FIRST, STOP), ``begin INDEX NAME`` before the call and
``done INDEX SECONDS OUTCOME`` after it. OUTCOME is ``ok``, ``rejected: MESSAGE`` (the
library's own exception), ``CRASH TYPE: MESSAGE`` (any other exception) or
``WARNING CATEGORY: MESSAGE`` (a warning escaped the library). The parent enforces the
time and memory bounds and restarts the worker after an item that killed it.
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

from fuzz import images, models


def image_items(seed: int, quick: bool, scratch: Path):
    """(name, call) of mutated images, indexed from 0 without end."""
    from mnist_app.errors import ImageError
    from mnist_app.preprocess import to_mnist_image

    def item(index):
        name, data = images.mutated(seed, index)
        return name, lambda: to_mnist_image(data), ImageError
    return item


def hostile_image_items(seed: int, quick: bool, scratch: Path):
    from mnist_app.errors import ImageError
    from mnist_app.preprocess import to_mnist_image

    names = list(images.QUICK_HOSTILE) if quick else sorted(images.HOSTILE)

    def item(index):
        name = names[index]
        data = images.HOSTILE[name]()
        return name, lambda: to_mnist_image(data), ImageError
    return item


def model_items(seed: int, quick: bool, scratch: Path):
    from mnist_app.errors import ModelFileError
    from mnist_app.predict import Classifier

    names = sorted(set(models.MODELS) - models.HEAVY) if quick else sorted(models.MODELS)
    def item(index):
        name = names[index]
        build, verdict = models.MODELS[name]
        path = scratch / f"{name}.npz"
        build(path)

        def call():
            try:
                classifier = Classifier.load(path)
            finally:
                path.unlink()
            if verdict == "reject":
                raise AssertionError(f"accepted a bad model file, sizes {classifier.network.sizes}")
        return f"{name} ({verdict})", call, ModelFileError if verdict == "reject" else ()
    return item


def metadata_items(seed: int, quick: bool, scratch: Path):
    """Odd metadata: refused in one ModelFileError, or shown by the report (its page encoded
    as UTF-8) and by the server's /api/model (strict JSON) without an exception."""
    from dataclasses import replace

    import numpy as np

    from mnist_app import model_io
    from mnist_app.errors import ModelFileError
    from mnist_app.model import Model
    from mnist_app.predict import Classifier
    from mnist_app.report.figures import compute_figures, learning_curves
    from mnist_app.report.html import render
    from mnist_app.web.api import Api
    from mnist_app.web.settings import Limits

    names = sorted(models.ODD_METADATA)
    figures = []  # computed once, on a few random images, before the first timed item

    def item(index):
        name = names[index]
        build, verdict = models.ODD_METADATA[name]
        path = scratch / f"{name}.npz"
        build(path)
        if verdict == "accept" and not figures:
            network, _ = model_io.load(path)
            rng = np.random.default_rng(seed)
            figures.append(compute_figures(Model(network), rng.integers(0, 256, (40, 28, 28), dtype=np.uint8),
                                           rng.integers(0, 10, 40)))

        def call():
            try:
                network, metadata = model_io.load(path)
            finally:
                path.unlink()
            if verdict == "reject":
                raise AssertionError("accepted metadata that strict JSON or UTF-8 cannot carry")
            curves, note = learning_curves(metadata)
            render(replace(figures[0], metadata=metadata, curves=curves, curves_note=note)).encode("utf-8")
            Api(Classifier(Model.from_file_contents(network, metadata)), Limits()).model_info(None)
        return f"{name} ({verdict})", call, ModelFileError if verdict == "reject" else ()
    return item


KINDS = {"images": image_items, "hostile-images": hostile_image_items, "models": model_items,
         "metadata": metadata_items}


def main() -> None:
    kind, seed, first, stop, scratch = sys.argv[1], *map(int, sys.argv[2:5]), Path(sys.argv[5])
    make_item = KINDS[kind](seed, sys.argv[6:] == ["quick"], scratch)
    for index in range(first, stop):
        name, call, expected = make_item(index)
        print(f"begin {index} {name}", flush=True)
        start = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                call()
                outcome = "ok"
            except expected as error:
                message = str(error)
                outcome = f"rejected: {message}" if "\n" not in message else f"CRASH multi-line message: {message!r}"
            except BaseException as error:  # noqa: BLE001 - reporting anything is the point
                outcome = f"CRASH {type(error).__name__}: {str(error)[:200]!r}"
        if caught and not outcome.startswith("CRASH"):
            first_warning = caught[0]
            outcome = f"WARNING {first_warning.category.__name__}: {str(first_warning.message)[:200]}"
        print(f"done {index} {time.perf_counter() - start:.3f} {outcome}", flush=True)


if __name__ == "__main__":
    main()
