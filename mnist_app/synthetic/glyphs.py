"""How people write each digit: pen strokes through control points, in several hands.

Coordinates are in a unit box, x to the right, y down, both in [0, 1]; a stroke is a
sequence of control points that the pen passes through smoothly (Catmull-Rom), so a
sharp corner is where one stroke ends and the next begins. Each digit has several
*variants* (an open or closed 4, a 7 with or without a bar, a 1 with or without flag and
foot, a 9 with a straight or curved tail, a 2 with or without a loop, ...); a *hand*
picks one variant per digit and has its own slant and width.
"""

from __future__ import annotations

from dataclasses import dataclass

Stroke = tuple[tuple[float, float], ...]

_NINE_LOOP = ((0.82, 0.2), (0.55, 0.0), (0.2, 0.08), (0.12, 0.3), (0.35, 0.48), (0.7, 0.42), (0.85, 0.2))
_SEVEN = (((0.05, 0.02), (0.95, 0.02)), ((0.95, 0.02), (0.35, 1.0)))

DIGIT_STROKES: dict[int, dict[str, tuple[Stroke, ...]]] = {
    0: {
        "oval": (((0.55, 0.02), (0.2, 0.12), (0.05, 0.5), (0.2, 0.9), (0.5, 1.0), (0.82, 0.88),
                  (0.95, 0.5), (0.82, 0.12), (0.5, 0.0), (0.35, 0.06)),),
        "round": (((0.5, 0.0), (0.1, 0.2), (0.0, 0.55), (0.2, 0.92), (0.55, 1.0), (0.9, 0.8),
                   (1.0, 0.45), (0.8, 0.1), (0.5, 0.0), (0.42, 0.03)),),
        "pointed": (((0.6, 0.0), (0.25, 0.2), (0.1, 0.6), (0.3, 0.95), (0.55, 1.0), (0.85, 0.75),
                     (0.9, 0.35), (0.72, 0.05), (0.6, 0.0)),),
    },
    1: {
        "stick": (((0.5, 0.0), (0.48, 1.0)),),
        "flag": (((0.15, 0.28), (0.5, 0.0)), ((0.5, 0.0), (0.5, 1.0))),
        "flag_foot": (((0.2, 0.25), (0.5, 0.0)), ((0.5, 0.0), (0.5, 1.0)), ((0.15, 1.0), (0.85, 1.0))),
        "curved_flag": (((0.25, 0.22), (0.4, 0.12), (0.52, 0.0)), ((0.52, 0.0), (0.5, 1.0))),
    },
    2: {
        "plain": (((0.1, 0.25), (0.35, 0.02), (0.7, 0.03), (0.88, 0.25), (0.75, 0.5), (0.35, 0.78), (0.05, 1.0)),
                  ((0.05, 1.0), (0.95, 0.98))),
        "loop": (((0.1, 0.22), (0.4, 0.0), (0.78, 0.08), (0.82, 0.35), (0.5, 0.65), (0.15, 0.92), (0.12, 0.8),
                  (0.3, 0.82), (0.45, 0.98), (0.95, 0.97)),),
        "wavy_base": (((0.12, 0.3), (0.25, 0.05), (0.6, 0.0), (0.85, 0.2), (0.8, 0.45), (0.45, 0.75), (0.1, 1.0),
                       (0.4, 0.92), (0.7, 0.98), (0.95, 0.92)),),
        "angular": (((0.1, 0.2), (0.4, 0.0), (0.8, 0.1), (0.85, 0.3), (0.1, 1.0)), ((0.1, 1.0), (0.95, 1.0))),
    },
    3: {
        "round": (((0.1, 0.12), (0.45, 0.0), (0.85, 0.12), (0.82, 0.35), (0.45, 0.48)),
                  ((0.45, 0.48), (0.85, 0.6), (0.92, 0.82), (0.6, 1.0), (0.2, 0.97), (0.05, 0.85))),
        "flat_top": (((0.1, 0.02), (0.9, 0.02)), ((0.9, 0.02), (0.4, 0.42)),
                     ((0.4, 0.42), (0.8, 0.5), (0.92, 0.75), (0.65, 0.98), (0.25, 0.98), (0.05, 0.85))),
        "wide_cusp": (((0.05, 0.2), (0.3, 0.02), (0.7, 0.02), (0.85, 0.22), (0.6, 0.45), (0.35, 0.5)),
                      ((0.6, 0.45), (0.9, 0.65), (0.85, 0.9), (0.5, 1.0), (0.1, 0.9))),
    },
    4: {
        "open": (((0.15, 0.0), (0.08, 0.55)), ((0.08, 0.55), (0.95, 0.55)), ((0.72, 0.05), (0.72, 1.0))),
        "closed": (((0.72, 0.0), (0.05, 0.65)), ((0.05, 0.65), (0.95, 0.65)), ((0.72, 0.0), (0.72, 1.0))),
        "crossed": (((0.45, 0.0), (0.05, 0.62)), ((0.05, 0.62), (0.95, 0.6)), ((0.75, 0.28), (0.72, 1.0))),
    },
    5: {
        "classic": (((0.85, 0.02), (0.2, 0.02)), ((0.2, 0.02), (0.15, 0.45)),
                    ((0.15, 0.45), (0.5, 0.37), (0.85, 0.55), (0.88, 0.8), (0.55, 1.0), (0.1, 0.9))),
        "flag_last": (((0.2, 0.0), (0.15, 0.45)),
                      ((0.15, 0.45), (0.55, 0.38), (0.88, 0.6), (0.8, 0.88), (0.45, 1.0), (0.1, 0.88)),
                      ((0.2, 0.0), (0.9, 0.05))),
        "rounded": (((0.88, 0.02), (0.25, 0.02)),
                    ((0.25, 0.02), (0.22, 0.42), (0.55, 0.42), (0.9, 0.6), (0.85, 0.88), (0.5, 1.0), (0.15, 0.9))),
    },
    6: {
        "curl": (((0.75, 0.02), (0.4, 0.2), (0.15, 0.55), (0.2, 0.88), (0.5, 1.0), (0.82, 0.85), (0.78, 0.6),
                  (0.48, 0.52), (0.18, 0.68)),),
        "straight": (((0.7, 0.0), (0.25, 0.55), (0.15, 0.8), (0.4, 1.0), (0.75, 0.92), (0.85, 0.7), (0.55, 0.5),
                      (0.2, 0.65)),),
        "hooked": (((0.8, 0.1), (0.6, 0.0), (0.3, 0.1), (0.12, 0.5), (0.2, 0.9), (0.5, 1.0), (0.85, 0.85),
                    (0.8, 0.6), (0.5, 0.48), (0.2, 0.62)),),
    },
    7: {
        "plain": _SEVEN,
        "barred": _SEVEN + (((0.3, 0.52), (0.8, 0.5)),),
        "curved": (((0.05, 0.1), (0.1, 0.02), (0.95, 0.0)), ((0.95, 0.0), (0.6, 0.45), (0.45, 1.0))),
        "serif": (((0.05, 0.2), (0.05, 0.02)),) + _SEVEN,
    },
    8: {
        "figure": (((0.78, 0.12), (0.5, 0.0), (0.2, 0.1), (0.22, 0.35), (0.5, 0.5), (0.82, 0.68), (0.8, 0.92),
                    (0.5, 1.0), (0.18, 0.9), (0.2, 0.68), (0.5, 0.5), (0.78, 0.3), (0.78, 0.12)),),
        "stacked": (((0.5, 0.0), (0.2, 0.12), (0.25, 0.38), (0.5, 0.47), (0.75, 0.38), (0.8, 0.12), (0.5, 0.0),
                     (0.45, 0.02)),
                    ((0.5, 0.47), (0.12, 0.65), (0.15, 0.92), (0.5, 1.0), (0.85, 0.92), (0.88, 0.65), (0.5, 0.47))),
        "reversed": (((0.22, 0.12), (0.5, 0.0), (0.8, 0.1), (0.78, 0.35), (0.5, 0.5), (0.18, 0.68), (0.2, 0.92),
                      (0.5, 1.0), (0.82, 0.9), (0.8, 0.68), (0.5, 0.5), (0.22, 0.3), (0.22, 0.12)),),
    },
    9: {
        "straight": (_NINE_LOOP, ((0.85, 0.1), (0.82, 1.0))),
        "curved_tail": (_NINE_LOOP + ((0.82, 0.65), (0.6, 0.95), (0.3, 1.0)),),
        "leaning": (_NINE_LOOP, ((0.85, 0.12), (0.5, 1.0))),
    },
}


