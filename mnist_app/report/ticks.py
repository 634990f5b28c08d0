"""Round numbers for chart axes: tick spacings of 1, 2, 2.5 or 5 times a power of ten,
ranges widened to whole ticks, and tick labels with just the decimals they need."""

from __future__ import annotations

import math


def nice_step(span: float, target: int = 5) -> float:
    """A round tick spacing (1, 2, 2.5 or 5 times a power of ten) giving about ``target`` ticks."""
    raw = span / max(target, 1) if span > 0 else 1.0
    magnitude = 10.0 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw * (1 - 1e-9))


def nice_range(low: float, high: float, target: int = 5, integer: bool = False) -> tuple[float, float, float]:
    """``(low', high', step)``: the data range widened to whole tick steps."""
    if not (math.isfinite(low) and math.isfinite(high)):
        low, high = 0.0, 1.0
    if high <= low:
        low, high = low - 0.5, high + 0.5
    step = nice_step(high - low, target)
    if integer:
        step = max(1.0, round(step))
    return math.floor(low / step + 1e-9) * step, math.ceil(high / step - 1e-9) * step, step


def ticks(low: float, high: float, step: float) -> list[float]:
    """The multiples of ``step`` from ``low`` to ``high`` inclusive."""
    first = math.ceil(low / step - 1e-9)
    last = math.floor(high / step + 1e-9)
    return [i * step for i in range(first, last + 1)]


def tick_label(value: float, step: float) -> str:
    """``value`` with as many decimals as the tick spacing ``step`` needs."""
    decimals = max(0, -math.floor(math.log10(step) + 1e-9))
    scaled = step * 10**decimals
    if abs(scaled - round(scaled)) > 1e-6:  # 2.5 x 10^k needs one decimal more
        decimals += 1
    text = f"{value:.{decimals}f}"
    return "0" if float(text) == 0 else text.replace("-", "\u2212")
