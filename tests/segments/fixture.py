"""Visitors shaped like the real world for segment membership: several sessions each with
microsecond times, NULL traits, hostile campaign text, orders with and without a visitor id
(found through their session), visitors of another tenant with the same ids, products in
categories, duplicate product ids in one event."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import pyarrow as pa

from mercato.warehouse.schemas import TABLES

WORKSPACE = "ws_seg"
OTHER = "ws_seg_other"
AS_OF = datetime(2024, 6, 1, 12, 0, 0)
PLATFORMS = ("tiktok", "instagram", "facebook", None)
CHANNELS = ("Organic Social", "Paid Social", "Email", "Direct", None)
CAMPAIGNS = ("summer-24", "<script>alert(1)</script>", "Ünïcode ☃", None)
DEVICES = ("mobile", "desktop", "tablet", None)
COUNTRIES = ("US", "DE", "GB", "FR", None)
PAGE_TYPES = ("home", "product", "collection", "blog", None)
CATEGORIES = {
    "Shoes": ("prd_s1", "prd_s2", "SKU-S3"),
    "Bags": ("prd_b1", "prd_b2"),
    "Empty": (),
}
PRODUCTS = ("prd_s1", "prd_s2", "SKU-S3", "prd_b1", "prd_b2", "prd_x1")


def arrow(table: str, rows: list[dict[str, Any]]) -> pa.Table:
    schema = TABLES[table].schema.to_pyarrow()
    return pa.table({name: [row.get(name) for row in rows] for name in schema.names}, schema=schema)


def _pick(rng: np.random.Generator, options: tuple[Any, ...]) -> Any:
    return options[int(rng.integers(len(options)))]


def _sessions(rng: np.random.Generator, workspace: str, visitor: str) -> list[dict[str, Any]]:
    count = int(rng.choice([1, 1, 2, 3, 5]))
    start = AS_OF - timedelta(days=int(rng.integers(1, 200)), microseconds=int(rng.integers(1e9)))
    # Some visitors' first sessions are older than the data kept: numbering starts later.
    offset = int(rng.random() < 0.1)
    rows = []
    for number in range(1 + offset, count + 1 + offset):
        at = start + timedelta(days=number * 3, microseconds=int(rng.integers(1e6)))
        rows.append(
            {
                "workspace_id": workspace,
                "session_id": f"{visitor}_s{number}",
                "visitor_id": visitor,
                "session_number": number,
                "started_at": at,
                "ended_at": at + timedelta(minutes=5),
                "social_platform": _pick(rng, PLATFORMS),
                "channel": _pick(rng, CHANNELS),
                "campaign": _pick(rng, CAMPAIGNS),
                "device": _pick(rng, DEVICES),
                "country": _pick(rng, COUNTRIES),
                "entry_page_type": _pick(rng, PAGE_TYPES),
                "pageviews": int(rng.integers(1, 6)),
                "leads": int(rng.random() < 0.15),
                "orders": int(rng.random() < 0.1),
            }
        )
    return rows


def _events(rng: np.random.Generator, session: dict[str, Any], index: int) -> list[dict[str, Any]]:
    rows = []
    for n in range(int(rng.integers(0, 4))):
        name = _pick(rng, ("view_item", "add_to_cart", "pageview"))
        products = [_pick(rng, PRODUCTS) for _ in range(int(rng.integers(0, 3)))]
        rows.append(
            {
                "workspace_id": session["workspace_id"],
                "event_id": f"{session['session_id']}_e{n}",
                "ts": session["started_at"] + timedelta(seconds=n),
                "name": name,
                "visitor_id": session["visitor_id"],
                "session_id": session["session_id"],
                # [] and NULL both happen: a tracker sending an empty item list
                "product_ids": (products * 2 if index % 7 == 0 else products) or None,
            }
        )
    return rows


def _orders(rng: np.random.Generator, session: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for n in range(int(rng.choice([0, 0, 0, 1, 1, 2, 3]))):
        gross = Decimal(int(rng.integers(500, 40000))) / 100
        net = None if rng.random() < 0.1 else gross - Decimal("1.50")
        rows.append(
            {
                "workspace_id": session["workspace_id"],
                "order_id": f"{session['session_id']}_o{n}",
                "visitor_id": None if rng.random() < 0.3 else session["visitor_id"],
                "session_id": session["session_id"],
                "placed_at": AS_OF - timedelta(days=int(rng.integers(0, 150)), microseconds=7),
                "currency": "USD",
                "gross": gross,
                "net": net,
            }
        )
    return rows


def build(
    visitors: int = 240, seed: int = 17, workspace_id: str = WORKSPACE
) -> dict[str, pa.Table]:
    rng = np.random.default_rng(seed)
    sessions, events, orders = [], [], []
    for workspace in (workspace_id, OTHER):
        for index in range(visitors if workspace == workspace_id else 30):
            visitor = f"v{index:04d}"  # the other tenant reuses the same visitor ids
            for session in _sessions(rng, workspace, visitor):
                sessions.append(session)
                events.extend(_events(rng, session, index))
                orders.extend(_orders(rng, session))
    orders.append(  # an order nobody can be found for
        {
            "workspace_id": workspace_id,
            "order_id": "orphan",
            "placed_at": AS_OF,
            "gross": Decimal(9),
        }
    )
    return {
        "sessions": arrow("sessions", sessions),
        "events": arrow("events", events),
        "orders": arrow("orders", orders),
    }
