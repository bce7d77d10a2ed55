"""Sample-ratio mismatch: were units split in the configured proportions?"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import chi2 as chi2_distribution

from mercato.stats.samples import StatsInputError


@dataclass(frozen=True)
class SrmResult:
    chi2: float
    p_value: float
    flagged: bool  # p < threshold: the split is broken, results must not be trusted


def srm_check(
    counts: Sequence[int], weights: Sequence[float], threshold: float = 0.001
) -> SrmResult:
    """Pearson χ^2 goodness of fit of observed unit counts to the configured weights.

    The strict default threshold (p < 0.001) is the industry convention: with daily
    checks a looser one would flag healthy experiments. Weights need not sum to 1.
    """
    observed = np.asarray(counts, dtype=np.float64)
    share = np.asarray(weights, dtype=np.float64)
    if observed.shape != share.shape or observed.ndim != 1 or observed.size < 2:
        raise StatsInputError("srm_check: need one count and one weight per variant (2 or more)")
    if np.any(observed < 0) or np.any(share < 0) or share.sum() <= 0:
        raise StatsInputError("srm_check: counts and weights must be non-negative")
    if np.any((share == 0) & (observed > 0)):
        return SrmResult(chi2=float("inf"), p_value=0.0, flagged=True)
    live = share > 0
    total = observed[live].sum()
    if total == 0:
        return SrmResult(chi2=0.0, p_value=1.0, flagged=False)
    expected = total * share[live] / share[live].sum()
    statistic = float(np.sum((observed[live] - expected) ** 2 / expected))
    dof = int(live.sum()) - 1
    p = float(chi2_distribution.sf(statistic, dof)) if dof > 0 else 1.0
    return SrmResult(chi2=statistic, p_value=p, flagged=p < threshold)
