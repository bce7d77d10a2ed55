"""Goals: a target per KPI and period, with progress and a linear forecast to period end."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol

from mercato.core.money import round_money
from mercato.metrics.compiler import Slice
from mercato.metrics.evaluate import Executor, Number, evaluate
from mercato.metrics.registry import get_kpi
from mercato.metrics.spec import Better, Kpi
from mercato.warehouse.connection import ScopedWarehouse


class GoalRow(Protocol):
    """A goal as the catalog stores it (structural, so metrics needs no ORM)."""

    id: str
    kpi_id: str
    period_start: date
    period_end: date
    target: Decimal
    platform: str | None


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
    on_track: bool | None
    elapsed_days: int
    total_days: int


def linear_forecast(
    kpi: Kpi, actual: Number | None, elapsed: int, total: int, currency: str | None = None
) -> Number | None:
    """Sums grow with time (actual ÷ elapsed x total); rates are expected to hold. Money is
    rounded to `currency`'s minor unit (the workspace's: JPY none, KWD three decimals)."""
    if actual is None or elapsed <= 0:
        return None
    if not kpi.additive:
        return actual
    if isinstance(actual, Decimal):
        return round_money(actual / elapsed * total, currency)
    return float(actual) / elapsed * total


def on_track(kpi: Kpi, forecast: Number | None, target: Decimal) -> bool | None:
    if forecast is None:
        return None
    if kpi.better is Better.HIGHER:
        return Decimal(str(forecast)) >= target
    return Decimal(str(forecast)) <= target


def progress(
    warehouse: ScopedWarehouse,
    goal: GoalRow,
    today: date,
    time_zone: str,
    parameters: dict[str, Decimal] | None = None,
    executor: Executor | None = None,
    currency: str | None = None,
) -> GoalProgress:
    """The KPI from the period's start to `today` (or its end), against the target; money in
    `currency`'s precision (the workspace's)."""
    kpi = get_kpi(goal.kpi_id)
    total = (goal.period_end - goal.period_start).days + 1
    last = min(today, goal.period_end)
    elapsed = (last - goal.period_start).days + 1
    actual: Number | None = None
    if elapsed > 0:
        filters = (("platform", (goal.platform,)),) if goal.platform else ()
        slice_ = Slice(goal.period_start, last, time_zone, filters=filters)
        results = evaluate(warehouse, slice_, [kpi.id], parameters, executor, currency)
        found = results[kpi.id].total
        actual = found.value if found else None
    forecast = linear_forecast(kpi, actual, elapsed, total, currency)
    share = float(actual) / float(goal.target) if actual is not None and goal.target else None
    return GoalProgress(
        goal.id,
        kpi,
        goal.period_start,
        goal.period_end,
        goal.target,
        goal.platform,
        actual,
        share,
        forecast,
        on_track(kpi, forecast, goal.target),
        max(elapsed, 0),
        total,
    )
