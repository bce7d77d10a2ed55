"""The overview page: sessions, conversion and revenue by channel for a date range."""

from __future__ import annotations

import json
from datetime import date, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from mercato.core.timeutil import local_day_bounds_utc, zone
from mercato.metrics.overview import data_bounds, overview
from mercato.web.auth import AnalyticsPage, Principal, ServicesDep
from mercato.web.services import Services
from mercato.web.templating import render

router = APIRouter(include_in_schema=False)

DEFAULT_DAYS = 30


def default_range(services: Services, principal: Principal) -> tuple[date, date]:
    """The last 30 days that have data (the demo brand's data ends when it was seeded)."""
    bounds = data_bounds(services.warehouse.for_workspace(principal.workspace_id))
    last = bounds[1].date() if bounds else date.today()
    return last - timedelta(days=DEFAULT_DAYS - 1), last


@router.get("/", operation_id="overview_page")
def overview_page(
    request: Request,
    services: ServicesDep,
    principal: AnalyticsPage,
    start: date | None = None,
    end: date | None = None,
) -> HTMLResponse:
    if start is None or end is None:
        start, end = default_range(services, principal)
    if end < start:
        start, end = end, start
    tz = zone(principal.workspace.time_zone)
    begin_utc, end_utc = local_day_bounds_utc(start, end, tz)
    report = overview(
        services.warehouse.for_workspace(principal.workspace_id), begin_utc, end_utc, tz
    )
    channels = sorted({row.channel for row in report.daily})
    days = sorted({row.day for row in report.daily})
    counts = {(row.day, row.channel): row.sessions for row in report.daily}
    figure = {
        "data": [
            {
                "type": "scatter",
                "mode": "lines",
                "stackgroup": "one",
                "name": channel,
                "x": [day.isoformat() for day in days],
                "y": [counts.get((day, channel), 0) for day in days],
            }
            for channel in channels
        ],
        "layout": {
            "title": {"text": "Sessions by channel"},
            "margin": {"t": 40, "r": 10, "b": 40, "l": 50},
            "legend": {"orientation": "h"},
        },
    }
    return render(
        request,
        "overview.html",
        principal,
        report=report,
        start=start,
        end=end,
        figure_json=json.dumps(figure),
    )
