"""Read a whole number: every digit in a picture, left to right.

    Classifier.load().read_number("amount.jpg").number     # -> "4207"

The picture's marks are found as for one digit (:func:`~mnist_app.preprocess.find_marks`),
then their line is read again and cut into digits (:mod:`mnist_app.preprocess.segment`),
which asks the classifier how confidently it reads each candidate piece. Marks no wider
than a digit (not ``Marks.looks_wide``) that read as a digit (unless they fall into
separate marks, or are read doubtfully and cut into digits each read surely), a picture
cut into one digit, and one whose pieces score lower than the whole read as one digit
(unless they are separate marks, each read surely, or three or more tall ones, or a tall
one lies beside the marks, which the line read again found beyond them), are read
exactly as ``predict`` reads them, on the single-digit path; otherwise each digit's
picture is read with the same readings and the same rule.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from mnist_app.constants import JSON_DECIMALS, SURE_DIGIT
from mnist_app.errors import NoDigitFound, NotADigit
from mnist_app.limits import MAX_PLAIN_CUT_WIDTH
from mnist_app.preprocess import TALL_MARK, Marks, find_marks, marks_as_digit
from mnist_app.preprocess.groups import Group, digit_groups
from mnist_app.preprocess.line import Line, read_line
from mnist_app.preprocess.segment import MIN_CONFIDENCE, Piece, segment_groups

DOUBTFUL_WHOLE = 0.4  # one mark read whole with less than this may be digits a blur or a pen joined (when its pieces are sure)
# Two neighbouring pieces at least TALL_MARK (preprocess: a tall mark, as Marks.stand_apart
# counts them) of the tallest piece's height, with a gap of at least APART of that height
# between their boxes, are two digits, however they read.
APART = 0.2
MANY_MARKS = 3  # this many or more separate tall marks are digits, however they read
# Weighing a picture read as one digit against its pieces (beats_one_digit): each reading
# scores log(confidence) - READING_COST; the one digit also pays WHOLE_WIDE_COST per
# DIGIT_WIDTH beyond WHOLE_WIDE of them, and the pieces must win by SPLIT_MARGIN.
READING_COST = 0.5
DIGIT_WIDTH = 0.7  # digit heights
WHOLE_WIDE = 1.3
WHOLE_WIDE_COST = 2.0
SPLIT_MARGIN = 1.0

if TYPE_CHECKING:
    from mnist_app.decode import ImageSource
    from mnist_app.predict import Classifier, Prediction


@dataclass(frozen=True)
class NumberReading:
    """The digits of a number, left to right: ``number`` as a string ("4207"), ``digits``
    a :class:`~mnist_app.predict.Prediction` each, with its ``box``, ``unsure`` if any
    digit is unsure or a mark between them read as no digit, and ``pictures`` the (28, 28)
    uint8 picture each digit was read from."""

    number: str
    digits: tuple["Prediction", ...]
    unsure: bool
    pictures: tuple[np.ndarray, ...] = ()


def read_number(classifier: "Classifier", source: "ImageSource") -> NumberReading:
    """Every digit in ``source``, read by ``classifier``. Raises ImageError if it cannot be
    read, NoDigitFound if it is blank, NotADigit if no mark reads as a digit."""
    marks = find_marks(source)
    picture = marks_as_digit(marks)
    alone = classifier.predict_pictures(picture[np.newaxis])[0]
    return _read_marks(classifier, marks, picture, alone, _line_groups(marks))


def holds_several_digits(classifier: "Classifier", marks: Marks, picture: np.ndarray, alone: "Prediction") -> bool:
    """Whether ``marks`` hold a number: whether :func:`read_number` reads two or more
    digits in them. ``picture``: the marks framed as one digit, (28, 28) uint8, as
    :func:`~mnist_app.preprocess.marks_as_digit` frames them for ``predict``, which has
    framed and read them (``alone``) already.

    One mark is cut only if it is wide (``Marks.looks_wide``: a narrow one is a digit, or
    a letter or a sign whose strokes would read as digits, an H as 11), reads as no digit
    (a digit, even an unsure one, is that digit, without weighing its cuts: 50-130 ms for a
    wide digit, 1 in 100 to 200 of the canvases and photos read), and is at most
    MAX_PLAIN_CUT_WIDTH digit heights wide (a long wave would take a second)."""
    found = _line_groups(marks)
    if found is not None and len(found[1]) == 1:
        (group,), digit_height = found[1], found[2]
        if (not marks.looks_wide or not alone.not_a_digit
                or group.right - group.left > MAX_PLAIN_CUT_WIDTH * digit_height):
            return False
    try:
        return len(_read_marks(classifier, marks, picture, alone, found).digits) >= 2
    except NotADigit:
        return False


def _line_groups(marks: Marks) -> tuple[Line, list[Group], float] | None:
    """(the line of ``marks`` read again, its digits' groups, the digit height), or None
    where the line read again holds nothing (a ruled line, a page's edge)."""
    try:
        line = read_line(marks)
        return (line, *digit_groups(line.ink))
    except NoDigitFound:
        return None


def _read_marks(classifier: "Classifier", marks: Marks, picture: np.ndarray, alone: "Prediction",
                found: tuple[Line, list[Group], float] | None) -> NumberReading:
    """The number in ``marks``: ``picture`` is them framed as one digit, ``alone`` its
    reading, ``found`` their line, groups and digit height (:func:`_line_groups`)."""
    # Marks no wider than a digit that read as a digit are that digit, as predict says,
    # unless they fall into separate marks (a "16" or a "94" written close) that read better apart.
    narrow_digit = not (marks.looks_wide or alone.not_a_digit)
    # One mark read doubtfully may be two digits a blur or a pen joined ("12" read as a doubtful 9).
    doubtful = narrow_digit and alone.confidence < DOUBTFUL_WHOLE
    pieces = []
    if found is not None:  # else the marks stand as read alone, as predict reads them
        line, groups, digit_height = found
        if not narrow_digit or len(groups) >= 2 or doubtful:
            pieces = segment_groups(line, groups, digit_height, classifier.outputs)
    one_mark = narrow_digit and len({piece.group for piece in pieces}) < 2
    if one_mark and not doubtful:
        pieces = []  # read as predict reads it, without reading its pieces
    predictions = classifier.predict_pictures(np.array([piece.picture for piece in pieces])) if pieces else []
    if one_mark and not _all_sure(predictions):
        pieces, predictions = [], []
    if len(pieces) <= 1 or not (alone.not_a_digit or beats_one_digit(pieces, alone.confidence, marks.aspect)
                                or _surer_apart(pieces, predictions) or _standing_apart(pieces)
                                or _many_marks(pieces) or _beyond_marks(pieces, _marks_box(marks))):
        if alone.not_a_digit:
            raise NotADigit()
        box = pieces[0].box if len(pieces) == 1 else _marks_box(marks)
        return NumberReading(str(alone.digit), (dataclasses.replace(alone, box=box),), alone.unsure, (picture,))
    kept = [(dataclasses.replace(prediction, box=piece.box), piece.picture)
            for prediction, piece in zip(predictions, pieces) if not prediction.not_a_digit]
    if not kept:
        raise NotADigit()
    digits = tuple(digit for digit, _ in kept)
    unsure = len(digits) < len(pieces) or any(digit.unsure for digit in digits)
    return NumberReading("".join(str(digit.digit) for digit in digits), digits, unsure,
                         tuple(picture for _, picture in kept))


def _surer_apart(pieces: list[Piece], predictions: list["Prediction"]) -> bool:
    """Whether ``pieces`` are separate marks, each read as a digit without doubt (at least
    SURE_DIGIT): a "16" written close, which the network may also read as a doubtful 6, or
    a "94" it reads as a sure 9 (the whole read as one digit, however surely, does not
    outweigh two sure digits in separate marks). Each mark must be at least TALL_MARK of
    the tallest one's height: a 5's detached hat is short, and read alone it is a sure 1."""
    return len({piece.group for piece in pieces}) == len(pieces) and _all_sure(predictions) and all(_tall(pieces))


def _all_sure(predictions: list["Prediction"]) -> bool:
    """Whether there are two or more ``predictions``, each a digit read without doubt (at
    least SURE_DIGIT): a mark read as one doubtful digit whose pieces read as sure digits
    is those digits."""
    return len(predictions) >= 2 and all(not p.unsure and not p.not_a_digit and p.confidence >= SURE_DIGIT
                                         for p in predictions)


def _many_marks(pieces: list[Piece]) -> bool:
    """Whether ``pieces`` are MANY_MARKS or more separate marks, each tall (TALL_MARK): no
    digit is three tall marks side by side, however close they stand or surely the whole
    reads (a thin "619" read as a sure 1)."""
    return len({piece.group for piece in pieces}) == len(pieces) >= MANY_MARKS and all(_tall(pieces))


def _standing_apart(pieces: list[Piece]) -> bool:
    """Whether two neighbours of ``pieces`` are tall marks standing apart (TALL_MARK,
    APART): a digit's own pieces (a 5's hat, a broken stroke) overlap or touch its body or
    are short, so these are two digits, even if their readings are doubtful ("86" read
    as a doubtful 8 and a 6 is not the 4 all of it looks most like)."""
    height = max(_height(piece) for piece in pieces)
    tall = _tall(pieces)
    return any(tall[i] and tall[i + 1] and b.box[0] - a.box[2] >= APART * height
               for i, (a, b) in enumerate(zip(pieces, pieces[1:])))


def _beyond_marks(pieces: list[Piece], box: tuple[int, int, int, int]) -> bool:
    """Whether one of ``pieces`` is a tall mark (TALL_MARK) wholly left or right of the
    marks' ``box`` (left, top, right, bottom, the picture's pixels): the line read again
    found a digit the overview missed (written lighter or thinner than the rest), which
    the marks read whole as one digit leave out."""
    tall = _tall(pieces)
    return any(is_tall and (piece.box[0] >= box[2] or piece.box[2] <= box[0]) for piece, is_tall in zip(pieces, tall))


def _height(piece: Piece) -> int:
    return piece.box[3] - piece.box[1]


def _tall(pieces: list[Piece]) -> list[bool]:
    """Whether each of ``pieces`` is at least TALL_MARK of the tallest one's height."""
    height = max(_height(piece) for piece in pieces)
    return [_height(piece) >= TALL_MARK * height for piece in pieces]


def number_json(reading: NumberReading, top_k: int = 1) -> dict:
    """``reading`` as JSON: {"number", "digits": [{"digit", "confidence", "unsure", "box"}, ...],
    "unsure"}; with ``top_k`` > 1 each digit also has "top": [[digit, probability], ...]."""
    digits = []
    for digit in reading.digits:
        record = {"digit": digit.digit, "confidence": round(digit.confidence, JSON_DECIMALS), "unsure": digit.unsure,
                  "box": list(digit.box or ())}
        if top_k > 1:
            record["top"] = [[d, round(p, JSON_DECIMALS)] for d, p in digit.top(top_k)]
        digits.append(record)
    return {"number": reading.number, "digits": digits, "unsure": reading.unsure}


def _marks_box(marks: Marks) -> tuple[int, int, int, int]:
    """The box of ``marks`` in the image file's pixels."""
    top, left, bottom, right = marks.box
    return Line.over(marks, marks.ink, (0, 0, *marks.picture.size)).box(top, left, bottom, right)


def beats_one_digit(pieces: list[Piece], confidence: float, aspect: float) -> bool:
    """Whether ``pieces`` read as separate digits score higher than all the marks (``aspect``
    times as wide as tall) read as one digit with ``confidence``: each reading scores
    log(confidence) - READING_COST, the one digit less WHOLE_WIDE_COST per DIGIT_WIDTH
    beyond WHOLE_WIDE of them, and the pieces must win by SPLIT_MARGIN: a picture that is
    read as one digit is taken apart only for a clearly better reading."""
    def gain(value: float) -> float:
        return float(np.log(max(value, MIN_CONFIDENCE))) - READING_COST
    one = gain(confidence) - WHOLE_WIDE_COST * max(aspect / DIGIT_WIDTH - WHOLE_WIDE, 0.0)
    return sum(gain(piece.confidence) for piece in pieces) > one + SPLIT_MARGIN
