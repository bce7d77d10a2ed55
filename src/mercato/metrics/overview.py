"""The overview page's numbers, read from the KPI registry (the same as /funnel and the API).

Sessions, transactions, conversion rate and gross revenue are the registry KPIs of those names
(conversion rate = transactions ÷ sessions), so orders
count by `placed_at` in the workspace time zone and carry the channel of the session they were
placed in (orders without one are "(none)", as in every KPI drill-down).
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from mercato.metrics.compiler import Slice
from mercato.metrics.evaluate import Key, KpiResult, KpiValue, evaluate
from mercato.metrics.timebuckets import Grain
from mercato.warehouse.connection import ScopedWarehouse

SESSIONS, TRANSACTIONS = "sessions", "transactions"
CONVERSION, REVENUE = "conversion_rate", "revenue_gross"
HEADLINE_KPIS = (SESSIONS, TRANSACTIONS, CONVERSION, REVENUE)


@dataclass(frozen=True)
class Figures:
    """One cell of the registry: the headline, one channel, or one channel on one day."""

    sessions: int
    transactions: int
    conversion_rate: float | None  # None = no sessions ("n/a")
    revenue: Decimal


@dataclass(frozen=True)
class ChannelRow:
    channel: str
    figures: Figures


@dataclass(frozen=True)
class DailySessions:
    day: date
    channel: str
    sessions: int


@dataclass(frozen=True)
class Overview:
    total: Figures
    by_channel: list[ChannelRow]
    daily: list[DailySessions]


def data_bounds(warehouse: ScopedWarehouse) -> tuple[datetime, datetime] | None:
    """First and last session start (naive UTC): where the default date range ends."""
    sessions = warehouse.table("sessions")
    row = warehouse.execute(
        sessions.aggregate(first=sessions.started_at.min(), last=sessions.started_at.max())
    )
    first, last = row["first"].iloc[0], row["last"].iloc[0]
    if first is None or str(first) == "NaT":
        return None
    return first.to_pydatetime(), last.to_pydatetime()


def session_days(warehouse: ScopedWarehouse) -> list[date]:
    """The (UTC) days that have at least one session, oldest first."""
    sessions = warehouse.table("sessions")
    day = sessions.started_at.date().name("day")
    frame = warehouse.execute(sessions.select(day).distinct().order_by("day"))
    return [value.date() if isinstance(value, datetime) else value for value in frame["day"]]


def meaningful_end(days: list[date], span: int = 30, min_active: int = 7) -> date | None:
    """The last day of the latest `span`-day window that ends on a day with data and holds
    at least `min_active` days with data (or all of them, when there are fewer): a stray
    live visit after the demo's data, or a site gone quiet, does not pick a window that is
    almost empty. None without data."""
    if not days:
        return None
    ordered = sorted(set(days))
    wanted = min(min_active, len(ordered))
    for index in range(len(ordered) - 1, -1, -1):
        end = ordered[index]
        first = bisect_left(ordered, end - timedelta(days=span - 1))
        if index - first + 1 >= wanted:
            return end
    return ordered[-1]


def _value(results: dict[str, KpiResult], kpi_id: str, key: Key) -> KpiValue:
    return results[kpi_id].values.get(key) or KpiValue(None)


def _sessions(results: dict[str, KpiResult], key: Key) -> int:
    return int(_value(results, SESSIONS, key).value or 0)


def _evaluate(
    warehouse: ScopedWarehouse, slice_: Slice, kpi_ids: tuple[str, ...]
) -> dict[str, KpiResult]:
    results = evaluate(warehouse, slice_, kpi_ids)
    for result in results.values():
        if result.unsupported:  # these KPIs support channel and day on every engine
            raise RuntimeError(f"{result.kpi.id}: {result.unsupported}")
    return results


def _figures(results: dict[str, KpiResult], key: Key) -> Figures:
    conversion = _value(results, CONVERSION, key).value
    transactions = _value(results, TRANSACTIONS, key).value
    revenue = _value(results, REVENUE, key).value
    return Figures(
        sessions=_sessions(results, key),
        transactions=int(transactions or 0),
        conversion_rate=None if conversion is None else float(conversion),
        # Keep the value's exponent: it is the currency's precision (JPY 0, KWD 3 decimals).
        revenue=revenue if isinstance(revenue, Decimal) else Decimal("0.00"),
    )


def _keys(results: dict[str, KpiResult]) -> list[Key]:
    return sorted({key for result in results.values() for key in result.values})


def overview(
    warehouse: ScopedWarehouse, first_day: date, last_day: date, time_zone: str
) -> Overview:
    """Local days first_day..last_day in `time_zone`: totals, by channel, and daily sessions."""
    whole = Slice(first_day, last_day, time_zone)
    total = _figures(_evaluate(warehouse, whole, HEADLINE_KPIS), ())
    by_channel_slice = Slice(first_day, last_day, time_zone, dimensions=("channel",))
    by_channel = _evaluate(warehouse, by_channel_slice, HEADLINE_KPIS)
    rows = [ChannelRow(key[0], _figures(by_channel, key)) for key in _keys(by_channel)]
    rows.sort(key=lambda row: (-row.figures.revenue, row.channel))
    daily_slice = Slice(first_day, last_day, time_zone, Grain.DAY, ("channel",))
    daily_results = _evaluate(warehouse, daily_slice, (SESSIONS,))
    daily = [
        DailySessions(date.fromisoformat(day), channel, sessions)
        for channel, day in _keys(daily_results)
        if (sessions := _sessions(daily_results, (channel, day)))
    ]
    daily.sort(key=lambda row: (row.day, row.channel))
    return Overview(total, rows, daily)
