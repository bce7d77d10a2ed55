"""Calibration by seeded simulation, with small counts (bench/experiments runs them large).

Bounds are wide enough for the Monte Carlo error of these run counts (noted per test) and
tight enough that a broken interval, a missing sequential correction or a wrong variance
fails them.
"""

from __future__ import annotations

import numpy as np
from bench.experiments import (
    aa_false_positive_rate,
    cuped_variance_cut,
    holdout,
    peeking,
    revenue_coverage,
    srm_rates,
)

from mercato.stats import AnalysisOptions, VariantSample, compare, sample_size


def test_aa_false_positive_rate_is_alpha() -> None:
    rate = aa_false_positive_rate(np.random.default_rng(11), runs=1500, units=2000)
    assert 0.035 <= rate <= 0.065  # MC sd 0.56%


def test_always_valid_survives_fourteen_daily_looks_where_naive_z_does_not() -> None:
    result = peeking(np.random.default_rng(12), runs=300, daily_units=300)
    assert result.sequential_rate <= 0.05
    assert result.naive_rate >= 0.14  # theory ~22%, MC sd 2.4%


def test_revenue_interval_covers_true_lift() -> None:
    coverage = revenue_coverage(np.random.default_rng(13), runs=600, units=8000)
    assert 0.925 <= coverage.fixed <= 0.975  # MC sd 0.9%
    assert coverage.sequential >= 0.95


def test_cuped_cuts_variance_at_correlation_half() -> None:
    cut = cuped_variance_cut(np.random.default_rng(14), runs=400, units=1000)
    assert cut.reported >= 0.2  # theory 1 - 0.5^2 = 25%
    assert cut.empirical >= 0.15  # ratio of two variances over 400 runs: sd ~ 5%


def test_srm_catches_differential_loss_and_spares_healthy_splits() -> None:
    rates = srm_rates(np.random.default_rng(15), runs=400, healthy_runs=5000, visitors=50_000)
    assert rates.detected >= 0.98  # theory 99.1%
    assert rates.healthy_flagged <= 0.003  # nominal 0.1%


def test_holdout_finds_no_lift_where_the_correlational_figure_shows_double() -> None:
    result = holdout(np.random.default_rng(16), runs=200, visitors=20_000)
    assert result.correlational_mean >= 0.9  # +100% by construction
    assert result.holdout_covers_zero >= 0.95
    assert result.holdout_covers_zero_fixed >= 0.92  # MC sd 1.5%


def test_sample_size_delivers_its_power() -> None:
    n = sample_size(baseline_mean=0.2, baseline_sd=0.4, minimum_detectable_effect=0.1)
    rng = np.random.default_rng(17)
    runs, detected = 300, 0
    for _ in range(runs):
        a = VariantSample("a", rng.binomial(1, 0.2, n))
        b = VariantSample("b", rng.binomial(1, 0.22, n))
        result = compare([a, b], AnalysisOptions(sequential=False))[0]
        detected += result.ci_low > 0
    assert 0.72 <= detected / runs <= 0.88  # planned 80%, MC sd 2.3%
