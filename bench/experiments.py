"""bench/experiments: calibration of the experiment statistics by seeded simulation.

Every figure goes through the public `mercato.stats` API on per-visitor arrays; each is shown
next to its baseline in the same run (fixed-horizon vs always-valid, naive z with peeking,
no CUPED, the correlational "interacted vs not" figure). The same scenario functions run in
tests/stats/test_calibration.py with small counts. `BENCH_EXPERIMENTS_RUNS` overrides the
number of runs per scenario (default 2,000).
"""

from __future__ import annotations

import os
import platform
import time
from dataclasses import dataclass

import numpy as np
import scipy
import scipy.stats

from mercato.stats import (
    AnalysisOptions,
    VariantSample,
    compare,
    interaction_comparison,
    srm_check,
)

FIXED = AnalysisOptions(sequential=False)
SEQUENTIAL = AnalysisOptions()


def _covers(low: float, high: float, truth: float) -> bool:
    return low <= truth <= high


def _rejects(low: float, high: float) -> bool:
    return low > 0 or high < 0


def aa_false_positive_rate(
    rng: np.random.Generator, runs: int, units: int, options: AnalysisOptions = FIXED
) -> float:
    """Share of A/A runs (10% conversion, ``units`` per arm) whose interval excludes 0."""
    hits = 0
    for _ in range(runs):
        a = VariantSample("a", rng.binomial(1, 0.1, units))
        b = VariantSample("b", rng.binomial(1, 0.1, units))
        result = compare([a, b], options)[0]
        hits += _rejects(result.ci_low, result.ci_high)
    return hits / runs


@dataclass(frozen=True)
class Peeking:
    sequential_rate: float  # runs where any look's always-valid interval excluded 0
    naive_rate: float  # the same with a fixed-horizon z interval at every look


def peeking(rng: np.random.Generator, runs: int, daily_units: int, looks: int = 14) -> Peeking:
    """A/A revenue-like metric (conversion x order value) checked once a day."""
    sequential_hits = naive_hits = 0
    for _ in range(runs):
        total = daily_units * looks
        arms = [rng.binomial(1, 0.1, total) * rng.gamma(2.0, 25.0, total) for _ in range(2)]
        seen_seq = seen_naive = False
        for day in range(1, looks + 1):
            n = daily_units * day
            samples = [VariantSample("a", arms[0][:n]), VariantSample("b", arms[1][:n])]
            seq = compare(samples, SEQUENTIAL)[0]
            naive = compare(samples, FIXED)[0]
            seen_seq |= _rejects(seq.ci_low, seq.ci_high)
            seen_naive |= _rejects(naive.ci_low, naive.ci_high)
        sequential_hits += seen_seq
        naive_hits += seen_naive
    return Peeking(sequential_hits / runs, naive_hits / runs)


@dataclass(frozen=True)
class Coverage:
    fixed: float
    sequential: float


def revenue_coverage(
    rng: np.random.Generator, runs: int, units: int, true_lift: float = 0.05
) -> Coverage:
    """Coverage of the true relative lift of revenue per visitor.

    Visitors buy with probability 10% (x (1 + lift) in the variant); order values are
    lognormal(3.5, 1), so revenue per visitor is zero-inflated and heavy-tailed.
    """
    fixed = sequential = 0
    for _ in range(runs):
        base = rng.binomial(1, 0.1, units) * rng.lognormal(3.5, 1.0, units)
        lifted = rng.binomial(1, 0.1 * (1 + true_lift), units) * rng.lognormal(3.5, 1.0, units)
        samples = [VariantSample("a", base), VariantSample("b", lifted)]
        f, s = compare(samples, FIXED)[0], compare(samples, SEQUENTIAL)[0]
        fixed += _covers(f.ci_low, f.ci_high, true_lift)
        sequential += _covers(s.ci_low, s.ci_high, true_lift)
    return Coverage(fixed / runs, sequential / runs)


@dataclass(frozen=True)
class VarianceCut:
    empirical: float  # 1 - var(CUPED lift) / var(plain lift) across runs
    reported: float  # 1 - mean CUPED interval width^2 / mean plain width^2


