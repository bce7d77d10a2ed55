"""Property: whatever valid tracker traffic arrives, the KPI report equals pandas on the stored
rows, and the stored rows are what was sent.

Hypothesis drives the real path: `POST /api/collect` over loopback (tracker-shaped batches with
sub-millisecond client clocks shifted by whole time zones, purchases with items, revenue in
currencies of 0, 2 and 3 decimals, several visitors), the loader flushed, then
`GET /api/v1/kpis` in the workspace's own time zone. Seeded; `MERCATO_FUZZ_EXAMPLES` raises
the number of traffic mixes.
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mercato.core.money import quantum
from mercato.core.scopes import Scope
from mercato.core.timeutil import utcnow
from tests.collect.conftest import CollectServer
from tests.support.brands import make_brand, make_token

EXAMPLES = int(os.environ.get("MERCATO_FUZZ_EXAMPLES", "8"))
SHOP = "https://acme.example"
ZONES = ["UTC", "Asia/Kathmandu", "America/Los_Angeles", "Pacific/Chatham"]
CURRENCIES = ["USD", "JPY", "KWD", "EUR"]
KPIS = ["sessions", "transactions", "revenue_gross", "conversion_rate"]
CLOCK_SHIFTS_H = [0, 5.75, -8, 13.75]  # a visitor's clock set to another zone's local time
counter = itertools.count()


@dataclass(frozen=True)
class Purchase:
    revenue: Decimal
    items: list[tuple[str, int, Decimal]]  # (sku, quantity, unit price)


VISIT = st.tuples(
    st.integers(1, 4),  # pageviews
    st.lists(st.integers(0, 900_999), min_size=1, max_size=4),  # µs gaps between events
    st.none() | st.builds(
        Purchase,
        st.decimals(min_value=Decimal("0.001"), max_value=Decimal("99999.999"), places=3),
        st.lists(
            st.tuples(
                st.sampled_from(["DR-1", "BT-9", "sku with space", "Ü-1"]),
                st.integers(1, 5),
                st.decimals(min_value=0, max_value=1000, places=2),
            ),
            max_size=3,
        ),
    ),
)  # fmt: skip


def _tracker_events(
    run: int, visitor: int, visit: tuple[int, list[int], Purchase | None], currency: str
) -> list[dict[str, Any]]:
    pageviews, _gaps, purchase = visit
    events: list[dict[str, Any]] = [
        {
            "name": "pageview",
            "url": f"{SHOP}/products/p{page}?utm_source=instagram&utm_medium=social",
            "event_id": f"r{run}-v{visitor}-pv{page}",
            "visitor_id": f"visitor-{run}-{visitor}",
            "consent": True,
        }
        for page in range(pageviews)
    ]
    if purchase is not None:
        events.append(
            {
                "name": "purchase",
                "url": f"{SHOP}/checkout/thanks",
                "event_id": f"r{run}-v{visitor}-buy",
                "visitor_id": f"visitor-{run}-{visitor}",
                "consent": True,
                "order_id": f"o-{run}-{visitor}",
                "revenue": str(purchase.revenue),
                "currency": currency,
                "items": [
                    {"sku": sku, "quantity": quantity, "price": str(price)}
                    for sku, quantity, price in purchase.items
                ],
            }
        )
    return events


def _stamp(events: list[dict[str, Any]], gaps: list[int], shift_h: float) -> list[int]:
    """Client timestamps in ms (the tracker's `Date.now()` carries fractions on some browsers;
    the wire holds whole ms), on a clock `shift_h` hours off, spaced by `gaps` µs."""
    client_now = utcnow() + timedelta(hours=shift_h)
    start = client_now - timedelta(minutes=30)
    offsets = list(itertools.accumulate([0] + [gaps[i % len(gaps)] for i in range(len(events))]))
    stamps = []
    for event, offset in zip(events, offsets, strict=False):
        at = start + timedelta(microseconds=offset)
        event["ts"] = int((at - datetime(1970, 1, 1)).total_seconds() * 1000)
        stamps.append(event["ts"])
    return stamps


def _kpis(server: CollectServer, token: str, zone: str) -> dict[str, str | None]:
    today = datetime.now(ZoneInfo(zone)).date()
    params = {
        "start": (today - timedelta(days=2)).isoformat(),
        "end": (today + timedelta(days=1)).isoformat(),
        "kpi": KPIS,
    }
    with server.client() as client:
        response = client.get(
            "/api/v1/kpis", params=params, headers={"Authorization": f"Bearer {token}"}
        )
    assert response.status_code == 200, response.text
    rows = response.json()["rows"]
    return {row["kpi"]: None if row["value"] is None else str(row["value"]) for row in rows}


def _frame(server: CollectServer, table: str, workspace_id: str) -> pd.DataFrame:
    frame = pd.DataFrame(server.rows(table))
    if frame.empty:
        return frame
    return frame[frame["workspace_id"] == workspace_id]


@pytest.mark.slow
def test_report_equals_pandas_on_what_the_collector_stored(collect_server: CollectServer) -> None:
    services = collect_server.services

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        visits=st.lists(VISIT, min_size=1, max_size=4),
        zone=st.sampled_from(ZONES),
        currency=st.sampled_from(CURRENCIES),
        shift_h=st.sampled_from(CLOCK_SHIFTS_H),
    )
    def check(
        visits: list[tuple[int, list[int], Purchase | None]],
        zone: str,
        currency: str,
        shift_h: float,
    ) -> None:
        run = next(counter)
        brand = make_brand(services, slug=f"prop{run}", time_zone=zone)
        token = make_token(services, brand, [Scope.ANALYTICS_READ])
        sent: list[dict[str, Any]] = []
        with collect_server.client() as client:
            for visitor, visit in enumerate(visits):
                events = _tracker_events(run, visitor, visit, currency)
                stamps = _stamp(events, visit[1], shift_h)
                body = {"key": brand.site_public_key, "sent_at": max(stamps), "events": events}
                answer = client.post("/api/collect", json=body)
                assert answer.status_code == 202, answer.text
                assert answer.json() == {"accepted": len(events), "filtered": 0, "clamped": 0}
                sent += events
        collect_server.flush()
        _check_stored(collect_server, brand.workspace_id, sent, currency)
        _check_report(collect_server, brand.workspace_id, token, zone, currency)

    check()


def _check_stored(
    server: CollectServer, workspace_id: str, sent: list[dict[str, Any]], currency: str
) -> None:
    events = _frame(server, "events", workspace_id).set_index("event_id")
    assert sorted(events.index) == sorted(e["event_id"] for e in sent)
    step = quantum(currency)
    for event in sent:
        stored = events.loc[event["event_id"]]
        assert stored["name"] == event["name"]
        assert stored["visitor_id"] == event["visitor_id"]
        if "revenue" in event:
            expected = Decimal(event["revenue"]).quantize(step, rounding=ROUND_HALF_EVEN)
            assert Decimal(str(stored["revenue"])) == expected
            assert stored["currency"] == currency
            assert stored["order_id"] == event["order_id"]
    # Client clocks are moved onto the server's by each batch's own send time: the gaps the
    # visitor's clock measured survive exactly (to the ms the wire carries), whatever its zone.
    for visitor, group in pd.DataFrame(sent).groupby("visitor_id"):
        stored_ts = events.loc[group["event_id"], "ts"]
        stored_gaps = (stored_ts - stored_ts.iloc[0]).dt.total_seconds().mul(1000).round()
        sent_gaps = group["ts"] - group["ts"].iloc[0]
        assert list(stored_gaps.astype(int)) == list(sent_gaps), visitor
    orders = _frame(server, "orders", workspace_id)
    purchases = [e for e in sent if e["name"] == "purchase"]
    assert len(orders) == len(purchases)
    if purchases:
        by_id = orders.set_index("order_id")
        for event in purchases:
            expected = Decimal(event["revenue"]).quantize(step, rounding=ROUND_HALF_EVEN)
            assert Decimal(str(by_id.loc[event["order_id"], "gross"])) == expected


def _check_report(
    server: CollectServer, workspace_id: str, token: str, zone: str, currency: str
) -> None:
    report = _kpis(server, token, zone)
    sessions = _frame(server, "sessions", workspace_id)
    orders = _frame(server, "orders", workspace_id)
    session_count = len(sessions)
    order_count = len(orders)
    gross = sum((Decimal(str(g)) for g in orders["gross"]), Decimal(0)) if order_count else None
    assert report["sessions"] == str(session_count)
    assert report["transactions"] == str(order_count)
    if gross is None:
        assert report["revenue_gross"] in (None, "0", "0.00"), report
    else:
        assert Decimal(report["revenue_gross"] or "nan") == gross.quantize(quantum(currency))
    expected_rate = Decimal(order_count) / Decimal(session_count)
    assert report["conversion_rate"] is not None
    assert abs(Decimal(report["conversion_rate"]) - expected_rate) < Decimal("1e-9"), report
