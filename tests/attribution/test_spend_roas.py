"""Spend and ROAS per channel, platform and campaign from the ad-spend table, checked against
a computation written out here from the fixture, over the real server from an empty data dir.

Last touch credits each conversion to the session it happened in, so the attributed revenue
per label is the revenue of the converting sessions with that label; spend is the fixture's
rows in the range, grouped as the ad platforms' clicks arrive (social platforms in Paid
Social, Google in Paid Search)."""

from __future__ import annotations

import html
import re
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal

import httpx
import pyarrow as pa
import pytest

from mercato.core.scopes import Scope
from mercato.runtime import Services
from mercato.warehouse.loader import load
from tests.support.brands import PASSWORD, Brand, make_token
from tests.support.server import login

T0 = datetime(2026, 3, 2, 10, 0)
FIRST, LAST = date(2026, 3, 1), date(2026, 3, 31)
# session, visitor, hours after T0, channel, social platform, campaign, revenue (None: no order)
SESSIONS = [
    ("s1", "v1", 0, "Paid Social", "instagram", "spring", None),
    ("s2", "v1", 5, "Paid Social", "instagram", "spring", "120.00"),
    ("s3", "v2", 1, "Paid Social", "tiktok", "launch", "45.50"),
    ("s4", "v3", 2, "Paid Search", None, "brand-search", "300.00"),
    ("s5", "v4", 3, "Email", None, "newsletter", "80.00"),
    ("s6", "v5", 4, "Organic Search", None, None, "60.00"),
    ("s7", "v6", 6, "Paid Social", "pinterest", "spring", None),  # spend, no conversion
]
# day, platform (as the ad tools write it), campaign, spend
SPEND = [
    (date(2026, 3, 2), "instagram", "spring", "40.00"),
    (date(2026, 3, 3), "Instagram", "spring", "20.00"),
    (date(2026, 3, 2), "TikTok", "launch", "15.00"),
    (date(2026, 3, 2), "google", "brand-search", "100.00"),
    (date(2026, 3, 4), "pinterest", "spring", "12.00"),
    (date(2026, 2, 20), "google", "brand-search", "999.00"),  # before the range
]
SEARCH_PLATFORMS = {"google"}
TIMES = "\N{MULTIPLICATION SIGN}"  # ROAS reads "1.90" and the sign


def _seed(services: Services, workspace_id: str) -> None:
    rows = SESSIONS
    load(
        services.warehouse,
        "sessions",
        pa.table(
            {
                "workspace_id": [workspace_id] * len(rows),
                "session_id": [r[0] for r in rows],
                "visitor_id": [r[1] for r in rows],
                "customer_id": [None] * len(rows),
                "started_at": [T0 + timedelta(hours=r[2]) for r in rows],
                "channel": [r[3] for r in rows],
                "social_platform": [r[4] for r in rows],
                "campaign": [r[5] for r in rows],
                "orders": [0 if r[6] is None else 1 for r in rows],
                "leads": [0] * len(rows),
                "revenue": [Decimal(r[6] or "0") for r in rows],
                "currency": ["USD"] * len(rows),
            }
        ),
    )
    load(
        services.warehouse,
        "ad_spend",
        pa.table(
            {
                "workspace_id": [workspace_id] * len(SPEND),
                "day": [r[0] for r in SPEND],
                "platform": [r[1] for r in SPEND],
                "campaign": [r[2] for r in SPEND],
                "ad_set": [f"set-{i}" for i in range(len(SPEND))],
                "ad": [f"ad-{i}" for i in range(len(SPEND))],
                "currency": ["USD"] * len(SPEND),
                "spend": [Decimal(r[3]) for r in SPEND],
            }
        ),
    )


def _expected(by: str) -> dict[str, tuple[Decimal, Decimal | None, float | None]]:
    """label → (attributed revenue, spend, ROAS), by hand from the fixture."""
    column = {"channel": 3, "platform": 4, "campaign": 5}[by]
    revenue: dict[str, Decimal] = defaultdict(Decimal)
    for row in SESSIONS:
        if row[6] is not None:
            label = row[column] if row[column] is not None else row[3]
            if by == "campaign" and row[column] is None:
                label = f"({row[3]})"
            revenue[label] += Decimal(row[6])
    spend: dict[str, Decimal] = defaultdict(Decimal)
    for day, platform, campaign, amount in SPEND:
        if not FIRST <= day <= LAST:
            continue
        search = platform.lower() in SEARCH_PLATFORMS
        key = {
            "channel": "paid search" if search else "paid social",
            "platform": "paid search" if search else platform.lower(),
            "campaign": campaign.lower(),
        }[by]
        spend[key] += Decimal(amount)
    result = {}
    for label, value in revenue.items():
        spent = spend.get(label.lower())
        result[label] = (value, spent, float(value / spent) if spent else None)
    return result


@pytest.mark.parametrize("by", ["channel", "platform", "campaign"])
def test_the_api_reports_spend_and_roas_per_level(
    live_server: str, services: Services, brand: Brand, by: str
) -> None:
    _seed(services, brand.workspace_id)
    token = make_token(services, brand, [Scope.ANALYTICS_READ])
    params = {"model": "last_touch", "by": by, "from": str(FIRST), "to": str(LAST)}
    with httpx.Client(base_url=live_server, headers={"Authorization": f"Bearer {token}"}) as client:
        response = client.get("/api/v1/attribution", params=params)
    assert response.status_code == 200, response.text
    got = {
        row["label"]: (
            Decimal(row["revenue"]),
            None if row["spend"] is None else Decimal(row["spend"]),
            row["roas"],
        )
        for row in response.json()["rows"]
        if row["conversions"] > 0
    }
    expected = _expected(by)
    assert set(got) == set(expected)
    for label, (revenue, spend, roas) in expected.items():
        assert got[label][:2] == (revenue, spend), label
        assert got[label][2] == (None if roas is None else pytest.approx(roas)), label
    assert any(spend is not None for _, spend, _ in expected.values())
    assert any(spend is None for _, spend, _ in expected.values())


def _credit_rows(page: str) -> dict[str, list[str]]:
    table = page[page.index('id="credits"') :]
    table = table[: table.index("</table>")]
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", table, re.DOTALL):
        cells = [
            html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
            for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.DOTALL)
        ]
        if len(cells) == 5:
            rows[cells[0]] = cells
    return rows


def test_the_page_shows_spend_roas_and_n_a_without_spend(
    live_server: str, services: Services, brand: Brand
) -> None:
    _seed(services, brand.workspace_id)
    with httpx.Client(base_url=live_server, timeout=120) as client:
        login(client, brand.email(), PASSWORD)
        page = client.get(
            "/attribution",
            params={"model": "last_touch", "by": "channel", "start": str(FIRST), "end": str(LAST)},
        ).text
    rows = _credit_rows(page)
    expected = _expected("channel")
    paid_social = expected["Paid Social"]
    assert rows["Paid Social"][3] == f"{paid_social[1]:,.2f}"
    assert rows["Paid Social"][4] == f"{paid_social[2]:.2f}{TIMES}"
    assert rows["Paid Search"][3] == f"{expected['Paid Search'][1]:,.2f}"
    assert rows["Paid Search"][4] == f"{expected['Paid Search'][2]:.2f}{TIMES}"
    for channel in ("Email", "Organic Search"):
        assert rows[channel][3:] == ["n/a", "n/a"], channel
    assert f"0.00{TIMES}" not in page
