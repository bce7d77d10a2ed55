"""Journeys as flat arrays: the one input every model takes.

Touches of all journeys are stored back to back (CSR layout): journey j owns touches
`offsets[j]:offsets[j+1]`, in time order. Labels are small integer codes, so a million
journeys of twenty touches are a few hundred megabytes, not millions of Python objects.

Times are int64 microseconds since the Unix epoch (UTC), the warehouse's own resolution:
float seconds lose microseconds far from 1970 and 32-bit seconds overflow in 2038, so both
are refused. Path data (distinct paths with counts, no clock) leaves the times out.

A journey row may stand for many journeys: `conversion_count` and `null_count` say how many
of them converted and how many did not (ChannelAttribution's `total_conversions` and
`total_null`). Without them each row is one journey, converted or not.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
Microseconds = npt.NDArray[np.int64]  # since 1970-01-01T00:00:00 UTC
MICROSECONDS_PER_SECOND = 1_000_000
MICROSECONDS_PER_DAY = 86_400 * MICROSECONDS_PER_SECOND


@dataclass(frozen=True)
class TouchPaths:
    """Touches of many journeys, and whether (and when) each journey converted."""

    offsets: IntArray  # n_journeys + 1, non-decreasing, offsets[0] == 0
    label: IntArray  # per touch: code of its channel / platform / campaign / UGC item
    is_direct: BoolArray  # per touch: the touch came in Direct (for last non-direct)
    converted: BoolArray  # per journey (with counts: conversion_count > 0)
    n_labels: int
    time: Microseconds | None = None  # per touch; None for path data without a clock
    conversion_time: Microseconds | None = None  # per journey: its last touch's time
    conversion_count: FloatArray | None = None  # per row: conversions it stands for
    null_count: FloatArray | None = None  # per row: non-converting journeys it stands for
    journey_of_touch: IntArray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        lengths = np.diff(self.offsets)
        if (lengths < 1).any():
            raise ValueError("every journey needs at least one touch")
        n_touches = int(self.offsets[-1])
        for name in ("label", "is_direct"):
            if len(getattr(self, name)) != n_touches:
                raise ValueError(
                    f"{name} has {len(getattr(self, name))} touches, expected {n_touches}"
                )
        if len(self.label) and (self.label.min() < 0 or self.label.max() >= self.n_labels):
            raise ValueError("a touch label code is outside 0..n_labels-1")
        _check_times(self.time, n_touches, "time")
        _check_times(self.conversion_time, len(lengths), "conversion_time")
        self._check_counts(len(lengths))
        journey = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
        object.__setattr__(self, "journey_of_touch", journey)

    def _check_counts(self, n_journeys: int) -> None:
        if (self.conversion_count is None) != (self.null_count is None):
            raise ValueError("conversion_count and null_count come together")
        if self.conversion_count is None or self.null_count is None:
            return
        for name in ("conversion_count", "null_count"):
            counts = getattr(self, name)
            if counts.shape != (n_journeys,) or not np.isfinite(counts).all():
                raise ValueError(f"{name} needs one finite number per journey ({n_journeys})")
            if (counts < 0).any():
                raise ValueError(f"{name} cannot be negative")
        if not np.array_equal(self.converted, self.conversion_count > 0):
            raise ValueError("converted must say which rows have conversions")

    @property
    def n_journeys(self) -> int:
        return len(self.offsets) - 1

    @property
    def lengths(self) -> IntArray:
        return np.diff(self.offsets)

    @property
    def first_index(self) -> IntArray:
        return self.offsets[:-1]

    @property
    def last_index(self) -> IntArray:
        return self.offsets[1:] - 1

    def position(self) -> IntArray:
        """Each touch's 0-based position inside its journey."""
        return np.arange(len(self.label), dtype=np.int64) - self.offsets[self.journey_of_touch]

    def conversions(self) -> FloatArray:
        """The value vector for counting conversions: conversions per journey row."""
        if self.conversion_count is not None:
            return self.conversion_count.astype(np.float64)
        return self.converted.astype(np.float64)

    def nulls(self) -> FloatArray:
        """Non-converting journeys per journey row."""
        if self.null_count is not None:
            return self.null_count.astype(np.float64)
        return (~self.converted).astype(np.float64)

    def traversals(self) -> FloatArray:
        """How many journeys walked each row's path: its conversions plus its nulls."""
        return self.conversions() + self.nulls()


def _check_times(times: Microseconds | None, expected: int, name: str) -> None:
    if times is None:
        return
    if not np.issubdtype(np.asarray(times).dtype, np.integer):
        raise TypeError(f"{name} must be int64 microseconds since the epoch, not {times.dtype}")
    if len(times) != expected:
        raise ValueError(f"{name} has {len(times)} values, expected {expected}")


def split_by_weight(paths: TouchPaths, weight: FloatArray, value: FloatArray) -> FloatArray:
    """Split each journey's value over its touches in proportion to `weight`, sum per label.

    A journey whose weights are all zero splits equally (never loses its value), so every
    model's credits add up to the total value.
    """
    journey = paths.journey_of_touch
    totals = np.bincount(journey, weights=weight, minlength=paths.n_journeys)
    empty = totals[journey] <= 0
    weight = np.where(empty, 1.0, weight)
    totals = np.bincount(journey, weights=weight, minlength=paths.n_journeys)
    share = weight / totals[journey] * value[journey]
    return np.bincount(paths.label, weights=share, minlength=paths.n_labels).astype(np.float64)


def one_hot_touch(paths: TouchPaths, index: IntArray, value: FloatArray) -> FloatArray:
    """All of each journey's value to the single touch at `index` (one per journey)."""
    credits = np.bincount(paths.label[index], weights=value, minlength=paths.n_labels)
    return credits.astype(np.float64)


def check_value(paths: TouchPaths, value: FloatArray) -> FloatArray:
    value = np.asarray(value, dtype=np.float64)
    if value.shape != (paths.n_journeys,):
        raise ValueError(
            f"value needs one number per journey ({paths.n_journeys}), got {value.shape}"
        )
    return value
