"""The default date range stays on data: one live visit long after the last import does not
move it to an almost empty month, and the Overview chart's axis reads as days."""

from __future__ import annotations

import html
import json
import re
from datetime import date, datetime, timedelta

import httpx
import pyarrow as pa

from mercato.metrics.overview import meaningful_end
from mercato.runtime import Services
from mercato.warehouse.loader import load
from tests.support.brands import PASSWORD, Brand
from tests.support.server import login

IMPORTED = [date(2026, 1, 1) + timedelta(days=i) for i in range(46)]  # Jan 1 to Feb 15
LIVE_VISIT = date(2026, 4, 10)


def _days(first: date, count: int, step: int = 1) -> list[date]:
    return [first + timedelta(days=step * i) for i in range(count)]


def test_a_stray_day_after_old_data_does_not_end_the_range() -> None:
    assert meaningful_end([*IMPORTED, LIVE_VISIT]) == IMPORTED[-1]


def test_a_steady_trickle_keeps_the_range_current() -> None:
    trickle = _days(date(2026, 3, 1), 12, step=3)  # a visit every third day since March
    assert meaningful_end([*IMPORTED, *trickle]) == trickle[-1]


def test_little_data_ends_on_its_last_day() -> None:
    assert meaningful_end([date(2026, 3, 1), date(2026, 3, 2)]) == date(2026, 3, 2)
    assert meaningful_end([date(2026, 3, 1)]) == date(2026, 3, 1)
    assert meaningful_end([]) is None


def test_the_window_counts_days_with_data_not_sessions() -> None:
    week = _days(date(2026, 1, 1), 7)
    # Six days at the end are one short of a week's worth: the full week before wins.
    assert meaningful_end([*week, *_days(date(2026, 5, 1), 6)]) == week[-1]
    assert meaningful_end([*week, *_days(date(2026, 5, 1), 7)]) == date(2026, 5, 7)


def _seed(services: Services, workspace_id: str) -> None:
    starts = [datetime.combine(day, datetime.min.time()) + timedelta(hours=14) for day in IMPORTED]
    starts.append(datetime.combine(LIVE_VISIT, datetime.min.time()) + timedelta(hours=9))
    n = len(starts)
    load(
        services.warehouse,
        "sessions",
        pa.table(
            {
                "workspace_id": [workspace_id] * n,
                "session_id": [f"s{i}" for i in range(n)],
                "visitor_id": [f"v{i}" for i in range(n)],
                "session_number": [1] * n,
                "started_at": starts,
                "channel": ["Organic Social"] * (n - 1) + ["Direct"],
                "entry_path": ["/"] * n,
                "orders": [0] * n,
                "leads": [0] * n,
            }
        ),
    )


def _axis(page: str) -> dict[str, object]:
    figure = json.loads(html.unescape(re.search(r'data-figure="([^"]*)"', page)[1]))  # type: ignore[index]
    return dict(figure["layout"]["xaxis"])


def test_the_overview_defaults_to_the_last_month_with_data(
    services: Services, brand: Brand, live_server: str
) -> None:
    _seed(services, brand.workspace_id)
    with httpx.Client(base_url=live_server, timeout=120) as client:
        login(client, brand.email(), PASSWORD)
        page = client.get("/").text
        one_day = client.get("/", params={"start": str(LIVE_VISIT), "end": str(LIVE_VISIT)}).text
        funnel = client.get("/funnel").text
    assert 'name="start" value="2026-01-17"' in page
    assert 'name="end" value="2026-02-15"' in page
    assert 'name="end" value="2026-02-15"' in funnel  # every page shares the default
    axis = _axis(page)
    assert axis["type"] == "date"
    assert axis["tickformat"] == "%Y-%m-%d"
    assert axis["range"] == ["2026-01-16 12:00:00", "2026-02-15 12:00:00"]
    # A single day: the axis spans that day, ticked per day, never milliseconds around it.
    lone = _axis(one_day)
    assert lone["range"] == ["2026-04-09 12:00:00", "2026-04-10 12:00:00"]
    assert lone["dtick"] == 86_400_000
    assert lone["tickformat"] == "%Y-%m-%d"
