"""Whole numbers: segmentation (driven by a fake scorer where it can be), read_number, and
``predict --number`` / plain ``predict`` on small generated pictures.

The oracles are where the pictures' digits were drawn and what they are: MNIST test
digits (the committed sample) and bars drawn here.
"""

from __future__ import annotations

import dataclasses
import functools
import json

import numpy as np
import pytest

from mnist_app import NumberReading
from mnist_app.cli import main
from mnist_app.constants import SURE_DIGIT
from mnist_app.errors import NoDigitFound, NotADigit, SeveralDigits
from mnist_app.limits import MAX_NUMBER_MARKS
from mnist_app.numbers import read_number
from mnist_app.predict import Classifier, Prediction
from mnist_app.preprocess import DECODE_SIDE, find_marks, frame_digit, marks_as_digit
from mnist_app.preprocess.segment import segment
from mnist_app.synthetic.numbers import Line, write_line
from mnist_app.synthetic.paper import encode, to_uint8
from mnist_app.synthetic.pens import enlarged
from mnist_sample import mnist_sample
from PIL import Image

IMAGES, LABELS = mnist_sample()
HEIGHT = 80  # pixels: the digits' height in the generated pictures
MARGIN = 40  # pixels of paper around the ink


@pytest.fixture(scope="module")
def shipped() -> Classifier:
    return Classifier.load()


def on_white(ink: np.ndarray) -> bytes:
    """A PNG of ``ink`` (h, w coverage) as dark ink on white paper, MARGIN pixels around."""
    return encode(Image.fromarray(to_uint8(1 - np.pad(ink, MARGIN))), "PNG")


def clear_digits(count: int, start: int = 0) -> tuple[list[np.ndarray], str]:
    """``count`` sample digits from index ``start`` on (no 1s or 7s, which a cut stroke
    can pass for) that the shipped model reads right and sure on their own, as ink HEIGHT
    pixels tall, and their labels as a string. Checking each digit alone keeps the number
    tests about cutting and order, whatever weights ship."""
    rng = np.random.default_rng(start)
    classifier = _shipped_once()
    inks, labels = [], ""
    for index in range(start, len(LABELS)):
        if LABELS[index] in (1, 7):
            continue
        ink = enlarged(IMAGES[index], HEIGHT, rng, max_rotation=0)
        alone = classifier.predict(on_white(ink))
        if alone.digit == LABELS[index] and not alone.unsure:
            inks.append(ink)
            labels += str(LABELS[index])
            if len(inks) == count:
                return inks, labels
    raise AssertionError(f"the sample has fewer than {count} clear digits from {start} on")


@functools.cache
def _shipped_once() -> Classifier:
    return Classifier.load()


def bars(lefts: list[int], width: int = 10, height: int = HEIGHT) -> np.ndarray:
    """Vertical bars (the simplest marks) starting at each of ``lefts`` on a blank line."""
    ink = np.zeros((height, max(lefts) + width), dtype=np.float32)
    for left in lefts:
        ink[:, left:left + width] = 1
    return ink


def as_outputs(confidences) -> np.ndarray:
    """Raw outputs (n, 10) with every digit's output at ``confidences`` (n,): a scorer
    that reads how surely, not which digit (the segmenter's crossings then allow a 0's)."""
    return np.repeat(np.asarray(confidences, dtype=np.float64)[:, None], 10, axis=1)


def always_sure(pictures):
    return as_outputs(np.full(len(pictures), 0.99))


def test_separate_marks_are_separate_digits_in_order():
    pieces = segment(find_marks(on_white(bars([0, 60, 120]))), always_sure)
    assert [piece.box[0] - MARGIN for piece in pieces] == pytest.approx([0, 60, 120], abs=2)
    assert [piece.group for piece in pieces] == [0, 1, 2]


def test_a_broken_digit_is_put_back_together():
    # A stroke broken by the scan, and a detached hat over it (as a 5's): one digit.
    ink = np.zeros((HEIGHT, 60), dtype=np.float32)
    ink[12:, 20:28] = 1  # the stroke...
    ink[38:42] = 0  # ...broken
    ink[:6, 14:50] = 1  # the hat, above the stroke, not touching it
    pieces = segment(find_marks(on_white(ink)), always_sure)
    assert len(pieces) == 1
    assert pieces[0].box == pytest.approx((MARGIN + 14, MARGIN, MARGIN + 50, MARGIN + HEIGHT), abs=2)


