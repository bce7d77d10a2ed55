"""Sessionization and session rows, checked against a pandas reference computed another way."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pandas as pd
import pytest

from mercato.collect.enrich import Hit, SiteConfig, event_row
from mercato.collect.identity import SaltStore
from mercato.collect.payload import TrackerEvent
from mercato.collect.store import EventStore
from mercato.warehouse.connection import Warehouse
from mercato.warehouse.rows import EventRecord

SITE = SiteConfig("site_1", "ws_1", "shop.example", identity_mode="first_party_id")
CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"
T0 = datetime(2024, 11, 22, 9, 0, 0)


@pytest.fixture
def warehouse() -> Warehouse:
    return Warehouse.open_duckdb(":memory:")


def row(at: datetime, visitor: str, name: str = "pageview", **fields: Any) -> EventRecord:
    fields.setdefault("url", "https://shop.example/")
    event = TrackerEvent(
        name=name, visitor_id=visitor, event_id=f"e{random.getrandbits(64):x}", **fields
    )
    return event_row(event, SITE, Hit("10.0.0.1", CHROME, at), SaltStore(None))


def stored(warehouse: Warehouse, table: str) -> pd.DataFrame:
    return warehouse.backend.to_pyarrow(warehouse.raw_table(table)).to_pandas()


def reference_sessions(events: pd.DataFrame) -> pd.DataFrame:
    """Brute force: sort each visitor's events, cut where the gap exceeds 30 minutes."""
    out = []
    for visitor, group in events.sort_values(["ts", "event_id"]).groupby("visitor_id"):
        number, last = 0, None
        bucket: list[dict[str, Any]] = []
        for record in group.to_dict("records"):
            if last is None or record["ts"] - last > timedelta(minutes=30):
                if bucket:
                    out.append(summarise(visitor, number, bucket))
                number, bucket = number + 1, []
            bucket.append(record)
            last = record["ts"]
        out.append(summarise(visitor, number, bucket))
    return pd.DataFrame(out).sort_values(["visitor_id", "session_number"]).reset_index(drop=True)


def summarise(visitor: str, number: int, bucket: list[dict[str, Any]]) -> dict[str, Any]:
    names = [r["name"] for r in bucket]
    measured = [
        int(r["engaged_ms"])
        for r in bucket
        if r["engaged_ms"] == r["engaged_ms"] and r["engaged_ms"] is not None
    ]
    engaged = sum(measured) if measured else None  # no engagement data: missing, not 0 ms
    orders: dict[str, Decimal] = {}
    for r in bucket:
        if r["name"] == "purchase":  # one order counts once, at its largest reported amount
            orders[r["order_id"]] = max(
                orders.get(r["order_id"], Decimal(0)), Decimal(r["revenue"])
            )
    pageviews = names.count("pageview")
    return {
        "visitor_id": visitor,
        "session_number": number,
        "events": len(bucket),
        "pageviews": pageviews,
        "engaged_ms": engaged,
        "leads": names.count("generate_lead"),
        "add_to_carts": names.count("add_to_cart"),
        "orders": len(orders),
        "revenue": sum(orders.values()) if orders else None,
        "entry_path": bucket[0]["path"],
        "channel": bucket[0]["channel"],
        "is_engaged": (engaged or 0) > 10_000
        or pageviews >= 2
        or "generate_lead" in names
        or bool(orders),
    }


def random_events(seed: int, visitors: int = 12, count: int = 300) -> list[EventRecord]:
    rng = random.Random(seed)
    random.seed(seed)
    rows = []
    for _ in range(count):
        at = T0 + timedelta(minutes=rng.randint(0, 60 * 8), seconds=rng.randint(0, 59))
        visitor = f"v{rng.randint(1, visitors)}"
        name = rng.choice(["pageview", "pageview", "engagement", "add_to_cart", "lead", "purchase"])
        fields: dict[str, Any] = {
            "url": rng.choice(
                [
                    "https://shop.example/?utm_source=instagram&utm_medium=paid_social",
                    "https://shop.example/products/mug",
                    "https://shop.example/cart",
                ]
            )
        }
        if name == "engagement":
            fields["engaged_ms"] = rng.randint(0, 20_000)
        if name == "purchase":
            fields.update(
                order_id=f"o{rng.randint(1, 40)}",
                revenue=Decimal(rng.randint(100, 9999)) / 100,
                currency="EUR",
            )
        rows.append(row(at, visitor, name, **fields))
    return rows


