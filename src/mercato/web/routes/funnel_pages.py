"""The Full funnel page: awareness → consideration → purchase, with benchmarks and goals."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from mercato.core import labels
from mercato.core.scopes import Scope
from mercato.core.timeutil import check_day_range, local_day_bounds_utc, zone
from mercato.metrics.benchmarks import Benchmark
from mercato.metrics.compiler import Slice
from mercato.metrics.evaluate import Number
from mercato.metrics.journeys import BUCKETS, page_outliers, sessions_before_purchase
from mercato.metrics.present import format_value
from mercato.metrics.registry import KPI_BY_ID, KPIS
from mercato.metrics.report import Compare, Report, internal_benchmarks, sparkline
from mercato.metrics.service import (
    ReportRequest,
    benchmark_map,
    forecast_parameters,
    goals_progress,
    workspace_benchmarks,
)
from mercato.metrics.spec import Kpi, Stage
from mercato.metrics.stage_funnel import STAGE_KPIS, platform_funnels
from mercato.runtime import Services
from mercato.segments.reports import kpi_report
from mercato.segments.service import list_segments
from mercato.sharing.schemas import ViewName, ViewParameters
from mercato.web.auth import AnalyticsPage, Principal, ServicesDep
from mercato.web.exports import ExportFormat, view_answers
from mercato.web.routes.overview_pages import default_range
from mercato.web.segment_scope import segment_scope
from mercato.web.stores import analytics_stores, scoped_stores
from mercato.web.templating import render, translator
from mercato.web.verdict_views import (
    delta_view,
    rate_text,
    sources,
    stage_figure,
    verdict_view,
)

router = APIRouter(include_in_schema=False)
DRILLS = ("platform", "campaign")
DEFAULT_DAYS = 30


def _spark(kpi: Kpi, points: list[tuple[str, Any]]) -> dict[str, Any]:
    """A sparkline with its scale: the lowest and highest values on the y axis, in the KPI's
    unit (the first and last day are written under it, the tile's `spark_days`)."""
    y = [None if p[1] is None else float(p[1]) for p in points]
    known = [v for v in y if v is not None]
    low, high = (min(known), max(known)) if known else (None, None)
    ticks = sorted({v for v in (low, high) if v is not None})
    days = [p[0] for p in points]
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "lines",
                "x": days,
                "y": y,
                "line": {"width": 1.5},
                "hoverinfo": "x+y",
            }
        ],
        "layout": {
            "margin": {"t": 4, "r": 4, "b": 16, "l": 4},
            "height": 72,
            "xaxis": {"visible": False, "fixedrange": True},  # the days are under the chart
            "yaxis": {
                "tickvals": ticks,
                "ticktext": [format_value(kpi, v) for v in ticks],
                "tickfont": {"size": 9},
                "automargin": True,
                "zeroline": False,
                "gridcolor": "#e4e7ec",
                "fixedrange": True,
            },
            "showlegend": False,
        },
    }


