"""The centre lines of a handwritten digit, so it can be redrawn with any pen.

An MNIST digit (28x28 uint8) is upsampled, thresholded and thinned to a one-pixel
skeleton (Zhang and Suen's algorithm, vectorised over the whole image); the skeleton
becomes a graph of short segments between 8-adjacent pixels, smoothed so that the pixel
staircase does not show when the digit is redrawn larger.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

UPSAMPLE = 4  # the digit is thinned at 4 x 28 = 112 pixels
SPUR_LENGTH = 3 * UPSAMPLE  # branches shorter than 3 MNIST pixels from an end to a fork go
SMOOTHING = 25  # passes of neighbour averaging over the skeleton
# The eight neighbours P2..P9 of Zhang-Suen, clockwise from north: (row, column) offsets.
NEIGHBOURS = ((-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1))
# Half of the 8-neighbourhood (east, south-east, south, south-west): each adjacent pair once.
FORWARD = ((0, 1), (1, 1), (1, 0), (1, -1))


def zhang_suen(mask: np.ndarray) -> np.ndarray:
    """The one-pixel-wide skeleton of the boolean (h, w) ``mask``, as a boolean (h, w) array.

    Each pass peels boundary pixels whose removal keeps the shape connected: first from
    the south-east, then from the north-west, until nothing changes (Zhang & Suen, 1984).
    """
    image = np.pad(mask.astype(bool), 1)
    while True:
        changed = False
        for first_pass in (True, False):
            p = [np.roll(image, (-dr, -dc), axis=(0, 1)) for dr, dc in NEIGHBOURS]  # P2..P9
            count = np.sum(p, axis=0)
            transitions = np.sum([~p[i] & p[(i + 1) % 8] for i in range(8)], axis=0)
            north, east, south, west = p[0], p[2], p[4], p[6]
            if first_pass:
                keep_shape = ~(north & east & south) & ~(east & south & west)
            else:
                keep_shape = ~(north & east & west) & ~(north & south & west)
            peel = image & (count >= 2) & (count <= 6) & (transitions == 1) & keep_shape
            if peel.any():
                image &= ~peel
                changed = True
        if not changed:
            return image[1:-1, 1:-1]


def skeleton_graph(skeleton: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The skeleton as a graph: points (k, 2) as (x, y) pixels, and edges (e, 2) of indices
    into ``points`` joining 8-adjacent skeleton pixels (a diagonal only where no two
    side steps join the same pixels, so a corner of a stroke is not mistaken for a fork)."""
    rows, cols = np.nonzero(skeleton)
    index = np.full(skeleton.shape, -1, dtype=np.int64)
    index[rows, cols] = np.arange(len(rows))
    padded = np.pad(index, 1, constant_values=-1)
    edges = []
    for dr, dc in FORWARD:
        neighbour = padded[rows + 1 + dr, cols + 1 + dc]
        linked = neighbour >= 0
        if dr and dc:  # a diagonal step is redundant where a path through a side pixel exists
            linked &= (padded[rows + 1, cols + 1 + dc] < 0) & (padded[rows + 1 + dr, cols + 1] < 0)
        edges.append(np.stack([index[rows[linked], cols[linked]], neighbour[linked]], axis=1))
    points = np.stack([cols, rows], axis=1).astype(np.float64)
    return points, np.vstack(edges) if edges else np.zeros((0, 2), dtype=np.int64)


def without_spurs(edges: np.ndarray, n_points: int, length: int) -> np.ndarray:
    """``edges`` (e, 2) without the branches of fewer than ``length`` points that run from
    a free end to a fork: thinning leaves such spurs at the corners of thick strokes."""
    neighbours: list[list[int]] = [[] for _ in range(n_points)]
    for a, b in edges.tolist():
        neighbours[a].append(b)
        neighbours[b].append(a)
    removed = set()
    for end in (point for point in range(n_points) if len(neighbours[point]) == 1):
        branch, previous, current = [end], -1, end
        while len(neighbours[current]) <= 2 and len(branch) <= length:
            ahead = [n for n in neighbours[current] if n != previous]
            if not ahead:  # an isolated stroke: nothing to prune
                break
            previous, current = current, ahead[0]
            branch.append(current)
        if len(neighbours[current]) >= 3 and len(branch) <= length:
            removed.update(branch[:-1])  # keep the fork itself
    if not removed:
        return edges
    gone = np.zeros(n_points, dtype=bool)
    gone[list(removed)] = True
    return edges[~gone[edges].any(axis=1)]


def smooth_graph(points: np.ndarray, edges: np.ndarray, iterations: int = SMOOTHING) -> np.ndarray:
    """``points`` (k, 2) each moved halfway to the mean of its neighbours, ``iterations`` times.

    Removes the staircase of pixel positions; ends of strokes (one neighbour) move
    too, which shortens each stroke by a few pixels of the thinning grid.
    """
    points = points.copy()
    degree = np.bincount(edges.ravel(), minlength=len(points)).astype(np.float64)
    for _ in range(iterations):
        total = np.zeros_like(points)
        np.add.at(total, edges[:, 0], points[edges[:, 1]])
        np.add.at(total, edges[:, 1], points[edges[:, 0]])
        has = degree > 0
        points[has] = 0.5 * points[has] + 0.5 * total[has] / degree[has, None]
    return points


def digit_centre_lines(digit: np.ndarray, level: float = 0.45) -> tuple[np.ndarray, np.ndarray]:
    """Centre-line segments of an MNIST ``digit`` (28, 28) uint8: starts and ends (e, 2).

    Coordinates are (x, y) in pixels of the 28x28 frame. The digit is upsampled
    UPSAMPLE times (bicubic) and cut at ``level`` of full ink before thinning; a higher
    level thins the strokes first and so joins fewer neighbouring strokes.
    """
    size = digit.shape[1] * UPSAMPLE, digit.shape[0] * UPSAMPLE
    smooth = np.asarray(Image.fromarray(digit).resize(size, Image.Resampling.BICUBIC), dtype=np.float32)
    points, edges = skeleton_graph(zhang_suen(smooth > level * 255))
    edges = without_spurs(edges, len(points), SPUR_LENGTH)
    points = (smooth_graph(points, edges) + 0.5) / UPSAMPLE - 0.5
    return points[edges[:, 0]], points[edges[:, 1]]
