"""The guarded Thompson-sampling gallery order, by seeded simulation (small; bench/bandit
runs the same scenarios large), and its rules one by one."""

from __future__ import annotations

import numpy as np
import pytest
from bench.bandit import (
    CTRS,
    false_winner_rate,
    guardrail_updates_to_revert,
    off_policy,
    regret_scenario,
)

from mercato.stats.bandit import (
    BanditSettings,
    Guardrail,
    GuardrailKind,
    GuardrailSide,
    Period,
    PolicyState,
    order_for,
    update,
    weighted_posterior,
)
from mercato.stats.off_policy import doubly_robust, inverse_propensity
from mercato.stats.samples import StatsInputError

SETTINGS = BanditSettings()


def test_regret_and_best_item_found() -> None:
    regret, found = regret_scenario(np.random.default_rng(11), 40, SETTINGS)
    even = 30 * 2000 * float(CTRS.max() - CTRS.mean())
    assert round(even) == 336
    assert regret <= 130
    assert found >= 0.9  # 40 runs; bench/bandit shows >= 95 % over 400


def test_a_promotion_lifting_every_item_names_no_false_winner() -> None:
    assert false_winner_rate(np.random.default_rng(12), 40, SETTINGS) <= 0.025


def test_period_levels_cancel_a_promotion_shown_unevenly() -> None:
    """Two identical items; item 0 was shown mostly on a day every rate doubled. Pooled, it
    looks twice as good; period-adjusted, they are equal."""
    shown = np.array([[100.0, 900.0], [900.0, 100.0]])  # day 1 (normal), day 2 (promotion)
    earned = np.array([[3.0, 27.0], [54.0, 6.0]])  # 3 % on day 1, 6 % on day 2 for both
    pooled = earned.sum(axis=0) / shown.sum(axis=0)
    assert pooled[0] > 1.5 * pooled[1]
    means, _ = weighted_posterior(shown, earned)
    assert means[0] == pytest.approx(means[1], rel=0.02)


def test_burn_in_keeps_an_even_split_then_the_floor_feeds_every_item() -> None:
    early = update(3, [Period.of([50, 50, 50], [0, 5, 25])], SETTINGS)
    assert early.state is PolicyState.BURN_IN
    assert early.allocation.tolist() == pytest.approx([1 / 3] * 3)
    later = update(3, [Period.of([5000, 5000, 5000], [50, 150, 400])], SETTINGS, update_number=4)
    assert later.state is PolicyState.ADAPTIVE
    assert later.allocation.sum() == pytest.approx(1)
    assert later.allocation.min() >= SETTINGS.floor - 1e-12
    assert int(later.allocation.argmax()) == 2


def test_guardrail_breach_reverts_within_one_update_and_stays() -> None:
    assert guardrail_updates_to_revert(SETTINGS) == 0
    periods = [Period.of([400] * 3, [10, 12, 30])]
    worse = Guardrail(
        GuardrailKind.REVENUE_PER_VISITOR,
        GuardrailSide(2000, 2000 * 1.0, 2000 * 10.0),  # mean 1.0, variance 9
        GuardrailSide(2000, 2000 * 2.0, 2000 * 13.0),  # mean 2.0, variance 9
    )
    reverted = update(3, periods, SETTINGS, [worse], update_number=3)
    assert reverted.state is PolicyState.REVERTED
    assert reverted.breached == (GuardrailKind.REVENUE_PER_VISITOR,)
    assert order_for(reverted, "ses_1") == ([0, 1, 2], 1.0)
    again = update(3, periods, SETTINGS, [], update_number=4, reverted=True)
    assert again.state is PolicyState.REVERTED
    # Too few visitors: no verdict yet.
    few = Guardrail(
        GuardrailKind.CONVERSION_RATE, GuardrailSide(100, 1, 1), GuardrailSide(100, 20, 20)
    )
    assert update(3, periods, SETTINGS, [few], update_number=3).state is PolicyState.ADAPTIVE


def test_order_is_stable_per_session_and_follows_the_allocation() -> None:
    decision = update(4, [Period.of([3000] * 4, [60, 90, 120, 95])], SETTINGS, update_number=2)
    first = order_for(decision, "ses_abc")
    assert all(order_for(decision, "ses_abc") == first for _ in range(5))
    assert sorted(first[0]) == [0, 1, 2, 3]
    assert first[1] == pytest.approx(decision.allocation[first[0][0]])
    leads = np.bincount([order_for(decision, f"ses_{n}")[0][0] for n in range(20000)], minlength=4)
    assert leads / leads.sum() == pytest.approx(decision.allocation, abs=0.015)


def test_off_policy_estimates_match_the_online_value() -> None:
    result = off_policy(np.random.default_rng(13), 10, SETTINGS)
    assert result.worst_ips_error <= 0.10
    assert result.worst_dr_error <= 0.10


def test_off_policy_against_a_hand_computed_log() -> None:
    actions = np.array([0, 1, 1, 0])
    propensities = np.array([0.5, 0.5, 0.25, 0.5])
    rewards = np.array([1.0, 0.0, 1.0, 0.0])
    target = np.array([0.0, 1.0])
    ips = inverse_propensity(actions, propensities, rewards, target)
    assert ips.value == pytest.approx((0 + 0 + 1 / 0.25 + 0) / 4)
    model = np.array([(1 + 0.5) / 3, (1 + 0.5) / 3])  # per item, one pseudo-exposure at 0.5
    dr_terms = [
        model[1] + (1 / p if a == 1 else 0) * (r - model[a])
        for a, p, r in zip(actions, propensities, rewards, strict=True)
    ]
    assert doubly_robust(actions, propensities, rewards, target).value == pytest.approx(
        np.mean(dr_terms)
    )
    with pytest.raises(StatsInputError, match="propensities"):
        inverse_propensity(actions, np.array([0.5, 0.0, 0.25, 0.5]), rewards, target)
    with pytest.raises(StatsInputError, match="summing to 1"):
        doubly_robust(actions, propensities, rewards, np.array([0.3, 0.3]))


def test_bad_counts_are_refused() -> None:
    with pytest.raises(StatsInputError, match="rewards <= exposures"):
        Period.of([10, 10], [11, 0])
    with pytest.raises(StatsInputError, match="2 item counts"):
        update(2, [Period.of([10, 10, 10], [1, 1, 1])])
