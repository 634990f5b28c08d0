"""``mnist-app evaluate``: a model's accuracy on the MNIST test set."""

from __future__ import annotations

import json

from mnist_app.cli.common import EXIT_OK, add_data_options, add_model_option, load_test_set_from_args
from mnist_app.constants import N_CLASSES


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "evaluate",
        help="measure a model on the MNIST test set",
        description="Classify the 10000 MNIST test images: accuracy, accuracy per digit and the confusion matrix.",
    )
    add_model_option(parser)
    add_data_options(parser)
    parser.add_argument("--json", action="store_true",
                        help='print one JSON object: {"accuracy", "correct", "total", "per_class", "confusion"}')
    parser.set_defaults(run=run)


def run(args) -> int:
    from mnist_app.evaluate import evaluate  # numpy and the network: after the arguments are checked
    from mnist_app.model import Model

    model = Model.load(args.model)
    test_images, test_labels = load_test_set_from_args(args)
    result = evaluate(model, test_images, test_labels)
    if args.json:
        print(json.dumps(result.to_json()))
        return EXIT_OK
    print(f"test accuracy: {result.correct}/{result.total} ({result.accuracy:.2%})")
    print("per digit:  " + "  ".join(f"{digit}: {acc:.1%}" for digit, acc in enumerate(result.per_class)))
    print("confusion (rows: true digit, columns: predicted digit):")
    print("     " + "".join(f"{digit:>6}" for digit in range(N_CLASSES)))
    for digit, row in enumerate(result.confusion):
        print(f"{digit:>5}" + "".join(f"{count:>6}" for count in row))
    return EXIT_OK
