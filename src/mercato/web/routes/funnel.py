"""The Full funnel page: awareness → consideration → purchase, with benchmarks and goals."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from mercato.core import labels
from mercato.core.timeutil import check_day_range, local_day_bounds_utc, zone
from mercato.metrics.benchmarks import Benchmark
from mercato.metrics.compiler import Slice
from mercato.metrics.journeys import BUCKETS, page_outliers, sessions_before_purchase
from mercato.metrics.present import format_delta, format_value
from mercato.metrics.registry import KPIS
from mercato.metrics.report import Compare, Report, internal_benchmarks, sparkline
from mercato.metrics.spec import Kpi, Stage
from mercato.segments.service import list_segments
from mercato.sharing.schemas import ViewName, ViewParameters
from mercato.web.auth import AnalyticsPage, ServicesDep
from mercato.web.exports import ExportFormat
from mercato.web.kpi_reports import (
    ReportRequest,
    benchmark_map,
    goals_progress,
    run_report,
    workspace_benchmarks,
)
from mercato.web.routes.overview import default_range
from mercato.web.segment_scope import segment_scope
from mercato.web.templating import render

router = APIRouter(include_in_schema=False)
DRILLS = ("platform", "campaign")
DEFAULT_DAYS = 30


def _tile(
    report: Report,
    kpi_id: str,
    marks: dict[tuple[str, str | None], Benchmark],
    series: dict[str, list[tuple[str, Any]]],
    own: float | None,
) -> dict[str, Any]:
    line = report.line(kpi_id)
    kpi = next(k for k in KPIS if k.id == kpi_id)
    mark = marks.get((kpi_id, None))
    per_platform = sorted(
        (b for (k, p), b in marks.items() if k == kpi_id and p), key=lambda b: b.platform or ""
    )
    points = series.get(kpi_id, [])
    figure = {
        "data": [
            {
                "type": "scatter",
                "mode": "lines",
                "x": [p[0] for p in points],
                "y": [None if p[1] is None else float(p[1]) for p in points],
                "line": {"width": 1.5},
                "hoverinfo": "x+y",
            }
        ],
        "layout": {
            "margin": {"t": 2, "r": 2, "b": 2, "l": 2},
            "height": 40,
            "xaxis": {"visible": False},
            "yaxis": {"visible": False},
            "showlegend": False,
        },
    }
    coverage = line.current.coverage if line else None
    return {
        "kpi": kpi,
        "value": format_value(kpi, line.current.value if line else None),
        "aggregation": _aggregation_text(line.current.aggregation) if line else "",
        "delta": format_delta(kpi, line) if line and report.compare else None,
        "coverage": f"{coverage.used}/{coverage.total} posts" if coverage else None,
        "benchmark": _benchmark_text(kpi, mark, per_platform),
        "benchmark_label": (mark or (per_platform[0] if per_platform else None)).label  # type: ignore[union-attr]
        if mark or per_platform
        else None,
        "figure": json.dumps(figure),
        "internal": format_value(kpi, own) if own is not None else None,
    }


def _aggregation_text(text: str | None) -> str:
    """An aggregation as the page shows it: a scaled KPI's parts by name, not by id, joined
    by a multiplication sign; the API keeps the ids."""
    names = {kpi.id: kpi.name for kpi in KPIS}
    return " \N{MULTIPLICATION SIGN} ".join(
        names.get(part) or labels.english(labels.Kind.PARAMETER, part)
        for part in (text or "").split(" x ")
    )


def _benchmark_text(kpi: Kpi, mark: Benchmark | None, per_platform: list[Benchmark]) -> str | None:
    """One figure, or one per platform when benchmarks exist per platform only."""
    if mark is not None:
        return format_value(kpi, mark.value)
    if not per_platform:
        return None
    return ", ".join(
        f"{labels.english(labels.Kind.PLATFORM, b.platform)} {format_value(kpi, b.value)}"
        for b in per_platform
    )


def drill_table(report: Report, dimension: str) -> dict[str, Any]:
    keys = sorted({line.key for line in report.lines})
    cells = {
        (line.kpi.id, line.key): format_value(line.kpi, line.current.value) for line in report.lines
    }
    rows = [
        {"kpi": kpi, "cells": [cells.get((kpi.id, key), "") for key in keys]}
        for kpi in KPIS
        if kpi.id not in report.unsupported
    ]
    return {"dimension": dimension, "columns": [k[0] for k in keys], "rows": rows}


@router.get("/funnel", operation_id="funnel_page")
def funnel_page(
    request: Request,
    services: ServicesDep,
    principal: AnalyticsPage,
    start: date | None = None,
    end: date | None = None,
    compare: Compare = Compare.PREVIOUS,
    drill: str = "platform",
    segment: str | None = None,
    format: ExportFormat | None = None,
    table: str | None = None,
) -> Response:
    workspace = principal.workspace
    today = datetime.now(zone(workspace.time_zone)).date()
    end = end or default_range(services, principal)[1]  # the last day that has data
    start = start or end - timedelta(days=DEFAULT_DAYS - 1)
    check_day_range(start, end, location="end")
    drill = drill if drill in DRILLS else "platform"
    if format is not None:
        from mercato.web.report_views import page_export  # builds on this module

        view = ViewParameters(start=start, end=end)
        return page_export(services, principal, ViewName.FUNNEL, view, format, table)
    segment = segment or None
    report = run_report(services, workspace, ReportRequest(start, end, compare, segment=segment))
    marks = benchmark_map(workspace_benchmarks(services, workspace.id))
    chosen = report.slice_.segment
    scoped = segment_scope(
        services, workspace.id, chosen, services.warehouse.for_workspace(workspace.id)
    )
    whole = Slice(start, end, workspace.time_zone, segment=chosen)
    own = internal_benchmarks(scoped, whole, [k.id for k in KPIS])
    series = sparkline(scoped, whole, [k.id for k in KPIS])
    stages = [
        (
            stage,
            [_tile(report, k.id, marks, series, own.get(k.id)) for k in KPIS if k.stage is stage],
        )
        for stage in Stage
    ]
    begin_utc, end_utc = local_day_bounds_utc(start, end, zone(workspace.time_zone))
    drilled = run_report(
        services, workspace, ReportRequest(start, end, dimensions=(drill,), segment=segment)
    )
    with services.catalog.session() as session:
        choices = [(s.id, s.name) for s in list_segments(session, workspace.id)]
    return render(
        request,
        "funnel.html",
        principal,
        stages=stages,
        start=start,
        end=end,
        compare=compare,
        base=report.base_window,
        drill=drill_table(drilled, drill),
        drills=DRILLS,
        goals=goals_progress(services, workspace, today),
        journeys=sessions_before_purchase(scoped, begin_utc, end_utc),
        buckets=BUCKETS,
        outliers=page_outliers(scoped, begin_utc, end_utc),
        format_value=format_value,
        segments=choices,
        segment=chosen,
    )