def test_a_broken_strokes_halves_join_each_other_before_a_neighbour_under_one_of_them():
    # A digit with a bar to its right, then one broken in two by the scan (a thin pen)
    # whose upper half lies over the bar's last columns: the halves are one digit, the
    # digit with the bar another (the upper half used to join the digit whose columns it met first).
    ink = bars([0, 120, 160], width=8)
    ink[:6, 0:52] = 1  # the bar of the first digit
    ink[8:14, 40:60] = ink[8:40, 54:60] = 1  # the upper half...
    ink[46:, 82:90] = ink[74:, 40:90] = 1  # ...and the lower half, over all of its columns
    pieces = segment(find_marks(on_white(ink)), always_sure)
    first, second = (np.subtract(piece.box, MARGIN) for piece in pieces[:2])
    assert first == pytest.approx((0, 0, 52, HEIGHT), abs=2) and second == pytest.approx((40, 8, 90, HEIGHT), abs=2)


def test_marks_a_hair_apart_stay_separate_digits():
    # Two strokes 3 pixels apart: no stroke's soft edge may bridge them into one mark.
    pieces = segment(find_marks(on_white(bars([0, 13]))), always_sure)
    assert [piece.box[0] - MARGIN for piece in pieces] == pytest.approx([0, 13], abs=2)


def one_close_before(digit: np.ndarray) -> bytes:
    """A PNG of a 1 (a bar 7 pixels wide) written 10 pixels before ``digit``'s ink."""
    one = np.zeros((digit.shape[0], 10), dtype=np.float32)
    one[:, 2:9] = 1
    return on_white(np.concatenate([one, np.zeros_like(one), digit], axis=1))


def test_a_narrow_two_digit_number_is_read_as_two_digits_and_plain_predict_says_so(shipped):
    # A 1 written close beside a 5: no wider than one digit, read unsure as one, so its
    # separate marks are read as the number they are; plain predict does not answer with
    # the unsure digit, it says several digits.
    inks, number = clear_digits(4, start=50)
    picture = one_close_before(inks[2])
    marks = find_marks(picture)
    assert not marks.looks_wide and shipped.predict_pictures(marks_as_digit(marks)[np.newaxis])[0].unsure
    assert shipped.read_number(picture).number == "1" + number[2]
    with pytest.raises(SeveralDigits):
        shipped.predict(picture)
    assert [type(outcome) for outcome in shipped.predict_each([picture])] == [SeveralDigits]


def test_a_one_close_before_a_digit_is_two_digits_though_read_as_one_without_a_near_tie(shipped):
    # The network reads the 1 and the 2 together as a 2 that is not unsure (no near tie),
    # but weakly; each mark alone it reads surely: the number is 12.
    inks, number = clear_digits(1, start=0)
    picture = one_close_before(inks[0])
    marks = find_marks(picture)
    whole = shipped.predict_pictures(marks_as_digit(marks)[np.newaxis])[0]
    assert not marks.looks_wide and not whole.unsure and whole.confidence < SURE_DIGIT
    assert shipped.read_number(picture).number == "1" + number


