"""Each statistic against an independent computation (scipy, a general delta method written
out with a covariance matrix, or numbers worked out by hand)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as scipy_stats

from mercato.stats import (
    AnalysisOptions,
    StatsInputError,
    VariantSample,
    adjust_p_values,
    compare,
    correct_multiple,
    interaction_comparison,
    per_unit_totals,
    sample_size,
    srm_check,
)
from mercato.stats.bayes import chance_to_win, posterior
from mercato.stats.cuped import cuped_theta
from mercato.stats.delta import ratio_estimate

FIXED = AnalysisOptions(sequential=False)


def test_conversion_lift_matches_hand_computation() -> None:
    # 2/10 vs 4/10 converted. By hand: V_A = (2*.64 + 8*.04)/9/10 = .0177778,
    # V_B = (4*.36 + 6*.16)/9/10 = .0266667, Var(lift) = V_B/.04 + .16*V_A/.0016 = 2.444444.
    base = VariantSample("control", np.array([1, 1, 0, 0, 0, 0, 0, 0, 0, 0]))
    variant = VariantSample("grid", np.array([1, 1, 1, 1, 0, 0, 0, 0, 0, 0]))
    (result,) = compare([base, variant], FIXED)
    assert result.baseline_mean == pytest.approx(0.2)
    assert result.variant_mean == pytest.approx(0.4)
    assert result.absolute_effect == pytest.approx(0.2)
    assert result.relative_lift == pytest.approx(1.0)
    sd = math.sqrt(2.444444)
    assert result.ci_low == pytest.approx(1.0 - 1.959964 * sd, abs=1e-5)
    assert result.ci_high == pytest.approx(1.0 + 1.959964 * sd, abs=1e-5)
    assert result.p_value == pytest.approx(0.52240, abs=1e-4)
    assert result.chance_to_win is None
    assert result.adjusted_p_value is None
    assert "fixed horizon" in result.method
    assert "delta method" in result.method


def test_ratio_variance_matches_general_delta_method() -> None:
    rng = np.random.default_rng(1)
    views = rng.poisson(3, 400).astype(float)
    clicks = rng.binomial(views.astype(int), 0.2).astype(float)
    estimate = ratio_estimate("v", clicks, views)
    # General delta method: gradient of mean_x / mean_y times the covariance of the means.
    mx, my = clicks.mean(), views.mean()
    gradient = np.array([1 / my, -mx / my**2])
    covariance = np.cov(np.vstack([clicks, views]), ddof=1) / clicks.size
    assert estimate.mean == pytest.approx(clicks.sum() / views.sum())
    assert estimate.variance == pytest.approx(gradient @ covariance @ gradient, rel=1e-10)


def test_mean_metric_variance_matches_welch() -> None:
    rng = np.random.default_rng(2)
    a, b = rng.lognormal(1, 1, 300), rng.lognormal(1.1, 1, 250)
    ea, eb = ratio_estimate("a", a, np.ones_like(a)), ratio_estimate("b", b, np.ones_like(b))
    welch = scipy_stats.ttest_ind(b, a, equal_var=False)
    z = (eb.mean - ea.mean) / math.sqrt(ea.variance + eb.variance)
    assert z == pytest.approx(welch.statistic, rel=1e-10)


def test_cuped_theta_is_the_pooled_regression_slope() -> None:
    rng = np.random.default_rng(3)
    pre = [rng.normal(10, 2, 500), rng.normal(10, 2, 500)]
    post = [p * 0.6 + rng.normal(0, 1, 500) for p in pre]
    theta, centre = cuped_theta(post, [np.ones(500)] * 2, pre)
    slope = scipy_stats.linregress(np.concatenate(pre), np.concatenate(post)).slope
    assert theta == pytest.approx(slope, rel=1e-10)
    assert centre == pytest.approx(np.concatenate(pre).mean())
    plain = compare([VariantSample("a", post[0]), VariantSample("b", post[1])], FIXED)[0]
    samples = [
        VariantSample("a", post[0], covariate=pre[0]),
        VariantSample("b", post[1], covariate=pre[1]),
    ]
    adjusted = compare(samples, FIXED)[0]
    assert adjusted.method.startswith("delta method (mean, relative lift), CUPED")
    assert adjusted.ci_high - adjusted.ci_low < 0.8 * (plain.ci_high - plain.ci_low)
    assert adjusted.baseline_mean == pytest.approx(post[0].mean())  # observed, not adjusted
    without = compare(samples, AnalysisOptions(sequential=False, cuped=False))[0]
    assert without.ci_low == pytest.approx(plain.ci_low)


def test_capping_uses_pooled_quantile_of_purchasers() -> None:
    a = np.array([0, 0, 10, 20, 1000], dtype=float)
    b = np.array([0, 30, 40, 0, 0], dtype=float)
    cap = float(np.quantile([10, 20, 1000, 30, 40], 0.5))  # 30
    (result,) = compare(
        [VariantSample("a", a), VariantSample("b", b)],
        AnalysisOptions(sequential=False, cap_quantile=0.5),
    )
    assert result.baseline_mean == pytest.approx(np.minimum(a, cap).mean())
    assert result.variant_mean == pytest.approx(np.minimum(b, cap).mean())
    assert "capped at p50" in result.method


def test_sequential_interval_matches_growthbook_form() -> None:
    rng = np.random.default_rng(4)
    a, b = rng.binomial(1, 0.1, 3000), rng.binomial(1, 0.12, 3000)
    seq = compare(
        [VariantSample("a", a), VariantSample("b", b)], AnalysisOptions(sequential_tuning=4000)
    )[0]
    fixed = compare([VariantSample("a", a), VariantSample("b", b)], FIXED)[0]
    # GrowthBook's documented form in per-unit variance s2 = V * n and total n.
    variance = ((fixed.ci_high - fixed.ci_low) / 2 / 1.959963985) ** 2
    n = 6000
    s2 = variance * n
    rho2 = (-2 * math.log(0.05) + math.log(-2 * math.log(0.05) + 1)) / 4000
    half = math.sqrt(s2) * math.sqrt(
        2 * (n * rho2 + 1) / (n**2 * rho2) * math.log(math.sqrt(n * rho2 + 1) / 0.05)
    )
    assert (seq.ci_high - seq.ci_low) / 2 == pytest.approx(half, rel=1e-6)
    assert seq.relative_lift == pytest.approx(fixed.relative_lift)
    assert seq.ci_high - seq.ci_low > fixed.ci_high - fixed.ci_low
    assert "always-valid (mSPRT" in seq.method
    assert seq.p_value is not None
    assert (seq.p_value < 0.05) == (seq.ci_low > 0 or seq.ci_high < 0)


def test_bayesian_posterior_matches_conjugate_normal_by_hand() -> None:
    # Estimate .1, variance .01, prior N(0, .3^2): precision 100 + 11.111 = 111.111,
    # mean 10/111.111 = .09, sd sqrt(.009) = .0948683, P(win) = Phi(.948683) = .828609.
    mean, sd = posterior(0.1, 0.01, 0.3)
    assert mean == pytest.approx(0.09)
    assert sd == pytest.approx(0.0948683, abs=1e-7)
    assert chance_to_win(mean, sd) == pytest.approx(0.828609, abs=1e-6)
    rng = np.random.default_rng(5)
    a, b = (
        VariantSample("a", rng.binomial(1, 0.1, 2000)),
        VariantSample("b", rng.binomial(1, 0.13, 2000)),
    )
    result = compare([a, b], AnalysisOptions(method="bayesian"))[0]
    assert result.p_value is None
    assert result.chance_to_win is not None
    assert result.chance_to_win > 0.9
    assert "Bayesian" in result.method
    assert "prior N(0, 0.3" in result.method


def test_srm_matches_scipy_chisquare() -> None:
    counts, weights = [4880, 4750, 2380], [0.4, 0.4, 0.2]
    expected = np.array(weights) / sum(weights) * sum(counts)
    reference = scipy_stats.chisquare(counts, expected)
    result = srm_check(counts, weights)
    assert result.chi2 == pytest.approx(reference.statistic)
    assert result.p_value == pytest.approx(reference.pvalue)
    assert not result.flagged
    assert srm_check([5300, 4700], [1, 1]).flagged
    assert srm_check([10, 3], [1, 0]).flagged


def test_holm_by_hand_and_bh_matches_scipy() -> None:
    p = [0.01, 0.04, 0.03, 0.005]
    # Sorted .005 .01 .03 .04 times 4 3 2 1 = .02 .03 .06 .04, running max .02 .03 .06 .06.
    assert adjust_p_values(p, "holm") == pytest.approx([0.03, 0.06, 0.06, 0.02])
    rng = np.random.default_rng(6)
    many = rng.uniform(0, 0.2, 30)
    assert adjust_p_values(list(many), "bh") == pytest.approx(
        scipy_stats.false_discovery_control(many, method="bh")
    )


def test_correct_multiple_sets_adjusted_values_and_keeps_order() -> None:
    rng = np.random.default_rng(7)
    arms = [
        VariantSample(n, rng.binomial(1, q, 1500)) for n, q in [("a", 0.1), ("b", 0.1), ("c", 0.14)]
    ]
    results = compare(arms, FIXED)
    corrected = correct_multiple(results, "holm")
    assert [c.variant for c in corrected] == ["b", "c"]
    expected = adjust_p_values([r.p_value or 0 for r in results], "holm")
    assert [c.adjusted_p_value for c in corrected] == pytest.approx(expected)
    assert all("Holm over 2 tests" in c.method for c in corrected)
    bayes = compare(arms, AnalysisOptions(method="bayesian"))
    assert correct_multiple(bayes) == bayes


def test_sample_size_by_hand() -> None:
    # 10% conversion (sd .3), +10% relative: 2 * .09 * (1.959964 + .841621)^2 / .01^2 = 14127.98.
    assert sample_size(baseline_mean=0.1, baseline_sd=0.3, minimum_detectable_effect=0.1) == 14128
    three = sample_size(
        baseline_mean=0.1, baseline_sd=0.3, minimum_detectable_effect=0.1, variants=3
    )
    assert three == math.ceil(
        0.18 * (scipy_stats.norm.ppf(1 - 0.0125) + scipy_stats.norm.ppf(0.8)) ** 2 / 1e-4
    )


def test_interaction_comparison_is_labelled_correlational() -> None:
    converted = np.array([1, 1, 0, 0, 1, 0, 0, 0, 0, 0], dtype=float)
    interacted = np.array([1, 1, 1, 0, 0, 0, 0, 0, 0, 0], dtype=bool)
    result = interaction_comparison(converted, interacted)
    assert result.method.startswith("correlational")
    assert result.baseline == "did not interact"
    assert result.variant == "interacted"
    assert result.variant_mean == pytest.approx(2 / 3)
    assert result.baseline_mean == pytest.approx(1 / 7)


def test_per_unit_totals_matches_pandas_groupby() -> None:
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(8)
    units = np.array([f"v{i}" for i in rng.permutation(50)])
    events = rng.choice(np.concatenate([units, np.array(["stranger"])]), 400)
    values = rng.gamma(2, 10, 400)
    expected = pd.Series(values).groupby(events).sum().reindex(units, fill_value=0.0)
    assert per_unit_totals(units, events, values) == pytest.approx(expected.to_numpy())
    counts = pd.Series(events).value_counts().reindex(units, fill_value=0)
    assert per_unit_totals(units, events) == pytest.approx(counts.to_numpy())


@pytest.mark.parametrize(
    ("samples", "message"),
    [
        ([VariantSample("only", np.ones(5))], "at least one variant"),
        (
            [VariantSample("a", np.zeros(5)), VariantSample("b", np.ones(5))],
            "baseline mean is zero",
        ),
        (
            [VariantSample("a", np.ones(1)), VariantSample("b", np.ones(5))],
            "'a': needs at least 2 units",
        ),
        ([VariantSample("a", np.ones(3)), VariantSample("a", np.ones(3))], "distinct"),
        (
            [VariantSample("a", np.ones(3), np.ones(3)), VariantSample("b", np.ones(3))],
            "denominator",
        ),
    ],
)
def test_bad_input_names_what_is_wrong(samples: list[VariantSample], message: str) -> None:
    with pytest.raises(StatsInputError, match=message):
        compare(samples)


def test_bad_sample_names_variant_and_field() -> None:
    with pytest.raises(StatsInputError, match="'b': covariate has 2 units, numerator has 3"):
        VariantSample("b", np.ones(3), covariate=np.ones(2))
    with pytest.raises(StatsInputError, match="'b': numerator contains NaN"):
        VariantSample("b", np.array([1.0, float("nan")]))


def test_flat_prior_bayes_agrees_with_fixed_horizon() -> None:
    rng = np.random.default_rng(9)
    arms = [
        VariantSample("a", rng.binomial(1, 0.1, 3000)),
        VariantSample("b", rng.binomial(1, 0.115, 3000)),
    ]
    fixed = compare(arms, FIXED)[0]
    flat = compare(arms, AnalysisOptions(method="bayesian", bayesian_prior_sd=0))[0]
    assert flat.ci_low == pytest.approx(fixed.ci_low)
    assert flat.ci_high == pytest.approx(fixed.ci_high)
    assert fixed.p_value is not None
    assert flat.chance_to_win == pytest.approx(
        1 - fixed.p_value / 2 if fixed.relative_lift > 0 else fixed.p_value / 2
    )
    assert "flat prior" in flat.method


def test_cuped_effect_is_the_difference_less_theta_times_the_pre_period_gap() -> None:
    rng = np.random.default_rng(10)
    pre = [rng.gamma(2, 10, 800), rng.gamma(2, 10, 700)]
    post = [0.5 * p + rng.gamma(2, 5, p.size) for p in pre]
    samples = [VariantSample(n, y, covariate=x) for n, y, x in zip("ab", post, pre, strict=True)]
    result = compare(samples, FIXED)[0]
    theta = scipy_stats.linregress(np.concatenate(pre), np.concatenate(post)).slope
    expected = (post[1].mean() - post[0].mean()) - theta * (pre[1].mean() - pre[0].mean())
    assert result.absolute_effect == pytest.approx(expected, rel=1e-9)


def test_cuped_on_a_ratio_metric_regresses_the_linearised_ratio() -> None:
    rng = np.random.default_rng(11)
    intent = rng.gamma(2, 1, 2000)
    views = rng.poisson(1 + 2 * intent).astype(float)
    # Keen visitors click a larger share of what they view, before and during the test.
    click_rate = 0.05 + 0.4 * intent / (1 + intent)
    clicks = rng.binomial(views.astype(int), click_rate).astype(float)
    pre_clicks = rng.poisson(click_rate * (1 + 2 * intent)).astype(float)
    theta, _ = cuped_theta([clicks], [views], [pre_clicks])
    linear = clicks - clicks.sum() / views.sum() * views
    assert theta == pytest.approx(scipy_stats.linregress(pre_clicks, linear).slope, rel=1e-9)
    half = [slice(0, 1000), slice(1000, 2000)]
    plain = [VariantSample(n, clicks[s], views[s]) for n, s in zip("ab", half, strict=True)]
    adjusted = [
        VariantSample(n, clicks[s], views[s], pre_clicks[s])
        for n, s in zip("ab", half, strict=True)
    ]
    p, c = compare(plain, FIXED)[0], compare(adjusted, FIXED)[0]
    # Variance falls by about r^2, r the pooled correlation of covariate and linearised ratio.
    squared_width_ratio = ((c.ci_high - c.ci_low) / (p.ci_high - p.ci_low)) ** 2
    assert squared_width_ratio < 0.97
    assert squared_width_ratio == pytest.approx(
        1 - np.corrcoef(linear, pre_clicks)[0, 1] ** 2, abs=0.02
    )
    assert c.method.startswith("delta method (ratio, relative lift), CUPED")


def test_always_valid_p_value_is_the_inverse_mixture_likelihood_ratio() -> None:
    rng = np.random.default_rng(12)
    arms = [
        VariantSample("a", rng.binomial(1, 0.1, 2500)),
        VariantSample("b", rng.binomial(1, 0.118, 2500)),
    ]
    fixed = compare(arms, FIXED)[0]
    seq = compare(arms, AnalysisOptions(sequential_tuning=8000))[0]
    variance = ((fixed.ci_high - fixed.ci_low) / 2 / 1.959963985) ** 2
    tau2 = variance * 5000 * (-2 * math.log(0.05) + math.log(-2 * math.log(0.05) + 1)) / 8000
    likelihood_ratio = math.sqrt(variance / (variance + tau2)) * math.exp(
        tau2 * fixed.relative_lift**2 / (2 * variance * (variance + tau2))
    )
    assert seq.p_value == pytest.approx(min(1.0, 1 / likelihood_ratio), rel=1e-6)
