"""Time decay: weight 0.5^(Δt / half-life), Δt from the touch to the conversion (continuous)."""

from __future__ import annotations

import numpy as np

from mercato.attribution.models.paths import (
    MICROSECONDS_PER_DAY,
    FloatArray,
    TouchPaths,
    check_value,
    split_by_weight,
)


class NoTouchTimes(ValueError):
    """Path data carries no clock, so there is no Δt to decay over."""


def time_decay(paths: TouchPaths, value: FloatArray, half_life_days: float = 7.0) -> FloatArray:
    if half_life_days <= 0:
        raise ValueError(f"half_life_days must be positive, got {half_life_days}")
    if paths.time is None or paths.conversion_time is None:
        raise NoTouchTimes("time decay needs touch times; these paths have none")
    value = check_value(paths, value)
    # Integer microseconds subtract exactly; only the (small) age becomes a float.
    age = (paths.conversion_time[paths.journey_of_touch] - paths.time).astype(np.float64)
    age = np.maximum(age, 0.0)  # a touch can't be after its conversion; clamp clock skew
    weight = np.exp2(-age / (half_life_days * MICROSECONDS_PER_DAY))
    return split_by_weight(paths, weight, value)
