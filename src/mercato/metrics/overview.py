"""The overview page's numbers: sessions, conversion rate and revenue by channel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import ibis
from ibis import _

from mercato.warehouse.connection import ScopedWarehouse
from mercato.warehouse.timezones import with_local_time

UTC_ZONE = ZoneInfo("UTC")


@dataclass(frozen=True)
class ChannelRow:
    channel: str
    sessions: int
    orders: int
    revenue: Decimal


@dataclass(frozen=True)
class DailySessions:
    day: date
    channel: str
    sessions: int


@dataclass(frozen=True)
class Overview:
    start: datetime
    end: datetime
    sessions: int
    orders: int
    revenue: Decimal
    by_channel: list[ChannelRow]
    daily: list[DailySessions]

    @property
    def conversion_rate(self) -> float | None:
        """Orders ÷ sessions; None (shown "n/a") when there were no sessions."""
        return self.orders / self.sessions if self.sessions else None


def _as_date(value: object) -> date:
    """Engines hand dates back as date, datetime or pandas Timestamp (a datetime)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raise TypeError(f"not a date: {value!r}")


def data_bounds(warehouse: ScopedWarehouse) -> tuple[datetime, datetime] | None:
    sessions = warehouse.table("sessions")
    row = warehouse.execute(
        sessions.aggregate(first=sessions.started_at.min(), last=sessions.started_at.max())
    )
    first, last = row["first"].iloc[0], row["last"].iloc[0]
    if first is None or str(first) == "NaT":
        return None
    return first.to_pydatetime(), last.to_pydatetime()


def overview(
    warehouse: ScopedWarehouse, start: datetime, end: datetime, tz: ZoneInfo = UTC_ZONE
) -> Overview:
    """Sessions started in [start, end) (naive UTC) and their orders and revenue;
    daily series by local day in `tz`."""
    sessions = warehouse.table("sessions")
    window = sessions.filter((sessions.started_at >= start) & (sessions.started_at < end))
    labelled = window.mutate(channel=window.channel.fill_null("Unassigned"))
    by_channel = (
        labelled.group_by("channel")
        .aggregate(sessions=_.count(), orders=_.orders.sum(), revenue=_.revenue.sum())
        .order_by(ibis.desc("revenue"), "channel")
    )
    rows = warehouse.execute(by_channel).to_dict("records")
    channel_rows = [
        ChannelRow(
            channel=row["channel"],
            sessions=int(row["sessions"]),
            orders=int(row["orders"] or 0),
            revenue=Decimal(row["revenue"] or 0),
        )
        for row in rows
    ]
    daily_expr = (
        with_local_time(labelled, "started_at", tz, start, end, "local_start")
        .mutate(day=_.local_start.date())
        .group_by(["day", "channel"])
        .aggregate(sessions=_.count())
        .order_by(["day", "channel"])
    )
    daily = [
        DailySessions(
            day=_as_date(row["day"]), channel=row["channel"], sessions=int(row["sessions"])
        )
        for row in warehouse.execute(daily_expr).to_dict("records")
    ]
    return Overview(
        start=start,
        end=end,
        sessions=sum(r.sessions for r in channel_rows),
        orders=sum(r.orders for r in channel_rows),
        revenue=sum((r.revenue for r in channel_rows), Decimal(0)),
        by_channel=channel_rows,
        daily=daily,
    )
