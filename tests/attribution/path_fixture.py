"""A ChannelAttribution-style path file made in code: distinct paths with counts."""

from __future__ import annotations

import numpy as np

from tests.attribution.reference_models import Row

CHANNELS = ["facebook", "Paid Search", "email", "Direct", "instagram", "affiliate & 'co' <x"]


def path_rows(n: int = 240, seed: int = 5) -> list[Row]:
    """Distinct paths (repeats of a channel included), integer and fractional counts."""
    rng = np.random.default_rng(seed)
    rows: dict[tuple[str, ...], Row] = {}
    while len(rows) < n:
        length = int(rng.integers(1, 7))
        path = tuple(
            CHANNELS[i]
            for i in rng.choice(len(CHANNELS), length, p=[0.25, 0.2, 0.2, 0.15, 0.15, 0.05])
        )
        conversions = float(rng.poisson(3.0)) if rng.random() < 0.7 else 0.0
        if rng.random() < 0.05:
            conversions += 0.5  # ChannelAttribution allows fractional conversions
        value = round(conversions * float(rng.gamma(2.0, 30.0)), 2) if conversions else 0.0
        nulls = float(rng.poisson(20.0))
        if conversions + nulls == 0:
            nulls = 1.0
        rows[path] = (path, conversions, value, nulls)
    return list(rows.values())


def path_file(rows: list[Row], delimiter: str = ";") -> str:
    lines = [delimiter.join(["path", "total_conversions", "total_conversion_value", "total_null"])]
    for path, conversions, value, nulls in rows:
        lines.append(
            delimiter.join([" > ".join(path), f"{conversions:g}", f"{value:.2f}", f"{nulls:g}"])
        )
    return "\n".join(lines) + "\n"
