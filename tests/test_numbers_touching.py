"""Touching digits: how the segmenter weighs cutting against joining.

The oracles are the digits drawn here (MNIST test digits from the committed sample, placed
by :func:`~mnist_app.synthetic.numbers.write_line`, and a ring), widths chosen here, and
scorers that know nothing of the pictures: when the recogniser is as sure of the pieces as
of the whole, marks as wide as two digits are cut and one digit is not.
"""

from __future__ import annotations

import numpy as np
import pytest

from mnist_app.preprocess import find_marks
import itertools

from mnist_app.preprocess.crossings import crossings
from mnist_app.preprocess.cuts import SEAM_EDGE, SEAM_STEP, cut_paths, ink_cut, least_ink_cuts
from mnist_app.predict import Classifier
from mnist_app.errors import NotADigit
from mnist_app.limits import MAX_CUT_WIDTH
from mnist_app.preprocess.groups import Group
from mnist_app.numbers import beats_one_digit
from mnist_app.preprocess.path_search import best_path
from mnist_app.preprocess.segment import PIECE_WIDTHS, Piece, _boundaries, _narrow_pairs, segment
from mnist_app.synthetic.numbers import Line, write_line
from mnist_app.synthetic.pens import enlarged
from test_numbers import HEIGHT, IMAGES, LABELS, MARGIN, always_sure, clear_digits, on_white


@pytest.fixture(scope="module")
def shipped() -> Classifier:
    return Classifier.load()


def test_two_touching_digits_a_digit_and_a_half_wide_are_read_as_two(shipped):
    # The shipped model reads the touching pair, whole, as one digit; its width says two.
    inks, number = clear_digits(2, start=60)
    ink, touching = write_line(inks, HEIGHT, Line(touch=True, drift=0.0, sizes=0.0), np.random.default_rng(3))
    assert touching and 1.4 * HEIGHT < ink.shape[1] < 1.6 * HEIGHT
    reading = shipped.read_number(on_white(ink))
    assert reading.number == number
    assert reading.digits[0].box[2] <= reading.digits[1].box[2]


@pytest.mark.parametrize("start, count", [(60, 2), (180, 3), (90, 4), (224, 3), (364, 3),
                                          (288, 2), (444, 2), (78, 3), (402, 3), (444, 3)])
def test_touching_digits_are_cut_where_the_model_reads_every_piece_best(shipped, start, count):
    # Pushed together until they touch: each cut piece must read as its own digit, none
    # left as two squeezed digits (the shipped model reads such a pair all too surely), and
    # no sliver cut off a digit read as a 1 (284 was read 281, 506 as 5010). The last five
    # meet in a short stroke off every valley and dip: before the least-ink seams joined
    # the candidate cuts they read 46, 2, 162, 322 and 29.
    inks, number = clear_digits(count, start=start)
    ink, touching = write_line(inks, HEIGHT, Line(touch=True, drift=0.0, sizes=0.0), np.random.default_rng(start))
    assert touching
    assert shipped.read_number(on_white(ink)).number == number


@pytest.mark.parametrize("slant", [0.0, 0.2, -0.3, 0.35])
def test_a_straight_stroke_touching_its_neighbour_along_its_side_is_cut_along_it(slant):
    # A bar (a 1, a stem) leaning by ``slant`` columns a row, its right side touching a
    # block and a bar upright beyond it (the neighbour) along half its length: some cut
    # keeps the whole bar on its left and under a quarter of the neighbour. Before the
    # cuts along straight strokes, none did where it leant most (-0.3 and 0.35).
    rows, columns = np.indices((HEIGHT, 90))
    axis = 30 + slant * (rows - (HEIGHT - 1) / 2)
    bar = np.abs(columns - axis) <= 3
    neighbour = ((columns > axis + 3) & (columns <= 60) & (rows > 20) & (rows < 60)) | ((columns > 55) & (columns < 62))
    solid = bar | neighbour
    lefts = [columns < path[:, None] for path in cut_paths(solid, HEIGHT, along_strokes=True)]
    assert any(not (bar & ~left).any() and (neighbour & left).sum() < neighbour.sum() / 4 for left in lefts)


