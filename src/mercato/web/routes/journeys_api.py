"""Consideration details over the API: sessions before purchase by first-touch channel, and
the pages far from their page type's median engaged time."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from mercato.core.timeutil import check_day_range, local_day_bounds_utc, zone
from mercato.metrics.journeys import (
    PageOutlier,
    SessionsBeforePurchase,
    page_outliers,
    sessions_before_purchase,
)
from mercato.runtime import Services, analytics_warehouse
from mercato.web.auth import AnalyticsReader, Principal, ServicesDep
from mercato.web.routes.overview_pages import default_range

router = APIRouter(prefix="/api/v1", tags=["kpis"])


class SessionsBeforePurchasePublic(BaseModel):
    start: date
    end: date
    time_zone: str
    rows: list[SessionsBeforePurchase]


class PageOutliersPublic(BaseModel):
    start: date
    end: date
    time_zone: str
    min_pageviews: int
    rows: list[PageOutlier]


def utc_window(
    services: Services, principal: Principal, start: date | None, end: date | None
) -> tuple[date, date, datetime, datetime]:
    """Local days start..end (default: the last 30 days with data) and their UTC bounds."""
    if start is None or end is None:
        default_start, default_end = default_range(services, principal)
        start, end = start or default_start, end or default_end
    check_day_range(start, end, location="end")
    begin_utc, end_utc = local_day_bounds_utc(start, end, zone(principal.workspace.time_zone))
    return start, end, begin_utc, end_utc


@router.get(
    "/sessions-before-purchase",
    operation_id="get_sessions_before_purchase",
    response_model=SessionsBeforePurchasePublic,
)
def get_sessions_before_purchase(
    services: ServicesDep,
    principal: AnalyticsReader,
    start: date | None = None,
    end: date | None = None,
) -> SessionsBeforePurchasePublic:
    """Purchasers of local days start..end by the channel of their first session: how many
    sessions (1, 2, 3, 4, 5+) up to and including the purchasing one, median and mean."""
    start, end, begin_utc, end_utc = utc_window(services, principal, start, end)
    scoped = analytics_warehouse(services, principal.workspace_id, principal.workspace.slug)
    rows = sessions_before_purchase(scoped, begin_utc, end_utc)
    return SessionsBeforePurchasePublic(
        start=start,
        end=end,
        time_zone=principal.workspace.time_zone,
        rows=rows,
    )


@router.get("/page-outliers", operation_id="get_page_outliers", response_model=PageOutliersPublic)
def get_page_outliers(
    services: ServicesDep,
    principal: AnalyticsReader,
    start: date | None = None,
    end: date | None = None,
    min_pageviews: Annotated[int, Query(ge=1)] = 20,
) -> PageOutliersPublic:
    """Pages whose engaged time per page view is more than 2 MADs from their page type's
    median, among pages with at least `min_pageviews` views in local days start..end."""
    start, end, begin_utc, end_utc = utc_window(services, principal, start, end)
    scoped = analytics_warehouse(services, principal.workspace_id, principal.workspace.slug)
    rows = page_outliers(scoped, begin_utc, end_utc, min_pageviews=min_pageviews)
    return PageOutliersPublic(
        start=start,
        end=end,
        time_zone=principal.workspace.time_zone,
        min_pageviews=min_pageviews,
        rows=rows,
    )
