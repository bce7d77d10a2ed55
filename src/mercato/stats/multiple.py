"""Multiple-testing correction across metrics x variants."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Literal

import numpy as np

from mercato.stats.compare import Comparison
from mercato.stats.samples import StatsInputError


def adjust_p_values(p_values: Sequence[float], method: Literal["holm", "bh"]) -> list[float]:
    """Holm step-down (controls the family-wise error) or Benjamini-Hochberg step-up (FDR)."""
    p = np.asarray(p_values, dtype=np.float64)
    m = p.size
    if m == 0:
        return []
    order = np.argsort(p, kind="stable")
    ranked = p[order]
    rank = np.arange(1, m + 1)
    if method == "holm":
        stepped = np.maximum.accumulate((m - rank + 1) * ranked)
    elif method == "bh":
        stepped = np.minimum.accumulate((m * ranked / rank)[::-1])[::-1]
    else:
        raise StatsInputError(f"correct_multiple: unknown method {method!r}; use holm or bh")
    adjusted = np.empty(m)
    adjusted[order] = np.minimum(stepped, 1.0)
    return [float(a) for a in adjusted]


def correct_multiple(
    comparisons: Sequence[Comparison], method: Literal["holm", "bh"] = "holm"
) -> list[Comparison]:
    """The comparisons with ``adjusted_p_value`` set, in the same order.

    Only comparisons with a p-value (frequentist) form the family; Bayesian ones are
    returned unchanged. The method label records the correction.
    """
    tested = [i for i, c in enumerate(comparisons) if c.p_value is not None]
    adjusted = adjust_p_values([comparisons[i].p_value or 0.0 for i in tested], method)
    label = "Holm" if method == "holm" else "Benjamini-Hochberg"
    out = list(comparisons)
    for i, value in zip(tested, adjusted, strict=True):
        c = comparisons[i]
        note = f"{label} over {len(tested)} tests"
        out[i] = replace(c, adjusted_p_value=value, method=f"{c.method}, {note}")
    return out