@pytest.mark.parametrize("aspect, split", [(0.8, False), (1.6, True)])
def test_marks_are_taken_apart_when_as_wide_as_two_digits(aspect, split):
    # Two pieces read exactly as surely as the whole: only the marks' width decides.
    pieces = [Piece(np.zeros((28, 28), np.uint8), (0, 0, 1, 1), 0.95, 0)] * 2
    assert beats_one_digit(pieces, 0.95, aspect) == split


def test_one_digit_is_not_cut_by_a_scorer_sure_of_any_piece():
    # A ring as wide as it is tall (a round 0): a digit, however sure the scorer is of its halves.
    rows, columns = np.indices((HEIGHT, HEIGHT))
    radius = np.hypot(rows - HEIGHT / 2, columns - HEIGHT / 2)
    ring = ((radius > HEIGHT / 2 - 9) & (radius < HEIGHT / 2 - 1)).astype(np.float32)
    pieces = segment(find_marks(on_white(ring)), always_sure)
    assert len(pieces) == 1
    assert pieces[0].box == pytest.approx((MARGIN, MARGIN, MARGIN + HEIGHT, MARGIN + HEIGHT), abs=3)


def test_a_cut_counts_the_strokes_and_rows_of_ink_it_cuts():
    # A square ring with 2-pixel sides, cut down its middle: two strokes, 2 rows each; a
    # bar 3 rows thick: one stroke; a cut along the paper between two bars: none.
    ring = np.zeros((20, 20), dtype=bool)
    ring[[0, 1, 18, 19], :] = True
    ring[:, [0, 1, 18, 19]] = True
    middle = np.zeros_like(ring)
    middle[:, :10] = True
    assert ink_cut(ring, middle) == (4, 2)
    bar = np.zeros_like(ring)
    bar[8:11] = True
    assert ink_cut(bar, middle) == (3, 1)
    two_bars = np.zeros_like(ring)
    two_bars[:, 4:8] = two_bars[:, 12:16] = True
    assert ink_cut(two_bars, middle) == (0, 0)


def test_a_seam_is_the_cheapest_path_of_all():
    # Every path through a small random grid, one column a row moving at most one sideways,
    # enumerated: the seam ending in each column costs the least of those ending there
    # (1 per ink pixel, SEAM_EDGE per paper pixel next to ink, SEAM_STEP per sideways move).
    rng = np.random.default_rng(0)
    solid = rng.random((6, 5)) < 0.25
    height, width = solid.shape
    cost = np.zeros(solid.shape)
    for row, column in itertools.product(range(height), range(width)):
        around = solid[max(row - 1, 0):row + 2, max(column - 1, 0):column + 2]
        cost[row, column] = 1.0 if solid[row, column] else SEAM_EDGE if around.any() else 0.0
    seam = least_ink_cuts(solid)
    for end in range(width):
        cheapest = np.inf
        for steps in itertools.product((-1, 0, 1), repeat=height - 1):
            path = end - np.concatenate(([0], np.cumsum(steps[::-1])))[::-1]
            if path.min() >= 0 and path.max() < width:
                cheapest = min(cheapest, cost[np.arange(height), path].sum() + SEAM_STEP * np.count_nonzero(steps))
        path = seam(slice(end, end + 1))
        assert path[-1] == end and np.abs(np.diff(path)).max(initial=0) <= 1
        assert cost[np.arange(height), path].sum() + SEAM_STEP * np.count_nonzero(np.diff(path)) == pytest.approx(cheapest)


def test_the_best_path_is_the_highest_scoring_way_from_the_first_boundary_to_the_last():
    # Random pieces between 6 boundaries, every chain of them from 0 to 5 enumerated: the
    # path best_path keeps scores the most of those, and none at all when no chain exists.
    rng = np.random.default_rng(1)
    spans = [(start, end) for start in range(6) for end in range(start + 1, 6) if rng.random() < 0.6]
    gains = rng.normal(size=len(spans))
    chains = [chain for count in range(1, 6) for chain in itertools.combinations(range(len(spans)), count)
              if spans[chain[0]][0] == 0 and spans[chain[-1]][1] == 5
              and all(spans[a][1] == spans[b][0] for a, b in zip(chain, chain[1:]))]
    path = best_path(6, spans, gains)
    assert tuple(path) in chains
    assert gains[path].sum() == pytest.approx(max(gains[list(chain)].sum() for chain in chains))
    assert best_path(6, [(0, 2), (3, 5)], np.zeros(2)) is None


