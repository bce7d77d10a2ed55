"""Fixture data for the KPI suite, built from code with a seeded RNG plus hand-placed edge
cases: local-midnight boundaries around a DST change, leap day, missing platform metrics,
refunds larger than sales, orders without a session, another tenant's rows."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import pyarrow as pa

from mercato.warehouse.schemas import TABLES

WORKSPACE = "ws_kpi"
OTHER = "ws_other"
TIME_ZONE = "America/New_York"
FIRST, LAST = date(2024, 2, 26), date(2024, 3, 12)  # leap day and the DST start (Mar 10)
PLATFORMS = ("facebook", "instagram", "tiktok", "x")
CHANNELS = ("Organic Social", "Paid Social", "Social in-app (Instagram)", "Email", "Direct", None)
POST_METRICS = {
    "facebook": ("views", "reach", "reactions", "comments", "shares", "link_clicks"),
    "instagram": ("views", "reach", "likes", "comments", "saves", "shares"),
    "tiktok": ("views", "reach", "likes", "comments", "shares", "link_clicks"),
    "x": ("views", "likes", "replies", "reposts", "quotes", "link_clicks"),
}


def arrow(table: str, rows: list[dict[str, Any]]) -> pa.Table:
    schema = TABLES[table].schema.to_pyarrow()
    columns = {name: [row.get(name) for row in rows] for name in schema.names}
    return pa.table(columns, schema=schema)


def _money(rng: np.random.Generator, low: int, high: int) -> Decimal:
    return Decimal(int(rng.integers(low * 100, high * 100))) / 100


def _session_times(rng: np.random.Generator) -> list[datetime]:
    now = datetime(2024, 2, 20)
    current = [now + timedelta(minutes=int(m)) for m in rng.integers(0, 25 * 24 * 60, 260)]
    last_year = datetime(2023, 2, 20)
    earlier = [last_year + timedelta(minutes=int(m)) for m in rng.integers(0, 25 * 24 * 60, 90)]
    edges = [
        datetime(2024, 2, 26, 4, 59, 59),  # Feb 25 23:59:59 EST: outside
        datetime(2024, 2, 26, 5, 0),  # Feb 26 00:00 EST: inside
        datetime(2024, 2, 29, 12, 0),  # leap day
        datetime(2024, 3, 10, 6, 59),  # Mar 10 01:59 EST, before the DST jump
        datetime(2024, 3, 10, 7, 0),  # Mar 10 03:00 EDT
        datetime(2024, 3, 13, 3, 59, 59),  # Mar 12 23:59:59 EDT: inside
        datetime(2024, 3, 13, 4, 0),  # Mar 13 00:00 EDT: outside
    ]
    return sorted(current + earlier + edges)


def sessions_and_orders(rng: np.random.Generator) -> tuple[list[dict[str, Any]], ...]:
    sessions, orders, events = [], [], []
    numbers: dict[str, int] = {}
    for index, started in enumerate(_session_times(rng)):
        channel = CHANNELS[int(rng.integers(0, len(CHANNELS)))]
        social = channel is not None and "Social" in channel
        visitor = f"v{int(rng.integers(0, 70))}"
        numbers[visitor] = numbers.get(visitor, 0) + 1
        carts = int(rng.integers(0, 3))
        checkouts = min(carts, int(rng.integers(0, 2)))
        ordered = int(checkouts > 0 and rng.random() < 0.6)
        pageviews = int(rng.integers(1, 6))
        engaged = None if rng.random() < 0.1 else int(rng.integers(0, 60_000))
        session = {
            "workspace_id": WORKSPACE,
            "session_id": f"s{index}",
            "visitor_id": visitor,
            "session_number": numbers[visitor],
            "started_at": started,
            "channel": channel,
            "social_platform": PLATFORMS[int(rng.integers(0, 3))] if social else None,
            "campaign": ("spring", "sale", None)[int(rng.integers(0, 3))],
            "device": ("mobile", "desktop")[int(rng.integers(0, 2))],
            "entry_page_type": ("product", "home", "collection")[int(rng.integers(0, 3))],
            "pageviews": pageviews,
            "engaged_ms": engaged,
            "is_engaged": None if rng.random() < 0.3 else bool(rng.random() < 0.5),
            "leads": int(rng.random() < 0.1),
            "add_to_carts": carts,
            "checkouts": checkouts,
            "orders": ordered,
        }
        sessions.append(session)
        events += _events_of(session, rng)
        if ordered:
            orders.append(_order(f"o{index}", started + timedelta(minutes=9), f"s{index}", rng))
    return sessions, orders, events


def _events_of(session: dict[str, Any], rng: np.random.Generator) -> list[dict[str, Any]]:
    found = []
    for number in range(session["pageviews"]):
        found.append(
            {
                "workspace_id": WORKSPACE,
                "event_id": f"{session['session_id']}-e{number}",
                "ts": session["started_at"] + timedelta(seconds=30 * number),
                "name": "pageview",
                "session_id": session["session_id"],
                "channel": session["channel"],
                "social_platform": session["social_platform"],
                "page_type": ("product", "home")[number % 2],
                "device": session["device"],
                "ugc_id": "ugc1" if rng.random() < 0.2 else None,
                "gallery_id": "g1" if rng.random() < 0.3 else None,
                "engaged_ms": int(rng.integers(0, 20_000)),
            }
        )
    return found


def _order(
    order_id: str, placed: datetime, session_id: str | None, rng: np.random.Generator
) -> dict[str, Any]:
    gross = _money(rng, 20, 200)
    discounts = _money(rng, 0, 10)
    refunds = gross * 2 if rng.random() < 0.08 else Decimal("0.00")  # refund larger than sale
    tax, shipping = (gross * Decimal("0.08")).quantize(Decimal("0.01")), Decimal("4.90")
    return {
        "workspace_id": WORKSPACE,
        "order_id": order_id,
        "session_id": session_id,
        "placed_at": placed,
        "currency": "USD",
        "gross": gross,
        "discounts": discounts,
        "refunds": refunds,
        "tax": tax,
        "shipping": shipping,
        # Some shops leave the net amount out (missing, not 0): about one order in ten.
        "net": None if order_id.endswith("7") else gross - discounts - refunds - tax - shipping,
    }


def posts_and_metrics(
    rng: np.random.Generator,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    posts, metrics = [], []
    for index in range(48):
        platform = PLATFORMS[index % 4]
        base = datetime(2024, 2, 20) if index % 3 else datetime(2023, 2, 20)
        posted = base + timedelta(hours=int(rng.integers(0, 24 * 25)))
        post_id = f"p{index}"
        posts.append(
            {
                "workspace_id": WORKSPACE,
                "platform": platform,
                "account_id": f"{platform}-acct",
                "post_id": post_id,
                "posted_at": posted,
                "content_type": ("reel", "image", "video")[index % 3],
                "campaign": ("spring", None)[index % 2],
            }
        )
        if index % 11 == 5:
            continue  # a post the platform returned no metrics for
        if index % 8 == 7:  # an export that gives the follower count per post (X posts here)
            metrics.append(_post_followers(platform, post_id, posted, 4_000.0 + 13 * index))
        for metric in POST_METRICS[platform]:
            final = float(rng.integers(0, 5_000 if metric in ("views", "reach") else 300))
            for step, factor in enumerate((0.5, 1.0)):
                missing = step == 1 and rng.random() < 0.08
                metrics.append(
                    {
                        "workspace_id": WORKSPACE,
                        "platform": platform,
                        "account_id": f"{platform}-acct",
                        "post_id": post_id,
                        "captured_at": posted + timedelta(days=1 + step),
                        "metric": metric,
                        "value": None if missing else final * factor,
                        "missing_reason": "not returned" if missing else None,
                    }
                )
    return posts, metrics


def _post_followers(platform: str, post_id: str, posted: datetime, value: float) -> dict[str, Any]:
    return {
        "workspace_id": WORKSPACE,
        "platform": platform,
        "account_id": f"{platform}-acct",
        "post_id": post_id,
        "captured_at": posted + timedelta(days=1, microseconds=250_001),
        "metric": "followers",
        "value": value,
    }


def account_daily(rng: np.random.Generator) -> list[dict[str, Any]]:
    rows = []
    for platform in PLATFORMS:
        followers = float(rng.integers(2_000, 20_000))
        day = date(2023, 2, 1)
        while day <= date(2024, 3, 31):
            follows, unfollows = float(rng.integers(0, 60)), float(rng.integers(0, 30))
            followers += follows - unfollows
            values = {
                "followers": None if rng.random() < 0.05 else followers,
                "follows": follows,
                "unfollows": None if rng.random() < 0.05 else unfollows,
                "reach": float(rng.integers(100, 3_000)),
                "reach_from_followers": float(rng.integers(50, 1_500))
                if platform == "instagram"
                else None,
            }
            for metric, value in values.items():
                rows.append(
                    {
                        "workspace_id": WORKSPACE,
                        "platform": platform,
                        "account_id": f"{platform}-acct",
                        "day": day,
                        "metric": metric,
                        "value": value,
                    }
                )
            day += timedelta(days=1)
    return rows


def ad_spend(rng: np.random.Generator) -> list[dict[str, Any]]:
    rows = []
    day = date(2024, 2, 20)
    while day <= date(2024, 3, 16):
        for platform in ("facebook", "instagram"):
            rows.append(
                {
                    "workspace_id": WORKSPACE,
                    "day": day,
                    "platform": platform,
                    "campaign": "spring",
                    "ad_set": "a",
                    "ad": "1",
                    "currency": "USD",
                    "spend": _money(rng, 5, 50),
                }
            )
        day += timedelta(days=1)
    return rows


def build(seed: int = 20240229) -> dict[str, pa.Table]:
    """Every warehouse table the KPIs read, as Arrow tables (plus one foreign-tenant row each)."""
    rng = np.random.default_rng(seed)
    sessions, orders, events = sessions_and_orders(rng)
    orders.append(_order("o-no-session", datetime(2024, 3, 1, 15), None, rng))
    posts, metrics = posts_and_metrics(rng)
    data = {
        "sessions": sessions,
        "orders": orders,
        "events": events,
        "social_posts": posts,
        "social_post_metrics": metrics,
        "social_account_daily": account_daily(rng),
        "ad_spend": ad_spend(rng),
    }
    for rows in data.values():
        intruder = dict(rows[0])
        intruder["workspace_id"] = OTHER
        rows.append(intruder)
    return {name: arrow(name, rows) for name, rows in data.items()}
