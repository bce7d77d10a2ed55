"""The causal journey model's ground truth, checked against a brute-force re-implementation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mercato.demo.channels import BASE_HAZARD, CHANNELS, DEVICE_CONVERSION, TOUCH_EFFECT
from mercato.demo.generator import stage_rng
from mercato.demo.outcomes import draw_outcomes, purchase_probability
from mercato.demo.timeline import HISTORY_DAYS, conversion_lift
from mercato.demo.traffic import Sessions, plan_sessions
from mercato.demo.truth import attribution_truth
from tests.demo.conftest import Seeded


def brute_force_expected(
    journeys: Sessions, lift: np.ndarray, removed_channel: int | None
) -> float:
    """Expected purchases in the window, one visitor and one session at a time."""
    total = 0.0
    by_visitor: dict[int, list[int]] = {}
    for index, visitor in enumerate(journeys.visitor.tolist()):
        by_visitor.setdefault(visitor, []).append(index)
    for indices in by_visitor.values():
        effects = 0.0
        for i in sorted(indices, key=lambda i: journeys.start[i]):
            channel = int(journeys.channel[i])
            if channel == removed_channel:
                continue  # the touch never happened: no session, no effect on later ones
            effects += float(TOUCH_EFFECT[channel])
            hazard = (
                lift[journeys.day[i] + HISTORY_DAYS]
                * DEVICE_CONVERSION[journeys.device[i]]
                * (BASE_HAZARD + effects)
            )
            if journeys.day[i] >= 0:
                total += 1 - math.exp(-hazard)
    return total


def test_incremental_conversions_match_brute_force() -> None:
    rng = stage_rng(5, "traffic")
    journeys = plan_sessions(rng, 400)
    lift = conversion_lift()
    outcomes = draw_outcomes(rng, journeys, lift)
    realised = int(outcomes.purchase[journeys.day >= 0].sum())
    truth = attribution_truth(journeys, realised, lift)
    full = brute_force_expected(journeys, lift, None)
    assert truth.expected_conversions == pytest.approx(full, rel=1e-9)
    for code, name in enumerate(CHANNELS):
        lost = full - brute_force_expected(journeys, lift, code)
        assert truth.incremental_conversions[name] == pytest.approx(lost, rel=1e-9), name
    ranking = sorted(truth.incremental_conversions.values(), reverse=True)
    assert [truth.incremental_conversions[n] for n in truth.channel_ranking] == ranking


def test_purchase_probability_grows_with_every_touch() -> None:
    journeys = plan_sessions(stage_rng(2, "traffic"), 300)
    probability = purchase_probability(journeys, np.ones(5_000))
    repeat = journeys.session_number > 1
    same_visitor = np.r_[False, journeys.visitor[1:] == journeys.visitor[:-1]]
    same_setting = np.r_[False, journeys.device[1:] == journeys.device[:-1]]
    later = repeat & same_visitor & same_setting
    assert (probability[later] > np.r_[0, probability[:-1]][later]).all()


def test_seeded_truth_is_plausible(seeded: Seeded) -> None:
    attribution = seeded.summary.truth.attribution
    assert all(value > 0 for value in attribution.incremental_conversions.values())
    assert set(attribution.channel_ranking) == set(CHANNELS)
    # Realised purchases are Bernoulli draws around the expectation (4 standard deviations).
    expected = attribution.expected_conversions
    assert abs(attribution.realised_conversions - expected) < 4 * math.sqrt(expected)
    assert attribution.realised_conversions == seeded.summary.truth.totals["orders"]
