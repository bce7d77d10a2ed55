"""`GET /api/v1/traffic`: sessions and engagement by channel, platform and landing page; and
the report the Traffic page, its exports and shared views read (`traffic_report`)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from mercato.collect.traffic import Traffic, TrafficRow, traffic
from mercato.core.timeutil import check_day_range, local_day_bounds_utc, zone
from mercato.runtime import Services, analytics_warehouse
from mercato.web.auth import AnalyticsReader, Principal, ServicesDep
from mercato.web.routes.overview_pages import default_range
from mercato.web.segment_scope import segment_scope

router = APIRouter()
DEFAULT_DAYS = 30


class TrafficRowPublic(BaseModel):
    label: str
    sessions: int
    engaged_sessions: int
    engagement_rate: float | None
    engaged_ms: int | None
    average_engaged_s: float | None


class TrafficPublic(BaseModel):
    start: date
    end: date
    total: TrafficRowPublic
    by_channel: list[TrafficRowPublic]
    by_social_platform: list[TrafficRowPublic]
    landing_pages: list[TrafficRowPublic]


def _public(row: TrafficRow) -> TrafficRowPublic:
    return TrafficRowPublic(
        label=row.label,
        sessions=row.sessions,
        engaged_sessions=row.engaged_sessions,
        engagement_rate=row.engagement_rate,
        engaged_ms=row.engaged_ms,
        average_engaged_s=row.average_engaged_s,
    )


def traffic_report(
    services: Services,
    principal: Principal,
    start: date | None,
    end: date | None,
    segment: str | None = None,
) -> tuple[Traffic, date, date]:
    end = end or default_range(services, principal)[1]  # the last day that has data
    start = start or end - timedelta(days=DEFAULT_DAYS - 1)
    check_day_range(start, end, location="end")
    begin_utc, end_utc = local_day_bounds_utc(start, end, zone(principal.workspace.time_zone))
    scoped = segment_scope(
        services,
        principal.workspace_id,
        segment or None,
        analytics_warehouse(services, principal.workspace_id, principal.workspace.slug),
    )
    return traffic(scoped, begin_utc, end_utc), start, end


@router.get("/api/v1/traffic", operation_id="get_traffic", response_model=TrafficPublic)
def get_traffic(
    services: ServicesDep,
    principal: AnalyticsReader,
    start: date | None = None,
    end: date | None = None,
    segment: Annotated[str | None, Query(max_length=200)] = None,
) -> TrafficPublic:
    """Sessions, engaged sessions and engaged time by channel, social platform and landing page
    for local days `start`..`end` (default: the last 30 days); with `segment`, only the
    saved segment's visitors."""
    report, start, end = traffic_report(services, principal, start, end, segment)
    return TrafficPublic(
        start=start,
        end=end,
        total=_public(report.total),
        by_channel=[_public(r) for r in report.by_channel],
        by_social_platform=[_public(r) for r in report.by_social_platform],
        landing_pages=[_public(r) for r in report.landing_pages],
    )
