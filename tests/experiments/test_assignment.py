"""Assignment: GrowthBook's published SDK cases (tests/experiments/vectors.json, MIT licence),
uniformity of the v2 hash at scale, and stickiness under weight changes and new variants."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import chisquare

from mercato.experiments.assignment import (
    NOT_ASSIGNED,
    assign,
    bucket,
    bucket_ranges,
    buckets_v2,
    choose_variation,
    equal_weights,
    fnv1a32,
    hashed_variant,
)

VECTORS = json.loads((Path(__file__).parent / "vectors.json").read_text())


@pytest.mark.parametrize(("seed", "value", "version", "expected"), VECTORS["hash"])
def test_hash_matches_growthbook(seed: str, value: str, version: int, expected: float) -> None:
    assert bucket(seed, value, version) == expected


@pytest.mark.parametrize(("name", "args", "expected"), VECTORS["getBucketRange"])
def test_bucket_ranges_match_growthbook(name: str, args: list, expected: list) -> None:
    count, coverage, weights = args
    got = bucket_ranges(count, coverage, weights)
    assert len(got) == len(expected), name
    for (start, end), (want_start, want_end) in zip(got, expected, strict=True):
        assert start == pytest.approx(want_start, abs=1e-9), name
        assert end == pytest.approx(want_end, abs=1e-9), name


@pytest.mark.parametrize(("name", "n", "ranges", "expected"), VECTORS["chooseVariation"])
def test_choose_variation_matches_growthbook(name: str, n: float, ranges: list, expected: int):
    assert choose_variation(n, [tuple(r) for r in ranges]) == expected, name


@pytest.mark.parametrize(("count", "expected"), VECTORS["getEqualWeights"])
def test_equal_weights_match_growthbook(count: int, expected: list[float]) -> None:
    assert equal_weights(count) == pytest.approx(expected, abs=1e-8)


def test_fnv1a_known_value() -> None:
    # FNV-1a 32 of "a" is 0xe40c292c (the FNV reference's published value).
    assert fnv1a32("a") == 0xE40C292C
    assert fnv1a32("") == 0x811C9DC5


def test_vectorised_hash_equals_scalar() -> None:
    values = ["", "a", "vis_ü✓", "𝄞clef", "12345678901234567890", "x" * 50]
    assert list(buckets_v2("exp_1", values)) == [bucket("exp_1", v, 2) for v in values]


def test_one_million_ids_are_uniform() -> None:
    ids = [f"vis_{i:07d}" for i in range(1_000_000)]
    buckets = buckets_v2("exp_uniformity", ids)
    counts = np.bincount((buckets * 100).astype(int), minlength=100)
    assert counts.sum() == 1_000_000
    assert chisquare(counts).pvalue > 0.01
    # and the 50/50 split by range lands within sampling error of half
    assert abs((buckets < 0.5).mean() - 0.5) < 0.002


class _Memory:
    def __init__(self) -> None:
        self.rows: dict[str, str] = {}

    def get(self, unit: str) -> str | None:
        return self.rows.get(unit)

    def put(self, unit: str, variant: str) -> None:
        self.rows[unit] = variant


weights_st = st.lists(st.floats(0.05, 10), min_size=2, max_size=5)


@settings(max_examples=60, deadline=None)
@given(
    units=st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=40, unique=True),
    before=weights_st,
    after=weights_st,
    coverage=st.floats(0.1, 1.0),
)
def test_changing_weights_or_adding_variants_moves_nobody(
    units: list[str], before: list[float], after: list[float], coverage: float
) -> None:
    store = _Memory()
    names_before = [f"v{i}" for i in range(len(before))]
    first = {u: assign(store, "exp_s", u, names_before, before, coverage) for u in units}
    names_after = [f"v{i}" for i in range(len(after))]  # more, fewer or re-weighted variants
    again = {u: assign(store, "exp_s", u, names_after, after, 1.0) for u in units}
    for unit, variant in first.items():
        if variant is not None:
            assert again[unit] == variant


def test_hashing_alone_would_move_visitors() -> None:
    """Why the store matters: a weight change re-buckets some units under pure hashing."""
    units = [f"u{i}" for i in range(2000)]
    moved = sum(
        hashed_variant("exp_m", u, [0.5, 0.5], 1) != hashed_variant("exp_m", u, [0.2, 0.8], 1)
        for u in units
    )
    assert moved > 300


def test_outside_coverage_is_not_stored() -> None:
    store = _Memory()
    results = [assign(store, "exp_c", f"u{i}", ["a", "b"], [1, 1], 0.0) for i in range(50)]
    assert results == [None] * 50
    assert store.rows == {}
    assert hashed_variant("exp_c", "u1", [1, 1], 0.0) == NOT_ASSIGNED