def test_the_pairs_weighed_are_every_piece_no_wider_than_a_digit():
    # Nested "left of here" masks over random ink: the oracle forms every piece and
    # measures it, where _narrow_pairs reads only what each boundary adds.
    rng = np.random.default_rng(4)
    digit_height = 10.0
    ink = rng.random((12, 60)) < 0.3
    ink[:, 25:31] = False  # a gap: some boundaries add nothing
    columns = np.arange(60)
    lefts = [np.zeros_like(ink)] + [ink & (columns[None, :] < cut) for cut in sorted(rng.integers(1, 61, 25))]
    expected = []
    for end in range(1, len(lefts)):
        for start in range(end):
            inked = np.flatnonzero((lefts[end] & ~lefts[start]).any(axis=0))
            if inked.size == 0 or inked[-1] - inked[0] + 1 <= PIECE_WIDTHS[1] * digit_height:
                expected.append((start, end))
    assert sorted(_narrow_pairs(lefts, digit_height)) == sorted(expected)


def wave(height: int, lengths: float, period: float) -> np.ndarray:
    """Ink (height, height * lengths): a sine wave 3 pixels thick from top to bottom, its
    stroke touching itself all along, ``period`` pixels per radian."""
    columns = np.arange(int(height * lengths))
    rows = np.rint((height - 4) / 2 * (1 + np.sin(columns / period))).astype(int)
    ink = np.zeros((height, columns.size))
    for width in range(3):
        ink[rows + width, columns] = 1.0
    return ink


def test_a_touching_mark_longer_than_any_number_is_refused_before_it_is_cut(shipped):
    # 40 of its heights long (weighing its cuts took 30 s and near 1 GB for a longer one),
    # counted as drawn.
    lengths = 40
    assert lengths > MAX_CUT_WIDTH
    picture = on_white(wave(40, lengths, period=6.0))
    for read in (shipped.read_number, shipped.predict):
        with pytest.raises(NotADigit, match="^not a digit$"):
            read(picture)


def test_the_marks_cut_apart_are_counted_over_the_whole_line():
    # Two waves, each shorter than the budget, with a gap between them: together they are
    # longer than it, counted as drawn.
    lengths = 8
    assert lengths < MAX_CUT_WIDTH < 2 * lengths
    line = wave(20, lengths, period=5.0)
    with pytest.raises(NotADigit, match="^not a digit$"):
        segment(find_marks(on_white(np.hstack([line, np.zeros((20, 20)), line]))), always_sure)


def test_a_one_touching_its_neighbours_is_cut_along_its_stroke(shipped):
    # Sample digits 7, 1 and 2 (each read right and sure alone), pushed together until
    # they touch: the 1 leans into both neighbours. Before the cuts along straight strokes
    # it was read 22.
    rng = np.random.default_rng(36)
    inks, number = [], ""
    for index in range(36, len(LABELS)):
        ink = enlarged(IMAGES[index], HEIGHT, rng, max_rotation=0)
        alone = shipped.predict(on_white(ink))
        if alone.digit == LABELS[index] and not alone.unsure:
            inks.append(ink)
            number += str(LABELS[index])
        if len(inks) == 3:
            break
    ink, touching = write_line(inks, HEIGHT, Line(touch=True, drift=0.0, sizes=0.0), np.random.default_rng(36))
    assert touching and number == "712"
    assert shipped.read_number(on_white(ink)).number == number


def drawn_stroke(shape: tuple[int, int], start: tuple[int, int], end: tuple[int, int], width: float) -> np.ndarray:
    """(h, w) bool: the pixels within ``width`` / 2 of the segment from ``start`` to ``end`` (row, column)."""
    rows, columns = np.indices(shape)
    (r0, c0), (r1, c1) = start, end
    along = np.clip(((rows - r0) * (r1 - r0) + (columns - c0) * (c1 - c0)) / ((r1 - r0) ** 2 + (c1 - c0) ** 2), 0, 1)
    return np.hypot(rows - r0 - along * (r1 - r0), columns - c0 - along * (c1 - c0)) <= width / 2


