"""Local time via offset intervals equals zoneinfo's conversion, across DST changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import ibis
import pyarrow as pa
import pytest

from mercato.warehouse.timezones import offset_intervals, with_local_time


@pytest.mark.parametrize("zone_name", ["America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"])
def test_matches_zoneinfo_every_37_minutes_for_a_year(zone_name: str) -> None:
    tz = ZoneInfo(zone_name)
    start, end = datetime(2024, 1, 1), datetime(2025, 1, 1)
    moments = []
    moment = start
    while moment < end:
        moments.append(moment)
        moment += timedelta(minutes=37)
    table = ibis.memtable(pa.table({"ts": pa.array(moments, pa.timestamp("us"))}))
    result = with_local_time(table, "ts", tz, start, end, "local").order_by("ts").execute()
    expected = [m.replace(tzinfo=UTC).astimezone(tz).replace(tzinfo=None) for m in moments]
    assert len(result) == len(moments)
    assert [t.to_pydatetime() for t in result["local"]] == expected


def test_intervals_cover_the_range_without_gaps() -> None:
    tz = ZoneInfo("Europe/Berlin")
    intervals = offset_intervals(tz, datetime(2025, 1, 1), datetime(2026, 1, 1)).to_pylist()
    assert [row["offset_minutes"] for row in intervals] == [60, 120, 60]
    for earlier, later in pairwise(intervals):
        assert earlier["utc_end"] == later["utc_start"]
    assert intervals[0]["utc_start"] == datetime(2025, 1, 1)
    assert intervals[-1]["utc_end"] >= datetime(2026, 1, 1)
