"""Deterministic assignment compatible with GrowthBook's v2 bucketing.

A unit (visitor id) falls in a bucket n in [0, 1) from its experiment's seed; the variant is
the bucket range n lies in. The same seed, unit and ranges give the same variant in every
process and in GrowthBook's own SDKs, so an assignment can be recomputed anywhere.

Hashing alone is not sticky: a change of weights or a new variant moves the range edges and
so moves some units. Stickiness comes from `assign`, which returns a stored first assignment
before ever hashing (see ADR 1600).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

FNV_OFFSET = 0x811C9DC5
FNV_PRIME = 0x01000193
MASK = 0xFFFFFFFF
NOT_ASSIGNED = -1  # the unit is outside the experiment's coverage

BucketRange = tuple[float, float]


def fnv1a32(text: str) -> int:
    """32-bit FNV-1a over UTF-16 code units, as JavaScript's charCodeAt sees the string."""
    raw = text.encode("utf-16-le")
    value = FNV_OFFSET
    for index in range(0, len(raw), 2):
        value ^= raw[index] | (raw[index + 1] << 8)
        value = (value * FNV_PRIME) & MASK
    return value


def bucket(seed: str, value: str, version: int = 2) -> float | None:
    """GrowthBook's `hash`: v2 hashes the decimal of the first hash again (better spread)."""
    if version == 2:
        return (fnv1a32(str(fnv1a32(seed + value))) % 10000) / 10000
    if version == 1:
        return (fnv1a32(value + seed) % 1000) / 1000
    return None


def equal_weights(count: int) -> list[float]:
    return [1.0 / count] * count if count > 0 else []


def bucket_ranges(
    count: int, coverage: float = 1.0, weights: Sequence[float] | None = None
) -> list[BucketRange]:
    """Consecutive ranges, one per variant, each shortened to `coverage` of its weight.

    Weights that do not match the variant count or do not sum to 1 (±0.01) fall back to an
    equal split, as GrowthBook does; coverage is clamped to [0, 1].
    """
    coverage = min(max(coverage, 0.0), 1.0)
    shares = list(weights) if weights is not None else []
    if len(shares) != count or not 0.99 <= sum(shares) <= 1.01:
        shares = equal_weights(count)
    ranges: list[BucketRange] = []
    cumulative = 0.0
    for share in shares:
        start = cumulative
        cumulative += share
        ranges.append((start, start + coverage * share))
    return ranges


def choose_variation(n: float, ranges: Sequence[BucketRange]) -> int:
    for index, (start, end) in enumerate(ranges):
        if start <= n < end:
            return index
    return NOT_ASSIGNED


def normalised(weights: Sequence[float]) -> list[float]:
    """Weights scaled to sum to 1 (stored weights are any non-negative numbers)."""
    total = float(sum(weights))
    if total <= 0:
        raise ValueError("weights must sum to more than 0")
    return [w / total for w in weights]


def hashed_variant(seed: str, unit: str, weights: Sequence[float], coverage: float) -> int:
    """The variant index hashing alone gives, or NOT_ASSIGNED outside the coverage."""
    n = bucket(seed, unit, 2)
    assert n is not None  # version 2 always hashes
    return choose_variation(n, bucket_ranges(len(weights), coverage, normalised(weights)))


class AssignmentStore(Protocol):
    def get(self, unit: str) -> str | None: ...

    def put(self, unit: str, variant: str) -> None: ...


def assign(
    store: AssignmentStore,
    seed: str,
    unit: str,
    variants: Sequence[str],
    weights: Sequence[float],
    coverage: float = 1.0,
) -> str | None:
    """The unit's variant: its first assignment if stored, else a new hashed one, stored.

    A stored variant that no longer exists (removed) is kept as the answer too: the unit was
    exposed to it, and moving it would contaminate both arms.
    """
    known = store.get(unit)
    if known is not None:
        return known
    index = hashed_variant(seed, unit, weights, coverage)
    if index == NOT_ASSIGNED:
        return None
    store.put(unit, variants[index])
    return variants[index]


def _fnv_columns(units: NDArray[np.uint32], lengths: NDArray[np.int64]) -> NDArray[np.uint32]:
    """FNV-1a of many strings at once: `units` holds code units row-wise, padded."""
    value = np.full(units.shape[0], FNV_OFFSET, dtype=np.uint64)
    for column in range(units.shape[1]):
        live = column < lengths
        mixed = ((value ^ units[:, column]) * FNV_PRIME) & MASK
        value = np.where(live, mixed, value)
    return value.astype(np.uint32)


def _code_units(texts: Sequence[str]) -> tuple[NDArray[np.uint32], NDArray[np.int64]]:
    encoded = [t.encode("utf-16-le") for t in texts]
    lengths = np.array([len(e) // 2 for e in encoded], dtype=np.int64)
    width = int(lengths.max()) if len(encoded) else 0
    padded = b"".join(e.ljust(width * 2, b"\0") for e in encoded)
    units = np.frombuffer(padded, dtype="<u2").reshape(len(encoded), width)
    return units.astype(np.uint32), lengths


def buckets_v2(seed: str, values: Sequence[str]) -> NDArray[np.float64]:
    """`bucket(seed, v, 2)` for many values, vectorised (for uniformity checks at scale)."""
    first = _fnv_columns(*_code_units([seed + v for v in values]))
    digits = np.char.mod("%d", first.astype(np.int64))
    second = _fnv_columns(*_code_units(list(digits)))
    return (second % 10000).astype(np.float64) / 10000
