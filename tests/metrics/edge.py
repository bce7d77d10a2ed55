"""A hand-built workspace whose expected KPI values are written in the tests.

In range (UTC, 2024-02-29 .. 2024-03-01): two sessions without carts, one order whose refund
is larger than the sale, one Instagram post whose latest metric snapshot is all NULL, one
TikTok post with complete metrics and followers, no ad spend.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pyarrow as pa

from tests.metrics.fixture import arrow

EDGE = "ws_edge"
EMPTY = "ws_empty"
UNMEASURED = "ws_unmeasured"  # rows without net amounts or engaged time (see unmeasured())
FIRST, LAST = date(2024, 2, 29), date(2024, 3, 1)


def _session(session_id: str, started: datetime, **values: Any) -> dict[str, Any]:
    base = {
        "workspace_id": EDGE,
        "session_id": session_id,
        "visitor_id": "v1",
        "session_number": 1,
        "started_at": started,
        "channel": "Organic Social",
        "social_platform": "tiktok",
        "pageviews": 1,
        "engaged_ms": 4000,
        "is_engaged": None,
        "leads": 0,
        "add_to_carts": 0,
        "checkouts": 0,
        "orders": 0,
    }
    return base | values


def _metric(post: str, platform: str, metric: str, value: float | None, day: int) -> dict[str, Any]:
    return {
        "workspace_id": EDGE,
        "platform": platform,
        "account_id": f"{platform}-edge",
        "post_id": post,
        "captured_at": datetime(2024, 3, day, 12),
        "metric": metric,
        "value": value,
    }


def build() -> dict[str, pa.Table]:
    sessions = [
        _session("e1", datetime(2024, 2, 29, 23, 59, 59)),  # leap day
        _session("e2", datetime(2024, 3, 1, 10), pageviews=2, session_number=2),  # engaged: 2 pages
        _session("e3", datetime(2024, 3, 2, 0, 0)),  # the next day: outside
    ]
    orders = [
        {
            "workspace_id": EDGE,
            "order_id": "r1",
            "session_id": "e2",
            "placed_at": datetime(2024, 3, 1, 10, 5),
            "currency": "USD",
            "gross": Decimal("10.00"),
            "discounts": Decimal("0.00"),
            "refunds": Decimal("50.00"),
            "tax": Decimal("0.00"),
            "shipping": Decimal("0.00"),
            "net": Decimal("-40.00"),
        }
    ]
    posts = [
        {
            "workspace_id": EDGE,
            "platform": "instagram",
            "account_id": "instagram-edge",
            "post_id": "ig1",
            "posted_at": datetime(2024, 2, 29, 9),
        },
        {
            "workspace_id": EDGE,
            "platform": "tiktok",
            "account_id": "tiktok-edge",
            "post_id": "tt1",
            "posted_at": datetime(2024, 3, 1, 9),
        },
    ]
    metrics = [_metric("ig1", "instagram", m, 100.0, 1) for m in ("views", "reach", "likes")]
    metrics += [_metric("ig1", "instagram", m, None, 2) for m in ("views", "reach", "likes")]
    metrics += [
        _metric("tt1", "tiktok", m, v, 2)
        for m, v in (
            ("views", 1000.0),
            ("reach", 800.0),
            ("likes", 30.0),
            ("comments", 6.0),
            ("shares", 4.0),
            ("link_clicks", 0.0),
        )
    ]
    daily = [
        {
            "workspace_id": EDGE,
            "platform": "tiktok",
            "account_id": "tiktok-edge",
            "day": date(2024, 3, 1),
            "metric": "followers",
            "value": 2000.0,
        },
    ]
    extra = unmeasured()
    return {
        "sessions": arrow("sessions", sessions + extra["sessions"]),
        "events": arrow("events", extra["events"]),
        "orders": arrow("orders", orders + extra["orders"]),
        "social_posts": arrow("social_posts", posts + extra["social_posts"]),
        "social_post_metrics": arrow("social_post_metrics", metrics + extra["social_post_metrics"]),
        "social_account_daily": arrow("social_account_daily", daily),
    }


def unmeasured() -> dict[str, list[dict[str, Any]]]:
    """A shop whose data never carries the input: purchases without net amounts (a tracker or
    event-log order), sessions and page views without engaged time; a Facebook post without
    link clicks and a Pinterest post whose export gives its own follower count."""
    ws = {"workspace_id": UNMEASURED}
    started = datetime(2024, 3, 1, 9, 30, 0, 123456)
    sessions = [
        _session(f"u{n}", started.replace(hour=9 + n), **ws, engaged_ms=None, orders=n % 2)
        for n in range(3)
    ]
    events = [
        {**ws, "event_id": f"u{n}-p", "ts": started.replace(hour=9 + n), "name": "pageview"}
        | {"session_id": f"u{n}", "engaged_ms": None}
        for n in range(3)
    ]
    orders = [
        {**ws, "order_id": "t1", "session_id": "u1", "placed_at": started.replace(hour=10)}
        | {"currency": "EUR", "gross": Decimal("19.90"), "net": None}
    ]
    posts = [
        {**ws, "platform": "facebook", "account_id": "fb", "post_id": "f1", "posted_at": started},
        {**ws, "platform": "pinterest", "account_id": "pin", "post_id": "n1", "posted_at": started},
    ]
    values = {
        "f1": {"views": 400.0, "reactions": 10.0, "comments": 2.0, "shares": 1.0},
        "n1": {"views": 900.0, "likes": 5.0, "comments": 1.0, "saves": 8.0, "link_clicks": 4.0}
        | {"followers": 1_200.0},
    }
    metrics = [
        {**ws, "platform": post["platform"], "account_id": post["account_id"]}
        | {"post_id": post["post_id"], "captured_at": datetime(2024, 3, 2), "metric": name}
        | {"value": value}
        for post in posts
        for name, value in values[str(post["post_id"])].items()
    ]
    return {
        "sessions": sessions,
        "events": events,
        "orders": orders,
        "social_posts": posts,
        "social_post_metrics": metrics,
    }
