"""Time decay: weight 0.5^(Δt / half-life), Δt from the touch to the conversion (continuous)."""

from __future__ import annotations

import numpy as np

from mercato.attribution.models.paths import FloatArray, TouchPaths, check_value, split_by_weight

SECONDS_PER_DAY = 86_400.0


def time_decay(paths: TouchPaths, value: FloatArray, half_life_days: float = 7.0) -> FloatArray:
    if half_life_days <= 0:
        raise ValueError(f"half_life_days must be positive, got {half_life_days}")
    value = check_value(paths, value)
    age = paths.conversion_time[paths.journey_of_touch] - paths.time
    age = np.maximum(age, 0.0)  # a touch can't be after its conversion; clamp clock skew
    weight = np.exp2(-age / (half_life_days * SECONDS_PER_DAY))
    return split_by_weight(paths, weight, value)
