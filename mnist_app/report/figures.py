"""Every number the report shows, computed in one place and kept apart from the drawing.

:func:`compute_figures` classifies the test set and returns a :class:`ReportFigures` of
plain numbers and arrays; :mod:`mnist_app.report.html` only formats them. Tests check the
numbers here without parsing HTML (coverage.py keeps its data and its HTML reporter apart
the same way).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from mnist_app.confidence import RejectRule
from mnist_app.constants import FRAME, INPUT_SIZE, N_CLASSES
from mnist_app.evaluate import Evaluation, tally
from mnist_app.inputs import check_images, check_labels
from mnist_app.model import Model, Readout
from mnist_app.network import Network
from mnist_app.reading import ReadingConvention
from mnist_app.report.history import HistoryError, LearningCurves, read_curves
from mnist_app.report.robustness import RobustnessCurve, robustness_curves, variant_count

N_EXAMPLES = 20  # test digits shown in each gallery of the mistakes section
MAX_NEURONS_SHOWN = 100  # hidden neurons drawn; a 4096-neuron layer would make a page of 40 MB
WEIGHT_SCALE_PERCENTILE = 99  # incoming weights' colour scale ends at this percentile of |w|
# Confidence bins of the reliability chart: confidence is the strongest sigmoid output, in
# [0, 1], and most digits score above 0.9, so the top is split finer.
RELIABILITY_EDGES = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0)


@dataclass(frozen=True)
class Example:
    """One test digit and how it was read: ``image`` (28, 28) uint8 0-255 as the network saw it,
    ``index`` its position in the test set, ``digit`` the answer with probability
    ``confidence``, ``runner_up`` the second most likely digit."""

    index: int
    image: np.ndarray
    label: int
    digit: int
    confidence: float
    runner_up: int
    runner_up_probability: float


@dataclass(frozen=True)
class HiddenNeurons:
    """The first hidden layer, one row per neuron shown (the first ``len(biases)`` of ``total``).

    ``incoming`` (k, 28, 28): each neuron's 784 input weights laid out as the image pixels
    they multiply. ``outgoing`` (k, 10): its weights to the ten digit outputs, or None when
    the layer feeds another hidden layer. ``incoming_limit``: the one colour scale (+-) for
    every neuron; ``outgoing_limit``: the largest |outgoing weight|.
    """

    incoming: np.ndarray
    biases: np.ndarray
    outgoing: np.ndarray | None
    incoming_limit: float
    outgoing_limit: float
    total: int


@dataclass(frozen=True)
class Reliability:
    """Test digits binned by confidence: ``counts[i]`` of them have confidence in
    [edges[i], edges[i + 1]) (the last bin includes 1), ``correct[i]`` were read right, and
    ``mean_confidence[i]`` is their average confidence (NaN for an empty bin)."""

    edges: np.ndarray
    counts: np.ndarray
    correct: np.ndarray
    mean_confidence: np.ndarray

    @property
    def accuracy(self) -> np.ndarray:
        """Fraction read right in each bin, NaN for an empty bin."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.counts > 0, self.correct / np.maximum(self.counts, 1), np.nan)

    @property
    def calibration_error(self) -> float:
        """Expected calibration error: the mean over digits of |bin accuracy - bin confidence|."""
        return float(np.sum(np.abs(self._gaps()) * self.counts) / self.counts.sum())

    @property
    def underconfidence(self) -> float:
        """The mean over digits of (bin accuracy - bin confidence): above 0 when the network
        is right more often than its confidence says, below 0 when it is overconfident."""
        return float(np.sum(self._gaps() * self.counts) / self.counts.sum())

    def _gaps(self) -> np.ndarray:
        """accuracy - mean confidence per bin, 0 for an empty bin."""
        return np.where(self.counts > 0, np.nan_to_num(self.accuracy - self.mean_confidence), 0.0)


@dataclass(frozen=True)
class RejectCost:
    """What the model's "reject" rule does to the test set: ``flagged`` of ``total`` digits
    are marked unsure or not a digit (``not_a_digit`` of them the latter); ``unflagged_correct``
    of the other ``total - flagged`` are read right; ``misread_flagged`` of the ``misread``
    ones are among the flagged."""

    rule: dict
    total: int
    flagged: int
    not_a_digit: int
    unflagged_correct: int
    misread: int
    misread_flagged: int


@dataclass(frozen=True)
class ReportFigures:
    metadata: dict  # the model file's metadata, as recorded
    convention: ReadingConvention  # how the model reads: deskewed, five shifted readings
    sizes: list[int]
    cost: str
    evaluation: Evaluation  # the test set, exactly as ``mnist-app evaluate`` measures it
    curves: LearningCurves | None
    curves_note: str  # why there are no curves, when there are none
    confidently_wrong: list[Example]  # the misread digits, most confident first
    least_sure: list[Example]  # all digits, least confident first
    hidden: HiddenNeurons
    robustness: list[RobustnessCurve]
    reliability: Reliability
    reject: RejectCost | None  # None when the model has no "reject" rule


def check_network(network: Network) -> None:
    """Raise ValueError unless ``network`` reads 784 pixels into 10 digits."""
    if network.sizes[0] != INPUT_SIZE or network.sizes[-1] != N_CLASSES:
        raise ValueError(f"the report needs a network of {INPUT_SIZE} inputs and {N_CLASSES} outputs, "
                         f"not {'-'.join(map(str, network.sizes))}")


def step_count() -> int:
    """How many times :func:`compute_figures` calls ``on_step``."""
    return 2 + variant_count()


