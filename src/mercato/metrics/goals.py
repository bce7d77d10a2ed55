"""Goals: a target per KPI and period, with progress, a forecast with its interval to period
end, and an on-track verdict that is fair early in a period.

Only **complete** local days count (today is still running: counting it as a whole day made
every forecast low, and every goal "off track", all day). The caller passes the last
complete day, capped at the last day with data, so a data lag does not read as a collapse.

Forecast from the k complete days' values d₁..dₖ (mean m, sample s.d. s), r days left:
- sums (orders, revenue): point = Σd + m·r; the rest of the period is r more days of
  unknown mean, so Var = r·s² + r²·s²/k (day-to-day noise plus the error in m);
- rates (conversion): the period-to-date value is the point; the remaining share r/total of
  the period may move it by the error of a mean of r days, s/√r.
The interval is the central 80% (z = 1.2816). The verdict reads the interval, not the point:
a target the interval reaches is "on track", one below its lower end (for higher-is-better)
is "ahead", and one it cannot reach is "behind". On day 3 of 30 at pace the point equals
the target, so it is on track; a noisy start widens the interval rather than failing it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from mercato.core.money import round_money
from mercato.metrics.compiler import Slice
from mercato.metrics.evaluate import Executor, Number, evaluate
from mercato.metrics.registry import get_kpi
from mercato.metrics.report import sparkline
from mercato.metrics.spec import Better, Kpi
from mercato.warehouse.connection import ScopedWarehouse

Z_80 = 1.2816  # two-sided 80% normal quantile


class Verdict(StrEnum):
    AHEAD = "ahead"
    ON_TRACK = "on_track"
    BEHIND = "behind"


class GoalRow(Protocol):
    """A goal as the catalog stores it (structural, so metrics needs no ORM)."""

    id: str
    kpi_id: str
    period_start: date
    period_end: date
    target: Decimal
    platform: str | None


@dataclass(frozen=True)
class Forecast:
    point: float
    low: float
    high: float


@dataclass(frozen=True)
class GoalProgress:
    goal_id: str
    kpi: Kpi
    period_start: date
    period_end: date
    target: Decimal
    platform: str | None
    actual: Number | None
    progress: float | None  # actual ÷ target
    forecast: Number | None  # expected value at period end
    forecast_low: float | None
    forecast_high: float | None
    verdict: Verdict | None
    elapsed_days: int
    total_days: int

    @property
    def on_track(self) -> bool | None:
        return None if self.verdict is None else self.verdict is not Verdict.BEHIND


def forecast_interval(kpi: Kpi, daily: list[float], total_days: int) -> Forecast | None:
    """The end-of-period forecast and its 80% interval from the complete days' values."""
    k = len(daily)
    if k == 0:
        return None
    mean = sum(daily) / k
    spread = math.sqrt(sum((d - mean) ** 2 for d in daily) / (k - 1)) if k > 1 else abs(mean)
    left = max(total_days - k, 0)
    if kpi.additive:
        point = sum(daily) + mean * left
        half = Z_80 * math.sqrt(left * spread**2 + left**2 * spread**2 / k)
    else:
        point = mean
        half = Z_80 * spread / math.sqrt(left) * left / total_days if left else 0.0
    return Forecast(point, point - half, point + half)


def verdict(kpi: Kpi, forecast: Forecast | None, target: Decimal) -> Verdict | None:
    if forecast is None:
        return None
    goal = float(target)
    if kpi.better is Better.LOWER:
        if forecast.high < goal:
            return Verdict.AHEAD
        return Verdict.ON_TRACK if forecast.low <= goal else Verdict.BEHIND
    if forecast.low > goal:
        return Verdict.AHEAD
    return Verdict.ON_TRACK if forecast.high >= goal else Verdict.BEHIND


def _daily_values(
    warehouse: ScopedWarehouse, kpi: Kpi, slice_: Slice, executor: Executor | None
) -> list[float]:
    """Each complete day's value; a day without data is 0 for a sum, absent for a rate."""
    series = dict(sparkline(warehouse, slice_, [kpi.id], executor).get(kpi.id, []))
    days = (slice_.last_day - slice_.first_day).days + 1
    values = []
    for offset in range(days):
        value = series.get((slice_.first_day + timedelta(days=offset)).isoformat())
        if value is not None:
            values.append(float(value))
        elif kpi.additive:
            values.append(0.0)
    return values


def progress(
    warehouse: ScopedWarehouse,
    goal: GoalRow,
    through: date,
    time_zone: str,
    parameters: dict[str, Decimal] | None = None,
    executor: Executor | None = None,
    currency: str | None = None,
) -> GoalProgress:
    """The KPI over the period's complete days up to `through` (inclusive), against the
    target, with the forecast interval to period end; money in `currency`'s precision (the
    workspace's: JPY none, KWD three decimals)."""
    kpi = get_kpi(goal.kpi_id)
    total = (goal.period_end - goal.period_start).days + 1
    last = min(through, goal.period_end)
    elapsed = (last - goal.period_start).days + 1
    actual: Number | None = None
    found: Forecast | None = None
    if elapsed > 0:
        filters = (("platform", (goal.platform,)),) if goal.platform else ()
        slice_ = Slice(goal.period_start, last, time_zone, filters=filters)
        result = evaluate(warehouse, slice_, [kpi.id], parameters, executor, currency)[kpi.id]
        actual = result.total.value if result.total else None
        if actual is not None:
            found = forecast_interval(kpi, _daily_values(warehouse, kpi, slice_, executor), total)
    if found is not None and not kpi.additive and actual is not None:
        found = _centred(found, float(actual))  # a rate's point is the period-to-date value
    point: Number | None = None
    if found is not None:
        exact = Decimal(str(found.point))
        point = round_money(exact, currency) if isinstance(actual, Decimal) else found.point
    share = float(actual) / float(goal.target) if actual is not None and goal.target else None
    return GoalProgress(
        goal.id, kpi, goal.period_start, goal.period_end, goal.target, goal.platform,
        actual, share, point,
        found.low if found else None, found.high if found else None,
        verdict(kpi, found, goal.target), max(elapsed, 0), total,
    )  # fmt: skip


def _centred(forecast: Forecast, value: float) -> Forecast:
    half = (forecast.high - forecast.low) / 2
    return Forecast(value, value - half, value + half)