def cuped_variance_cut(
    rng: np.random.Generator, runs: int, units: int, correlation: float = 0.5
) -> VarianceCut:
    """Pre- and in-period metric bivariate normal (mean 20, sd 5) with ``correlation``."""
    cov = 25.0 * np.array([[1.0, correlation], [correlation, 1.0]])
    plain, adjusted, plain_w, adjusted_w = [], [], [], []
    for _ in range(runs):
        arms = [rng.multivariate_normal([20.0, 20.0], cov, units) for _ in range(2)]
        with_pre = [
            VariantSample(n, x[:, 1], covariate=x[:, 0]) for n, x in zip("ab", arms, strict=True)
        ]
        without = [VariantSample(n, x[:, 1]) for n, x in zip("ab", arms, strict=True)]
        c, p = compare(with_pre, FIXED)[0], compare(without, FIXED)[0]
        adjusted.append(c.relative_lift)
        plain.append(p.relative_lift)
        adjusted_w.append((c.ci_high - c.ci_low) ** 2)
        plain_w.append((p.ci_high - p.ci_low) ** 2)
    empirical = 1 - float(np.var(adjusted) / np.var(plain))
    reported = 1 - float(np.mean(adjusted_w) / np.mean(plain_w))
    return VarianceCut(empirical, reported)


@dataclass(frozen=True)
class SrmRates:
    detected: float  # runs flagged when one arm loses ``loss`` of its exposures
    healthy_flagged: float  # runs flagged with a correct 50/50 split


def srm_rates(
    rng: np.random.Generator, runs: int, healthy_runs: int, visitors: int, loss: float = 0.05
) -> SrmRates:
    detected = 0
    for _ in range(runs):
        a = int(rng.binomial(visitors, 0.5))
        b = int(rng.binomial(visitors - a, 1 - loss))  # exposures of b lost before logging
        detected += srm_check([a, b], [0.5, 0.5]).flagged
    healthy = 0
    for _ in range(healthy_runs):
        a = int(rng.binomial(visitors, 0.5))
        healthy += srm_check([a, visitors - a], [0.5, 0.5]).flagged
    return SrmRates(detected / runs, healthy / healthy_runs)


@dataclass(frozen=True)
class Holdout:
    correlational_mean: float  # mean "interacted vs did not" lift
    correlational_median: float
    holdout_covers_zero: float  # share of runs whose randomised interval covers 0 (default)
    holdout_covers_zero_fixed: float
    correlational_significant: float  # share of runs whose correlational interval excludes 0
    correlational_sd: float  # spread of the figure across runs (the mean's MC error is /sqrt)


def holdout(
    rng: np.random.Generator,
    runs: int,
    visitors: int,
    conversion: float = 0.03,
    interaction_share: float = 0.2,
    holdout_share: float = 0.1,
) -> Holdout:
    """Zero true lift: galleries change nothing, but high-intent visitors both interact and
    convert twice as often as the rest, so "interacted vs not" reads about +100%."""
    figures, covers, covers_fixed, significant = [], 0, 0, 0
    # Interactors convert at 2q and the others at q, so the exposed arm still converts at
    # `conversion`: q = conversion / (1 + interaction_share).
    quiet = conversion / (1 + interaction_share)
    for _ in range(runs):
        in_holdout = rng.random(visitors) < holdout_share
        interacted = ~in_holdout & (rng.random(visitors) < interaction_share)
        rate = np.where(in_holdout, conversion, np.where(interacted, 2 * quiet, quiet))
        converted = (rng.random(visitors) < rate).astype(float)
        exposed = ~in_holdout
        samples = [
            VariantSample("holdout", converted[in_holdout]),
            VariantSample("galleries", converted[exposed]),
        ]
        default, fixed = compare(samples)[0], compare(samples, FIXED)[0]
        covers += _covers(default.ci_low, default.ci_high, 0.0)
        covers_fixed += _covers(fixed.ci_low, fixed.ci_high, 0.0)
        vendor = interaction_comparison(converted[exposed], interacted[exposed])
        figures.append(vendor.relative_lift)
        significant += _rejects(vendor.ci_low, vendor.ci_high)
    return Holdout(
        correlational_mean=float(np.mean(figures)),
        correlational_median=float(np.median(figures)),
        holdout_covers_zero=covers / runs,
        holdout_covers_zero_fixed=covers_fixed / runs,
        correlational_significant=significant / runs,
        correlational_sd=float(np.std(figures, ddof=1)),
    )


