"""Is a change good or bad, and is a value above, below or within its benchmark?

Both answers read a KPI's `better` direction, so a falling cart-abandonment rate is good news
and a rising one bad, while the same movement in revenue is the other way round
(docs/adr/0560-deltas-and-benchmark-verdicts-read-each-kpis-better-direction.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from mercato.metrics.benchmarks import Benchmark
from mercato.metrics.evaluate import Number
from mercato.metrics.report import Delta
from mercato.metrics.spec import Better, Kpi, Unit

# A change this small reads as flat: under 0.05 percentage points for a rate, under 0.5 % of
# the earlier value for everything else.
FLAT_POINTS = 0.0005
FLAT_RELATIVE = 0.005
# A value within ±10 % of the benchmark's figure is "within" it: published benchmarks are
# medians or averages of samples, not thresholds, so a hair above one is no news.
BENCHMARK_BAND = 0.10


class Tone(StrEnum):
    """How a change or a verdict reads for the business."""

    GOOD = "good"
    BAD = "bad"
    NEUTRAL = "neutral"


class Position(StrEnum):
    ABOVE = "above"
    BELOW = "below"
    WITHIN = "within"


@dataclass(frozen=True)
class Change:
    """A delta's direction (-1, 0, +1) and its tone for this KPI."""

    direction: int
    tone: Tone


@dataclass(frozen=True)
class Verdict:
    position: Position
    tone: Tone
    low: float  # the band "within" covers
    high: float
    benchmark: Benchmark


def _tone(direction: int, better: Better) -> Tone:
    if direction == 0:
        return Tone.NEUTRAL
    up_is_good = better is Better.HIGHER
    return Tone.GOOD if (direction > 0) == up_is_good else Tone.BAD


def change(kpi: Kpi, found: Delta) -> Change | None:
    """The change's direction and tone; None when there is nothing to compare."""
    if found.absolute is None:
        return None
    absolute = float(found.absolute)
    if kpi.unit is Unit.PERCENT:
        flat = abs(absolute) < FLAT_POINTS
    elif found.relative is not None:
        flat = abs(found.relative) < FLAT_RELATIVE
    else:  # from a zero base: any change is a change
        flat = absolute == 0
    direction = 0 if flat else (1 if absolute > 0 else -1)
    return Change(direction, _tone(direction, kpi.better))


def verdict(
    kpi: Kpi, value: Number | None, benchmark: Benchmark | None, band: float = BENCHMARK_BAND
) -> Verdict | None:
    """Where `value` stands against `benchmark`; None when either is missing."""
    if value is None or benchmark is None:
        return None
    figure, mark = float(value), benchmark.value
    low, high = sorted((mark * (1 - band), mark * (1 + band)))
    if figure > high:
        position, direction = Position.ABOVE, 1
    elif figure < low:
        position, direction = Position.BELOW, -1
    else:
        position, direction = Position.WITHIN, 0
    return Verdict(position, _tone(direction, kpi.better), low, high, benchmark)
