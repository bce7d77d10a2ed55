"""Journeys as flat arrays: the one input every model takes.

Touches of all journeys are stored back to back (CSR layout): journey j owns touches
`offsets[j]:offsets[j+1]`, in time order. Labels are small integer codes, so a million
journeys of twenty touches are a few hundred megabytes, not millions of Python objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class TouchPaths:
    """Touches of many journeys, and whether (and when) each journey converted."""

    offsets: IntArray  # n_journeys + 1, non-decreasing, offsets[0] == 0
    label: IntArray  # per touch: code of its channel / platform / campaign / UGC item
    time: FloatArray  # per touch: seconds since the epoch
    is_direct: BoolArray  # per touch: the touch came in Direct (for last non-direct)
    converted: BoolArray  # per journey
    conversion_time: FloatArray  # per journey: the converting touch's time (last touch if null)
    n_labels: int
    journey_of_touch: IntArray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        lengths = np.diff(self.offsets)
        if (lengths < 1).any():
            raise ValueError("every journey needs at least one touch")
        n_touches = int(self.offsets[-1])
        for name in ("label", "time", "is_direct"):
            if len(getattr(self, name)) != n_touches:
                raise ValueError(
                    f"{name} has {len(getattr(self, name))} touches, expected {n_touches}"
                )
        if len(self.label) and (self.label.min() < 0 or self.label.max() >= self.n_labels):
            raise ValueError("a touch label code is outside 0..n_labels-1")
        journey = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
        object.__setattr__(self, "journey_of_touch", journey)

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
        """The value vector for counting conversions: 1 per converting journey."""
        return self.converted.astype(np.float64)


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
