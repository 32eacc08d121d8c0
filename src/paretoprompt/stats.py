"""Small statistics shared by the eval CLI and reports."""

from __future__ import annotations

import math
from collections.abc import Sequence


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


def bootstrap_mean_interval(
    values: Sequence[float], *, level: float = 0.95, resamples: int = 10_000, seed: int = 0
) -> tuple[float, float]:
    """Percentile-bootstrap interval for the mean of `values`, reproducible through `seed`.

    For a handful of paired differences (one per benchmark seed) it says whether the sign of the mean is
    settled, without assuming normality or needing scipy for t quantiles. With few values it is somewhat
    narrower than a t interval, so read it as a lower bound on the uncertainty.
    """
    import numpy as np  # here, not at the top: `paretoprompt eval` imports this module and needs no numpy

    if not values:
        raise ValueError("bootstrap_mean_interval needs at least one value")
    data = np.asarray(values, dtype=float)
    rng = np.random.default_rng(seed)
    means = data[rng.integers(0, len(data), size=(resamples, len(data)))].mean(axis=1)
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(means, [tail, 1.0 - tail])
    return float(low), float(high)
