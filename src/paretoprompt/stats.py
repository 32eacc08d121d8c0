"""Small statistics shared by the eval CLI and reports."""

from __future__ import annotations

import math


def wilson_interval(successes: float, n: int, *, z: float = 1.959963984540054) -> tuple[float, float]:
    """95% (by default) Wilson score interval for a proportion.

    Unlike the normal approximation it stays inside [0, 1] and behaves at 0% and 100%, which
    matter here (small models often score all-or-nothing). Fractional `successes` (mean of
    partial-credit scores times n) are accepted as an approximation.
    """
    if n <= 0:
        return (0.0, 1.0)
    p = min(max(successes / n, 0.0), 1.0)
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))