def test_interleaved_digits_are_parted_by_their_strokes_where_no_path_parts_them():
    # A 4 whose bar runs on through a 1 beside it (a "41" written close): in the bar's rows
    # every cut path leaves the bar's end with the 1 or the 1's stroke with the 4. Some way
    # of cutting must keep each digit's own strokes (the pixels the other did not draw)
    # whole on its side, as splitting the ink into strokes at their crossings does. Before
    # it, the best kept 90% of the 4's.
    shape = (HEIGHT, 120)
    four = (drawn_stroke(shape, (2, 40), (50, 4), 5) | drawn_stroke(shape, (50, 4), (50, 100), 5)
            | drawn_stroke(shape, (2, 48), (78, 48), 5))
    one = drawn_stroke(shape, (2, 86), (78, 76), 5)
    ink = (four | one).astype(np.float32)
    group = Group.of(ink > 0)
    window = (slice(0, HEIGHT), slice(group.left, group.right))
    lefts = _boundaries(ink[window], [group], window, float(HEIGHT), [True], [True])[0]
    own_four, own_one = (four & ~one)[window], (one & ~four)[window]
    assert max(min((own_four & left).sum() / own_four.sum(), (own_one & ~left).sum() / own_one.sum())
               for left in lefts) > 0.99



def ellipse_ring(height: int, width: int, pen: float) -> np.ndarray:
    """An ellipse's outline (height, width) float32, ``pen`` pixels thick inside its box: a 0."""
    rows, columns = np.indices((height, width))
    radius = np.hypot((rows + 0.5 - height / 2) / (height / 2), (columns + 0.5 - width / 2) / (width / 2))
    return ((radius <= 1.0) & (radius > 1.0 - pen / (width / 2))).astype(np.float32)


def narrow_zero_or_wide_four(pictures):
    """A scorer that reads a picture whose ink is narrower than 0.7 of its height as a 0
    at 0.95, and a wider one as a 4 at 0.6 (doubtful: it is weighed, not taken)."""
    def narrow(picture):
        rows, columns = np.nonzero(picture > 127)
        return np.ptp(columns) + 1 < 0.7 * (np.ptp(rows) + 1)
    outputs = np.full((len(pictures), 10), 0.01)
    for outputs_of, picture in zip(outputs, pictures):
        outputs_of[0 if narrow(picture) else 4] = 0.95 if narrow(picture) else 0.6
    return outputs


@pytest.mark.parametrize("bars", [1, 2, 3, 4])
def test_the_strokes_a_picture_crosses_are_counted_in_its_middle_rows(bars):
    # Upright bars 3 pixels wide, 3 apart, under a cap over the top sixth: each middle row
    # crosses every bar. An empty picture crosses none.
    picture = np.zeros((2, 28, 28), dtype=np.uint8)
    for bar in range(bars):
        picture[0, 4:24, 2 + 6 * bar:5 + 6 * bar] = 255
    picture[0, 4:7, 2:6 * bars - 1] = 255
    assert crossings(picture).tolist() == [bars, 0.0]


def test_two_touching_zeros_no_wider_than_one_digit_are_cut_by_the_strokes_they_cross():
    # Two narrow 0s touching at their sides, the pair 0.9 digit heights wide, read whole as
    # a doubtful 4 and each alone as a 0: the cost of cutting a mark this narrow would keep
    # it whole, but its middle rows cross four strokes, more than MNIST's 4s do. One 0 as
    # wide, read the same way, crosses two and stays whole.
    zero = ellipse_ring(HEIGHT, 36, 6)
    pieces = segment(find_marks(on_white(np.hstack([zero, zero]))), narrow_zero_or_wide_four)
    assert [piece.box[2] - MARGIN for piece in pieces] == pytest.approx([36, 72], abs=3)  # cut where they touch
    assert len(segment(find_marks(on_white(ellipse_ring(HEIGHT, 72, 6))), narrow_zero_or_wide_four)) == 1
