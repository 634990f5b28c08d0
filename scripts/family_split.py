"""Held-out families next to training families: the table measure_realistic.py adds.

Every generator family of mnist_app.synthetic.families is on one side of a fixed split:
trained on (and calibrated with), or held out of both. For each group of non-digit
families (letters and symbols typed in font families, letters written by stroke hands,
scribbling processes, shape kinds) and for digits written by stroke hands or typed in
font families, one set is drawn from each side, fresh drawings on the same pages and
photos, and read by the model: the held-out side is how the model does on a generator it
has never seen. Paper and photo processes are all held out (training images never go
through a page: their ink goes straight to preprocessing).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from mnist_app.synthetic import families, sets

# (key, what is measured, builder(held_out, count, rng)); the seed of a row is its place here.
ROWS: tuple[tuple[str, str, Callable[[bool, int, np.random.Generator], sets.LabelledSet]], ...] = (
    *((f"not-{group}", f"non-digits flagged: {group}",
       lambda held_out, count, rng, group=group: sets.family_nondigits(group, held_out, count, rng))
      for group in families.GROUPS),
    ("hands", "digits read right: stroke hands", sets.hands_split),
    ("fonts", "digits read right: font families", sets.typed_split),
)
HEADER = ("| what | training families | held-out families | held-out minus training |\n"
          "| --- | ---: | ---: | ---: |")


@dataclass(frozen=True)
class Side:
    """One side's outcome: images, the share that counts (flagged for non-digits, read
    right for digits), and for digits the share of the correct ones flagged anyway."""

    images: int
    share: float
    correct_flagged: float | None
    passing: tuple[bytes, ...] = ()  # non-digits read as a digit without a doubt

    def cell(self) -> str:
        if not self.images:
            return "- (no fonts)"
        extra = "" if self.correct_flagged is None else f"; {self.correct_flagged:.1%} of them flagged"
        return f"{self.share:.1%} of {self.images}{extra}"


def measure_side(score, classifier, labelled: sets.LabelledSet) -> Side:
    """Read one set with ``score`` (measure_realistic.score) and keep the share that counts."""
    if not labelled.files:
        return Side(0, float("nan"), None)
    result = score(labelled.name, classifier, labelled.files, labelled.labels)
    if (labelled.labels == sets.NOT_A_DIGIT).all():
        return Side(result.images, result.flagged / result.images, None,
                    tuple(labelled.files[index] for index in result.read_unflagged))
    return Side(result.images, result.correct / result.images, result.correct_flagged / max(result.correct, 1))


def family_rows(score, classifier, count: int, seed: int) -> tuple[list[str], dict[str, tuple[bytes, ...]]]:
    """The markdown rows of the held-out table (HEADER first), for ``count`` images a side,
    and a last row pooling the non-digit groups; and, by group, the held-out non-digits that
    still pass as digits (encoded files)."""
    rows = [HEADER]
    passing = {}
    pooled: dict[bool, list[Side]] = {False: [], True: []}
    for (key, what, build), row_seed in zip(ROWS, np.random.SeedSequence(seed).spawn(len(ROWS))):
        training_seed, held_out_seed = row_seed.spawn(2)
        training = measure_side(score, classifier, build(False, count, np.random.default_rng(training_seed)))
        held_out = measure_side(score, classifier, build(True, count, np.random.default_rng(held_out_seed)))
        if key.startswith("not-"):
            passing[key[len("not-"):]] = held_out.passing
            for side, outcome in ((False, training), (True, held_out)):
                if outcome.images:
                    pooled[side].append(outcome)
        gap = held_out.share - training.share
        rows.append(f"| {what} | {training.cell()} | {held_out.cell()} | "
                    f"{'-' if np.isnan(gap) else f'{100 * gap:+.1f} points'} |")
        print(rows[-1], flush=True)
    both = [Side(sum(s.images for s in pooled[side]),
                 sum(s.share * s.images for s in pooled[side]) / max(sum(s.images for s in pooled[side]), 1), None)
            for side in (False, True)]
    rows.append(f"| **non-digits flagged, all groups** | {both[0].cell()} | {both[1].cell()} | "
                f"{100 * (both[1].share - both[0].share):+.1f} points |")
    print(rows[-1], flush=True)
    return rows, passing
