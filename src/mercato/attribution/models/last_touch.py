"""Last touch: the whole conversion to the touch that converted."""

from __future__ import annotations

from mercato.attribution.models.paths import FloatArray, TouchPaths, check_value, one_hot_touch


def last_touch(paths: TouchPaths, value: FloatArray) -> FloatArray:
    return one_hot_touch(paths, paths.last_index, check_value(paths, value))
