"""Last non-direct: the last touch that did not come in Direct; all-Direct journeys → Direct.

This was Universal Analytics' default: a shopper typing the URL to buy does not erase the
campaign that brought them.
"""

from __future__ import annotations

import numpy as np

from mercato.attribution.models.paths import FloatArray, TouchPaths, check_value, one_hot_touch


def last_non_direct(paths: TouchPaths, value: FloatArray) -> FloatArray:
    value = check_value(paths, value)
    touch = np.arange(len(paths.label), dtype=np.int64)
    candidate = np.where(paths.is_direct, -1, touch)
    # Latest non-direct touch per journey; -1 when the whole journey was Direct.
    latest = np.full(paths.n_journeys, -1, dtype=np.int64)
    np.maximum.at(latest, paths.journey_of_touch, candidate)
    chosen = np.where(latest >= 0, latest, paths.last_index)
    return one_hot_touch(paths, chosen, value)
