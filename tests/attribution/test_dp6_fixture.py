"""Every model on the hand-checkable DP6 fixture (reference §7): expected numbers by hand."""

from __future__ import annotations

import numpy as np
import pytest

from mercato.attribution.models import ModelName, ModelOptions, run_model
from mercato.attribution.models.markov import MarkovCredit, fit
from mercato.attribution.models.shapley import shapley_closed_form
from mercato.attribution.models.time_decay import time_decay
from tests.attribution.paths_support import DP6_JOURNEYS, by_label, make_paths

LABELS = ["direct", "seo", "crm", "google_ads"]
PATHS, _ = make_paths(DP6_JOURNEYS, LABELS)

EXPECTED = {
    ("last_touch", None): [4, 0, 0, 0],
    ("last_non_direct", None): [0, 2, 1, 1],
    ("first_touch", None): [2, 2, 0, 0],
    ("linear", None): [2.5833, 0.8333, 0.3333, 0.25],
    ("position_based", None): [2.8, 0.9, 0.2, 0.1],
    ("time_decay", None): [2.7230, 0.6103, 0.3333, 0.3333],
    ("markov", "pooled"): [2.0, 1.3333, 0.3333, 0.3333],
    ("markov", "per_journey"): [3.1971, 0.6671, 0.0769, 0.0588],
    ("markov", "per_journey_distinct"): [2.6026, 1.1636, 0.1429, 0.0909],
    ("shapley", None): [1.8333, 1.3333, 0.5, 0.3333],
}


@pytest.mark.parametrize(("model", "credit"), list(EXPECTED))
def test_model_matches_the_reference_table(model: str, credit: str | None) -> None:
    options = ModelOptions(credit=MarkovCredit(credit) if credit else MarkovCredit.POOLED)
    result = run_model(ModelName(model), PATHS, np.zeros(PATHS.n_journeys), options)
    got = by_label(result.conversions, LABELS)
    assert got == pytest.approx(dict(zip(LABELS, EXPECTED[(model, credit)], strict=True)), abs=1e-4)
    assert result.conversions.sum() == pytest.approx(4.0)


def test_markov_conversion_probability_and_removal_effects() -> None:
    fitted = fit(PATHS, order=1)
    assert fitted.conversion_probability == pytest.approx(0.8)
    effects = by_label(fitted.removal_effects, LABELS)
    assert effects == pytest.approx(
        {"direct": 1.0, "seo": 0.6667, "crm": 0.1667, "google_ads": 0.1667}, abs=1e-4
    )


def test_weekly_step_decay_differs_from_continuous() -> None:
    """The reference's stepped variant (2.75 / 0.5833) is not Mercato's default."""
    credits = by_label(time_decay(PATHS, PATHS.conversions(), half_life_days=7.0), LABELS)
    assert credits["direct"] != pytest.approx(2.75, abs=1e-3)


def test_shapley_closed_form_agrees_with_enumeration_on_the_fixture() -> None:
    closed = shapley_closed_form(PATHS, PATHS.conversions())
    assert by_label(closed, LABELS) == pytest.approx(
        {"direct": 1.8333, "seo": 1.3333, "crm": 0.5, "google_ads": 0.3333}, abs=1e-4
    )


def test_revenue_is_split_with_the_same_shares() -> None:
    revenue = np.array([100.0, 0.0, 50.0, 10.0, 40.0])
    result = run_model(ModelName.LAST_NON_DIRECT, PATHS, revenue)
    assert by_label(result.revenue, LABELS) == {
        "direct": 0.0,
        "seo": 50.0,
        "crm": 50.0,
        "google_ads": 100.0,
    }
