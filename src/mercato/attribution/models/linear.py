"""Linear: 1/n of the conversion to each touch, per occurrence (a repeated channel gets 2/n)."""

from __future__ import annotations

import numpy as np

from mercato.attribution.models.paths import FloatArray, TouchPaths, check_value, split_by_weight


def linear(paths: TouchPaths, value: FloatArray) -> FloatArray:
    value = check_value(paths, value)
    return split_by_weight(paths, np.ones(len(paths.label)), value)