@dataclass(frozen=True)
class Hand:
    """A writer: one variant per digit (index 0-9), a slant (x shift per unit of height,
    positive leans right), a width (the box's width as a fraction of its height), and how
    much the pen's width follows pressure (0 for a felt marker)."""

    name: str
    variants: tuple[str, ...]
    slant: float
    width: float
    pressure: float


HANDS = (
    Hand("schoolbook", ("oval", "stick", "plain", "round", "closed", "classic", "curl", "plain", "figure",
                        "straight"), 0.0, 0.62, 0.1),
    Hand("continental", ("oval", "flag", "plain", "round", "open", "classic", "curl", "barred", "figure",
                         "curved_tail"), 0.12, 0.6, 0.15),
    Hand("typist", ("pointed", "flag_foot", "angular", "flat_top", "closed", "classic", "straight", "serif",
                    "stacked", "straight"), 0.0, 0.58, 0.05),
    Hand("loopy", ("round", "curved_flag", "loop", "round", "open", "rounded", "hooked", "curved", "figure",
                   "curved_tail"), 0.2, 0.7, 0.2),
    Hand("hurried", ("pointed", "stick", "wavy_base", "wide_cusp", "crossed", "flag_last", "straight", "plain",
                     "reversed", "leaning"), 0.3, 0.55, 0.25),
    Hand("upright_round", ("round", "stick", "plain", "round", "open", "rounded", "curl", "plain", "stacked",
                           "straight"), -0.05, 0.8, 0.1),
    Hand("backhand", ("oval", "flag", "angular", "wide_cusp", "closed", "classic", "hooked", "barred", "figure",
                      "straight"), -0.2, 0.6, 0.15),
    Hand("engineer", ("pointed", "flag_foot", "angular", "flat_top", "open", "classic", "straight", "serif",
                      "stacked", "leaning"), 0.05, 0.5, 0.0),
    Hand("child", ("round", "stick", "wavy_base", "round", "crossed", "rounded", "curl", "curved", "stacked",
                   "straight"), 0.0, 0.85, 0.3),
    Hand("narrow", ("oval", "flag", "plain", "round", "closed", "flag_last", "hooked", "plain", "figure",
                    "curved_tail"), 0.15, 0.45, 0.15),
    Hand("european_barred", ("oval", "flag_foot", "loop", "flat_top", "open", "classic", "curl", "barred",
                             "reversed", "curved_tail"), 0.1, 0.6, 0.2),
    Hand("marker_print", ("round", "stick", "angular", "round", "closed", "classic", "straight", "plain",
                          "stacked", "straight"), 0.0, 0.7, 0.0),
    Hand("slanted_cursive", ("pointed", "curved_flag", "loop", "wide_cusp", "crossed", "rounded", "hooked",
                             "curved", "figure", "curved_tail"), 0.35, 0.62, 0.25),
    Hand("left_lean_print", ("round", "flag", "plain", "flat_top", "closed", "flag_last", "curl", "serif",
                             "stacked", "leaning"), -0.12, 0.66, 0.05),
)
