"""Workspace-local time on any engine, from naive UTC timestamps.

Engines disagree on time-zone functions, so the local time is `ts + offset`, with the offset
piecewise constant between the zone's transitions (DST, from `warehouse.timezones`). The KPI
compiler inlines them as a short CASE rather than joining a memtable (ADR 0501): the compiled
SQL then runs as is on ClickHouse, where a client-side memtable does not exist.
"""

from __future__ import annotations

import itertools
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

import ibis
import ibis.expr.types as ir

from mercato.warehouse.timezones import offset_intervals


class Grain(StrEnum):
    DAY = "day"
    WEEK = "week"  # ISO weeks, starting Monday
    MONTH = "month"


_TRUNCATE = {Grain.DAY: "D", Grain.WEEK: "W", Grain.MONTH: "M"}


def offset_segments(
    tz: ZoneInfo, start_utc: datetime, end_utc: datetime
) -> list[tuple[datetime, int]]:
    """[(from_utc, offset_seconds)] over [start_utc, end_utc), from the warehouse's intervals."""
    intervals = offset_intervals(tz, start_utc, end_utc).to_pylist()
    return [(row["utc_start"], int(row["offset_minutes"]) * 60) for row in intervals]


def local_timestamp(ts: ir.TimestampValue, segments: list[tuple[datetime, int]]) -> ir.Value:
    """`ts` (naive UTC) as naive local time, for the window the segments cover."""
    if len(segments) == 1:
        return ts + ibis.interval(seconds=segments[0][1])
    branches = [
        (ts < later_start, ts + ibis.interval(seconds=offset))
        for (_start, offset), (later_start, _next) in itertools.pairwise(segments)
    ]
    return ibis.cases(*branches, else_=ts + ibis.interval(seconds=segments[-1][1]))


def bucket_of_timestamp(
    ts: ir.TimestampValue, grain: Grain, segments: list[tuple[datetime, int]]
) -> ir.Value:
    local: ir.TimestampValue = local_timestamp(ts, segments)  # type: ignore[assignment]
    return local.truncate(_TRUNCATE[grain]).date()


def bucket_of_day(day: ir.DateValue, grain: Grain) -> ir.Value:
    if grain is Grain.DAY:
        return day
    return day.truncate(_TRUNCATE[grain])