def _tile(
    report: Report,
    kpi_id: str,
    marks: dict[tuple[str, str | None], Benchmark],
    series: dict[str, list[tuple[str, Any]]],
    own: float | None,
    by_platform: Report,
) -> dict[str, Any]:
    line = report.line(kpi_id)
    kpi = KPI_BY_ID[kpi_id]
    mark = marks.get((kpi_id, None))
    points = series.get(kpi_id, [])
    coverage = line.current.coverage if line else None
    value = line.current.value if line else None
    if mark is not None:
        verdicts = [verdict_view(kpi, value, mark)]
    else:  # benchmarks per platform only: each platform's value against its own
        verdicts = [
            verdict_view(kpi, _value(by_platform, kpi_id, platform), b, platform)
            for (k, platform), b in sorted(marks.items(), key=lambda item: item[0][1] or "")
            if k == kpi_id and platform
        ]
    judged = [v for v in verdicts if v is not None]
    unjudged = _unjudged(kpi, mark, marks, by_platform)
    return {
        "kpi": kpi,
        "value": format_value(kpi, value),
        "aggregation": _aggregation_text(line.current.aggregation) if line else "",
        "delta": delta_view(kpi, line.delta) if line and report.compare else None,
        "coverage": f"{coverage.used}/{coverage.total} posts" if coverage else None,
        "verdicts": judged,
        "unjudged": unjudged,
        "sources": sources(judged + unjudged),
        "figure": json.dumps(_spark(kpi, points)),
        "spark_days": (points[0][0], points[-1][0]) if points else None,
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


def _value(report: Report, kpi_id: str, platform: str) -> Number | None:
    line = report.line(kpi_id, (platform,))
    return line.current.value if line else None


def _unjudged(
    kpi: Kpi,
    mark: Benchmark | None,
    marks: dict[tuple[str, str | None], Benchmark],
    by_platform: Report,
) -> list[dict[str, Any]]:
    """Per-platform benchmarks the range has no value to judge against (still shown)."""
    if mark is not None:
        return []
    return [
        {
            "platform": platform,
            "benchmark": format_value(kpi, b.value),
            "label": b.label,
            "url": b.url,
        }
        for (k, platform), b in sorted(marks.items(), key=lambda item: item[0][1] or "")
        if k == kpi.id and platform and _value(by_platform, kpi.id, platform) is None
    ]


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


def _platform_report(
    services: Services, principal: Principal, start: date, end: date, segment: str | None
) -> Report:
    """By platform, only what the stage funnels and per-platform benchmarks read."""
    wanted = {kpi_id for _, kpi_id in STAGE_KPIS}
    wanted |= {
        b.kpi_id
        for b in workspace_benchmarks(services.catalog.for_workspace(principal.workspace_id))
    }
    wanted |= {k.benchmark for k in KPIS if k.benchmark}
    ids = tuple(k.id for k in KPIS if k.id in wanted)
    request = ReportRequest(start, end, dimensions=("platform",), kpi_ids=ids, segment=segment)
    return kpi_report(
        *analytics_stores(services, principal.workspace), principal.workspace, request
    )


# The page's goals table is a short summary of the view's (the Goals page shows it whole);
# the stage funnels' table exists only on the page.
PAGE_ONLY_TABLES = frozenset({"goals", "stage-table"})


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
    if format is not None and view_answers(
        format, table, PAGE_ONLY_TABLES, narrowed=bool(segment) or drill != "platform"
    ):
        from mercato.web.report_views import page_export  # builds on this module

        view = ViewParameters(start=start, end=end)
        return page_export(services, principal, ViewName.FUNNEL, view, format, table)
    segment = segment or None
    catalog, numbers = analytics_stores(services, workspace)  # the workspace's engine, once
    report = kpi_report(
        catalog, numbers, workspace, ReportRequest(start, end, compare, segment=segment)
    )
    marks = benchmark_map(workspace_benchmarks(catalog))
    chosen = report.slice_.segment
    scoped = segment_scope(services, workspace.id, chosen, numbers)
    whole = Slice(start, end, workspace.time_zone, segment=chosen)
    own = internal_benchmarks(scoped, whole, [k.id for k in KPIS])
    series = sparkline(scoped, whole, [k.id for k in KPIS])
    begin_utc, end_utc = local_day_bounds_utc(start, end, zone(workspace.time_zone))
    drilled = kpi_report(
        catalog, numbers, workspace, ReportRequest(start, end, dimensions=(drill,), segment=segment)
    )
    by_platform = (
        drilled
        if drill == "platform"
        else _platform_report(services, principal, start, end, segment)
    )
    stages = [
        (
            stage,
            [
                _tile(report, k.id, marks, series, own.get(k.id), by_platform)
                for k in KPIS
                if k.stage is stage
            ],
        )
        for stage in Stage
    ]
    gettext = translator(request, principal)
    funnels = [
        (funnel, json.dumps(stage_figure(funnel, gettext)))
        for funnel in platform_funnels(by_platform)
    ]
    with services.catalog.session() as session:
        choices = [(s.id, s.name) for s in list_segments(session, workspace.id)]
    return render(
        request,
        "funnel.html",
        principal,
        stages=stages,
        funnels=funnels,
        rate_text=rate_text,
        needs_forecast=not forecast_parameters(
            services.catalog.for_workspace(workspace.id), start, end
        ),
        can_set_forecast=Scope.ADMIN in principal.scopes,
        start=start,
        end=end,
        compare=compare,
        base=report.base_window,
        drill=drill_table(drilled, drill),
        drills=DRILLS,
        goals=goals_progress(*scoped_stores(services, workspace.id), workspace, today),
        journeys=sessions_before_purchase(scoped, begin_utc, end_utc),
        buckets=BUCKETS,
        outliers=page_outliers(scoped, begin_utc, end_utc),
        format_value=format_value,
        segments=choices,
        segment=chosen,
    )
