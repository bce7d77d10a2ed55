"""Per-unit samples: the only input the statistics accept, validated once at the edge."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]


class StatsInputError(ValueError):
    """Input the statistics cannot analyse; the message names the variant and the field."""


def _as_units(name: str, field: str, values: ArrayLike) -> FloatArray:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise StatsInputError(f"variant {name!r}: {field} must be one value per unit (1-D)")
    if not np.all(np.isfinite(array)):
        raise StatsInputError(f"variant {name!r}: {field} contains NaN or infinite values")
    return array


@dataclass(frozen=True)
class VariantSample:
    """Per-unit (visitor) data of one variant for one metric.

    ``numerator`` holds one value per unit (converted 0/1, revenue, gallery clicks).
    ``denominator`` makes it a ratio metric (gallery views for CTR, orders for AOV);
    ``None`` means the per-unit mean. ``covariate`` is the unit's pre-period value of the
    numerator (CUPED); ``None`` means no variance reduction.
    """

    name: str
    # Any numeric dtype is accepted (0/1 ints, counts); __post_init__ stores float64 copies.
    numerator: NDArray[Any]
    denominator: NDArray[Any] | None = None
    covariate: NDArray[Any] | None = None

    def __post_init__(self) -> None:
        numerator = _as_units(self.name, "numerator", self.numerator)
        object.__setattr__(self, "numerator", numerator)
        for field in ("denominator", "covariate"):
            values = getattr(self, field)
            if values is None:
                continue
            array = _as_units(self.name, field, values)
            if array.shape != numerator.shape:
                raise StatsInputError(
                    f"variant {self.name!r}: {field} has {array.size} units, "
                    f"numerator has {numerator.size}"
                )
            object.__setattr__(self, field, array)
        if self.denominator is not None and np.any(self.denominator < 0):
            raise StatsInputError(f"variant {self.name!r}: denominator has negative values")

    @property
    def units(self) -> int:
        return int(self.numerator.size)

    def weights(self) -> FloatArray:
        """The per-unit denominator, ones for a per-unit mean."""
        if self.denominator is None:
            return np.ones_like(self.numerator)
        return self.denominator


def per_unit_totals(
    units: ArrayLike, event_units: ArrayLike, event_values: ArrayLike | None = None
) -> FloatArray:
    """Sum event values per unit, in the order of ``units``; units without events get 0.

    Events of units outside ``units`` (not assigned, not exposed) are ignored: the analysis
    unit is the assigned visitor, never the event. ``event_values=None`` counts events.
    """
    unit_ids = np.asarray(units)
    events = np.asarray(event_units)
    values = (
        np.ones(events.shape, dtype=np.float64)
        if event_values is None
        else np.asarray(event_values, dtype=np.float64)
    )
    if values.shape != events.shape:
        raise StatsInputError(
            f"per_unit_totals: {values.size} event values for {events.size} events"
        )
    if np.unique(unit_ids).size != unit_ids.size:
        raise StatsInputError("per_unit_totals: units must be distinct")
    order = np.argsort(unit_ids, kind="stable")
    sorted_ids = unit_ids[order]
    slot = np.searchsorted(sorted_ids, events)
    slot_clipped = np.minimum(slot, max(sorted_ids.size - 1, 0))
    known = (
        (slot < sorted_ids.size) & (sorted_ids[slot_clipped] == events)
        if unit_ids.size
        else (np.zeros(events.shape, dtype=bool))
    )
    totals_sorted = np.zeros(unit_ids.size, dtype=np.float64)
    np.add.at(totals_sorted, slot_clipped[known], values[known])
    totals = np.empty_like(totals_sorted)
    totals[order] = totals_sorted
    return totals
