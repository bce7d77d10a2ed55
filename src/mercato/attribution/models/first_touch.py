"""First touch: the whole conversion to the journey's first touch."""

from __future__ import annotations

from mercato.attribution.models.paths import FloatArray, TouchPaths, check_value, one_hot_touch


def first_touch(paths: TouchPaths, value: FloatArray) -> FloatArray:
    return one_hot_touch(paths, paths.first_index, check_value(paths, value))
