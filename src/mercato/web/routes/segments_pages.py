"""The Segments page: each segment's size and weekly trend, and two segments side by side."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from mercato.core.timeutil import check_day_range, utcnow
from mercato.metrics.service import ReportRequest
from mercato.segments import service as segments
from mercato.segments.reports import SegmentComparison, compare_segments
from mercato.web.auth import AnalyticsPage, ServicesDep
from mercato.web.routes.overview_pages import default_range
from mercato.web.stores import scoped_stores
from mercato.web.templating import render

router = APIRouter(include_in_schema=False)
DEFAULT_DAYS = 30
COMPARED_KPIS = (
    "sessions",
    "engaged_session_rate",
    "lead_capture_rate",
    "sessions_before_purchase",
    "cart_abandonment_rate",
    "conversion_rate",
    "transactions",
    "revenue_net",
    "aov_net",
)


def _trend_figure(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": row["name"],
                "x": [p.week.isoformat() for p in row["size"].trend],
                "y": [p.visitors for p in row["size"].trend],
            }
            for row in rows
        ],
        "layout": {
            "title": {"text": "Members with a session, per week"},
            "margin": {"t": 40, "r": 10, "b": 40, "l": 50},
            "legend": {"orientation": "h"},
        },
    }


@router.get("/segments", operation_id="segments_page")
def segments_page(
    request: Request,
    services: ServicesDep,
    principal: AnalyticsPage,
    a: str = "",
    b: str = "",
    start: date | None = None,
    end: date | None = None,
) -> HTMLResponse:
    workspace_id = principal.workspace_id
    scoped = services.warehouse.for_workspace(workspace_id)
    today = utcnow().date()
    with services.catalog.session() as session:
        saved = segments.list_segments(session, workspace_id)
        resolved = [segments.resolve(session, workspace_id, s.id) for s in saved]
        rows = [
            {"segment": segments.public(s), "name": s.name, "size": segments.size(scoped, r, today)}
            for s, r in zip(saved, resolved, strict=True)
        ]
    end = end or default_range(services, principal)[1]
    start = start or end - timedelta(days=DEFAULT_DAYS - 1)
    check_day_range(start, end, location="end")
    pair: SegmentComparison | None = None
    if a and b:
        report = ReportRequest(start, end, kpi_ids=COMPARED_KPIS, segment=a)
        pair = compare_segments(
            *scoped_stores(services, principal.workspace.id), principal.workspace, report, b
        )
    return render(
        request,
        "segments.html",
        principal,
        rows=rows,
        figure_json=json.dumps(_trend_figure(rows)),
        pair=pair,
        pair_rows=pair.rows() if pair else [],
        a=a,
        b=b,
        start=start,
        end=end,
    )