def test_a_digit_in_lighter_ink_is_kept(shipped):
    # The middle digit written in a pen a quarter as dark as the others'.
    inks, number = clear_digits(3, start=20)
    height = max(ink.shape[0] for ink in inks)
    gap = np.zeros((height, HEIGHT // 3), dtype=np.float32)
    line = [np.pad(ink, ((height - ink.shape[0], 0), (0, 0))) * strength for ink, strength in zip(inks, (1, 0.25, 1))]
    ink = np.concatenate([line[0], gap, line[1], gap, line[2]], axis=1)
    assert shipped.read_number(on_white(ink)).number == number


def test_a_ruled_line_is_ignored(shipped):
    # The number sits on a faint ruled line that runs past it on both sides.
    inks, number = clear_digits(4, start=20)
    ink, _ = write_line(inks, HEIGHT, Line(gaps=(0.2, 0.4), drift=0.0, sizes=0.0, ruled=True), np.random.default_rng(2))
    assert shipped.read_number(on_white(ink)).number == number


def test_specks_are_ignored():
    clean = bars([0, 60])
    speckled = clean.copy()
    for row, column in ((5, 40), (70, 48), (40, 30)):
        speckled[row:row + 3, column:column + 3] = 1
    boxes = [piece.box for piece in segment(find_marks(on_white(speckled)), always_sure)]
    assert boxes == [piece.box for piece in segment(find_marks(on_white(clean)), always_sure)]
    assert len(boxes) == 2


def test_a_short_mark_close_beside_a_digit_is_no_digit_of_its_own_however_surely_read():
    # A dash a quarter of the digits' height between two bars (a sliver a blurred photo
    # left, which the network reads as a sure 1): two digits, one bar in each.
    ink = bars([0, 40])
    ink[30:52, 16:22] = 1
    boxes = [piece.box for piece in segment(find_marks(on_white(ink)), always_sure)]
    assert len(boxes) == 2 and boxes[0][2] - MARGIN <= 40 and boxes[1][0] - MARGIN >= 10


def test_two_touching_digits_are_split_where_the_scorer_reads_both_best():
    (left, right), _ = clear_digits(2)
    ink, touching = write_line([left, right], HEIGHT, Line(touch=True, drift=0.0, sizes=0.0), np.random.default_rng(3))
    assert touching
    truth = [frame_digit(left), frame_digit(right)]

    def knows_the_two(pictures):  # a scorer that has seen the two digits: correlation with either
        def similarity(a, b):
            a, b = a.astype(np.float64).ravel(), b.astype(np.float64).ravel()
            return max(0.0, np.corrcoef(a, b)[0, 1])
        return as_outputs([max(similarity(picture, digit) for digit in truth) for picture in pictures])

    pieces = segment(find_marks(on_white(ink)), knows_the_two)
    assert len(pieces) == 2 and pieces[0].group == pieces[1].group == 0
    assert min(piece.confidence for piece in pieces) > 0.8
    assert pieces[0].box[0] - MARGIN == pytest.approx(0, abs=3)
    assert pieces[0].box[2] < pieces[1].box[2]


def touching_pair(start: int) -> tuple[bytes, str]:
    """Two clear sample digits from ``start`` on, written so that their strokes touch: a PNG
    of one wide mark, and its number."""
    (left, right), number = clear_digits(2, start=start)
    ink, touching = write_line([left, right], HEIGHT, Line(touch=True, drift=0.0, sizes=0.0), np.random.default_rng(3))
    assert touching
    return on_white(ink), number


def several(classifier, marks) -> bool:
    """Whether plain predict, reading with ``classifier``, says ``marks`` hold several digits."""
    from mnist_app import numbers

    picture = marks_as_digit(marks)
    return numbers.holds_several_digits(classifier, marks, picture, classifier.predict_pictures(picture[np.newaxis])[0])


def test_one_wide_mark_read_as_a_digit_is_not_cut_to_say_whether_it_is_several(shipped, monkeypatch):
    """One mark that reads as a digit, even an unsure one, is one digit, answered without
    segmenting it (a wide digit costs plain predict no cuts). The classifier here reads
    every picture as an unsure digit."""
    from mnist_app import numbers

    picture, _ = touching_pair(0)
    marks = find_marks(picture)
    assert marks.looks_wide

    class DoubtsEveryDigit:
        outputs = shipped.outputs

        def predict_pictures(self, pictures):
            return [dataclasses.replace(prediction, unsure=True, not_a_digit=False)
                    for prediction in shipped.predict_pictures(pictures)]

    def not_called(*args):
        raise AssertionError("segmented")

    monkeypatch.setattr(numbers, "segment_groups", not_called)
    assert not several(DoubtsEveryDigit(), marks)


def test_a_letter_in_one_narrow_mark_is_not_a_digit_rather_than_several(shipped):
    """An H is one mark no wider than a digit: --number reads its two stems as 11, but
    plain predict calls it not a digit, as it is; a narrow mark is never cut for it."""
    ink = np.zeros((HEIGHT, HEIGHT * 4 // 5), dtype=np.float32)
    ink[:, 2:10] = ink[:, -10:-2] = 1
    ink[HEIGHT // 2 - 4:HEIGHT // 2 + 4, 2:-2] = 1
    picture = on_white(ink)
    marks = find_marks(picture)
    assert not marks.looks_wide and shipped.read_number(picture).number == "11"
    assert not several(shipped, marks)
    with pytest.raises(NotADigit):
        shipped.predict(picture)


def test_touching_digits_that_read_as_no_digit_together_are_several_digits(shipped, tmp_path):
    """Two clear digits whose strokes touch make one mark; where the shipped model reads
    that mark as no digit, plain predict cuts it and, each piece reading surely, says it
    holds several digits rather than "not a digit"."""
    picture, number = touching_pair(0)
    marks = find_marks(picture)
    assert shipped.predict_pictures(marks_as_digit(marks)[np.newaxis])[0].not_a_digit
    path = tmp_path / "touching.png"
    path.write_bytes(picture)
    with pytest.raises(SeveralDigits):
        shipped.predict(path)
    assert shipped.read_number(path).number == number


def test_plain_predict_does_not_cut_one_mark_longer_than_a_few_digits(shipped, monkeypatch):
    """A wave as long as 5 digits is one mark that reads as no digit: too long for plain
    predict to spend cuts on (MAX_PLAIN_CUT_WIDTH), so it is not several digits."""
    from mnist_app import numbers
    from mnist_app.limits import MAX_PLAIN_CUT_WIDTH

    columns = np.arange(5 * HEIGHT)
    ink = np.zeros((HEIGHT, len(columns)), dtype=np.float32)
    rows = (HEIGHT / 2 + 0.4 * HEIGHT * np.sin(columns / HEIGHT * 2 * np.pi)).astype(int)
    for offset in range(-3, 4):  # a pen 7 pixels wide
        ink[np.clip(rows + offset, 0, HEIGHT - 1), columns] = 1
    marks = find_marks(on_white(ink))
    groups, digit_height = numbers.digit_groups(numbers.read_line(marks).ink)
    assert len(groups) == 1 and groups[0].right - groups[0].left > MAX_PLAIN_CUT_WIDTH * digit_height
    assert shipped.predict_pictures(marks_as_digit(marks)[np.newaxis])[0].not_a_digit

    def not_called(*args):
        raise AssertionError("segmented")

    monkeypatch.setattr(numbers, "segment_groups", not_called)
    assert not several(shipped, marks)


def test_two_tall_marks_over_the_same_columns_stay_two_digits():
    # Two strokes slanting side by side, 7 pixels apart, their columns overlapping by two
    # thirds and their centres 0.15 digit heights apart (a 1 leaning under its neighbour):
    # two digits unless the reading joins them, and a reader sure of everything does not.
    rows = np.arange(HEIGHT)[:, None]
    columns = np.arange(50)[None, :]
    ink = np.zeros((HEIGHT, 50), dtype=np.float32)
    for top in (30, 42):  # each stroke's column at the top; it leans 30 pixels left
        ink[np.abs(columns - (top - rows * 30 / HEIGHT)) < 2.5] = 1
    pieces = segment(find_marks(on_white(ink)), always_sure)
    assert [piece.group for piece in pieces] == [0, 1]
    assert [piece.box[2] - MARGIN for piece in pieces] == pytest.approx([33, 45], abs=2)


def test_a_digit_wider_than_any_cut_piece_stays_whole():
    # A 0 half again as wide as tall (wider than a piece cut from touching digits may be)
    # beside a 1, scored by a reader that knows the two: the 0 is one digit, not two halves.
    rows, columns = np.mgrid[:HEIGHT, :int(1.5 * HEIGHT)]
    radius = np.hypot((rows - HEIGHT / 2) / (HEIGHT / 2 - 3), (columns - 0.75 * HEIGHT) / (0.75 * HEIGHT - 3))
    ring = (np.abs(radius - 1) < 0.06).astype(np.float32)
    ink = np.concatenate([ring, np.zeros((HEIGHT, 30), dtype=np.float32), bars([0])], axis=1)
    truth = [frame_digit(ring), frame_digit(bars([0]))]

    def knows_the_two(pictures):  # correlation with the whole 0 or the 1
        return as_outputs([max(max(0.0, np.corrcoef(picture.ravel().astype(float), digit.ravel().astype(float))[0, 1])
                            for digit in truth) for picture in pictures])

    pieces = segment(find_marks(on_white(ink)), knows_the_two)
    assert [piece.box[0] - MARGIN for piece in pieces] == pytest.approx([0, ring.shape[1] + 30], abs=2)
    assert [piece.box[2] - MARGIN for piece in pieces] == pytest.approx([ring.shape[1], ring.shape[1] + 40], abs=2)


def test_a_number_is_read_left_to_right_under_a_drifting_baseline(shipped):
    inks, number = clear_digits(5, start=10)
    ink, _ = write_line(inks, HEIGHT, Line(gaps=(0.2, 0.4), drift=0.0, sizes=0.0), np.random.default_rng(1))
    # Each digit a third of its height lower than the one before: a falling line.
    falling = np.zeros((ink.shape[0] + 2 * HEIGHT, ink.shape[1]), dtype=np.float32)
    step = ink.shape[1] // len(inks)
    for index in range(len(inks)):
        columns = slice(index * step, (index + 1) * step if index + 1 < len(inks) else ink.shape[1])
        falling[index * HEIGHT // 3:index * HEIGHT // 3 + ink.shape[0], columns] = ink[:, columns]
    reading = shipped.read_number(on_white(falling))
    assert isinstance(reading, NumberReading)
    assert reading.number == number
    tops = [digit.box[1] for digit in reading.digits]
    assert tops == sorted(tops)  # each lower than the one before, read in order all the same


def test_one_digit_is_read_exactly_as_predict_reads_it(shipped):
    for index in range(8):
        picture = on_white(enlarged(IMAGES[index], HEIGHT, np.random.default_rng(index)))
        reading, prediction = shipped.read_number(picture), shipped.predict(picture)
        assert reading.number == str(prediction.digit)
        assert reading.digits[0].confidence == prediction.confidence
        assert reading.unsure == prediction.unsure


def test_plain_predict_refuses_a_number(shipped, tmp_path, capsys):
    inks, number = clear_digits(3, start=30)
    ink, _ = write_line(inks, HEIGHT, Line(gaps=(0.3, 0.4), drift=0.0), np.random.default_rng(2))
    path = tmp_path / "number.png"
    path.write_bytes(on_white(ink))
    with pytest.raises(SeveralDigits):
        shipped.predict(path)
    assert main(["predict", str(path)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip() == f"mnist-app: error: {path}: several digits: read them with --number"
    assert main(["predict", "--number", str(path)]) == 0
    assert capsys.readouterr().out.strip() == f"{path}: {number}"


class Doubting:
    """The shipped classifier, except that it doubts every digit it reads, and calls the
    pictures of each batch whose index is in ``not_digits`` not a digit."""

    def __init__(self, shipped: Classifier, not_digits: frozenset[int] = frozenset()):
        self.shipped, self.not_digits = shipped, not_digits
        self.outputs = shipped.outputs

    def predict_pictures(self, pictures):
        return [dataclasses.replace(prediction, unsure=True, not_a_digit=index in self.not_digits)
                for index, prediction in enumerate(self.shipped.predict_pictures(pictures))]


def test_separate_digits_are_several_digits_even_when_doubtful(shipped):
    """A number is several digits when --number reads two or more digits in it, even
    doubtful ones (a doubtful digit is still a digit), or two of three marks where the
    third is no digit; not when only one of its marks reads as a digit."""
    inks, _ = clear_digits(3, start=60)
    ink, _ = write_line(inks, HEIGHT, Line(gaps=(0.4, 0.4), drift=0.0), np.random.default_rng(3))
    marks = find_marks(on_white(ink))
    assert several(Doubting(shipped), marks)
    assert several(Doubting(shipped, not_digits={1}), marks)
    assert not several(Doubting(shipped, not_digits={0, 1}), marks)


def test_number_json_has_a_box_per_digit_inside_the_picture(tmp_path, capsys):
    inks, number = clear_digits(4, start=50)
    ink, _ = write_line(inks, HEIGHT, Line(), np.random.default_rng(4))
    path = tmp_path / "amount.png"
    path.write_bytes(on_white(ink))
    width, height = ink.shape[1] + 2 * MARGIN, ink.shape[0] + 2 * MARGIN
    assert main(["predict", "--number", "--json", "--top-k", "2", str(path)]) == 0
    record = json.loads(capsys.readouterr().out)
    assert set(record) == {"path", "number", "digits", "unsure"}
    assert record["path"] == str(path) and record["number"] == number
    assert [digit["digit"] for digit in record["digits"]] == [int(d) for d in number]
    for digit in record["digits"]:
        assert set(digit) == {"digit", "confidence", "unsure", "box", "top"}
        left, top, right, bottom = digit["box"]
        assert 0 <= left < right <= width and 0 <= top < bottom <= height
        assert len(digit["top"]) == 2 and digit["top"][0] == [digit["digit"], digit["confidence"]]
    lefts = [digit["box"][0] for digit in record["digits"]]
    assert lefts == sorted(lefts)


def test_blank_and_unreadable_pictures_fail_in_one_line(tmp_path, capsys):
    blank = tmp_path / "blank.png"
    blank.write_bytes(encode(Image.new("L", (300, 100), 255), "PNG"))
    with pytest.raises(NoDigitFound):
        Classifier.load().read_number(blank)
    missing = tmp_path / "missing.png"
    assert main(["predict", "--number", str(blank), str(missing)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0] == f"mnist-app: error: {blank}: no digit found"
    assert err[1].startswith(f"mnist-app: error: {missing}: ")


def test_marks_the_line_drops_are_answered_as_predict_answers_them(shipped):
    # A lone ruled line: predict finds marks and reads no digit in them; the number's line,
    # read again without ruled lines, holds nothing: --number must say what predict says.
    paper = np.full((300, 400), 255, np.uint8)
    paper[100:108, 20:380] = 0
    picture = encode(Image.fromarray(paper), "PNG")
    with pytest.raises(NotADigit):
        shipped.predict(picture)
    with pytest.raises(NotADigit):
        shipped.read_number(picture)


def test_a_line_of_more_marks_than_any_number_is_refused_before_it_is_cut(shipped):
    # Rows of dots, each dot a digit's height: more marks than any number has (weighing
    # them all took minutes). Counted here by how many were drawn, not by the code.
    rows, columns, pitch = 3, MAX_NUMBER_MARKS // 3 + 1, 14
    paper = np.full((rows * pitch + 20, columns * pitch + 20), 255, np.uint8)
    for row in range(rows):
        for column in range(columns):
            paper[10 + row * pitch:18 + row * pitch, 10 + column * pitch:18 + column * pitch] = 0
    picture = encode(Image.fromarray(paper), "PNG")
    with pytest.raises(NotADigit, match=f"not a number: {rows * columns} marks"):
        shipped.read_number(picture)
    with pytest.raises(NotADigit, match="^not a digit$"):
        shipped.predict(picture)


def test_boxes_are_in_the_files_own_pixels_when_a_large_jpeg_is_decoded_smaller():
    # A JPEG over twice DECODE_SIDE on both sides is decoded at half its size, quicker;
    # its boxes must still be where the marks are in the file itself.
    lefts = [0, 300, 600]
    ink = np.pad(bars(lefts, width=100, height=500), ((0, 1500), (0, 1500)))
    picture = Image.fromarray(to_uint8(1 - np.pad(ink, 300)))
    assert min(picture.size) > 2 * DECODE_SIDE
    pieces = segment(find_marks(encode(picture, "JPEG")), always_sure)
    boxes = [coordinate for piece in pieces for coordinate in piece.box]
    assert boxes == pytest.approx([c for left in lefts for c in (300 + left, 300, 400 + left, 800)], abs=15)


def lone_bars(pictures) -> np.ndarray:
    """Which of ``pictures`` (28, 28) uint8 are a lone bar (the ink box three times as long as wide): (n,) bool."""
    def is_bar(picture):
        rows, columns = np.nonzero(picture > 127)
        sides = sorted((np.ptp(rows) + 1, np.ptp(columns) + 1))
        return sides[0] * 3 <= sides[1]
    return np.array([is_bar(picture) for picture in pictures], dtype=bool)


def reads_only_bars(pictures):
    """A scorer sure of a lone bar, doubtful of anything else."""
    return as_outputs(np.where(lone_bars(pictures), 0.99, 0.05))


def test_a_short_piece_over_part_of_a_digits_columns_is_that_digits():
    # A 5's hat drawn apart and mostly beyond the stroke's right side: it covers under
    # half of the stroke's columns, yet a mark that short is no digit: one digit, even for
    # a reader that reads the stroke and the hat apart more surely than together.
    ink = np.zeros((HEIGHT, 70), dtype=np.float32)
    ink[14:, 0:10] = 1  # the stroke...
    ink[:6, 8:40] = 1  # ...and the hat over its last 2 columns
    pieces = segment(find_marks(on_white(ink)), reads_only_bars)
    assert len(pieces) == 1
    assert pieces[0].box == pytest.approx((MARGIN, MARGIN, MARGIN + 40, MARGIN + HEIGHT), abs=2)


def test_a_short_mark_beside_a_digit_is_no_digit_of_its_own_though_each_reads_surely():
    # A 5's hat written apart, wholly to the right of its stroke (a photo of a quick 5): two
    # separate marks, each read as a sure digit, but one is a fifth of the other's height.
    ink = np.zeros((HEIGHT, 70), dtype=np.float32)
    ink[14:, 0:10] = 1  # the stroke...
    ink[:6, 14:40] = 1  # ...and the hat, beyond its columns
    assert read_number(ReadsAFour(0.95), on_white(ink)).number == "4"


class ReadsAFour:
    """A reader that reads everything as a 4 with ``confidence``, the rest shared evenly
    (no near tie): 0.35 is doubtful, 0.95 sure."""

    def __init__(self, confidence: float):
        self.confidence = confidence

    def predict_pictures(self, pictures):
        rest = (1 - self.confidence) / 9
        return [Prediction(4, self.confidence, tuple(self.confidence if digit == 4 else rest for digit in range(10)))
                for _ in pictures]

    def outputs(self, pictures):
        return as_outputs(np.full(len(pictures), self.confidence))


def test_two_tall_marks_standing_apart_are_two_digits_however_doubtful():
    # Narrow enough for one digit, each mark and the two together read alike: a clear gap
    # between two tall marks still says two digits (a thin "86" read as one doubtful 4).
    ink = bars([0, 40])
    assert not find_marks(on_white(ink)).looks_wide
    assert read_number(ReadsAFour(0.35), on_white(ink)).number == "44"


def test_a_digit_broken_into_short_fragments_beside_another_is_its_own_digit():
    # A 6 and a 7 whose bar starts over the 6's last columns, its stem broken in two (a
    # faint pen that the line's ink threshold broke up). Each fragment is too short for a
    # digit alone, so each used to join the 6 it overlaps: one digit. Chained, the
    # fragments are as tall as a digit: two digits, the second where the 7 was drawn.
    ink = np.zeros((HEIGHT, 90), dtype=np.float32)
    ink[:, 0:8] = 1  # the 6: a stem...
    ink[36:, 0:50] = 1
    ink[44:-8, 8:42] = 0  # ...and a loop
    ink[4:10, 46:82] = 1  # the 7's bar...
    for top, left in ((18, 72), (48, 64)):  # ...and its stem, in two fragments 8 pixels apart
        for row in range(top, top + 22):
            column = left + (top + 22 - row) // 3
            ink[row, column:column + 6] = 1
    pieces = segment(find_marks(on_white(ink)), always_sure)
    assert [piece.box[0] - MARGIN for piece in pieces] == pytest.approx([0, 46], abs=2)


def test_two_tall_marks_close_together_each_read_surely_are_two_digits_though_one_reads_surely_too():
    # A "94" written close: narrow enough for one digit, not standing apart, and read as
    # a sure digit whole; each of its two separate marks is a sure digit too: two digits.
    ink = bars([0, 14])
    assert not find_marks(on_white(ink)).looks_wide
    assert read_number(ReadsAFour(0.95), on_white(ink)).number == "44"


class ReadsBarsSurely:
    """A reader sure (0.99) that a lone bar (``reads_only_bars``) is a 1, and doubtful
    (0.05, no near tie) that anything else is a 4."""

    def outputs(self, pictures):
        return as_outputs(np.where(lone_bars(pictures), 0.99, 0.05))

    def predict_pictures(self, pictures):
        return [Prediction(1, c, tuple(c if d == 1 else 0.0 for d in range(10))) if c > 0.5 else
                Prediction(4, c, tuple(c if d == 4 else 0.0 for d in range(10))) for c in self.outputs(pictures).max(axis=1)]


def slanted_bars(lefts: list[int], slant: int = 12, width: int = 8) -> np.ndarray:
    """Bars ``width`` pixels wide leaning back (top left to bottom right) by ``slant`` pixels
    over HEIGHT rows, starting at each of ``lefts``: marks whose columns overlap when
    closer than ``slant + width``, though their strokes stay apart."""
    ink = np.zeros((HEIGHT, max(lefts) + slant + width), dtype=np.float32)
    for row in range(HEIGHT):
        for left in lefts:
            start = left + row * slant // HEIGHT
            ink[row, start:start + width] = 1
    return ink


@pytest.mark.parametrize("ink, apart", [(slanted_bars([0, 14]), False), (bars([0, 30]), True)],
                         ids=["over shared columns", "standing apart"])
def test_plain_predict_says_several_digits_where_separate_marks_read_whole_as_a_weak_digit(shipped, ink, apart):
    # Two 1s written close (a "76" read whole as a 3 at 49%, not unsure, or a "69" whose
    # marks share columns read as an unsure 2): narrow enough for one digit, read whole as
    # a weak 4 (5%, not unsure), each mark alone as a sure 1. --number reads 11; plain
    # predict says several digits rather than answer 4, though the marks share columns
    # and though the weak 4 is not unsure.
    picture = on_white(ink)
    marks = find_marks(picture)
    assert not marks.looks_wide and marks.stand_apart() == apart
    reader = Classifier(shipped.model)
    reader.predict_pictures, reader.outputs = ReadsBarsSurely().predict_pictures, ReadsBarsSurely().outputs
    assert read_number(reader, picture).number == "11"
    with pytest.raises(SeveralDigits):
        reader.predict(picture)
    assert [type(outcome) for outcome in reader.predict_each([picture])] == [SeveralDigits]


def test_one_mark_read_as_a_doubtful_digit_whose_pieces_read_surely_is_those_digits():
    # Two bars joined by a stroke at mid-height (a "11" a blurred photo made one mark), no
    # wider than one digit: read whole as a doubtful 4, cut as two sure 1s, it is 11.
    ink = bars([0, 24], width=20)
    ink[HEIGHT // 2 - 3:HEIGHT // 2 + 3, 20:24] = 1
    assert not find_marks(on_white(ink)).looks_wide
    assert read_number(ReadsBarsSurely(), on_white(ink)).number == "11"


class ReadsWideInkWeakly:
    """A reader sure (0.99) that ink no wider than tall is a 1, and weak (0.3, no near tie:
    not unsure) that wider ink is a 4."""

    def outputs(self, pictures):
        def narrow(picture):
            rows, columns = np.nonzero(picture > 127)
            return np.ptp(columns) <= np.ptp(rows)
        return as_outputs([0.99 if narrow(picture) else 0.3 for picture in pictures])

    def predict_pictures(self, pictures):
        return [Prediction(1, c, tuple(c if d == 1 else 0.01 / 9 for d in range(10))) if c > 0.5 else
                Prediction(4, c, tuple(c if d == 4 else 0.7 / 9 for d in range(10))) for c in self.outputs(pictures).max(axis=1)]


def test_one_mark_read_weakly_though_not_unsure_whose_pieces_read_surely_is_those_digits():
    # A "51" whose 5's hat touches the 1 (one mark, no wider than one digit), which the
    # network read whole as a weak 0 (33%, not unsure) and cut as a sure 5 and a sure 1:
    # a bar with a long hat and a bar under the hat's end, read whole as a weak 4 and cut
    # as two sure 1s, are 11.
    ink = bars([0, 74], width=16)
    ink[:6, 0:82] = 1  # the hat, touching the second bar's top
    marks = find_marks(on_white(ink))
    assert not marks.looks_wide
    assert read_number(ReadsWideInkWeakly(), on_white(ink)).number == "11"


class ReadsTheWholeAsASureOne:
    """A reader of marks cut apart (``outputs``: 0.9 for a lone bar, 0.05 for the rest)
    that reads a lone bar as a doubtful 4 (0.35), and anything else as a sure 1 (0.99)."""

    def outputs(self, pictures):
        return as_outputs(np.where(lone_bars(pictures), 0.9, 0.05))

    def predict_pictures(self, pictures):
        return [Prediction(4, 0.35, tuple(0.35 if d == 4 else 0.65 / 9 for d in range(10))) if bar > 0.5 else
                Prediction(1, 0.99, tuple(0.99 if d == 1 else 0.01 / 9 for d in range(10)))
                for bar in lone_bars(pictures)]


@pytest.mark.parametrize("count, number", [(2, "1"), (3, "444"), (4, "4444")])
def test_three_tall_marks_side_by_side_are_never_one_digit(count, number):
    # Bars closer than a fifth of their height (a thin "619" whose whole reads as a sure 1,
    # its digits doubtfully): two such marks may be one digit (a 4 in two strokes), three
    # or more are digits, however the whole reads.
    ink = bars([20 * index for index in range(count)], width=8)
    assert not find_marks(on_white(ink)).looks_wide
    assert read_number(ReadsTheWholeAsASureOne(), on_white(ink)).number == number