def compute_figures(
    model: Model,
    test_images: np.ndarray,
    test_labels: np.ndarray,
    on_step: Callable[[], None] = lambda: None,
) -> ReportFigures:
    """Everything the report shows about ``model`` on the test set ``test_images``
    (m, 28, 28) uint8, ``test_labels`` (m,) digits; the test set is read once.

    Raises ValueError for a network that does not read 784 pixels into 10 digits, or for
    bad or empty test arrays. ``on_step`` is called :func:`step_count` times, for progress.
    """
    network = model.network
    check_network(network)
    test_images = check_images(test_images, "test images")
    test_labels = check_labels(test_labels, len(test_images), "test labels")
    if not len(test_images):
        raise ValueError("the report needs at least one test image")

    readout = model.read(test_images)
    digits = readout.digits
    on_step()
    curves, curves_note = learning_curves(model.metadata)
    examples = _Examples(as_grey_levels(test_images), test_labels, digits, readout.outputs.astype(np.float64))
    wrong = np.flatnonzero(digits != test_labels)
    figures = ReportFigures(
        metadata=model.metadata,
        convention=model.convention,
        sizes=list(network.sizes),
        cost=network.cost.name,
        evaluation=tally(digits, test_labels),
        curves=curves,
        curves_note=curves_note,
        confidently_wrong=examples.pick(wrong[np.argsort(-examples.confidence[wrong], kind="stable")]),
        least_sure=examples.pick(np.argsort(examples.confidence, kind="stable")),
        hidden=hidden_neurons(network),
        robustness=robustness_curves(model, test_images, test_labels, on_step),
        reliability=reliability(examples.confidence, digits == test_labels),
        reject=reject_cost(model.rule, readout, digits == test_labels),
    )
    on_step()
    return figures


def learning_curves(metadata: dict) -> tuple[LearningCurves | None, str]:
    """The curves the model file recorded, or None and a sentence saying why there are none."""
    try:
        return read_curves(metadata), "This model file records no training history."
    except HistoryError as error:
        return None, f"The training history in this model file cannot be read: {error}."


def as_grey_levels(images: np.ndarray) -> np.ndarray:
    """Images as uint8 0-255, the form pictures are drawn from (floats in [0, 1] are scaled)."""
    if images.dtype == np.uint8:
        return images
    return np.rint(images * 255).astype(np.uint8)


class _Examples:
    """Builds :class:`Example` records from the test set and its predictions."""

    def __init__(self, images: np.ndarray, labels: np.ndarray, digits: np.ndarray, probabilities: np.ndarray):
        self.images, self.labels, self.digits, self.probabilities = images, labels, digits, probabilities
        self.confidence = probabilities[np.arange(len(digits)), digits]
        self.runner_up = np.argsort(-probabilities, axis=1, kind="stable")[:, 1]

    def pick(self, order: np.ndarray) -> list[Example]:
        """The first N_EXAMPLES of the test digits at positions ``order``."""
        return [
            Example(int(i), self.images[i], int(self.labels[i]), int(self.digits[i]), float(self.confidence[i]),
                    int(self.runner_up[i]), float(self.probabilities[i, self.runner_up[i]]))
            for i in order[:N_EXAMPLES]
        ]


def hidden_neurons(network: Network) -> HiddenNeurons:
    """The first hidden layer's weights, ready to draw (see :class:`HiddenNeurons`)."""
    incoming = network.weights[0].astype(np.float64)
    outgoing = network.weights[1].T.astype(np.float64) if len(network.weights) == 2 else None
    shown = slice(0, MAX_NEURONS_SHOWN)
    return HiddenNeurons(
        incoming=incoming[shown].reshape(-1, FRAME, FRAME),
        biases=network.biases[0][shown].astype(np.float64),
        outgoing=None if outgoing is None else outgoing[shown],
        # A few large weights would wash every image out; the top 1% saturate instead.
        incoming_limit=float(np.percentile(np.abs(incoming), WEIGHT_SCALE_PERCENTILE)) or 1.0,
        outgoing_limit=float(np.abs(outgoing).max()) if outgoing is not None and outgoing.size else 1.0,
        total=len(incoming),
    )


def reliability(confidence: np.ndarray, correct: np.ndarray, edges=RELIABILITY_EDGES) -> Reliability:
    """Bin the digits by ``confidence`` (m,) and count how many of each bin are ``correct`` (m,) bool."""
    edges = np.asarray(edges, dtype=float)
    bins = np.clip(np.searchsorted(edges, confidence, side="right") - 1, 0, len(edges) - 2)
    counts = np.bincount(bins, minlength=len(edges) - 1)
    sums = np.bincount(bins, weights=confidence, minlength=len(edges) - 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_confidence = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    return Reliability(edges, counts, np.bincount(bins, weights=correct, minlength=len(edges) - 1).astype(int),
                       mean_confidence)


def reject_cost(rule: RejectRule, readout: Readout, correct: np.ndarray) -> RejectCost | None:
    """The cost of the model's reject ``rule`` on the test set, None if it flags nothing.

    ``readout``: the test set as the model read it, with the rule's ``unsure`` and
    ``not_a_digit`` flags; ``correct`` (m,) bool: which were read right.
    """
    if rule == RejectRule():
        return None
    not_a_digit = readout.not_a_digit
    flagged = not_a_digit | readout.unsure
    return RejectCost(
        rule=rule.to_metadata(),
        total=len(correct),
        flagged=int(flagged.sum()),
        not_a_digit=int(not_a_digit.sum()),
        unflagged_correct=int((correct & ~flagged).sum()),
        misread=int((~correct).sum()),
        misread_flagged=int((~correct & flagged).sum()),
    )
