"""Compare each variant with the baseline on one metric: effect, interval, verdict inputs."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from scipy.stats import norm

from mercato.stats import bayes, sequential
from mercato.stats.capping import cap, positive_cap
from mercato.stats.cuped import adjust, cuped_theta
from mercato.stats.delta import Estimate, ratio_estimate, relative_lift
from mercato.stats.samples import FloatArray, StatsInputError, VariantSample


@dataclass(frozen=True)
class AnalysisOptions:
    alpha: float = 0.05
    sequential: bool = True  # always-valid intervals: safe to look every day
    sequential_tuning: int = 5000  # total units (both arms) the mixture is tuned for
    cap_quantile: float | None = None  # winsorise positive values at this pooled quantile
    cuped: bool = True  # applied when every sample has a covariate
    method: Literal["frequentist", "bayesian"] = "frequentist"
    bayesian_prior_sd: float = 0.3  # N(0, sd^2) prior on the relative lift; <= 0 is flat


@dataclass(frozen=True)
class Comparison:
    baseline: str
    variant: str
    baseline_mean: float  # observed (after capping), not CUPED-adjusted
    variant_mean: float
    absolute_effect: float  # CUPED-adjusted when CUPED applies
    relative_lift: float
    ci_low: float  # interval on the relative lift
    ci_high: float
    p_value: float | None  # None for bayesian
    adjusted_p_value: float | None  # set by correct_multiple
    chance_to_win: float | None  # bayesian only
    method: str


@dataclass(frozen=True)
class _Prepared:
    name: str
    numerator: FloatArray  # capped, CUPED-adjusted when it applies
    denominator: FloatArray
    observed_mean: float


def _check(samples: Sequence[VariantSample], options: AnalysisOptions) -> None:
    if len(samples) < 2:
        raise StatsInputError("compare: need a baseline and at least one variant")
    names = [s.name for s in samples]
    if len(set(names)) != len(names):
        raise StatsInputError(f"compare: variant names must be distinct, got {names}")
    if len({s.denominator is None for s in samples}) != 1:
        raise StatsInputError("compare: either every variant has a denominator or none has")
    if len({s.covariate is None for s in samples}) != 1:
        raise StatsInputError("compare: either every variant has a covariate or none has")
    if not 0 < options.alpha < 1:
        raise StatsInputError(f"compare: alpha must be between 0 and 1, got {options.alpha}")
    if options.sequential_tuning < 1:
        raise StatsInputError("compare: sequential_tuning must be at least 1 unit")


def _prepare(
    samples: Sequence[VariantSample], options: AnalysisOptions
) -> tuple[list[_Prepared], list[str]]:
    """Cap, then CUPED-adjust, every arm with pooled parameters; return the method notes."""
    notes: list[str] = []
    numerators = [s.numerator for s in samples]
    covariates = [s.covariate for s in samples]
    if options.cap_quantile is not None:
        ceiling = positive_cap(numerators, options.cap_quantile)
        numerators = [cap(n, ceiling) for n in numerators]
        present = [c for c in covariates if c is not None]
        if len(present) == len(covariates):
            cov_ceiling = positive_cap(present, options.cap_quantile)
            covariates = [cap(c, cov_ceiling) for c in present]
        notes.append(f"capped at p{options.cap_quantile * 100:g}")
    denominators = [s.weights() for s in samples]
    observed = [
        float(n.sum() / d.sum()) if d.sum() > 0 else 0.0
        for n, d in zip(numerators, denominators, strict=True)
    ]
    full = [c for c in covariates if c is not None]
    if options.cuped and len(full) == len(samples):
        theta, centre = cuped_theta(numerators, denominators, full)
        numerators = [adjust(n, c, theta, centre) for n, c in zip(numerators, full, strict=True)]
        notes.insert(0, "CUPED")
    prepared = [
        _Prepared(s.name, n, d, m)
        for s, n, d, m in zip(samples, numerators, denominators, observed, strict=True)
    ]
    return prepared, notes


def _interval(lift: Estimate, options: AnalysisOptions) -> tuple[float, float, float]:
    """(ci_low, ci_high, p_value) on the relative lift, frequentist."""
    sd = math.sqrt(lift.variance)
    if options.sequential:
        width = sequential.half_width(
            lift.variance, lift.units, options.alpha, options.sequential_tuning
        )
        p = sequential.p_value(
            lift.mean, lift.variance, lift.units, options.alpha, options.sequential_tuning
        )
        return lift.mean - width, lift.mean + width, p
    width = float(norm.ppf(1 - options.alpha / 2)) * sd
    if sd == 0:
        return lift.mean, lift.mean, 1.0 if lift.mean == 0 else 0.0
    p = float(2 * norm.sf(abs(lift.mean) / sd))
    return lift.mean - width, lift.mean + width, p


def _describe(samples: Sequence[VariantSample], notes: list[str], options: AnalysisOptions) -> str:
    kind = "ratio" if samples[0].denominator is not None else "mean"
    parts = [f"delta method ({kind}, relative lift)", *notes]
    if options.method == "bayesian":
        prior = (
            f"prior N(0, {options.bayesian_prior_sd:g}^2) on lift"
            if options.bayesian_prior_sd > 0
            else "flat prior"
        )
        parts.append(f"Bayesian normal approximation, {prior}")
    elif options.sequential:
        parts.append(f"always-valid (mSPRT, tuned for {options.sequential_tuning} units)")
    else:
        parts.append("fixed horizon (z-test)")
    return ", ".join(parts)


def _compare_pair(
    base: _Prepared, other: _Prepared, options: AnalysisOptions, method: str
) -> Comparison:
    base_est = ratio_estimate(base.name, base.numerator, base.denominator)
    other_est = ratio_estimate(other.name, other.numerator, other.denominator)
    lift = relative_lift(base_est, other_est, base.name)
    p_value: float | None
    chance: float | None = None
    if options.method == "bayesian":
        mean, sd = bayes.posterior(lift.mean, lift.variance, options.bayesian_prior_sd)
        low, high = bayes.credible_interval(mean, sd, options.alpha)
        chance, p_value, point = bayes.chance_to_win(mean, sd), None, mean
    else:
        low, high, p_value = _interval(lift, options)
        point = lift.mean
    return Comparison(
        baseline=base.name,
        variant=other.name,
        baseline_mean=base.observed_mean,
        variant_mean=other.observed_mean,
        absolute_effect=other_est.mean - base_est.mean,
        relative_lift=point,
        ci_low=low,
        ci_high=high,
        p_value=p_value,
        adjusted_p_value=None,
        chance_to_win=chance,
        method=method,
    )


def compare(
    samples: Sequence[VariantSample], options: AnalysisOptions = AnalysisOptions()
) -> list[Comparison]:
    """One Comparison per variant against ``samples[0]``, the baseline, on one metric."""
    _check(samples, options)
    prepared, notes = _prepare(samples, options)
    method = _describe(samples, notes, options)
    return [_compare_pair(prepared[0], other, options, method) for other in prepared[1:]]
