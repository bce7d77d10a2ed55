"""Fixed-horizon sample size for a two-sided test of a relative minimum detectable effect."""

from __future__ import annotations

import math

from scipy.stats import norm

from mercato.stats.samples import StatsInputError


def sample_size(
    *,
    baseline_mean: float,
    baseline_sd: float,
    minimum_detectable_effect: float,
    alpha: float = 0.05,
    power: float = 0.8,
    variants: int = 2,
) -> int:
    """Units per variant: n = 2 sd^2 (z[1-alpha/2] + z[power])^2 / delta^2.

    delta = MDE x baseline mean (the MDE is relative).

    With more than two variants alpha is split over the variants - 1 comparisons against the
    baseline (Bonferroni), which Holm's correction never makes stricter.
    """
    if baseline_mean == 0 or baseline_sd <= 0:
        raise StatsInputError("sample_size: baseline_mean must be non-zero and baseline_sd > 0")
    if minimum_detectable_effect == 0:
        raise StatsInputError("sample_size: minimum_detectable_effect must be non-zero")
    if not 0 < alpha < 1 or not 0 < power < 1 or variants < 2:
        raise StatsInputError("sample_size: need 0 < alpha < 1, 0 < power < 1, variants >= 2")
    per_test_alpha = alpha / (variants - 1)
    z_alpha = float(norm.ppf(1 - per_test_alpha / 2))
    z_power = float(norm.ppf(power))
    delta = minimum_detectable_effect * baseline_mean
    return math.ceil(2 * baseline_sd**2 * (z_alpha + z_power) ** 2 / delta**2)