@pytest.mark.parametrize("seed", [1, 2, 7])
def test_sessions_match_a_brute_force_reference(warehouse: Warehouse, seed: int) -> None:
    rows = sorted(random_events(seed), key=lambda r: r["ts"])
    frame = pd.DataFrame([dict(r) for r in rows]).assign(ts=lambda f: pd.to_datetime(f.ts))
    reference = reference_sessions(frame)
    store = EventStore(warehouse)
    for start in range(0, len(rows), 40):  # the loader's batches, in arrival order
        store.store([dict(r) for r in rows[start : start + 40]])
    store.store([dict(r) for r in rows[:50]])  # a replayed WAL segment changes nothing
    assert len(stored(warehouse, "events")) == len(rows)
    got = stored(warehouse, "sessions").sort_values(["visitor_id", "session_number"])
    got = got.reset_index(drop=True)
    reference["engaged_ms"] = reference.engaged_ms.astype("Int64")
    got["engaged_ms"] = got.engaged_ms.astype("Int64")
    columns = [
        "visitor_id",
        "session_number",
        "events",
        "pageviews",
        "engaged_ms",
        "leads",
        "add_to_carts",
        "orders",
        "entry_path",
        "channel",
        "is_engaged",
    ]
    assert got[columns].astype(str).to_dict("records") == reference[columns].astype(str).to_dict(
        "records"
    )
    got_revenue = [None if pd.isna(v) else Decimal(str(v)) for v in got["revenue"]]
    assert got_revenue == [None if pd.isna(v) else v for v in reference["revenue"]]


def test_thirty_minutes_of_inactivity_and_session_numbers(warehouse: Warehouse) -> None:
    store = EventStore(warehouse)
    store.store([row(T0, "v1"), row(T0 + timedelta(minutes=29), "v1")])
    store.store([row(T0 + timedelta(minutes=60), "v1")])  # 31 min after the last hit
    fresh = EventStore(warehouse)  # a restarted loader reads the last session back
    fresh.store([row(T0 + timedelta(minutes=65), "v1"), row(T0 + timedelta(hours=3), "v1")])
    sessions = stored(warehouse, "sessions").sort_values("session_number")
    assert sessions["session_number"].tolist() == [1, 2, 3]
    assert sessions["events"].tolist() == [2, 2, 1]


def test_source_is_fixed_at_session_start(warehouse: Warehouse) -> None:
    store = EventStore(warehouse)
    store.store(
        [
            row(T0, "v1", url="https://shop.example/?utm_source=tiktok&utm_medium=paid_social"),
            row(
                T0 + timedelta(minutes=5),
                "v1",
                url="https://shop.example/checkout/thanks",
                referrer="https://checkout.stripe.com/pay",
                name="purchase",
                order_id="o-1",
                revenue=Decimal("40.00"),
                currency="USD",
            ),
            row(
                T0 + timedelta(minutes=6),
                "v1",
                url="https://shop.example/",
                referrer="https://www.google.com/",
            ),
        ]
    )
    session = stored(warehouse, "sessions").iloc[0]
    assert (session["channel"], session["source"], session["channel_signal"]) == (
        "Paid Social",
        "tiktok",
        "utm",
    )
    assert session["orders"] == 1
    assert Decimal(str(session["revenue"])) == Decimal("40.00")
    order = stored(warehouse, "orders").iloc[0]
    assert (order["order_id"], order["session_id"]) == ("o-1", session["session_id"])


@pytest.mark.parametrize(
    ("events", "engaged"),
    [
        ([("pageview", {}), ("engagement", {"engaged_ms": 10_000})], False),  # exactly 10 s: no
        ([("pageview", {}), ("engagement", {"engaged_ms": 10_001})], True),
        ([("pageview", {}), ("pageview", {"url": "https://shop.example/p/2"})], True),
        ([("pageview", {}), ("lead", {"form": "newsletter"})], True),
        ([("pageview", {}), ("add_to_cart", {})], False),
    ],
)
def test_ga4_engaged_session(
    warehouse: Warehouse, events: list[tuple[str, dict[str, Any]]], engaged: bool
) -> None:
    EventStore(warehouse).store(
        [row(T0 + timedelta(seconds=i), "v1", name, **f) for i, (name, f) in enumerate(events)]
    )
    assert bool(stored(warehouse, "sessions").iloc[0]["is_engaged"]) is engaged
