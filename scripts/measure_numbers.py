"""Whole numbers, for scripts/measure_realistic.py: read exactly, digit by digit, where
digits touch, one digit with --number against predict, and what a number costs.

- whole numbers right: the reading equals the number written;
- digits right: 1 - (edit distance between reading and number) / (digits written), summed
  over the set (a failed reading counts as the empty string);
- touching: the numbers in which two digits' strokes touch or overlap, read exactly;
- plain predict: the numbers that ``predict`` (one digit) refuses as several digits, and
  those it answers with one digit instead;
- agreement: a single-digit picture read with ``read_number`` gets the answer ``predict``
  gives (the same digit, or the same error);
- time: the median of REPEATS reads of a 6-digit number on a 1000 px photo against one
  digit on the same photo, beside the floor (decoding the photo alone).
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

import numpy as np

from mnist_app.errors import ImageError, SeveralDigits
from mnist_app.preprocess import decode_picture
from mnist_app.synthetic import numbers
from mnist_app.synthetic.paper import photo_jpeg
from mnist_app.synthetic.pens import enlarged

# (key, builder(digits, labels, count, rng), held out of tuning: the segmenter's constants
# were chosen on the other families only)
FAMILIES = (
    ("photo", numbers.mnist_photos, False),
    ("canvas", numbers.mnist_canvases, False),
    ("thin", numbers.thin_pens, False),
    ("hands", lambda digits, labels, count, rng: numbers.hands(count, rng), True),
    ("untidy", numbers.untidy, True),
    ("typed", lambda digits, labels, count, rng: numbers.typed(count, rng), True),
    ("nib", lambda digits, labels, count, rng: numbers.hands(count, rng, nib=True), False),
)
REPEATS = 15  # timed reads of each picture
PHOTO = (1000, 750)  # the timed photo, pixels
TIMED_DIGITS = 6
TIMED_HEIGHT = 90  # pixels: the timed digits' height

HEADER = ("| numbers | held out | count | whole numbers right | digits right | touching, read right | ms per number "
          "| `predict`: several digits / one digit |\n"
          "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance: insertions, deletions and substitutions turning ``a`` into ``b``."""
    previous = list(range(len(b) + 1))
    for i, char in enumerate(a, 1):
        current = [i]
        for j, other in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other)))
        previous = current
    return previous[-1]


@dataclass
class NumberScore:
    name: str
    held_out: bool
    count: int
    exact: int
    digits: int
    digit_errors: int
    touching: int
    touching_exact: int
    ms: float
    several: int
    one_digit: int

    def row(self) -> str:
        def share(part: int, whole: int) -> str:
            return f"{part}/{whole} ({part / whole:.1%})" if whole else "-"
        digits_right = 1 - self.digit_errors / max(self.digits, 1)
        return (f"| {self.name} | {'yes' if self.held_out else 'no'} | {self.count} | {share(self.exact, self.count)} "
                f"| {digits_right:.1%} | {share(self.touching_exact, self.touching)} | {self.ms:.0f} "
                f"| {self.several} / {self.one_digit} |")


def reading_of(classifier, file: bytes) -> str:
    """The number ``classifier`` reads in ``file``; "" if it reads none."""
    try:
        return classifier.read_number(file).number
    except ImageError:
        return ""


def plain_answer(classifier, file: bytes) -> str:
    """What plain ``predict`` answers for ``file``: "several", "digit" or "other" (an error)."""
    try:
        classifier.predict(file)
    except SeveralDigits:
        return "several"
    except ImageError:
        return "other"
    return "digit"


def score_numbers(classifier, labelled: numbers.NumberSet, held_out: bool) -> NumberScore:
    started = time.perf_counter()
    readings = [reading_of(classifier, file) for file in labelled.files]
    ms = (time.perf_counter() - started) / max(len(readings), 1) * 1000
    exact = [reading == number for reading, number in zip(readings, labelled.numbers)]
    plain = [plain_answer(classifier, file) for file in labelled.files]
    return NumberScore(
        labelled.name, held_out, len(readings), sum(exact),
        sum(len(number) for number in labelled.numbers),
        sum(edit_distance(reading, number) for reading, number in zip(readings, labelled.numbers)),
        int(labelled.touching.sum()), int(sum(e for e, t in zip(exact, labelled.touching) if t)), ms,
        plain.count("several"), plain.count("digit"))


def agreement(classifier, files: list[bytes]) -> int:
    """How many single-digit ``files`` read_number answers as predict does."""
    same = 0
    for file in files:
        try:
            alone = str(classifier.predict(file).digit)
        except ImageError as error:
            alone = str(error)
        try:
            within = classifier.read_number(file).number
        except ImageError as error:
            within = str(error)
        same += alone == within
    return same


def timing(classifier, digits: np.ndarray, rng: np.random.Generator) -> list[str]:
    """Markdown lines: median ms to decode a 1000 px photo (the floor), to read one digit
    on it with predict, and a 6-digit number on the same photo with read_number."""
    inks = [enlarged(digit, TIMED_HEIGHT, rng, max_rotation=0) for digit in digits[:TIMED_DIGITS]]
    number, _ = numbers.write_line(inks, TIMED_HEIGHT, numbers.Line(gaps=(0.2, 0.3), drift=0.0), rng)
    one, _ = numbers.write_line(inks[:1], TIMED_HEIGHT, numbers.Line(drift=0.0), rng)
    seed = int(rng.integers(2 ** 32))
    photos = {what: photo_jpeg(ink, PHOTO, np.random.default_rng(seed)) for what, ink in (("one", one), ("six", number))}

    def median_ms(task) -> float:
        times = []
        for _ in range(REPEATS):
            started = time.perf_counter()
            task()
            times.append(time.perf_counter() - started)
        return statistics.median(times) * 1000

    decode = median_ms(lambda: decode_picture(photos["six"]).load())
    one_digit = median_ms(lambda: classifier.predict(photos["one"]))
    six_digits = median_ms(lambda: classifier.read_number(photos["six"]))
    return [
        f"Time on a {PHOTO[0]}x{PHOTO[1]} JPEG photo, median of {REPEATS} reads, one process:",
        "",
        "| what | ms | ratio to one digit |",
        "| --- | ---: | ---: |",
        f"| decoding the photo alone (the floor) | {decode:.1f} | {decode / one_digit:.2f} |",
        f"| one digit, `predict` | {one_digit:.1f} | 1.00 |",
        f"| a {TIMED_DIGITS}-digit number, `read_number` | {six_digits:.1f} | {six_digits / one_digit:.2f} |",
    ]
