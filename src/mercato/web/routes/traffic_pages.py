"""The Traffic page: sessions and engagement by channel, platform and landing page."""

from __future__ import annotations

import json
from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import Response

from mercato.segments.service import list_segments
from mercato.sharing.schemas import ViewName, ViewParameters
from mercato.web.auth import AnalyticsPage, ServicesDep
from mercato.web.exports import ExportFormat, view_answers
from mercato.web.routes.traffic_api import traffic_report
from mercato.web.segment_scope import segment_id
from mercato.web.templating import render, translator

router = APIRouter()


@router.get("/traffic", include_in_schema=False, operation_id="traffic_page")
def traffic_page(
    request: Request,
    services: ServicesDep,
    principal: AnalyticsPage,
    start: date | None = None,
    end: date | None = None,
    segment: str | None = None,
    format: ExportFormat | None = None,
    table: str | None = None,
) -> Response:
    report, start, end = traffic_report(services, principal, start, end, segment)
    if format is not None and view_answers(format, table, narrowed=bool(segment)):
        from mercato.web.report_views import page_export  # builds on this module

        view = ViewParameters(start=start, end=end)
        return page_export(services, principal, ViewName.TRAFFIC, view, format, table)
    with services.catalog.session() as session:
        choices = [(s.id, s.name) for s in list_segments(session, principal.workspace_id)]
    _ = translator(request, principal)
    channels = [_(r.label) for r in report.by_channel]
    figure = {
        "data": [
            {
                "type": "bar",
                "name": _("Sessions"),
                "x": channels,
                "y": [r.sessions for r in report.by_channel],
            },
            {
                "type": "bar",
                "name": _("Engaged sessions"),
                "x": channels,
                "y": [r.engaged_sessions for r in report.by_channel],
            },
        ],
        "layout": {
            "title": {"text": _("Sessions by channel")},
            "barmode": "group",
            "margin": {"t": 40, "r": 10, "b": 80, "l": 50},
            "legend": {"orientation": "h"},
        },
    }
    return render(
        request,
        "traffic.html",
        principal,
        report=report,
        start=start,
        end=end,
        figure_json=json.dumps(figure),
        segments=choices,
        segment=segment_id(services, principal.workspace_id, segment),
    )
