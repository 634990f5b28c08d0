"""When to doubt a reading: the rule behind "unsure" and "not a digit".

The network's ten outputs are independent sigmoids, and models made by ``train`` are also
trained on pictures that are no digit with all ten targets 0. So a picture that is not a
digit tends to leave every output low, while a clear digit drives one output near 1. The
rule looks at the outputs exactly as people read them (``Prediction.probabilities``: the
raw sigmoid outputs, averaged over the model's readings), the strongest a1 and the runner-up
a2:

    not a digit   if a1 < not_a_digit_below
    unsure        if a1 < unsure_below, or a1 - a2 <= NEAR_TIE as printed (a near tie)

The thresholds are chosen on validation data by :func:`calibrate` (``mnist-app train``
runs it) and stored in the model file's metadata as "reject". A model without them flags
only near ties.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

# The share of validation digits that the model reads correctly which the calibrated rule
# calls "not a digit", and flags in all ("unsure" or "not a digit"): the price paid on real
# digits, fixed in advance (chosen on the realistic validation sets; see the README). A
# digit called "not a digit" gets no answer at all, so that share is kept small: at 0.005
# instead, the shipped model flagged the same non-digits but lost 0.3-1.0 points of
# accuracy on four kinds of realistic digits. Other scores (of the five readings, of how
# typical the picture is, of the ink's holes and parts), and other prices:
# scripts/rule_study.py (docs/benchmarks/rule-study.md). Unsure at 1.5% instead flags
# 85% of the held-out non-digits (75% at 1.0%) but more than 1.5% of the correctly read
# digits of five realistic validation sets, and 1.25% of two or three (typed and photo-like
# among them): scripts/recalibrate.py, models/README.md; not taken.
NOT_A_DIGIT_SHARE = 0.001
UNSURE_SHARE = 0.01
# Outputs are shown as percentages with one decimal (the CLI, the page): steps of 0.001.
PRINTED_STEP = 0.001
# Two strongest outputs within this much of each other, as printed (10 points), are a near
# tie: always unsure, whatever the thresholds say.
NEAR_TIE = 0.10


def printed(outputs: np.ndarray) -> np.ndarray:
    """``outputs`` rounded as people read them: whole steps of PRINTED_STEP (0.1 point), int64."""
    return np.rint(np.asarray(outputs, dtype=np.float64) / PRINTED_STEP).astype(np.int64)


def near_tie(outputs: np.ndarray) -> np.ndarray:
    """Boolean (n,): the two strongest of outputs (n, 10) are within NEAR_TIE as printed."""
    steps = np.sort(printed(outputs), axis=1)
    return steps[:, -1] - steps[:, -2] <= round(NEAR_TIE / PRINTED_STEP)


@dataclass(frozen=True)
class RejectRule:
    """Thresholds on the strongest raw output, each in [0, 1]; not_a_digit_below <= unsure_below."""

    not_a_digit_below: float = 0.0
    unsure_below: float = 0.0

    @classmethod
    def from_metadata(cls, metadata: dict) -> "RejectRule":
        """The rule a model file carries under "reject", or one that flags only near ties."""
        return cls(**metadata.get("reject", {}))

    def to_metadata(self) -> dict:
        return asdict(self)

    def judge(self, outputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(unsure, not_a_digit), boolean arrays (n,), for raw outputs (n, 10); compared in
        float64, so that a float32 output is not judged against a threshold rounded to float32."""
        outputs = np.asarray(outputs, dtype=np.float64)
        strongest = outputs.max(axis=1)
        not_a_digit = strongest < self.not_a_digit_below
        return not_a_digit | (strongest < self.unsure_below) | near_tie(outputs), not_a_digit


def calibrate(correct_digits: np.ndarray, not_a_digit_share: float, unsure_share: float) -> RejectRule:
    """The rule that calls ``not_a_digit_share`` of ``correct_digits`` (raw outputs (n, 10)
    of digits the model reads correctly, from validation data) not a digit, and flags
    ``unsure_share`` of them in all, near ties included: the cost on real digits is fixed
    in advance, and everything weaker than those digits is caught. If near ties alone
    flag more than ``unsure_share``, the unsure threshold adds nothing to them."""
    not_a_digit_below, unsure_below = thresholds(correct_digits.max(axis=1), near_tie(correct_digits),
                                                 not_a_digit_share, unsure_share)
    return RejectRule(not_a_digit_below=not_a_digit_below, unsure_below=unsure_below)


def thresholds(scores: np.ndarray, tied: np.ndarray, not_a_digit_share: float, unsure_share: float
               ) -> tuple[float, float]:
    """(not_a_digit_below, unsure_below) on ``scores`` (n,) of correctly read digits, higher
    for a surer digit, of which ``tied`` (n,) booleans are flagged anyway (near ties): see
    :func:`calibrate`, which passes the strongest outputs."""
    not_a_digit_below = float(np.quantile(scores, not_a_digit_share))
    untied = np.sort(scores[~tied])
    still_to_flag = unsure_share * len(scores) - (len(scores) - len(untied))
    unsure_below = not_a_digit_below
    if still_to_flag > 0 and len(untied):
        unsure_below = max(unsure_below, float(np.quantile(untied, min(still_to_flag / len(untied), 1.0))))
    return not_a_digit_below, unsure_below
