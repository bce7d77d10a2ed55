"""Properties every model keeps, on random journeys (hypothesis)."""

from __future__ import annotations

import itertools
from math import factorial

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mercato.attribution.models import MarkovCredit, ModelName, ModelOptions, run_model
from mercato.attribution.models.paths import TouchPaths
from mercato.attribution.models.shapley import (
    TooManyChannels,
    shapley,
    shapley_closed_form,
)

CHANNELS = 5


@st.composite
def journeys(draw: st.DrawFn, max_labels: int = CHANNELS) -> TouchPaths:
    n = draw(st.integers(1, 12))
    lengths = draw(st.lists(st.integers(1, 6), min_size=n, max_size=n))
    offsets = np.cumsum([0, *lengths]).astype(np.int64)
    total = int(offsets[-1])
    labels = draw(st.lists(st.integers(0, max_labels - 1), min_size=total, max_size=total))
    gaps = draw(st.lists(st.integers(0, 20 * 86_400 * 10**6), min_size=total, max_size=total))
    converted = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    time = np.zeros(total, dtype=np.int64)
    for j in range(n):  # times increase inside each journey
        time[offsets[j] : offsets[j + 1]] = np.cumsum(gaps[offsets[j] : offsets[j + 1]])
    return TouchPaths(
        offsets=offsets,
        label=np.array(labels, dtype=np.int64),
        time=time,
        is_direct=np.array(labels) == 0,
        converted=np.array(converted),
        conversion_time=time[offsets[1:] - 1],
        n_labels=max_labels + 1,  # the last label never appears
    )


VARIANTS = [(model, ModelOptions()) for model in ModelName if model is not ModelName.MARKOV] + [
    (ModelName.MARKOV, ModelOptions(order=order, credit=credit))
    for order in (1, 2)
    for credit in MarkovCredit
]


def _revenue(paths: TouchPaths) -> np.ndarray:
    return np.where(paths.converted, 10.0 + np.arange(paths.n_journeys), 0.0)


@pytest.mark.parametrize(("model", "options"), VARIANTS, ids=lambda v: str(v))
@settings(max_examples=40, deadline=None)
@given(paths=journeys())
def test_credits_sum_to_conversions_and_revenue(
    model: ModelName, options: ModelOptions, paths: TouchPaths
) -> None:
    revenue = _revenue(paths)
    result = run_model(model, paths, revenue, options)
    assert result.conversions.sum() == pytest.approx(paths.converted.sum(), abs=1e-9)
    assert result.revenue.sum() == pytest.approx(revenue.sum(), abs=1e-7)
    assert (result.conversions >= -1e-12).all()
    assert result.conversions[-1] == 0.0  # a label never seen gets nothing
    assert result.revenue[-1] == 0.0


@pytest.mark.parametrize(("model", "options"), VARIANTS, ids=lambda v: str(v))
@settings(max_examples=25, deadline=None)
@given(paths=journeys(), seed=st.integers(0, 2**31))
def test_renaming_labels_permutes_credits(
    model: ModelName, options: ModelOptions, paths: TouchPaths, seed: int
) -> None:
    permutation = np.random.default_rng(seed).permutation(paths.n_labels)
    renamed = TouchPaths(
        offsets=paths.offsets,
        label=permutation[paths.label],
        time=paths.time,
        is_direct=paths.is_direct,
        converted=paths.converted,
        conversion_time=paths.conversion_time,
        n_labels=paths.n_labels,
    )
    revenue = _revenue(paths)
    original = run_model(model, paths, revenue, options).conversions
    moved = run_model(model, renamed, revenue, options).conversions
    assert moved[permutation] == pytest.approx(original, abs=1e-9)


@pytest.mark.parametrize("order", [1, 2, 3, 4])
@settings(max_examples=30, deadline=None)
@given(paths=journeys())
def test_markov_on_single_touch_journeys_equals_last_touch(order: int, paths: TouchPaths) -> None:
    single = TouchPaths(
        offsets=np.arange(paths.n_journeys + 1, dtype=np.int64),
        label=paths.label[paths.last_index],
        time=paths.conversion_time,
        is_direct=paths.is_direct[paths.last_index],
        converted=paths.converted,
        conversion_time=paths.conversion_time,
        n_labels=paths.n_labels,
    )
    last = run_model(ModelName.LAST_TOUCH, single, _revenue(single)).conversions
    for credit in MarkovCredit:
        options = ModelOptions(order=order, credit=credit)
        markov = run_model(ModelName.MARKOV, single, _revenue(single), options).conversions
        if credit is not MarkovCredit.POOLED:
            assert markov == pytest.approx(last, abs=1e-9)
    # Pooled spreads by removal effect: with single touches, RE ∝ conversions per label.
    pooled = run_model(ModelName.MARKOV, single, _revenue(single), ModelOptions(order=order))
    assert pooled.conversions == pytest.approx(last, abs=1e-9)


def _brute_force_shapley(paths: TouchPaths, value: np.ndarray) -> np.ndarray:
    """The general Shapley formula with v(S) = value of journeys whose channel set ⊆ S."""
    sets = [
        frozenset(paths.label[paths.offsets[j] : paths.offsets[j + 1]].tolist())
        for j in range(paths.n_journeys)
    ]
    players = sorted(set().union(*sets))
    n = len(players)

    def worth(coalition: frozenset[int]) -> float:
        return float(sum(v for s, v in zip(sets, value, strict=True) if s <= coalition))

    credits = np.zeros(paths.n_labels)
    for player in players:
        others = [p for p in players if p != player]
        for size in range(n):
            weight = factorial(size) * factorial(n - size - 1) / factorial(n)
            for subset in itertools.combinations(others, size):
                base = frozenset(subset)
                credits[player] += weight * (worth(base | {player}) - worth(base))
    return credits


@settings(max_examples=40, deadline=None)
@given(paths=journeys())
def test_shapley_enumeration_equals_closed_form_and_brute_force(paths: TouchPaths) -> None:
    value = _revenue(paths)
    enumerated = shapley(paths, value)
    assert enumerated == pytest.approx(shapley_closed_form(paths, value), abs=1e-9)
    assert enumerated == pytest.approx(_brute_force_shapley(paths, value), abs=1e-9)


def test_shapley_refuses_more_than_fifteen_channels() -> None:
    labels = np.arange(16, dtype=np.int64)
    paths = TouchPaths(
        offsets=np.array([0, 16]),
        label=labels,
        time=np.arange(16, dtype=np.int64),
        is_direct=np.zeros(16, dtype=bool),
        converted=np.array([True]),
        conversion_time=np.array([15], dtype=np.int64),
        n_labels=16,
    )
    with pytest.raises(TooManyChannels, match="at most 15 channels; these journeys have 16"):
        shapley(paths, np.array([1.0]))
    assert shapley(paths, np.array([1.0]), max_channels=16).sum() == pytest.approx(1.0)
