"""KPIs over the API: the report (JSON or CSV), the registry, and the report's documents."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel

from mercato.core.errors import ValidationFailed
from mercato.core.timeutil import check_day_range, utcnow
from mercato.metrics.compiler import parse_dimensions, parse_filters
from mercato.metrics.present import records, to_csv
from mercato.metrics.registry import KPIS
from mercato.metrics.report import Compare, internal_benchmarks
from mercato.metrics.service import KNOWN_KPIS, ReportRequest, benchmark_map, workspace_benchmarks
from mercato.metrics.timebuckets import Grain
from mercato.runtime import analytics_warehouse
from mercato.segments.reports import kpi_report
from mercato.web.auth import AnalyticsReader, ServicesDep
from mercato.web.segment_scope import segment_scope
from mercato.web.stores import analytics_stores

router = APIRouter(prefix="/api/v1", tags=["kpis"])
DEFAULT_DAYS = 30


class KpiDefinition(BaseModel):
    id: str
    name: str
    stage: str
    unit: str
    better: str
    denominator: str | None
    formula: str
    description: str
    additive: bool


class KpiReport(BaseModel):
    start: date
    end: date
    time_zone: str
    compare: Compare | None
    base_start: date | None
    base_end: date | None
    dimensions: list[str]
    rows: list[dict[str, Any]]
    unsupported: dict[str, str]
    segment: str | None = None  # the id of the segment the numbers are limited to


@router.get("/kpi-definitions", operation_id="list_kpi_definitions")
def list_kpi_definitions(principal: AnalyticsReader) -> list[KpiDefinition]:
    return [
        KpiDefinition(
            id=k.id,
            name=k.name,
            stage=k.stage.value,
            unit=k.unit.value,
            better=k.better.value,
            denominator=k.denominator,
            formula=k.formula_text,
            description=k.description,
            additive=k.additive,
        )
        for k in KPIS
    ]


def _request(
    start: date | None,
    end: date | None,
    compare: Compare | None,
    by: list[str],
    where: list[str],
    grain: Grain | None,
    kpi: list[str],
    segment: str | None = None,
) -> ReportRequest:
    last = end or utcnow().date()
    first = start or last - timedelta(days=DEFAULT_DAYS - 1)
    check_day_range(first, last, location="query.end")
    unknown = sorted(set(kpi) - KNOWN_KPIS)
    if unknown:
        raise ValidationFailed(f"unknown KPI(s) {', '.join(unknown)}", location="query.kpi")
    return ReportRequest(
        first,
        last,
        compare,
        parse_dimensions(by, "query.by"),
        parse_filters(where, "query.filter"),
        grain,
        tuple(kpi) or None,
        segment or None,
    )


@router.get("/kpis", operation_id="get_kpis", response_model=None)
def get_kpis(
    services: ServicesDep,
    principal: AnalyticsReader,
    start: date | None = None,
    end: date | None = None,
    compare: Compare | None = None,
    by: Annotated[list[str], Query()] = [],  # noqa: B006 (FastAPI copies query defaults)
    where: Annotated[list[str], Query(alias="filter")] = [],  # noqa: B006
    grain: Grain | None = None,
    kpi: Annotated[list[str], Query()] = [],  # noqa: B006
    internal: bool = False,
    format: Literal["json", "csv"] = "json",
    segment: Annotated[str | None, Query(max_length=200)] = None,
) -> KpiReport | Response:
    """The full-funnel report for local days start..end (default: the last 30 days); with
    `segment` (a saved segment's id or name) only that segment's visitors count."""
    request = _request(start, end, compare, by, where, grain, kpi, segment)
    report = kpi_report(
        *analytics_stores(services, principal.workspace), principal.workspace, request
    )
    rows = records(
        report,
        benchmark_map(workspace_benchmarks(services.catalog.for_workspace(principal.workspace_id))),
    )
    if internal:
        scoped = segment_scope(
            services,
            principal.workspace_id,
            report.slice_.segment,
            analytics_warehouse(services, principal.workspace_id, principal.workspace.slug),
        )
        ids = list(request.kpi_ids or [k.id for k in KPIS])
        own = internal_benchmarks(scoped, report.slice_, ids)
        for row in rows:
            row["internal_benchmark"] = own.get(row["kpi"])
    if format == "csv":
        name = f"kpis-{request.first}-{request.last}.csv"
        return Response(
            to_csv(rows),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    base = report.base_window
    return KpiReport(
        start=request.first,
        end=request.last,
        time_zone=principal.workspace.time_zone,
        compare=compare,
        base_start=base[0] if base else None,
        base_end=base[1] if base else None,
        dimensions=list(request.dimensions),
        rows=rows,
        unsupported=report.unsupported,
        segment=report.slice_.segment,
    )
