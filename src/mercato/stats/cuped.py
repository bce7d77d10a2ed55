"""CUPED: subtract the part of a metric that the pre-period already predicts."""

from __future__ import annotations

import numpy as np

from mercato.stats.samples import FloatArray


def cuped_theta(
    numerators: list[FloatArray], denominators: list[FloatArray], covariates: list[FloatArray]
) -> tuple[float, float]:
    """theta and the covariate mean, from every arm pooled.

    theta = cov(y, x) / var(x) where y is the linearised ratio (numerator - R*denominator,
    R the pooled ratio), which is the variance-minimising choice for a mean (denominator
    1) and for a ratio metric alike. Pooling keeps theta the same in every arm, so the
    adjustment cannot create a difference between them.
    """
    num = np.concatenate(numerators)
    den = np.concatenate(denominators)
    cov = np.concatenate(covariates)
    ratio = float(np.sum(num) / np.sum(den)) if np.sum(den) > 0 else 0.0
    linear = num - ratio * den
    spread = float(np.var(cov, ddof=1)) if cov.size > 1 else 0.0
    if spread == 0.0:
        return 0.0, float(np.mean(cov)) if cov.size else 0.0
    theta = float(np.cov(linear, cov, ddof=1)[0, 1]) / spread
    return theta, float(np.mean(cov))


def adjust(numerator: FloatArray, covariate: FloatArray, theta: float, centre: float) -> FloatArray:
    """numerator - theta*(covariate - pooled covariate mean)."""
    return numerator - theta * (covariate - centre)
