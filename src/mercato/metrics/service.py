"""The KPI service: reports, benchmarks, forecasts and goal progress over one workspace.

Routes, pages, shared views and the CLI call it with the workspace's scoped stores. The
warehouse it receives is already the one the report reads: the tenant's, or narrowed to a
saved segment's visitors (`segments.reports.kpi_report` does that and then calls here, since
segments build on metrics and not the other way round).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, timedelta
from decimal import Decimal

from mercato.catalog import kpi_settings
from mercato.catalog.models import Workspace
from mercato.catalog.scoped import WorkspaceCatalog
from mercato.core.timeutil import zone
from mercato.metrics import benchmarks as bm
from mercato.metrics.compiler import Slice
from mercato.metrics.goals import GoalProgress, progress
from mercato.metrics.overview import data_bounds
from mercato.metrics.registry import KPI_BY_ID
from mercato.metrics.report import Compare, Report, build_report, comparison_window
from mercato.metrics.timebuckets import Grain
from mercato.warehouse.connection import ScopedWarehouse

FORECAST = "revenue_forecast"
KNOWN_KPIS = frozenset(KPI_BY_ID)


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


def workspace_benchmarks(catalog: WorkspaceCatalog) -> list[bm.Benchmark]:
    with catalog.session() as scoped:
        rows = kpi_settings.list_benchmarks(scoped.session, catalog.workspace_id)
        return [bm.from_row(row) for row in rows]


def benchmark_map(overrides: list[bm.Benchmark]) -> dict[tuple[str, str | None], bm.Benchmark]:
    return {(b.kpi_id, b.platform): b for b in bm.catalogue(overrides)}


def forecast_parameters(catalog: WorkspaceCatalog, first: date, last: date) -> dict[str, Decimal]:
    with catalog.session() as scoped:
        amount = kpi_settings.forecast_for(scoped.session, catalog.workspace_id, first, last)
    return {FORECAST: amount} if amount is not None else {}


def run_report(
    catalog: WorkspaceCatalog,
    warehouse: ScopedWarehouse,
    workspace: Workspace,
    request: ReportRequest,
) -> Report:
    """The report's numbers from `warehouse` (the workspace's DuckDB warehouse, a Spark one
    over a Parquet export, or either narrowed to `request.segment`, which is then the
    segment's id); settings and forecasts from the catalog."""
    slice_ = Slice(
        request.first,
        request.last,
        workspace.time_zone,
        request.grain,
        request.dimensions,
        request.filters,
        segment=request.segment,
    )
    base_parameters = None
    if request.compare is not None:
        base = comparison_window(request.first, request.last, request.compare)
        base_parameters = forecast_parameters(catalog, *base)
    return build_report(
        warehouse,
        slice_,
        request.compare,
        request.kpi_ids,
        forecast_parameters(catalog, request.first, request.last),
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


def goals_progress(
    catalog: WorkspaceCatalog, warehouse: ScopedWarehouse, workspace: Workspace, today: date
) -> list[GoalProgress]:
    """Every goal's progress over complete days (`today` is the workspace's local date)."""
    with catalog.session() as scoped:
        goals = kpi_settings.list_goals(scoped.session, catalog.workspace_id)
        scoped.session.expunge_all()
    through = complete_through(warehouse, workspace.time_zone, today)
    found = []
    for goal in goals:
        parameters = forecast_parameters(catalog, goal.period_start, goal.period_end)
        found.append(
            progress(
                warehouse,
                goal,
                through,
                workspace.time_zone,
                parameters,
                currency=workspace.currency,
            )
        )
    return found


def goal_rows(catalog: WorkspaceCatalog) -> dict[str, tuple[str, str, str]]:
    """Goal id → (owner, team, note), for pages that show who owns what."""
    with catalog.session() as scoped:
        goals = kpi_settings.list_goals(scoped.session, catalog.workspace_id)
        return {g.id: (g.owner, g.team, g.note) for g in goals}
