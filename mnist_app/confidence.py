"""When to doubt a reading: the rule behind "unsure" and "not a digit".

The network's ten outputs are independent sigmoids, and the shipped model was also trained
on pictures that are no digit with all ten targets 0. So a picture that is not a digit
tends to leave every output low, while a clear digit drives one output near 1. The rule
looks at the strongest output a* (before normalising):

    not a digit   if a* < not_a_digit_below
    unsure        if a* < unsure_below

The thresholds are chosen on validation data by :func:`calibrate` (``mnist-app train
--nondigits N`` runs it) and stored in the model file's metadata as "reject".
A model without them flags nothing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

# The share of validation digits that the model reads correctly which the calibrated rule
# calls "not a digit", and flags in all ("unsure" or "not a digit"): the price paid on real
# digits, fixed in advance (chosen on the realistic validation sets; see the README). A
# digit called "not a digit" gets no answer at all, so that share is kept small: at 0.005
# instead, the shipped model flagged the same non-digits but lost 0.3-1.0 points of
# accuracy on four kinds of realistic digits.
NOT_A_DIGIT_SHARE = 0.001
UNSURE_SHARE = 0.01


@dataclass(frozen=True)
class RejectRule:
    """Thresholds on the strongest raw output, each in [0, 1]; not_a_digit_below <= unsure_below."""

    not_a_digit_below: float = 0.0
    unsure_below: float = 0.0

    @classmethod
    def from_metadata(cls, metadata: dict) -> "RejectRule":
        """The rule a model file carries under "reject", or one that flags nothing."""
        return cls(**metadata.get("reject", {}))

    def to_metadata(self) -> dict:
        return asdict(self)

    def judge(self, outputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(unsure, not_a_digit), boolean arrays (n,), for raw outputs (n, 10)."""
        strongest = outputs.max(axis=1)
        return strongest < self.unsure_below, strongest < self.not_a_digit_below


def calibrate(correct_digits: np.ndarray, not_a_digit_share: float, unsure_share: float) -> RejectRule:
    """The rule that calls ``not_a_digit_share`` of ``correct_digits`` (raw outputs (n, 10)
    of digits the model reads correctly, from validation data) not a digit, and flags
    ``unsure_share`` of them in all: the cost on real digits is fixed in advance, and
    everything weaker than those digits is caught."""
    strongest = np.sort(correct_digits.max(axis=1))
    return RejectRule(
        not_a_digit_below=float(np.quantile(strongest, not_a_digit_share)),
        unsure_below=float(np.quantile(strongest, unsure_share)),
    )
