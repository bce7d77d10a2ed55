"""A person logs in with real Chromium and sees the overview chart."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from mercato.runtime import Services
from mercato.warehouse.loader import load
from tests.support.brands import PASSWORD, Brand

pytestmark = pytest.mark.browser


def _sessions(services: Services, brand: Brand) -> None:
    start = datetime(2026, 5, 1, 12)
    channels = ["Organic Social", "Paid Social", "Email", "Direct"]
    rows = 40
    load(
        services.warehouse,
        "sessions",
        pa.table(
            {
                "workspace_id": [brand.workspace_id] * rows,
                "session_id": [f"s{i}" for i in range(rows)],
                "started_at": [start + timedelta(hours=7 * i) for i in range(rows)],
                "channel": [channels[i % 4] for i in range(rows)],
            }
        ),
    )
    buyers = range(0, rows, 5)  # every fifth session places an order 10 minutes in
    money = pa.array([Decimal("25.00")] * len(buyers), pa.decimal128(18, 2))
    load(
        services.warehouse,
        "orders",
        pa.table(
            {
                "workspace_id": [brand.workspace_id] * len(buyers),
                "order_id": [f"o{i}" for i in buyers],
                "session_id": [f"s{i}" for i in buyers],
                "placed_at": [start + timedelta(hours=7 * i, minutes=10) for i in buyers],
                "gross": money,
                "net": money,
                "currency": ["USD"] * len(buyers),
            }
        ),
    )


def test_login_and_see_the_chart(
    services: Services, brand: Brand, live_server: str, browser: Any, artifacts_dir: Path
) -> None:
    _sessions(services, brand)
    page = browser.new_page()
    try:
        page.goto(f"{live_server}/")
        assert page.url.startswith(f"{live_server}/login")
        page.fill("input[name=email]", brand.email())
        page.fill("input[name=password]", "wrong password")
        page.click("button[type=submit]")
        assert page.locator("[role=alert]").inner_text() == "Wrong email or password."
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server}/")
        page.goto(f"{live_server}/?start=2026-05-01&end=2026-05-31")
        page.wait_for_selector("#sessions-chart .main-svg", timeout=15_000)
        assert page.locator("#kpi-sessions").inner_text() == "40"
        assert page.locator("#kpi-transactions").inner_text() == "8"
        assert page.locator("#kpi-conversion_rate").inner_text() == "20.00%"
        assert page.locator("#kpi-revenue_gross").inner_text() == "200.00"
        legend = page.locator("#sessions-chart .legendtext").all_text_contents()
        assert sorted(legend) == ["Direct", "Email", "Organic Social", "Paid Social"]
        page.screenshot(path=str(artifacts_dir / "overview.png"), full_page=True)
        page.click("text=Log out")
        page.wait_for_url(f"{live_server}/login")
    finally:
        page.close()