def throughput(rng: np.random.Generator, units: int, repeats: int = 5) -> tuple[float, float]:
    """Best-of seconds: compare() with capping + CUPED + always-valid vs scipy's Welch t-test
    (no CUPED, no capping) on the same ``units`` visitors per arm."""
    arms = [rng.binomial(1, 0.1, units) * rng.lognormal(3.5, 1.0, units) for _ in range(2)]
    pre = [a * 0.5 + rng.binomial(1, 0.1, units) * rng.lognormal(3.5, 1.0, units) for a in arms]
    options = AnalysisOptions(cap_quantile=0.99)
    ours, theirs = [], []
    for _ in range(repeats):
        started = time.perf_counter()
        compare(
            [VariantSample(n, a, covariate=c) for n, a, c in zip("ab", arms, pre, strict=True)],
            options,
        )
        ours.append(time.perf_counter() - started)
        started = time.perf_counter()
        scipy.stats.ttest_ind(arms[1], arms[0], equal_var=False)
        theirs.append(time.perf_counter() - started)
    return min(ours), min(theirs)


def _timed(label: str, started: float) -> None:
    print(f"   ({label}: {time.perf_counter() - started:.1f} s)")


def main() -> None:
    runs = int(os.environ.get("BENCH_EXPERIMENTS_RUNS", "2000"))
    print(
        f"machine: {platform.machine()} {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, NumPy {np.__version__}, SciPy {scipy.__version__}"
    )
    rng = np.random.default_rng(20261202)
    started = time.perf_counter()
    fixed = aa_false_positive_rate(rng, runs, 5000)
    seq = aa_false_positive_rate(rng, runs, 5000, SEQUENTIAL)
    print(f"A/A, {runs} runs x 5,000/arm: fixed-horizon FPR {fixed:.2%}, always-valid {seq:.2%}")
    _timed("A/A", started)
    started = time.perf_counter()
    peek = peeking(rng, runs, 500)
    print(
        f"14 daily looks, {runs} runs x 500/arm/day: always-valid {peek.sequential_rate:.2%}, "
        f"naive z {peek.naive_rate:.2%}"
    )
    _timed("peeking", started)
    started = time.perf_counter()
    cov = revenue_coverage(rng, runs, 20_000)
    print(
        f"lognormal revenue/visitor, {runs} runs x 20,000/arm, true lift +5%: "
        f"fixed coverage {cov.fixed:.2%}, always-valid {cov.sequential:.2%}"
    )
    _timed("coverage", started)
    started = time.perf_counter()
    cut = cuped_variance_cut(rng, runs, 2000)
    print(
        f"CUPED at rho 0.5, {runs} runs x 2,000/arm: variance cut {cut.empirical:.1%} "
        f"(empirical), {cut.reported:.1%} (reported intervals)"
    )
    _timed("CUPED", started)
    started = time.perf_counter()
    healthy_runs = 250 * runs
    srm = srm_rates(rng, runs, healthy_runs, 50_000)
    missed, false_alarms = (
        round((1 - srm.detected) * runs),
        round(srm.healthy_flagged * healthy_runs),
    )
    print(
        f"SRM at 50,000 visitors: 5% loss caught {srm.detected:.2%} of {runs} runs "
        f"({missed} missed); "
        f"healthy flagged {srm.healthy_flagged:.3%} ({false_alarms} of {healthy_runs} runs)"
    )
    _timed("SRM", started)
    started = time.perf_counter()
    hold = holdout(rng, runs, 50_000)
    print(
        f"holdout, {runs} runs x 50,000 visitors, zero true lift: correlational figure "
        f"mean {hold.correlational_mean:+.1%} (median {hold.correlational_median:+.1%}); "
        f"randomised interval covers 0 in {hold.holdout_covers_zero:.2%} "
        f"(fixed horizon {hold.holdout_covers_zero_fixed:.2%}); the correlational interval "
        f"excludes 0 in {hold.correlational_significant:.2%}, its mean's MC error "
        f"{hold.correlational_sd / np.sqrt(runs):.1%}"
    )
    _timed("holdout", started)
    ours, welch = throughput(rng, 1_000_000)
    print(
        f"speed, 1,000,000 visitors/arm: compare (cap + CUPED + always-valid) "
        f"{ours * 1000:.0f} ms, "
        f"scipy Welch t-test {welch * 1000:.0f} ms ({ours / welch:.1f}x)"
    )


if __name__ == "__main__":
    main()
