"""Position-based (U-shaped): `first` share to the first touch, `last` to the last, the rest
evenly over the middle touches. One touch takes everything; two split first:last."""

from __future__ import annotations

import numpy as np

from mercato.attribution.models.paths import FloatArray, TouchPaths, check_value, split_by_weight


def position_based(
    paths: TouchPaths, value: FloatArray, first: float = 0.4, last: float = 0.4
) -> FloatArray:
    if first < 0 or last < 0 or first + last > 1:
        raise ValueError(
            f"position-based shares first={first}, last={last} must be ≥ 0 and sum ≤ 1"
        )
    value = check_value(paths, value)
    position = paths.position()
    length = paths.lengths[paths.journey_of_touch]
    middle = (1.0 - first - last) / np.maximum(length - 2, 1)
    weight = np.where(position == 0, first, np.where(position == length - 1, last, middle))
    weight = np.where(length == 1, 1.0, weight)
    # With two touches GA and DP6 give 50/50 at 40/20/40: first and last renormalised.
    pair = length == 2
    pair_total = first + last if first + last > 0 else 1.0
    weight = np.where(pair, np.where(position == 0, first, last) / pair_total, weight)
    return split_by_weight(paths, weight, value)
