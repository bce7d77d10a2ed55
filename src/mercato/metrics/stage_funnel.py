"""The funnel as stages per social platform: views (awareness) → sessions (consideration) →
transactions (purchase), with the conversion from each stage to the next.

Read from a report by `platform`, so every figure is the one `GET /api/v1/kpis?by=platform`
returns. Sessions and orders count under the social platform of their session; sessions from
other channels have no platform and stay out of these funnels.
"""

from __future__ import annotations

from dataclasses import dataclass

from mercato.metrics.compiler import NONE_LABEL
from mercato.metrics.evaluate import Number
from mercato.metrics.registry import KPI_BY_ID
from mercato.metrics.report import Report
from mercato.metrics.spec import Kpi, Stage

STAGE_KPIS: tuple[tuple[Stage, str], ...] = (
    (Stage.AWARENESS, "views"),
    (Stage.CONSIDERATION, "sessions"),
    (Stage.PURCHASE, "transactions"),
)
# Sums over fact sources (sessions, orders) are 0 where the range has no rows for a platform;
# views come from posts, so a platform without collected posts has no awareness figure (n/a).
_ZERO_WHEN_ABSENT = frozenset({"sessions", "transactions"})


@dataclass(frozen=True)
class Step:
    stage: Stage
    kpi: Kpi
    value: Number | None
    rate: float | None  # this stage ÷ the previous one; None for the first or when undefined


@dataclass(frozen=True)
class PlatformFunnel:
    platform: str
    steps: tuple[Step, ...]


def _rate(value: Number | None, previous: Number | None) -> float | None:
    if value is None or previous is None or not previous:
        return None
    return float(value) / float(previous)


def platform_funnels(report: Report) -> list[PlatformFunnel]:
    """One funnel per platform the report's stage KPIs know, alphabetically.

    `report` must be cut by `platform` (its first dimension)."""
    if tuple(report.slice_.dimensions[:1]) != ("platform",):
        raise ValueError("platform_funnels needs a report by platform")
    values: dict[tuple[str, str], Number | None] = {}
    for line in report.lines:
        platform = line.key[0] if line.key else None
        if platform in (None, NONE_LABEL) or line.kpi.id not in {k for _, k in STAGE_KPIS}:
            continue
        values[(line.kpi.id, str(platform))] = line.current.value
    platforms = sorted({platform for _, platform in values})
    found = []
    for platform in platforms:
        steps: list[Step] = []
        previous: Number | None = None
        for index, (stage, kpi_id) in enumerate(STAGE_KPIS):
            default = 0 if kpi_id in _ZERO_WHEN_ABSENT else None
            value = values.get((kpi_id, platform), default)
            rate = None if index == 0 else _rate(value, previous)
            steps.append(Step(stage, KPI_BY_ID[kpi_id], value, rate))
            previous = value
        found.append(PlatformFunnel(platform, tuple(steps)))
    return found
