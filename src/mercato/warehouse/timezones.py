"""Local (workspace) time for naive-UTC warehouse timestamps, as a portable Ibis expression.

Engines disagree on time-zone functions, so the UTC offsets in force over the reporting range
are computed in Python (zoneinfo knows every DST rule) and joined as a small table of
[utc_start, utc_end) intervals. Exact for every zone, including half-hour offsets.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import ibis
import ibis.expr.types as ir
import pyarrow as pa

_STEP = timedelta(hours=1)
_MINUTE = timedelta(minutes=1)


def _offset_minutes(tz: ZoneInfo, moment: datetime) -> int:
    offset = moment.replace(tzinfo=UTC).astimezone(tz).utcoffset()
    return int(offset.total_seconds() // 60) if offset is not None else 0


def _transition(tz: ZoneInfo, before: datetime, after: datetime) -> datetime:
    """The first minute in (before, after] with after's offset (transitions fall on minutes)."""
    target = _offset_minutes(tz, after)
    low, high = before, after
    while high - low > _MINUTE:
        middle = low + ((high - low) // 2 // _MINUTE) * _MINUTE
        if _offset_minutes(tz, middle) == target:
            high = middle
        else:
            low = middle
    return high


def offset_intervals(tz: ZoneInfo, start: datetime, end: datetime) -> pa.Table:
    """Intervals of constant UTC offset covering naive-UTC [start, end)."""
    moment = start.replace(minute=0, second=0, microsecond=0)
    starts: list[datetime] = [moment]
    offsets: list[int] = [_offset_minutes(tz, moment)]
    while moment < end:
        following = moment + _STEP
        minutes = _offset_minutes(tz, following)
        if minutes != offsets[-1]:
            starts.append(_transition(tz, moment, following))
            offsets.append(minutes)
        moment = following
    ends = [*starts[1:], max(end, moment)]
    starts[0] = min(starts[0], start)
    return pa.table(
        {
            "utc_start": pa.array(starts, pa.timestamp("us")),
            "utc_end": pa.array(ends, pa.timestamp("us")),
            "offset_minutes": pa.array(offsets, pa.int32()),
        }
    )


def with_local_time(
    table: ir.Table, column: str, tz: ZoneInfo, start: datetime, end: datetime, name: str
) -> ir.Table:
    """`table` (already filtered to [start, end)) plus `name`: `column` in local time."""
    offsets = ibis.memtable(offset_intervals(tz, start, end))
    joined = table.join(
        offsets, [table[column] >= offsets.utc_start, table[column] < offsets.utc_end]
    )
    local = joined[column] + joined.offset_minutes.as_interval("m")
    return joined.mutate(**{name: local}).drop("utc_start", "utc_end", "offset_minutes")
