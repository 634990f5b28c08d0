"""The best way through a run of marks: the chain of pieces, boundary to boundary, that scores most.

:mod:`.segment` proposes the pieces (each between two of the nested "left of here"
boundaries of a run of touching marks) and their gains; this finds the chain of them from
the first boundary to the last with the highest sum (dynamic programming).
"""

from __future__ import annotations

import numpy as np


def best_path(boundaries: int, spans: list[tuple[int, int]], gains: np.ndarray) -> list[int] | None:
    """The indices, left to right, of the pieces (``spans``: (start, end) boundaries, start
    < end) that lead from boundary 0 to the last of ``boundaries`` with the highest sum of
    ``gains`` (n,) (dynamic programming); None if no pieces do."""
    best = np.full(boundaries, -np.inf)
    best[0] = 0.0
    choice = [-1] * boundaries  # the piece that ends the best way to each boundary
    for index in sorted(range(len(spans)), key=lambda i: spans[i][1]):  # by where they end
        start, end = spans[index]
        if best[start] + gains[index] > best[end]:
            best[end], choice[end] = best[start] + gains[index], index
    end = boundaries - 1
    if choice[end] < 0:
        return None
    path = []
    while end > 0:
        path.append(choice[end])
        end = spans[choice[end]][0]
    return path[::-1]
