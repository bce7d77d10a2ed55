"""A small warehouse of sessions and UGC events, built from code, for journey tests."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pyarrow as pa

from mercato.warehouse.connection import Warehouse
from mercato.warehouse.loader import load

T0 = datetime(2026, 3, 1, 9, 0)

# session id, visitor, customer, hours after T0, channel, platform, campaign, orders, leads, revenue
SESSIONS = [
    ("s1", "v1", None, 0, "Organic Social", "instagram", None, 0, 0, "0"),
    ("s2", "v1", None, 30, "Email", None, "spring", 0, 0, "0"),
    ("s3", "v1", "c1", 50, "Direct", None, None, 1, 0, "80.00"),
    ("s4", "v1", None, 60, "Paid Social", "tiktok", "launch", 0, 0, "0"),
    ("s5", "v1", None, 70, "Direct", None, None, 1, 0, "20.50"),
    ("s6", "v2", None, 1, "Paid Social", "instagram", "launch", 0, 0, "0"),
    ("s7", "v2", None, 2, "Organic Search", None, None, 0, 0, "0"),
    ("s8", "v3", None, 0, "Direct", None, None, 0, 1, "0"),
    # v4 is customer c1 on another device: joins v1's journeys when identity is customer.
    ("s9", "v4", "c1", 65, "Organic Social", "tiktok", None, 0, 0, "0"),
    # Outside a 30-day lookback from s10's conversion: not part of its journey.
    ("s0", "v5", None, -24 * 40, "Referral", None, None, 0, 0, "0"),
    ("s10", "v5", None, 5, None, None, None, 2, 0, "15.00"),
]

UGC_EVENTS = [
    # event id, session, visitor, minutes after the session start, name, ugc id
    ("e1", "s1", "v1", 2, "ugc_click", "u1"),
    ("e2", "s4", "v1", 3, "ugc_impression", "u2"),
    ("e3", "s6", "v2", 1, "ugc_click", "u1"),
    ("e4", "s6", "v2", 2, "pageview", None),
]


def session_start(session_id: str) -> datetime:
    row = next(row for row in SESSIONS if row[0] == session_id)
    return T0 + timedelta(hours=row[3])


def seed(warehouse: Warehouse, workspace_id: str) -> None:
    rows = SESSIONS
    load(
        warehouse,
        "sessions",
        pa.table(
            {
                "workspace_id": [workspace_id] * len(rows) + ["other-workspace"],
                "session_id": [r[0] for r in rows] + ["x1"],
                "visitor_id": [r[1] for r in rows] + ["v1"],
                "customer_id": [r[2] for r in rows] + [None],
                "started_at": [T0 + timedelta(hours=r[3]) for r in rows] + [T0],
                "channel": [r[4] for r in rows] + ["Email"],
                "social_platform": [r[5] for r in rows] + [None],
                "campaign": [r[6] for r in rows] + [None],
                "orders": [r[7] for r in rows] + [5],
                "leads": [r[8] for r in rows] + [0],
                "revenue": [Decimal(r[9]) for r in rows] + [Decimal("999.00")],
                "currency": ["EUR"] * (len(rows) + 1),
            }
        ),
    )
    events = UGC_EVENTS
    load(
        warehouse,
        "events",
        pa.table(
            {
                "workspace_id": [workspace_id] * len(events),
                "event_id": [e[0] for e in events],
                "session_id": [e[1] for e in events],
                "visitor_id": [e[2] for e in events],
                "ts": [session_start(e[1]) + timedelta(minutes=e[3]) for e in events],
                "name": [e[4] for e in events],
                "ugc_id": [e[5] for e in events],
            }
        ),
    )
