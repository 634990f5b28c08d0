"""``mnist-app backprop``: teach the network one image and print every number of the step."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from mnist_app.cli.common import EXIT_OK, add_model_option, finite_number, printable, whole_number
from mnist_app.constants import FRAME, N_CLASSES
from mnist_app.errors import MnistAppError
from mnist_app.limits import MAX_TEACH_ETA, MAX_TEACH_STEPS
from mnist_app.teach import DEFAULT_ETA, gradient_check, teach

LARGEST = 5  # entries listed for the vectors and matrices too long to print whole
VALUES_PER_LINE = 10
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
                        default=DEFAULT_ETA, metavar="ETA",
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
    from mnist_app.atomic import check_writable
    from mnist_app.decode import read_image_bytes
    from mnist_app.inputs import prepare
    from mnist_app.predict import Classifier
    from mnist_app.preprocess import to_mnist_image

    if args.why:
        try:
            check_writable(args.why)  # before any work: a directory, device or FIFO is refused
        except OSError as error:
            raise MnistAppError(f"{args.why}: cannot write the picture here ({error.strerror})") from None
    classifier = Classifier.load(args.model)
    source = read_image_bytes(sys.stdin.buffer) if args.image == "-" else args.image
    picture = prepare(to_mnist_image(source)[np.newaxis], classifier.metadata)[0]
    lesson = teach(classifier.network, picture, args.label, args.eta, args.steps)
    errors = _gradient_check(classifier.network, picture, args.label) if args.check else None
    if args.why:
        _write_why(Path(args.why), lesson.why)
    if args.json:
        record = lesson.to_json()
        if errors is not None:
            record["check"] = errors
        print(json.dumps(record))
    else:
        for line in describe(printable(args.image), lesson, classifier.metadata.get("deskew", False)):
            print(line)
        if errors is not None:
            print(describe_check(errors))
        if args.why:
            print(printable(f"why: wrote {args.why} (red: more ink there raises a^L_{lesson.read_digit}, "
                            "blue: lowers it)"))
    return EXIT_OK


def _gradient_check(network, picture, label) -> dict:
    """teach.gradient_check with a tqdm bar over the parameters on a terminal."""
    from tqdm import tqdm

    total = sum(w.size + b.size for w, b in zip(network.weights, network.biases))
    with tqdm(total=total, desc="finite differences", unit="parameter", leave=False,
              disable=not sys.stderr.isatty()) as bar:
        return gradient_check(network, picture, label, progress=bar.update)


def _write_why(path: Path, why: np.ndarray) -> None:
    """The input gradient as a PNG in the report's diverging colours, written atomically."""
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


# ------------------------------------------------------------------------ the text output

def _values(vector: np.ndarray, decimals: int = 4, indent: int = 0) -> str:
    """``vector`` with a sign and ``decimals`` decimals, 10 to a line (later lines indented)."""
    texts = [f"{v:+.{decimals}f}" for v in vector]
    rows = [" ".join(texts[i:i + VALUES_PER_LINE]) for i in range(0, len(texts), VALUES_PER_LINE)]
    return "[" + ("\n" + " " * (indent + 1)).join(rows) + "]"


def _largest(array: np.ndarray, name: str) -> str:
    """The LARGEST entries of ``array`` by magnitude, with their indices (0-based)."""
    order = np.argsort(-np.abs(array), axis=None)[:LARGEST]
    entries = []
    for flat in order:
        index = np.unravel_index(flat, array.shape)
        entries.append(f"{name}[{','.join(str(int(i)) for i in index)}] = {array[index]:+.4g}")
    return ", ".join(entries)


def describe(name: str, lesson, deskewed: bool) -> list[str]:
    """The lesson's lines in the book's symbols: layer 1 is the input x, layer L the output."""
    layers = len(lesson.activations)  # L
    out = layers
    y = np.eye(N_CLASSES)[lesson.label]
    seen = "deskewed 28x28" if deskewed else "28x28"
    lines = [
        f"{name}: read as {lesson.read_digit}; teaching it is {lesson.label} "
        f"(η = {lesson.eta:g}, {lesson.steps} step{'s' if lesson.steps > 1 else ''}, "
        "plain SGD on this one example)",
        "",
        f"Forward pass (x = a^1: the {seen} picture as the network sees it, 784 values in [0, 1])",
    ]
    for l in range(2, layers + 1):
        z, a = lesson.zs[l - 2], lesson.activations[l - 1]
        for label, vector in ((f"z^{l} = w^{l} a^{l - 1} + b^{l}", z), (f"a^{l} = σ(z^{l})", a)):
            head = f"  {label + f' ({len(vector)})':<26}: "
            lines += (head + _values(vector, 3, len(head))).split("\n")
    lines += [
        f"  y = e_{lesson.label} (one-hot), C = {lesson.cost:.6f}  (the model's cost)",
        "",
        f"BP1  δ^{out} = ∂C/∂z^{out} = {_bp1_formula(lesson)}:",
        f"       {_values(lesson.delta_output)}",
    ]
    if lesson.network_after.cost.name != "cross-entropy":
        lines.append(f"       (a^{out} − y = {_values(lesson.outputs - y)})")
    for l in range(out - 1, 1, -1):
        delta = lesson.nabla_b[l - 2]
        lines.append(f"BP2  δ^{l} = ((w^{l + 1})ᵀ δ^{l + 1}) * σ'(z^{l}): "
                     f"|δ^{l}| = {np.linalg.norm(delta):.4g}; largest {_largest(delta, f'δ^{l}')}")
    for l in range(out, 1, -1):
        nabla_b, nabla_w = lesson.nabla_b[l - 2], lesson.nabla_w[l - 2]
        lines.append(f"BP3  ∂C/∂b^{l} = δ^{l}: |∂C/∂b^{l}| = {np.linalg.norm(nabla_b):.4g}")
        lines.append(f"BP4  ∂C/∂w^{l}_jk = a^{l - 1}_k δ^{l}_j ({nabla_w.shape[0]}x{nabla_w.shape[1]}): "
                     f"|∂C/∂w^{l}| = {np.linalg.norm(nabla_w):.4g}; largest {_largest(nabla_w, f'∂C/∂w^{l}')}")
    lines += ["", f"Update  w ← w − η ∂C/∂w, b ← b − η ∂C/∂b  (η = {lesson.eta:g})"]
    for step in range(lesson.steps):
        lines.append(f"  step {step + 1}: C {lesson.costs[step]:.6f} → {lesson.costs[step + 1]:.6f}, "
                     f"reads {lesson.readings[step]} → {lesson.readings[step + 1]}")
    lines += [
        f"After: a^{out} = {_values(lesson.outputs_after)}",
        f"       C = {lesson.cost_after:.6f} (was {lesson.cost:.6f}); reads {lesson.readings[-1]}",
    ]
    return lines


def _bp1_formula(lesson) -> str:
    return "a^L − y (cross-entropy)" if lesson.network_after.cost.name == "cross-entropy" \
        else "(a^L − y) * σ'(z^L) (quadratic)"


def describe_check(errors: dict) -> str:
    """The --check lines: relative errors of backprop against central differences."""
    parts = ", ".join(f"{name} {error:.1e}" for name, error in errors.items() if name != "all")
    return (f"Check: backprop vs central differences, relative error {errors['all']:.1e} "
            f"(float64; per array: {parts})")
