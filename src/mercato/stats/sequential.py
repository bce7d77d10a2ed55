"""Always-valid intervals: the normal-mixture sequential probability ratio test (mSPRT).

For an estimate with variance V and a N(0, tau^2) mixture over the true effect, the mixture
likelihood ratio against "no effect" is LR = sqrt(V/(V+tau^2))*exp(tau^2*est^2 / (2V(V+tau^2))).
Rejecting when LR >= 1/alpha keeps the false-positive rate <= alpha however often one looks
(Robbins 1970; Johari et al. 2017). Inverting it gives the half-width below. tau^2 is tuned
so the interval is tightest at the planned sample size, as GrowthBook documents:
tau^2 = sigma^2 * rho^2 with rho^2 = (-2 log alpha + log(-2 log alpha + 1)) / N, sigma^2
the per-unit variance and N the tuning sample size.
"""

from __future__ import annotations

import math


def mixture_variance(variance: float, units: int, alpha: float, tuning: int) -> float:
    """tau^2 for an estimate of ``variance`` over ``units`` units, tuned for ``tuning`` units."""
    per_unit = variance * units
    log_term = -2.0 * math.log(alpha)
    rho_squared = (log_term + math.log(log_term + 1.0)) / tuning
    return per_unit * rho_squared


def half_width(variance: float, units: int, alpha: float, tuning: int) -> float:
    """Half-width of the always-valid (1 - alpha) interval around the estimate."""
    if variance <= 0:
        return 0.0
    tau2 = mixture_variance(variance, units, alpha, tuning)
    spread = variance + tau2
    return math.sqrt(variance * spread / tau2 * (math.log(spread / variance) - 2 * math.log(alpha)))


def p_value(estimate: float, variance: float, units: int, alpha: float, tuning: int) -> float:
    """Always-valid p-value min(1, 1/LR): below alpha exactly when the interval excludes 0."""
    if variance <= 0:
        return 1.0 if estimate == 0 else 0.0
    tau2 = mixture_variance(variance, units, alpha, tuning)
    spread = variance + tau2
    log_lr = 0.5 * math.log(variance / spread) + tau2 * estimate**2 / (2 * variance * spread)
    return min(1.0, math.exp(-log_lr)) if log_lr < 700 else 0.0
