"""Winsorising heavy-tailed metrics (revenue among purchasers) before analysis."""

from __future__ import annotations

import numpy as np

from mercato.stats.samples import FloatArray, StatsInputError


def positive_cap(arrays: list[FloatArray], quantile: float) -> float | None:
    """The pooled ``quantile`` of the positive values (purchasers), or None if none are.

    Pooled over every variant so each arm is capped at the same value; zeros (visitors who
    did not buy) are left out so the cap tracks order values, not the conversion rate.
    """
    if not 0.0 < quantile < 1.0:
        raise StatsInputError(f"cap_quantile must be between 0 and 1, got {quantile}")
    pooled = np.concatenate(arrays) if arrays else np.empty(0)
    positive = pooled[pooled > 0]
    if positive.size == 0:
        return None
    return float(np.quantile(positive, quantile))


def cap(values: FloatArray, ceiling: float | None) -> FloatArray:
    """Values above ``ceiling`` replaced by it (negative values, refunds, stay as they are)."""
    if ceiling is None:
        return values
    return np.minimum(values, ceiling)
