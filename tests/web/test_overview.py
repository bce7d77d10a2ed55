"""The overview page shows the registry's KPIs for the range, checked against pandas.

The reference below re-derives the registry's definitions by hand: sessions by local start day,
transactions and gross revenue from the orders table by local `placed_at` day, an order's channel
being its session's (orders without a known session and sessions without a channel: "(none)"),
conversion rate = transactions ÷ sessions ("n/a" without sessions).
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import httpx
import pandas as pd
import pyarrow as pa
import pytest

from mercato.catalog import workspaces
from mercato.runtime import Services
from mercato.warehouse.loader import load
from tests.support.brands import PASSWORD, Brand
from tests.support.server import login

NONE = "(none)"
SHOWN_NONE = "Direct / none"  # how pages name the missing channel
TIMEOUT = 120  # the funnel page runs every KPI; this machine is shared
SESSIONS = [
    # session id, started (naive UTC), channel
    ("s1", datetime(2026, 3, 1, 4, 59), "Organic Social"),  # Feb 28, 23:59 in New York
    ("s2", datetime(2026, 3, 1, 5, 0), "Organic Social"),  # Mar 1, 00:00 in New York
    ("s3", datetime(2026, 3, 1, 13, 0), "Paid Social"),
    ("s4", datetime(2026, 3, 2, 13, 0), None),
    ("s5", datetime(2026, 3, 2, 18, 0), "Email"),
    ("s6", datetime(2026, 3, 3, 5, 30), "Email"),  # Mar 3 in New York
    ("s7", datetime(2026, 2, 27, 12, 0), "Referral"),  # long before; an order on Mar 1
    ("s8", datetime(2026, 3, 1, 20, 0), "Direct"),  # Mar 1 in UTC and New York, Mar 2 in Tokyo
    ("s9", datetime(2026, 3, 2, 2, 0), "Direct"),  # Mar 2 in UTC, Mar 1, 21:00 in New York
]
ORDERS = [
    # order id, session id, placed (naive UTC), gross
    ("o1", "s2", datetime(2026, 3, 1, 5, 10), "40.00"),
    ("o2", "s3", datetime(2026, 3, 1, 13, 30), "19.99"),
    ("o3", "s5", datetime(2026, 3, 2, 18, 20), "60.00"),
    ("o4", "s5", datetime(2026, 3, 2, 18, 40), "40.01"),
    ("o5", "s1", datetime(2026, 3, 1, 5, 2), "12.50"),  # session on Feb 28, order on Mar 1 (NY)
    ("o6", "s6", datetime(2026, 3, 3, 4, 59), "7.00"),  # Mar 2, 23:59 in New York
    ("o7", "gone", datetime(2026, 3, 2, 12, 0), "30.00"),  # its session was never tracked
    ("o8", "s7", datetime(2026, 3, 1, 12, 0), "1234.56"),  # a channel without sessions: n/a
    ("o9", "s5", datetime(2026, 3, 3, 5, 0), "99.00"),  # Mar 3 in New York
]


def _seed(services: Services, brand: Brand, time_zone: str) -> None:
    with services.catalog.session() as session:
        workspaces.get_workspace(session, brand.slug).time_zone = time_zone
    ours = [brand.workspace_id] * len(SESSIONS)
    sessions = pa.table(
        {
            "workspace_id": [*ours, "other"],
            "session_id": [row[0] for row in SESSIONS] + ["s2"],
            "started_at": [row[1] for row in SESSIONS] + [datetime(2026, 3, 1, 12)],
            "channel": [row[2] for row in SESSIONS] + ["Organic Social"],
        }
    )
    load(services.warehouse, "sessions", sessions)
    orders = pa.table(
        {
            "workspace_id": [brand.workspace_id] * len(ORDERS) + ["other"],
            "order_id": [row[0] for row in ORDERS] + ["o1"],
            "session_id": [row[1] for row in ORDERS] + ["s2"],
            "placed_at": [row[2] for row in ORDERS] + [datetime(2026, 3, 1, 12)],
            "gross": pa.array(
                [Decimal(row[3]) for row in ORDERS] + [Decimal("999.00")], pa.decimal128(18, 2)
            ),
            "net": pa.array(
                [Decimal(row[3]) for row in ORDERS] + [Decimal("999.00")], pa.decimal128(18, 2)
            ),
            "currency": ["USD"] * (len(ORDERS) + 1),
        }
    )
    load(services.warehouse, "orders", orders)


def _local_day(utc: pd.Series, time_zone: str) -> pd.Series:
    return utc.dt.tz_localize("UTC").dt.tz_convert(time_zone).dt.date


@dataclass(frozen=True)
class Expected:
    tiles: dict[str, str]
    channels: dict[str, list[str]]
    daily: dict[tuple[str, str], int]


def _count(value: int) -> str:
    return f"{value:,}"


def _rate(transactions: int, sessions: int) -> str:
    return "n/a" if sessions == 0 else f"{transactions / sessions * 100:.2f}%"


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def _reference(first: date, last: date, time_zone: str) -> Expected:
    sessions = pd.DataFrame(SESSIONS, columns=["session_id", "started", "channel"])
    sessions["channel"] = sessions.channel.fillna(NONE)
    orders = pd.DataFrame(ORDERS, columns=["order_id", "session_id", "placed", "gross"])
    orders = orders.merge(sessions[["session_id", "channel"]], on="session_id", how="left")
    orders["channel"] = orders.channel.fillna(NONE)
    orders["gross"] = orders.gross.map(Decimal)
    sessions["day"] = _local_day(sessions.started, time_zone)
    orders["day"] = _local_day(orders.placed, time_zone)
    sessions = sessions[(sessions.day >= first) & (sessions.day <= last)]
    orders = orders[(orders.day >= first) & (orders.day <= last)]

    def cells(s: pd.DataFrame, o: pd.DataFrame) -> list[str]:
        revenue = sum(o.gross, Decimal("0"))
        return [_count(len(s)), _count(len(o)), _rate(len(o), len(s)), _money(revenue)]

    channels = sorted(set(sessions.channel) | set(orders.channel))
    rows = {
        c: cells(sessions[sessions.channel == c], orders[orders.channel == c]) for c in channels
    }
    total = cells(sessions, orders)
    daily = sessions.groupby(["day", "channel"]).size()
    return Expected(
        tiles=dict(
            zip(
                ["sessions", "transactions", "conversion_rate", "revenue_gross"], total, strict=True
            )
        ),
        channels=rows,
        daily={(day.isoformat(), channel): int(n) for (day, channel), n in daily.items()},
    )


def _page(page: str) -> Expected:
    tiles = dict(re.findall(r'<span class="value" id="kpi-(\w+)">([^<]*)</span>', page))
    table = page[page.index('id="channels"') :]
    rows = re.findall(r"<tr><td>([^<]*)</td>((?:<td class=\"num\">[^<]*</td>)+)</tr>", table)
    channels = {
        html.unescape(name): re.findall(r'<td class="num">([^<]*)</td>', cells)
        for name, cells in rows
    }
    figure = json.loads(html.unescape(re.search(r'data-figure="([^"]*)"', page)[1]))  # type: ignore[index]
    daily = {
        (day, trace["name"]): count
        for trace in figure["data"]
        for day, count in zip(trace["x"], trace["y"], strict=True)
        if count
    }
    return Expected(tiles, channels, daily)


def _shown(channel: str) -> str:
    return SHOWN_NONE if channel == NONE else channel


def _get(client: httpx.Client, path: str, **params: Any) -> httpx.Response:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response


@pytest.mark.parametrize("time_zone", ["America/New_York", "UTC", "Asia/Tokyo"])
def test_overview_shows_the_registry_numbers(
    services: Services, brand: Brand, live_server: str, time_zone: str
) -> None:
    _seed(services, brand, time_zone)
    first, last = date(2026, 3, 1), date(2026, 3, 2)
    with httpx.Client(base_url=live_server, timeout=TIMEOUT) as client:
        login(client, brand.email(), PASSWORD)
        page = _get(client, "/", start=first.isoformat(), end=last.isoformat()).text
    expected = _reference(first, last, time_zone)
    got = _page(page)
    assert got.tiles == expected.tiles
    # The page names the missing channel in words, not as the stored "(none)".
    assert got.channels == {_shown(name): cells for name, cells in expected.channels.items()}
    assert got.daily == {(day, _shown(name)): n for (day, name), n in expected.daily.items()}
    assert next(iter(got.channels)) == "Referral"  # by gross revenue, highest first


def test_the_time_zone_boundary_moves_sessions_and_orders(
    services: Services, brand: Brand, live_server: str
) -> None:
    """In New York, 04:59 UTC on Mar 1 is Feb 28: s1 is out, o5 (05:02) and o6 are in; s9
    (02:00 UTC on Mar 2) counts on Mar 1."""
    _seed(services, brand, "America/New_York")
    with httpx.Client(base_url=live_server, timeout=TIMEOUT) as client:
        login(client, brand.email(), PASSWORD)
        got = _page(_get(client, "/", start="2026-03-01", end="2026-03-02").text)
    assert got.tiles == {
        "sessions": "6",
        "transactions": "8",
        "conversion_rate": "133.33%",
        "revenue_gross": "1,444.06",
    }
    assert got.channels["Organic Social"] == ["1", "2", "200.00%", "52.50"]
    assert got.channels["Referral"] == ["0", "1", "n/a", "1,234.56"]
    assert got.channels[SHOWN_NONE] == ["1", "1", "100.00%", "30.00"]
    assert got.channels["Direct"] == ["2", "0", "0.00%", "0.00"]
    assert got.daily == {
        ("2026-03-01", "Direct"): 2,
        ("2026-03-01", "Organic Social"): 1,
        ("2026-03-01", "Paid Social"): 1,
        ("2026-03-02", SHOWN_NONE): 1,
        ("2026-03-02", "Email"): 1,
    }


def test_a_range_without_data_shows_zeros_and_not_applicable(
    services: Services, brand: Brand, live_server: str
) -> None:
    _seed(services, brand, "America/New_York")
    with httpx.Client(base_url=live_server, timeout=TIMEOUT) as client:
        login(client, brand.email(), PASSWORD)
        page = _get(client, "/", start="2025-01-01", end="2025-01-07").text
    got = _page(page)
    assert got.tiles == {
        "sessions": "0",
        "transactions": "0",
        "conversion_rate": "n/a",
        "revenue_gross": "0.00",
    }
    assert got.channels == {}
    assert got.daily == {}
    assert "No sessions or orders in this range" in page
    assert 'value="2025-01-01"' in page
    assert 'value="2025-01-07"' in page


def test_the_api_and_the_funnel_page_agree_with_the_overview(
    services: Services, brand: Brand, live_server: str
) -> None:
    _seed(services, brand, "America/New_York")
    kpis = ["sessions", "transactions", "conversion_rate", "revenue_gross"]
    span = {"start": "2026-03-01", "end": "2026-03-02"}
    with httpx.Client(base_url=live_server, timeout=TIMEOUT) as client:
        login(client, brand.email(), PASSWORD)
        page = _get(client, "/", **span).text
        total = _get(client, "/api/v1/kpis", kpi=kpis, **span).json()["rows"]
        by_channel = _get(client, "/api/v1/kpis", kpi=kpis, by="channel", **span).json()["rows"]
        funnel = _get(client, "/funnel", **span).text
    got = _page(page)
    assert {row["kpi"]: row["display"] for row in total} == {k: got.tiles[k] for k in kpis}
    columns = {kpi: i for i, kpi in enumerate(kpis)}
    shown = {
        (channel, kpi): cells[columns[kpi]]
        for channel, cells in got.channels.items()
        for kpi in kpis
    }
    api = {(_shown(row["channel"]), row["kpi"]): row["display"] for row in by_channel}
    assert api == {key: shown[key] for key in api}
    # The API lists a KPI only for channels its own sources have; no orders there reads as zero.
    assert {shown[key] for key in set(shown) - set(api)} == {"0", "0.00"}
    for kpi in kpis:
        tile = re.search(
            rf'id="kpi-{kpi}"[^>]*>\s*<span class="label">[^<]*</span>\s*'
            r'<span class="value">([^<]*)</span>',
            funnel,
        )
        assert tile is not None
        assert tile[1] == got.tiles[kpi]
    for kpi in kpis:  # each headline number links to its KPI on the funnel
        link = f'href="/funnel?start=2026-03-01&amp;end=2026-03-02#kpi-{kpi}"'
        assert re.search(
            rf'{re.escape(link)}[^>]*><span class="label">[^<]*</span>'
            rf'<span class="value" id="kpi-{kpi}">',
            page,
        )


def test_the_default_range_ends_on_the_last_day_with_sessions(
    services: Services, brand: Brand, live_server: str
) -> None:
    _seed(services, brand, "America/New_York")
    with httpx.Client(base_url=live_server, timeout=TIMEOUT) as client:
        login(client, brand.email(), PASSWORD)
        page = _get(client, "/").text
    assert 'name="start" value="2026-02-02"' in page
    assert 'name="end" value="2026-03-03"' in page
