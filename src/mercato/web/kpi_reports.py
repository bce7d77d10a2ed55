"""Glue between the catalog's KPI settings and the metrics engine, shared by routes and CLI."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from mercato.catalog import kpi_settings
from mercato.catalog.models import Workspace
from mercato.metrics import benchmarks as bm
from mercato.metrics.compiler import Slice
from mercato.metrics.goals import GoalProgress, progress
from mercato.metrics.registry import KPI_BY_ID
from mercato.metrics.report import Compare, Report, build_report, comparison_window
from mercato.metrics.timebuckets import Grain
from mercato.warehouse.connection import Warehouse
from mercato.web.services import Services

FORECAST = "revenue_forecast"


@dataclass(frozen=True)
class ReportRequest:
    first: date
    last: date
    compare: Compare | None = None
    dimensions: tuple[str, ...] = ()
    filters: tuple[tuple[str, tuple[str, ...]], ...] = ()
    grain: Grain | None = None
    kpi_ids: tuple[str, ...] | None = None


def workspace_benchmarks(services: Services, workspace_id: str) -> list[bm.Benchmark]:
    with services.catalog.session() as session:
        return [bm.from_row(row) for row in kpi_settings.list_benchmarks(session, workspace_id)]


def benchmark_map(overrides: list[bm.Benchmark]) -> dict[tuple[str, str | None], bm.Benchmark]:
    return {(b.kpi_id, b.platform): b for b in bm.catalogue(overrides)}


def forecast_parameters(
    services: Services, workspace_id: str, first: date, last: date
) -> dict[str, Decimal]:
    with services.catalog.session() as session:
        amount = kpi_settings.forecast_for(session, workspace_id, first, last)
    return {FORECAST: amount} if amount is not None else {}


def run_report(
    services: Services,
    workspace: Workspace,
    request: ReportRequest,
    warehouse: Warehouse | None = None,
) -> Report:
    """The report's numbers from `warehouse` (default: the services' own DuckDB warehouse;
    e.g. a Spark warehouse over a Parquet export); settings and forecasts from the catalog."""
    source = warehouse or services.warehouse
    slice_ = Slice(
        request.first,
        request.last,
        workspace.time_zone,
        request.grain,
        request.dimensions,
        request.filters,
    )
    base_parameters = None
    if request.compare is not None:
        base = comparison_window(request.first, request.last, request.compare)
        base_parameters = forecast_parameters(services, workspace.id, *base)
    return build_report(
        source.for_workspace(workspace.id),
        slice_,
        request.compare,
        request.kpi_ids,
        forecast_parameters(services, workspace.id, request.first, request.last),
        base_parameters,
        currency=workspace.currency,
    )


def goals_progress(services: Services, workspace: Workspace, today: date) -> list[GoalProgress]:
    with services.catalog.session() as session:
        goals = kpi_settings.list_goals(session, workspace.id)
        session.expunge_all()
    scoped = services.warehouse.for_workspace(workspace.id)
    found = []
    for goal in goals:
        parameters = forecast_parameters(services, workspace.id, goal.period_start, goal.period_end)
        found.append(
            progress(
                scoped, goal, today, workspace.time_zone, parameters, currency=workspace.currency
            )
        )
    return found


KNOWN_KPIS = frozenset(KPI_BY_ID)
