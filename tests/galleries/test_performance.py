"""UGC performance (Ibis on DuckDB) against hand-checked numbers and a pandas reference."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa

from mercato.metrics.ugc_performance import INTERACTIONS, ugc_performance
from mercato.runtime import Services
from mercato.warehouse.loader import load

T0 = datetime(2026, 6, 1, 10)


def _load(
    services: Services, events: list[dict[str, object]], sessions: list[dict[str, object]]
) -> None:
    load(services.warehouse, "events", pa.Table.from_pylist(events))
    load(services.warehouse, "sessions", pa.Table.from_pylist(sessions))


def _event(
    n: int, name: str, session: str, ugc: str | None, gallery: str | None, ws: str = "ws1"
) -> dict[str, object]:
    return {
        "workspace_id": ws,
        "event_id": f"e{n}",
        "ts": T0 + timedelta(minutes=n),
        "name": name,
        "session_id": session,
        "ugc_id": ugc,
        "gallery_id": gallery,
    }


def _session(sid: str, orders: int, revenue: str, ws: str = "ws1") -> dict[str, object]:
    return {
        "workspace_id": ws,
        "session_id": sid,
        "started_at": T0,
        "orders": orders,
        "revenue": Decimal(revenue),
        "currency": "USD",
    }


def test_hand_checked_numbers(services: Services) -> None:
    events = [
        _event(1, "gallery_view", "s1", None, "g1"),
        _event(2, "ugc_impression", "s1", "u1", "g1"),
        _event(3, "ugc_impression", "s1", "u2", "g1"),
        _event(4, "ugc_click", "s1", "u1", "g1"),
        _event(5, "product_click", "s1", "u1", "g1"),
        _event(6, "ugc_impression", "s2", "u1", "g1"),
        _event(7, "add_to_cart", "s2", "u1", "g1"),
        _event(8, "ugc_impression", "s3", "u2", "g1"),  # seen, never touched: not influenced
        _event(9, "ugc_click", "s9", "u1", "g1", ws="ws2"),  # another tenant
    ]
    sessions = [
        _session("s1", 1, "80.00"),
        _session("s2", 2, "30.50"),
        _session("s3", 1, "99.00"),
        _session("s9", 5, "500.00", ws="ws2"),
    ]
    _load(services, events, sessions)
    scoped = services.warehouse.for_workspace("ws1")
    items = {row.key: row for row in ugc_performance(scoped, "ugc_id")}
    u1, u2 = items["u1"], items["u2"]
    assert (u1.impressions, u1.clicks, u1.product_clicks, u1.carts) == (2, 1, 1, 1)
    assert u1.ctr == 0.5
    assert (u1.influenced_sessions, u1.influenced_orders, u1.influenced_revenue) == (
        2,
        3,
        Decimal("110.50"),
    )
    assert (u2.impressions, u2.clicks, u2.ctr, u2.influenced_orders) == (2, 0, 0.0, 0)
    [g1] = ugc_performance(scoped, "gallery_id")
    assert (g1.gallery_views, g1.impressions, g1.influenced_sessions) == (1, 4, 2)
    assert g1.influenced_revenue == Decimal("110.50")
    later = ugc_performance(scoped, "ugc_id", start=T0 + timedelta(minutes=6))
    assert {r.key: r.impressions for r in later} == {"u1": 1, "u2": 1}


def _reference(events: pd.DataFrame, sessions: pd.DataFrame, grain: str) -> pd.DataFrame:
    tagged = events[events[grain].notna()]
    counts = tagged.pivot_table(
        index=grain, columns="name", values="event_id", aggfunc="count", fill_value=0
    )
    touched = tagged[tagged.name.isin(INTERACTIONS)][[grain, "session_id"]].drop_duplicates()
    joined = touched.merge(sessions, on="session_id")
    influenced = joined.groupby(grain).agg(
        influenced_sessions=("session_id", "nunique"),
        influenced_orders=("orders", "sum"),
        influenced_revenue=("revenue", "sum"),
    )
    return counts.join(influenced).fillna(0)


def test_matches_pandas_on_random_events(services: Services) -> None:
    rng = np.random.default_rng(7)
    names = [
        "gallery_view",
        "ugc_impression",
        "ugc_click",
        "product_click",
        "add_to_cart",
        "pageview",
    ]
    events = [
        _event(
            n,
            str(rng.choice(names, p=[0.1, 0.5, 0.15, 0.1, 0.05, 0.1])),
            f"s{rng.integers(40)}",
            f"u{rng.integers(12)}" if rng.random() < 0.9 else None,
            f"g{rng.integers(3)}",
        )
        for n in range(1500)
    ]
    sessions = [
        _session(f"s{i}", int(rng.integers(0, 3)), f"{rng.integers(0, 20000) / 100:.2f}")
        for i in range(35)
    ]  # s35..s39 never reached the warehouse's sessions
    _load(services, events, sessions)
    scoped = services.warehouse.for_workspace("ws1")
    frame_events, frame_sessions = pd.DataFrame(events), pd.DataFrame(sessions)
    for grain in ("ugc_id", "gallery_id"):
        expected = _reference(frame_events, frame_sessions, grain)
        got = {r.key: r for r in ugc_performance(scoped, grain)}  # type: ignore[arg-type]
        assert set(got) == set(expected.index)
        for key, row in expected.iterrows():
            mine = got[str(key)]
            assert mine.impressions == row.get("ugc_impression", 0)
            assert mine.clicks == row.get("ugc_click", 0)
            assert mine.carts == row.get("add_to_cart", 0)
            assert mine.influenced_sessions == row.influenced_sessions
            assert mine.influenced_orders == row.influenced_orders
            assert mine.influenced_revenue == Decimal(str(row.influenced_revenue)).quantize(
                Decimal("0.01")
            )
