"""The overview page shows the warehouse's numbers for the chosen range and time zone."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import httpx
import pandas as pd
import pyarrow as pa

from mercato.catalog import workspaces
from mercato.core.timeutil import local_day_bounds_utc, zone
from mercato.metrics.overview import overview
from mercato.warehouse.loader import load
from mercato.web.services import Services
from tests.support.brands import PASSWORD, Brand
from tests.support.server import login

SESSIONS = [
    # session id, started (naive UTC), channel, orders, revenue
    ("s1", datetime(2026, 3, 1, 4, 59), "Organic Social", 0, "0"),  # Feb 28 in New York
    ("s2", datetime(2026, 3, 1, 5, 0), "Organic Social", 1, "40.00"),
    ("s3", datetime(2026, 3, 1, 13, 0), "Paid Social", 1, "19.99"),
    ("s4", datetime(2026, 3, 2, 13, 0), None, 0, "0"),
    ("s5", datetime(2026, 3, 2, 18, 0), "Email", 2, "100.01"),
    ("s6", datetime(2026, 3, 3, 5, 30), "Email", 0, "0"),  # Mar 3 in New York: outside
]


def _seed(services: Services, brand: Brand) -> None:
    with services.catalog.session() as session:
        workspaces.get_workspace(session, brand.slug).time_zone = "America/New_York"
    frame = pa.table(
        {
            "workspace_id": [brand.workspace_id] * len(SESSIONS) + ["other"],
            "session_id": [row[0] for row in SESSIONS] + ["s2"],
            "started_at": [row[1] for row in SESSIONS] + [datetime(2026, 3, 1, 12)],
            "channel": [row[2] for row in SESSIONS] + ["Organic Social"],
            "orders": [row[3] for row in SESSIONS] + [9],
            "revenue": [Decimal(row[4]) for row in SESSIONS] + [Decimal("999.00")],
            "currency": ["USD"] * (len(SESSIONS) + 1),
        }
    )
    load(services.warehouse, "sessions", frame)


def _reference(start: datetime, end: datetime) -> pd.DataFrame:
    frame = pd.DataFrame(SESSIONS, columns=["id", "started", "channel", "orders", "revenue"])
    frame = frame[(frame.started >= start) & (frame.started < end)].fillna("Unassigned")
    frame["revenue"] = frame.revenue.map(Decimal)
    return frame.groupby("channel").agg(
        sessions=("id", "count"), orders=("orders", "sum"), revenue=("revenue", "sum")
    )


def test_overview_matches_pandas_in_the_workspace_time_zone(
    services: Services, brand: Brand
) -> None:
    _seed(services, brand)
    start, end = local_day_bounds_utc(date(2026, 3, 1), date(2026, 3, 2), zone("America/New_York"))
    report = overview(services.warehouse.for_workspace(brand.workspace_id), start, end)
    expected = _reference(start, end)
    got = {row.channel: (row.sessions, row.orders, row.revenue) for row in report.by_channel}
    assert got == {
        channel: (int(row.sessions), int(row.orders), row.revenue)
        for channel, row in expected.iterrows()
    }
    assert report.sessions == 4
    assert report.orders == 4
    assert report.revenue == Decimal("160.00")
    assert report.conversion_rate == 1.0


def test_no_sessions_shows_not_applicable(services: Services, brand: Brand) -> None:
    report = overview(
        services.warehouse.for_workspace(brand.workspace_id),
        datetime(2026, 1, 1),
        datetime(2026, 1, 2),
    )
    assert report.sessions == 0
    assert report.conversion_rate is None


def test_overview_page(services: Services, brand: Brand, live_server: str) -> None:
    _seed(services, brand)
    with httpx.Client(base_url=live_server) as client:
        login(client, brand.email(), PASSWORD)
        page = client.get("/", params={"start": "2026-03-01", "end": "2026-03-02"})
    assert page.status_code == 200
    assert 'id="kpi-sessions">4<' in page.text
    assert 'id="kpi-revenue">160.00<' in page.text
    assert 'id="kpi-conversion">100.00%<' in page.text
    assert "Unassigned" in page.text


def test_daily_series_uses_local_days(services: Services, brand: Brand) -> None:
    _seed(services, brand)
    tz = zone("America/New_York")
    start, end = local_day_bounds_utc(date(2026, 2, 28), date(2026, 3, 2), tz)
    report = overview(services.warehouse.for_workspace(brand.workspace_id), start, end, tz)
    daily = {(row.day, row.channel): row.sessions for row in report.daily}
    assert daily == {
        (date(2026, 2, 28), "Organic Social"): 1,  # 04:59 UTC is 23:59 the day before
        (date(2026, 3, 1), "Organic Social"): 1,
        (date(2026, 3, 1), "Paid Social"): 1,
        (date(2026, 3, 2), "Unassigned"): 1,
        (date(2026, 3, 2), "Email"): 1,
    }
