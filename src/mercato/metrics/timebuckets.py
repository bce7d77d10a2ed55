"""Workspace-local time on any engine, from naive UTC timestamps.

Engines disagree on time-zone functions, so the local time is `ts + offset`, with the offset
piecewise constant between the zone's transitions (DST): a short CASE that every engine runs.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

import ibis
import ibis.expr.types as ir


class Grain(StrEnum):
    DAY = "day"
    WEEK = "week"  # ISO weeks, starting Monday
    MONTH = "month"


_TRUNCATE = {Grain.DAY: "D", Grain.WEEK: "W", Grain.MONTH: "M"}
_STEP = timedelta(minutes=15)  # zones change offset on quarter hours


def _offset(moment_utc: datetime, tz: ZoneInfo) -> int:
    aware = moment_utc.replace(tzinfo=UTC).astimezone(tz)
    delta = aware.utcoffset()
    return int(delta.total_seconds()) if delta is not None else 0


def offset_segments(
    tz: ZoneInfo, start_utc: datetime, end_utc: datetime
) -> list[tuple[datetime, int]]:
    """[(from_utc, offset_seconds)], the first from `start_utc`, one per change before `end_utc`."""
    segments = [(start_utc, _offset(start_utc, tz))]
    day = start_utc
    while day < end_utc:
        next_day = min(day + timedelta(days=1), end_utc)
        if _offset(next_day, tz) != segments[-1][1]:
            moment = day
            while _offset(moment, tz) == segments[-1][1]:
                moment += _STEP
            segments.append((moment, _offset(moment, tz)))
        day = next_day
    return segments


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
