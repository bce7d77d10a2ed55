"""UGC performance per gallery and per UGC item, from the tracker's gallery events.

- impressions: `ugc_impression` events (an item ≥ 50% visible for 1 s); `gallery_view` the same
  for a whole gallery;
- clicks: `ugc_click` (the lightbox opened); CTR = clicks ÷ impressions;
- product clicks and carts: `product_click` and `add_to_cart` sent from the gallery;
- influenced sessions / orders / revenue: sessions in which the visitor interacted with the
  item or gallery (clicked it, clicked one of its products or added one to the cart), with the
  orders and revenue of those whole sessions. "Influenced", never "caused": an order in such a
  session may well have happened without the UGC, and one order counts for every item the
  session touched.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal

import ibis
import ibis.expr.types as ir

from mercato.core.money import round_money
from mercato.warehouse.connection import ScopedWarehouse
from mercato.warehouse.schemas import MONEY

INTERACTIONS = ("ugc_click", "product_click", "add_to_cart")
Grain = Literal["ugc_id", "gallery_id"]


@dataclass(frozen=True)
class UgcPerformance:
    key: str
    gallery_views: int
    impressions: int
    clicks: int
    product_clicks: int
    carts: int
    influenced_sessions: int
    influenced_orders: int
    influenced_revenue: Decimal

    @property
    def ctr(self) -> float | None:
        """Clicks ÷ impressions; None (shown "n/a") without impressions."""
        return self.clicks / self.impressions if self.impressions else None


def _window(
    warehouse: ScopedWarehouse, grain: Grain, start: datetime | None, end: datetime | None
) -> ir.Table:
    events = warehouse.table("events")
    window = events.filter(events[grain].notnull())
    if start is not None:
        window = window.filter(window.ts >= start)
    if end is not None:
        window = window.filter(window.ts < end)
    return window


def _counts(window: ir.Table, grain: Grain) -> ir.Table:
    def count(name: str) -> ir.IntegerScalar:
        return (window.name == name).cast("int64").sum()

    return window.group_by(grain).aggregate(
        gallery_views=count("gallery_view"),
        impressions=count("ugc_impression"),
        clicks=count("ugc_click"),
        product_clicks=count("product_click"),
        carts=count("add_to_cart"),
    )


def _influenced(warehouse: ScopedWarehouse, window: ir.Table, grain: Grain) -> ir.Table:
    touched = window.filter(window.name.isin(INTERACTIONS) & window.session_id.notnull())
    pairs = touched.select(key=touched[grain], session_id=touched.session_id).distinct()
    sessions = warehouse.table("sessions")
    visits = sessions.select(
        session_id=sessions.session_id,
        orders=sessions.orders.fill_null(0),
        revenue=sessions.revenue.fill_null(0),
    )
    joined = pairs.join(visits, "session_id")
    return joined.group_by("key").aggregate(
        influenced_sessions=joined.session_id.nunique(),
        influenced_orders=joined.orders.sum(),
        influenced_revenue=joined.revenue.sum(),
    )


def performance_expr(
    warehouse: ScopedWarehouse,
    grain: Grain,
    start: datetime | None = None,
    end: datetime | None = None,
) -> ir.Table:
    window = _window(warehouse, grain, start, end)
    counts = _counts(window, grain)
    influenced = _influenced(warehouse, window, grain)
    joined = counts.left_join(influenced, counts[grain] == influenced.key)
    return joined.select(
        key=counts[grain],
        gallery_views=counts.gallery_views,
        impressions=counts.impressions,
        clicks=counts.clicks,
        product_clicks=counts.product_clicks,
        carts=counts.carts,
        influenced_sessions=influenced.influenced_sessions.fill_null(0),
        influenced_orders=influenced.influenced_orders.fill_null(0),
        influenced_revenue=influenced.influenced_revenue.fill_null(ibis.literal(0).cast(MONEY)),
    ).order_by(ibis.desc("impressions"), "key")


def ugc_performance(
    warehouse: ScopedWarehouse,
    grain: Grain,
    start: datetime | None = None,
    end: datetime | None = None,
    currency: str | None = None,
) -> list[UgcPerformance]:
    """One row per UGC item or gallery seen in [start, end) (naive UTC), most seen first;
    influenced revenue in `currency`'s precision (the workspace's: JPY none, KWD three)."""
    frame = warehouse.execute(performance_expr(warehouse, grain, start, end))
    return [
        UgcPerformance(
            key=str(row.key),
            gallery_views=int(row.gallery_views),
            impressions=int(row.impressions),
            clicks=int(row.clicks),
            product_clicks=int(row.product_clicks),
            carts=int(row.carts),
            influenced_sessions=int(row.influenced_sessions),
            influenced_orders=int(row.influenced_orders),
            influenced_revenue=round_money(row.influenced_revenue, currency),
        )
        for row in frame.itertuples()
    ]


def performance_by_item(
    warehouse: ScopedWarehouse, currency: str | None = None
) -> dict[str, UgcPerformance]:
    """All-time performance keyed by UGC id, for the library's performance columns."""
    return {row.key: row for row in ugc_performance(warehouse, "ugc_id", currency=currency)}
