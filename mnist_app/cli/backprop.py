"""``mnist-app backprop``: teach the network one image and print every number of the step."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from mnist_app.cli.common import EXIT_OK, add_model_option, finite_number, printable, replacing, whole_number
from mnist_app.constants import DEFAULT_TEACH_ETA, FRAME, N_CLASSES
from mnist_app.errors import ImageError, MnistAppError
from mnist_app.limits import MAX_TEACH_ETA, MAX_TEACH_STEPS

WHY_PNG_SCALE = 10  # --why writes each of the 28x28 pixels as a square this many pixels wide


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "backprop",
        help="teach the network one image: one SGD step, in the book's BP1-BP4",
        description="Say what digit an image shows and watch backpropagation teach it to the network: "
        "the forward pass, the cost, BP1-BP4 and the update w <- w - eta dC/dw, then the outputs and "
        "cost after it. Plain SGD on this one example, no momentum or L2, on a copy of the weights: "
        "the model file never changes. The image is read once, as the network sees it (redrawn as "
        "MNIST's 28x28, deskewed if the model reads deskewed digits). Symbols are the book's: layer 1 "
        "is the input, a^2 the hidden layer, a^L the output.",
    )
    parser.add_argument("image", metavar="IMAGE", help="an image file, or - for one image on stdin")
    parser.add_argument("--label", type=whole_number(0, N_CLASSES - 1), required=True, metavar="D",
                        help="the digit the image shows (0-9): the target y of the step")
    parser.add_argument("--eta", type=finite_number(0, MAX_TEACH_ETA, low_inclusive=False, high_inclusive=True),
                        default=DEFAULT_TEACH_ETA, metavar="ETA",
                        help=f"learning rate, above 0 and at most {MAX_TEACH_ETA:g} (default: %(default)g)")
    parser.add_argument("--steps", type=whole_number(1, MAX_TEACH_STEPS), default=1, metavar="N",
                        help=f"SGD steps on the example, 1-{MAX_TEACH_STEPS}; the gradients shown are "
                        "the first step's (default: %(default)s)")
    add_model_option(parser)
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object: input, label, eta, cost, cost_after, outputs, "
                        "outputs_after, hidden, delta_output, delta_hidden, nabla_b, nabla_w, why")
    parser.add_argument("--check", action="store_true",
                        help="also compare backprop's gradients with central finite differences "
                        "(relative error, float64; a second or two; with --json, under \"check\")")
    parser.add_argument("--why", metavar="PNG",
                        help="write the input gradient of the digit read as a PNG: red where more ink "
                        "raises that output, blue where it lowers it")
    parser.set_defaults(run=run)


def run(args) -> int:
    import numpy as np  # here, after the arguments are checked: numpy takes a while to load

    from mnist_app.atomic import check_writable
    from mnist_app.cli.backprop_text import describe, describe_check
    from mnist_app.decode import read_image_bytes
    from mnist_app.predict import Classifier
    from mnist_app.preprocess import to_mnist_image
    from mnist_app.teach import teach

    if args.why:
        if args.image != "-" and _same_file(args.why, args.image):
            raise MnistAppError(f"{args.why}: is the image itself; give another name for the picture")
        try:
            check_writable(args.why)  # before any work: a directory, device or FIFO is refused
        except OSError as error:
            raise MnistAppError(f"{args.why}: cannot write the picture here ({error.strerror})") from None
    classifier = Classifier.load(args.model)
    try:
        source = read_image_bytes(sys.stdin.buffer) if args.image == "-" else args.image
        picture = classifier.model.convention.prepare(to_mnist_image(source)[np.newaxis])[0]
    except ImageError as error:  # named, as `predict` names the image it could not read
        raise ImageError(f"{args.image}: {error}") from None
    lesson = teach(classifier.network, picture, args.label, args.eta, args.steps)
    errors = _gradient_check(classifier.network, picture, args.label) if args.check else None
    replaced = replacing(args.why) if args.why else ""
    if args.why:
        _write_why(Path(args.why), lesson.why)
    if args.json:
        record = lesson.to_json()
        if errors is not None:
            record["check"] = errors
        print(json.dumps(record))
    else:
        for line in describe(printable(args.image), lesson, classifier.model.convention.deskew):
            print(line)
        if errors is not None:
            print(describe_check(errors))
        if args.why:
            print(printable(f"why: wrote {args.why}{replaced} (red: more ink there raises a^L_{lesson.read_digit}, "
                            "blue: lowers it)"))
    return EXIT_OK


def _same_file(first: str, second: str) -> bool:
    try:
        return os.path.samefile(first, second)
    except OSError:  # either is missing (or unreadable): they are not one file
        return False


def _gradient_check(network, picture, label) -> dict:
    """teach.gradient_check with a tqdm bar over the parameters on a terminal."""
    from tqdm import tqdm

    from mnist_app.teach import gradient_check

    total = sum(w.size + b.size for w, b in zip(network.weights, network.biases))
    with tqdm(total=total, desc="finite differences", unit="parameter", leave=False,
              disable=not sys.stderr.isatty()) as bar:
        return gradient_check(network, picture, label, progress=bar.update)


def _write_why(path: Path, why) -> None:
    """The input gradient ``why`` (784,) as a PNG in the report's diverging colours, each
    pixel WHY_PNG_SCALE wide, written atomically."""
    import numpy as np

    from mnist_app.atomic import atomic_write
    from mnist_app.report.images import diverging, png_bytes

    limit = float(np.abs(why).max()) or 1.0
    colours = diverging(why.reshape(FRAME, FRAME), limit)
    pixels = colours.repeat(WHY_PNG_SCALE, axis=0).repeat(WHY_PNG_SCALE, axis=1)
    try:
        with atomic_write(path) as file:
            file.write(png_bytes(pixels))
    except OSError as error:
        raise MnistAppError(f"{path}: cannot write the picture ({error.strerror})") from None
