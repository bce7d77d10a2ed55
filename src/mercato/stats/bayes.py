"""Bayesian chance to win: a normal approximation on the relative lift.

The likelihood of the lift is N(estimate, V) (delta method). The prior is N(0, s^2) on the
relative lift, s = 0.3 by default (most changes move a metric by well under ±30%; this is
the proper prior GrowthBook documents). The posterior is the precision-weighted normal;
chance to win is P(lift > 0 | data). A prior sd of 0 or less means a flat prior.
"""

from __future__ import annotations

import math

from scipy.stats import norm


def posterior(estimate: float, variance: float, prior_sd: float) -> tuple[float, float]:
    """Posterior mean and standard deviation of the relative lift."""
    if variance <= 0:
        return estimate, 0.0
    if prior_sd <= 0:
        return estimate, math.sqrt(variance)
    precision = 1.0 / variance + 1.0 / prior_sd**2
    mean = (estimate / variance) / precision
    return mean, math.sqrt(1.0 / precision)


def chance_to_win(mean: float, sd: float) -> float:
    """P(lift > 0) under the posterior."""
    if sd == 0:
        return 1.0 if mean > 0 else 0.0 if mean < 0 else 0.5
    return float(norm.sf(0.0, loc=mean, scale=sd))


def credible_interval(mean: float, sd: float, alpha: float) -> tuple[float, float]:
    """The central (1 - alpha) credible interval."""
    z = float(norm.ppf(1 - alpha / 2))
    return mean - z * sd, mean + z * sd
