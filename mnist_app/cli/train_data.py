"""What ``mnist-app train`` trains on besides MNIST's digits: generated non-digits, numbers,
typed and hand-written digits, and the hard non-digits mined with a starting model."""

from __future__ import annotations

import contextlib
import sys

import numpy as np

from mnist_app.cli.common import worker_map
from mnist_app.constants import NOT_A_DIGIT
from mnist_app.model import Model

PAIR_SHARE = 0.25  # of the --nondigits images, this share are numbers of 2-3 MNIST digits
POOL_MIN_IMAGES = 1000  # generated images from which a pool of worker processes pays
# --hard-nondigits: each non-digit the starting model reads as a digit without doubt is
# trained on this many times (models/README.md: a second stage tried for the shipped
# model, and not shipped).
HARD_REPEAT = 3


def training_set(images: np.ndarray, labels: np.ndarray, args, rng: np.random.Generator,
                 start: Model | None = None) -> tuple[np.ndarray, np.ndarray, int]:
    """The training digits plus the generated non-digits (label NOT_A_DIGIT) and the typed
    and hand-written digits that ``args`` ask for, made on every usable core; with
    --hard-nondigits, also the drawn non-digits that ``start`` reads as a digit without
    doubt (its rule flags them not), HARD_REPEAT times each. Third: how many of those were kept."""
    nondigits, typed, hands, candidates = args.nondigits, args.typed, args.hands, args.hard_nondigits
    total = nondigits + typed + hands + candidates
    if not total:
        return images, labels, 0
    from mnist_app.synthetic import training  # here: it imports the fonts' machinery

    pairs = round(nondigits * PAIR_SHARE)
    with _progress(total, "generating", args.quiet) as advance, \
            worker_map(use_pool=total >= POOL_MIN_IMAGES) as mapper:
        made = dict(advance=advance, mapper=mapper)
        parts = [training.nondigit_images(nondigits - pairs, rng, **made),
                 training.digit_pairs(images, pairs, rng, **made)]
        typed_images, typed_labels = training.typed_digit_images(typed, rng, **made)
        hand_images, hand_labels = training.hand_digit_images(hands, rng, **made)
        drawn = training.nondigit_images(candidates, rng, **made)
    kept = read_without_doubt(start, drawn) if start is not None and candidates else np.zeros(len(drawn), bool)
    hard = np.repeat(drawn[kept], HARD_REPEAT, axis=0)
    extra_images = np.concatenate([*parts, hard, typed_images, hand_images])
    extra_labels = np.concatenate([np.full(nondigits + len(hard), NOT_A_DIGIT, dtype=labels.dtype),
                                   typed_labels, hand_labels])
    return (np.concatenate([images, extra_images]), np.concatenate([labels, extra_labels.astype(labels.dtype)]),
            len(hard) // HARD_REPEAT)


def read_without_doubt(model: Model, pictures: np.ndarray) -> np.ndarray:
    """Boolean (n,): the pictures that ``model`` reads as a digit and its rule does not flag."""
    readout = model.read(pictures)
    return ~(readout.unsure | readout.not_a_digit)


@contextlib.contextmanager
def _progress(total: int, description: str, quiet: bool):
    """Yields advance(): a tqdm bar of ``total`` steps on stderr when it is a terminal."""
    from tqdm import tqdm

    with tqdm(total=total, desc=description, disable=quiet or not sys.stderr.isatty(), leave=False) as bar:
        yield bar.update  # advance(k): k more steps
