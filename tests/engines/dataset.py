"""One small, real-world-shaped dataset for the analyses run on every engine.

Visitors with several sessions over days (some around midnight UTC, microsecond times), a
customer seen on two devices, repeat buyers, leads, sessions without a channel or visitor,
hostile and non-Latin campaign text, UGC and gallery events, ad spend, and a second workspace
whose rows must never show up. Dates are far in the past (the clock moves).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import pyarrow as pa

from mercato.warehouse.schemas import TABLES

WORKSPACE, OTHER = "ws_engines", "ws_other"
DATASET = "analyses"
START = datetime(2023, 5, 1)
DAYS = 12
END = START + timedelta(days=DAYS)
CHANNELS = ("Organic Social", "Paid Social", "Email", "Direct", "Organic Search", None)
PLATFORMS = {"Organic Social": ("instagram", "tiktok"), "Paid Social": ("instagram", "x")}
CAMPAIGNS = ("spring", 'Spring\'24 "sale"', "新生活", "<b>launch</b>", None)
PAGES = ("/", "/p/über-tee", "/c/sale?x=1", "/p/'quote'", None)
UGC_NAMES = ("ugc_impression", "ugc_click", "product_click", "add_to_cart", "gallery_view")


def _arrow(table: str, rows: list[dict[str, Any]]) -> pa.Table:
    schema = TABLES[table].schema.to_pyarrow()
    return pa.table({name: [row.get(name) for row in rows] for name in schema.names}, schema)


def _time(rng: np.random.Generator) -> datetime:
    # A fifth of the visits within a few minutes of midnight UTC: the partition boundary.
    day = START + timedelta(days=int(rng.integers(0, DAYS)))
    if rng.random() < 0.2:
        return day - timedelta(microseconds=int(rng.integers(1, 300_000_000)))
    return day + timedelta(microseconds=int(rng.integers(0, 86_400_000_000)))


def build(seed: int = 20230501) -> dict[str, pa.Table]:
    rng = np.random.default_rng(seed)
    sessions: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for visitor in range(70):
        customer = f"c{visitor % 23}" if visitor % 3 == 0 else None  # c0 … on several devices
        for number in range(int(rng.integers(1, 6))):
            session_id = f"s{visitor}-{number}"
            channel = CHANNELS[int(rng.integers(0, len(CHANNELS)))]
            ordered = int(rng.random() < 0.22)
            started = _time(rng)
            engaged = None if rng.random() < 0.15 else int(rng.integers(0, 400_000))
            sessions.append(
                {
                    "workspace_id": WORKSPACE,
                    "session_id": session_id,
                    "site_id": "site1",
                    "visitor_id": None if visitor % 29 == 7 else f"v{visitor}",
                    "customer_id": customer if number % 2 else None,
                    "session_number": number + 1,
                    "started_at": started,
                    "ended_at": started + timedelta(minutes=int(rng.integers(1, 50))),
                    "entry_path": PAGES[int(rng.integers(0, len(PAGES)))],
                    "channel": channel,
                    "social_platform": (
                        PLATFORMS[channel][int(rng.integers(0, 2))]
                        if channel in PLATFORMS
                        else None
                    ),
                    "campaign": CAMPAIGNS[int(rng.integers(0, len(CAMPAIGNS)))],
                    "content": f"post-{int(rng.integers(0, 4))}" if rng.random() < 0.5 else None,
                    "pageviews": int(rng.integers(1, 9)),
                    "engaged_ms": engaged,
                    "is_engaged": None if engaged is None else engaged > 10_000,
                    "leads": int(rng.random() < 0.08),
                    "orders": ordered,
                    "revenue": Decimal(int(rng.integers(500, 90_000))) / 1000 if ordered else None,
                    "currency": "USD",
                }
            )
            for index in range(int(rng.integers(0, 5))):
                name = UGC_NAMES[int(rng.integers(0, len(UGC_NAMES)))]
                events.append(
                    {
                        "workspace_id": WORKSPACE,
                        "event_id": f"e-{session_id}-{index}",
                        "ts": started + timedelta(microseconds=int(rng.integers(1, 600_000_000))),
                        "name": name,
                        "visitor_id": f"v{visitor}",
                        "session_id": session_id if rng.random() < 0.95 else None,
                        "ugc_id": None if name == "gallery_view" else f"ugc-{rng.integers(0, 7)}",
                        "gallery_id": f"g{rng.integers(0, 3)}" if rng.random() < 0.7 else None,
                    }
                )
    orders = [
        {
            "workspace_id": WORKSPACE,
            "order_id": f"#{1000 + index}",
            "source_system": "shopify",
            "customer_id": row["customer_id"],
            "visitor_id": row["visitor_id"],
            "session_id": row["session_id"],
            "placed_at": row["ended_at"],
            "currency": "USD",
            "gross": row["revenue"],
            "discounts": Decimal("0.005") if index % 4 == 0 else Decimal(0),
            "net": row["revenue"] - (Decimal("0.005") if index % 4 == 0 else Decimal(0)),
            "status": "paid",
        }
        for index, row in enumerate(r for r in sessions if r["orders"])
    ]
    foreign = [
        dict(row, workspace_id=OTHER, orders=1, revenue=Decimal("999")) for row in sessions[:9]
    ]
    foreign_events = [dict(row, workspace_id=OTHER) for row in events[:15]]
    spend = [
        {
            "workspace_id": workspace,
            "day": date(2023, 5, 1) + timedelta(days=day),
            "platform": platform,
            "campaign": campaign,
            "ad_set": "all",
            "ad": f"ad-{day}",
            "currency": "USD",
            "spend": Decimal(int(rng.integers(100, 20_000))) / 100,
        }
        for workspace in (WORKSPACE, OTHER)
        for day in range(DAYS)
        for platform, campaign in (("meta", "spring"), ("google", "brand"), ("instagram", "新生活"))
    ]
    return {
        "sessions": _arrow("sessions", sessions + foreign),
        "events": _arrow("events", events + foreign_events),
        "ad_spend": _arrow("ad_spend", spend),
        "orders": _arrow("orders", orders),
    }
