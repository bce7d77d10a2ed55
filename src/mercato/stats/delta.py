"""Delta-method estimates: per-unit ratios and the relative lift between two arms."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mercato.stats.samples import FloatArray, StatsInputError


@dataclass(frozen=True)
class Estimate:
    """A mean (or ratio of means) with the variance of that estimate, over ``units`` units."""

    mean: float
    variance: float
    units: int


def ratio_estimate(name: str, numerator: FloatArray, denominator: FloatArray) -> Estimate:
    """sum(numerator) / sum(denominator) with its delta-method variance.

    With a denominator of ones this is the sample mean with variance s^2/n (ddof=1).
    The unit of randomisation is the unit, not the view or the order, so the variance
    comes from the per-unit pairs (Deng et al., "Applying the delta method in metric
    analytics").
    """
    units = int(numerator.size)
    if units < 2:
        raise StatsInputError(f"variant {name!r}: needs at least 2 units, has {units}")
    mean_den = float(np.mean(denominator))
    if mean_den <= 0:
        raise StatsInputError(f"variant {name!r}: the denominator sums to zero")
    mean_num = float(np.mean(numerator))
    ratio = mean_num / mean_den
    # Linearised per-unit contribution; its sample variance is the delta-method variance.
    linear = (numerator - ratio * denominator) / mean_den
    variance = float(np.var(linear, ddof=1)) / units
    return Estimate(mean=ratio, variance=variance, units=units)


def relative_lift(baseline: Estimate, variant: Estimate, baseline_name: str) -> Estimate:
    """variant/baseline - 1 with its delta-method variance (arms independent)."""
    if baseline.mean == 0:
        raise StatsInputError(
            f"variant {baseline_name!r}: baseline mean is zero, relative lift is undefined"
        )
    lift = variant.mean / baseline.mean - 1.0
    variance = (
        variant.variance / baseline.mean**2 + variant.mean**2 * baseline.variance / baseline.mean**4
    )
    return Estimate(mean=lift, variance=variance, units=baseline.units + variant.units)
