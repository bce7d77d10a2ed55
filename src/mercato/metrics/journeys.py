"""Consideration details the KPI tiles summarise: sessions before purchase by first-touch
channel, and the pages far from their page type's typical engaged time (outliers).

- Sessions before purchase: a purchaser is a visitor with a purchasing session (orders > 0)
  that started in the window; their count is the session number of the first such session, so
  it includes the purchasing session. The KPI tiles group by the purchasing session's channel;
  here the group is the channel of the visitor's first session (lowest session number, earliest
  start on ties), whenever it happened.
- Page outliers: per page (page type, path) engaged time per page view = Σ engaged_ms of the
  page's events ÷ its pageview events, in the window; pages with fewer than `min_pageviews`
  views are left out. Per page type, a page is an outlier when |value - median| > k * MAD
  (median absolute deviation of the type's pages; k = 2 by default). With MAD = 0, any page
  off the median is one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import ibis
import ibis.expr.types as ir
import numpy as np

from mercato.metrics.evaluate import Executor
from mercato.warehouse.connection import ScopedWarehouse

BUCKETS = ("1", "2", "3", "4", "5+")
NO_CHANNEL = "(none)"
NO_PAGE_TYPE = "(none)"


@dataclass(frozen=True)
class SessionsBeforePurchase:
    first_touch_channel: str
    purchasers: int
    distribution: dict[str, int]  # bucket label (1, 2, 3, 4, 5+) -> purchasers
    median: float
    mean: float


@dataclass(frozen=True)
class PageOutlier:
    path: str
    page_type: str
    pageviews: int
    engaged_ms_per_pageview: float
    type_median: float
    type_mad: float
    direction: Literal["above", "below"]


def _first_touch(warehouse: ScopedWarehouse) -> ir.Table:
    """Each visitor's first-session channel, over all their history."""
    sessions = warehouse.table("sessions")
    known = sessions.filter(sessions.visitor_id.notnull())
    ranked = known.mutate(
        _rank=ibis.row_number().over(
            group_by=known.visitor_id,
            order_by=[known.session_number, known.started_at, known.session_id],
        )
    )
    first = ranked.filter(ranked._rank == 0)
    return first.select(
        first_visitor=first.visitor_id,
        first_touch_channel=first.channel.fill_null(NO_CHANNEL),
    )


def purchasers_expr(warehouse: ScopedWarehouse, start: datetime, end: datetime) -> ir.Table:
    """One row per purchaser in [start, end): sessions up to the purchase, first-touch channel."""
    sessions = warehouse.table("sessions")
    bought = sessions.filter(
        (sessions.orders > 0)
        & sessions.visitor_id.notnull()
        & (sessions.started_at >= start)
        & (sessions.started_at < end)
    )
    purchasers = bought.group_by("visitor_id").aggregate(sessions=bought.session_number.min())
    first = _first_touch(warehouse)
    joined = purchasers.left_join(first, purchasers.visitor_id == first.first_visitor)
    return joined.select(
        visitor_id=joined.visitor_id,
        sessions=joined.sessions,
        first_touch_channel=joined.first_touch_channel.fill_null(NO_CHANNEL),
    )


def sessions_before_purchase_expr(
    warehouse: ScopedWarehouse, start: datetime, end: datetime
) -> ir.Table:
    purchasers = purchasers_expr(warehouse, start, end)

    def bucket(low: int, high: int | None) -> ir.IntegerScalar:
        hit = purchasers.sessions >= low
        if high is not None:
            hit = hit & (purchasers.sessions <= high)
        return hit.cast("int64").sum()

    return (
        purchasers.group_by("first_touch_channel")
        .aggregate(
            purchasers=purchasers.count(),
            b1=bucket(1, 1),
            b2=bucket(2, 2),
            b3=bucket(3, 3),
            b4=bucket(4, 4),
            b5=bucket(5, None),
            median=purchasers.sessions.cast("float64").median(),
            mean=purchasers.sessions.cast("float64").mean(),
        )
        .order_by(ibis.desc("purchasers"), "first_touch_channel")
    )


def sessions_before_purchase(
    warehouse: ScopedWarehouse,
    start: datetime,
    end: datetime,
    executor: Executor | None = None,
) -> list[SessionsBeforePurchase]:
    """Per first-touch channel, purchasers of [start, end) (naive UTC), most purchasers first."""
    run = executor or warehouse.execute
    frame = run(sessions_before_purchase_expr(warehouse, start, end))
    return [
        SessionsBeforePurchase(
            first_touch_channel=str(row.first_touch_channel),
            purchasers=int(row.purchasers),
            distribution=dict(
                zip(
                    BUCKETS,
                    (int(row.b1), int(row.b2), int(row.b3), int(row.b4), int(row.b5)),
                    strict=True,
                )
            ),
            median=float(row.median),
            mean=float(row.mean),
        )
        for row in frame.itertuples()
    ]


def page_engagement_expr(
    warehouse: ScopedWarehouse, start: datetime, end: datetime, min_pageviews: int
) -> ir.Table:
    """Per page: pageviews and engaged ms per pageview, pages with ≥ min_pageviews views and
    some measured engagement."""
    events = warehouse.table("events")
    window = events.filter(events.path.notnull() & (events.ts >= start) & (events.ts < end))
    window = window.mutate(page_type=window.page_type.fill_null(NO_PAGE_TYPE))
    pages = window.group_by(["page_type", "path"]).aggregate(
        pageviews=(window.name == "pageview").cast("int64").sum(),
        engaged_ms=window.engaged_ms.sum(),
    )
    # A page no event measured engagement on is unknown, not 0 s: it cannot be an outlier.
    kept = pages.filter((pages.pageviews >= max(min_pageviews, 1)) & pages.engaged_ms.notnull())
    return kept.select(
        "page_type",
        "path",
        "pageviews",
        value=kept.engaged_ms.cast("float64") / kept.pageviews.cast("float64"),
    )


def page_outliers(
    warehouse: ScopedWarehouse,
    start: datetime,
    end: datetime,
    min_pageviews: int = 20,
    k: float = 2.0,
    executor: Executor | None = None,
) -> list[PageOutlier]:
    """Pages of [start, end) far from their type's median; the farthest (in MADs) first."""
    run = executor or warehouse.execute
    frame = run(page_engagement_expr(warehouse, start, end, min_pageviews))
    found: list[tuple[float, PageOutlier]] = []
    for page_type, group in frame.groupby("page_type", sort=True):
        values = group["value"].to_numpy(dtype=float)
        median = float(np.median(values))
        mad = float(np.median(np.abs(values - median)))
        for row in group.itertuples():
            gap = float(row.value) - median
            if abs(gap) <= k * mad:
                continue
            outlier = PageOutlier(
                path=str(row.path),
                page_type=str(page_type),
                pageviews=int(row.pageviews),
                engaged_ms_per_pageview=float(row.value),
                type_median=median,
                type_mad=mad,
                direction="above" if gap > 0 else "below",
            )
            found.append((abs(gap) / mad if mad else float("inf"), outlier))
    found.sort(key=lambda item: (-item[0], item[1].page_type, item[1].path))
    return [outlier for _, outlier in found]
