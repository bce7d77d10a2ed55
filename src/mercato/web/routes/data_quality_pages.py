"""The data-quality page: what each import did with every row, per import and per day."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from mercato.web.auth import AnalyticsPage, ServicesDep
from mercato.web.routes.data_quality_api import quality_report
from mercato.web.templating import render

router = APIRouter()


@router.get("/data-quality", include_in_schema=False, operation_id="data_quality_page")
def data_quality_page(
    request: Request,
    services: ServicesDep,
    principal: AnalyticsPage,
    start: date | None = None,
    end: date | None = None,
) -> HTMLResponse:
    report = quality_report(services, principal, start, end)
    return render(request, "data_quality.html", principal, report=report)
