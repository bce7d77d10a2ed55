"""Glue between the catalog's KPI settings and the metrics engine, shared by routes and CLI."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, timedelta
from decimal import Decimal

from mercato.catalog import kpi_settings
from mercato.catalog.models import Workspace
from mercato.core.timeutil import zone
from mercato.metrics import benchmarks as bm
from mercato.metrics.compiler import Slice
from mercato.metrics.goals import GoalProgress, progress
from mercato.metrics.overview import data_bounds
from mercato.metrics.present import format_value
from mercato.metrics.registry import KPI_BY_ID
from mercato.metrics.report import Compare, Report, build_report, comparison_window, delta
from mercato.metrics.timebuckets import Grain
from mercato.segments import service as segments
from mercato.warehouse.connection import ScopedWarehouse, Warehouse
from mercato.web.analytics_engine import analytics_warehouse
from mercato.web.segment_scope import segment_id, segment_scope
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
    segment: str | None = None  # a saved segment's id or name: only its visitors count


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
    """The report's numbers from `warehouse` (e.g. a Spark warehouse over a Parquet export;
    default: the workspace's `warehouse_engine`, ADR 0505); settings and forecasts from the
    catalog."""
    source = (
        warehouse.for_workspace(workspace.id)
        if warehouse is not None
        else analytics_warehouse(services, workspace.id, workspace.slug)
    )
    slice_ = Slice(
        request.first,
        request.last,
        workspace.time_zone,
        request.grain,
        request.dimensions,
        request.filters,
        segment=segment_id(services, workspace.id, request.segment),
    )
    scoped = segment_scope(services, workspace.id, slice_.segment, source)
    base_parameters = None
    if request.compare is not None:
        base = comparison_window(request.first, request.last, request.compare)
        base_parameters = forecast_parameters(services, workspace.id, *base)
    return build_report(
        scoped,
        slice_,
        request.compare,
        request.kpi_ids,
        forecast_parameters(services, workspace.id, request.first, request.last),
        base_parameters,
        currency=workspace.currency,
    )


def complete_through(scoped: ScopedWarehouse, time_zone: str, today: date) -> date:
    """The last complete local day with data: yesterday, or the data's last day if earlier
    (a loader lag or a demo seeded weeks ago is not a collapse of the business)."""
    last = today - timedelta(days=1)
    bounds = data_bounds(scoped)
    if bounds is not None:
        last_seen = bounds[1].replace(tzinfo=UTC).astimezone(zone(time_zone)).date()
        last = min(last, last_seen)
    return last


@dataclass(frozen=True)
class SegmentComparison:
    """The same report over two segments, side by side (a is the request's own segment)."""

    a: str
    a_name: str
    b: str
    b_name: str
    dimensions: tuple[str, ...]
    first: Report
    second: Report

    def rows(self) -> list[dict[str, object]]:
        found: list[dict[str, object]] = []
        for line in self.first.lines:
            other = self.second.line(line.kpi.id, line.key)
            b_value = other.current.value if other else None
            a_value = line.current.value
            found.append(
                {
                    "kpi": line.kpi.id,
                    "name": line.kpi.name,
                    "stage": line.kpi.stage.value,
                    **dict(zip(self.dimensions, line.key, strict=False)),
                    "a_value": a_value,
                    "a_display": format_value(line.kpi, a_value),
                    "b_value": b_value,
                    "b_display": format_value(line.kpi, b_value),
                    "relative": delta(b_value, a_value).relative,
                }
            )
        return found


def compare_segments(
    services: Services,
    workspace: Workspace,
    request: ReportRequest,
    other: str,
    warehouse: Warehouse | None = None,
) -> SegmentComparison:
    """`request` (which names segment a) and the same report over segment `other`."""
    first = run_report(services, workspace, request, warehouse)
    second = run_report(services, workspace, replace(request, segment=other), warehouse)
    with services.catalog.session() as session:
        a = segments.get_segment(session, workspace.id, request.segment or "")
        b = segments.get_segment(session, workspace.id, other)
        names = (a.id, a.name, b.id, b.name)
    return SegmentComparison(*names, request.dimensions, first, second)


def goals_progress(services: Services, workspace: Workspace, today: date) -> list[GoalProgress]:
    """Every goal's progress over complete days (`today` is the workspace's local date)."""
    with services.catalog.session() as session:
        goals = kpi_settings.list_goals(session, workspace.id)
        session.expunge_all()
    scoped = services.warehouse.for_workspace(workspace.id)
    through = complete_through(scoped, workspace.time_zone, today)
    found = []
    for goal in goals:
        parameters = forecast_parameters(services, workspace.id, goal.period_start, goal.period_end)
        found.append(
            progress(
                scoped, goal, through, workspace.time_zone, parameters, currency=workspace.currency
            )
        )
    return found


def goal_rows(services: Services, workspace_id: str) -> dict[str, tuple[str, str, str]]:
    """Goal id → (owner, team, note), for pages that show who owns what."""
    with services.catalog.session() as session:
        return {
            g.id: (g.owner, g.team, g.note) for g in kpi_settings.list_goals(session, workspace_id)
        }


KNOWN_KPIS = frozenset(KPI_BY_ID)
