"""`mercato report`, `mercato goals`, `mercato metrics docs`: the KPI engine from the shell."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from mercato.catalog import kpi_settings, workspaces
from mercato.catalog.kpi_settings import Team
from mercato.catalog.models import Workspace
from mercato.cli.context import console, fail, opened_services
from mercato.core import labels
from mercato.core.errors import ValidationFailed
from mercato.core.timeutil import check_day_range, zone
from mercato.metrics.compiler import parse_dimensions, parse_filters
from mercato.metrics.docs import DOCS_PATH, render_docs
from mercato.metrics.goals import GoalProgress
from mercato.metrics.present import format_unit, format_value, records, to_csv
from mercato.metrics.report import Compare
from mercato.metrics.service import (
    KNOWN_KPIS,
    ReportRequest,
    benchmark_map,
    goals_progress,
    workspace_benchmarks,
)
from mercato.metrics.spec import Unit
from mercato.metrics.timebuckets import Grain
from mercato.runtime import Services, analytics_warehouse
from mercato.segments.reports import SegmentComparison, compare_segments, kpi_report
from mercato.sharing.export import ExportFormat, exported
from mercato.sharing.schemas import ViewName, ViewParameters
from mercato.warehouse.lake import check_holds, exported_workspace, open_spark
from mercato.warehouse.scoped import ScopedWarehouse
from mercato.web.report_views import build_view

goals_app = typer.Typer(help="KPI goals: a target per KPI and period.", no_args_is_help=True)
metrics_app = typer.Typer(help="The KPI registry.", no_args_is_help=True)


class Format(StrEnum):
    TABLE = "table"
    CSV = "csv"
    JSON = "json"
    PDF = "pdf"


class ReportEngine(StrEnum):
    DUCKDB = "duckdb"  # the warehouse itself
    SPARK = "spark"  # a Parquet export of it (`mercato warehouse export`)


WorkspaceOption = Annotated[str, typer.Option("--workspace", "-w", help="Workspace slug.")]


def _date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise fail(f"{option}: expected a date YYYY-MM-DD, got {text!r}") from None


def _check_range(first: date, last: date) -> None:
    try:
        check_day_range(first, last, location="--to")
    except ValidationFailed as exc:
        raise fail(str(exc)) from None


def report(
    workspace: WorkspaceOption,
    start: Annotated[str, typer.Option("--from", help="First local day, YYYY-MM-DD.")],
    end: Annotated[str, typer.Option("--to", help="Last local day, YYYY-MM-DD.")],
    compare: Annotated[Compare | None, typer.Option(help="previous or yoy.")] = None,
    by: Annotated[list[str] | None, typer.Option(help="Dimension(s), e.g. platform.")] = None,
    where: Annotated[list[str] | None, typer.Option("--filter", help="dim=value[,value]")] = None,
    grain: Annotated[Grain | None, typer.Option(help="day, week or month.")] = None,
    kpi: Annotated[list[str] | None, typer.Option(help="Only these KPI ids.")] = None,
    output: Annotated[
        Format, typer.Option("--format", help="table, csv, json or pdf (a report view).")
    ] = Format.TABLE,
    view: Annotated[
        ViewName | None,
        typer.Option(help="A page's view (overview, funnel, ...): its tables as csv/json/pdf."),
    ] = None,
    table: Annotated[str | None, typer.Option(help="With --view: one table's id.")] = None,
    output_file: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file (pdf needs it).")
    ] = None,
    engine: Annotated[
        ReportEngine, typer.Option(help="duckdb (the warehouse) or spark (needs --lake).")
    ] = ReportEngine.DUCKDB,
    lake: Annotated[
        Path | None, typer.Option(help="With --engine spark: a `mercato warehouse export` folder.")
    ] = None,
    spark_master: Annotated[
        str | None, typer.Option(help="Spark master URL; default: the spark_master setting.")
    ] = None,
    segment: Annotated[
        str | None, typer.Option(help="Only this saved segment's visitors (id or name).")
    ] = None,
    versus: Annotated[
        str | None, typer.Option(help="With --segment: a second segment, shown side by side.")
    ] = None,
) -> None:
    """The full-funnel report for a date range, optionally compared and cut by dimensions."""
    if versus and not segment:
        raise fail("--versus compares two segments: add --segment ID")
    first, last = _date(start, "--from"), _date(end, "--to")
    _check_range(first, last)
    if view is not None or output is Format.PDF:
        _check_engine_options(engine, lake, spark_master)
        _view_report(workspace, view or ViewName.FUNNEL, first, last, output, table, output_file)
        return
    unknown = sorted(set(kpi or []) - KNOWN_KPIS)
    if unknown:
        raise fail(f"--kpi: unknown KPI(s) {', '.join(unknown)}")
    _check_engine_options(engine, lake, spark_master)
    with opened_services() as services:
        try:
            request = ReportRequest(
                first,
                last,
                compare,
                parse_dimensions(by or [], "--by"),
                parse_filters(where or [], "--filter"),
                grain,
                tuple(kpi) if kpi else None,
                segment,
            )
        except ValidationFailed as exc:
            raise fail(str(exc)) from None
        with services.catalog.session() as session:
            target = workspaces.get_workspace(session, workspace)
            session.expunge(target)
        catalog = services.catalog.for_workspace(target.id)
        if versus:
            with _numbers_from(services, target, lake, spark_master) as numbers:
                pair = compare_segments(catalog, numbers, target, request, versus)
            _print_pair(pair, output)
            return
        with _numbers_from(services, target, lake, spark_master) as numbers:
            result = kpi_report(catalog, numbers, target, request)
        rows = records(result, benchmark_map(workspace_benchmarks(catalog)))
    if output is Format.JSON:
        print(json.dumps(rows, indent=2, default=str))
    elif output is Format.CSV:
        print(to_csv(rows), end="")
    else:
        _print_table(rows, list(request.dimensions), compare is not None)
    for kpi_id, reason in result.unsupported.items():
        console.print(f"[dim]{kpi_id}: not available for this cut ({reason})[/]")


def _view_report(
    workspace: str, view: ViewName, first: date, last: date, output: Format,
    table: str | None, output_file: Path | None,
) -> None:  # fmt: skip
    """A report view (the page's numbers) as PDF, or its tables as CSV/JSON."""
    if output is Format.PDF and output_file is None:
        raise fail("--format pdf writes a file: add --output FILE")
    if output is Format.TABLE:
        output = Format.JSON
    with opened_services() as services:
        with services.catalog.session() as session:
            target = workspaces.get_workspace(session, workspace)
            session.expunge(target)
        try:
            found = build_view(services, target, view, ViewParameters(start=first, end=last))
            body = exported(found, ExportFormat(output.value), table).body
        except ValidationFailed as exc:
            raise fail(str(exc)) from None
    if output_file is not None:
        output_file.write_bytes(bytes(body))
        console.print(f"wrote {output_file} ({len(body)} bytes)")
    else:
        print(bytes(body).decode(), end="" if output is Format.CSV else "\n")


def _check_engine_options(engine: ReportEngine, lake: Path | None, master: str | None) -> None:
    if engine is ReportEngine.SPARK and lake is None:
        raise fail(
            "--engine spark reads a Parquet export: add --lake DIR "
            "(write one with `mercato warehouse export DIR`)"
        )
    if engine is ReportEngine.DUCKDB and (lake is not None or master is not None):
        raise fail("--lake and --spark-master are for --engine spark")


@contextmanager
def _numbers_from(
    services: Services, target: Workspace, lake: Path | None, master: str | None
) -> Iterator[ScopedWarehouse]:
    """Where the report's numbers come from: a Parquet export on Spark (`--lake`), or the
    workspace's `warehouse_engine` (ADR 0505)."""
    workspace_id = target.id
    if lake is None:
        yield analytics_warehouse(services, workspace_id, target.slug)
        return
    if lake.is_dir():  # before Spark starts (seconds); open_spark explains a missing lake
        check_holds(exported_workspace(lake), workspace_id)
    warehouse = open_spark(lake, master or services.settings.spark_master)
    try:
        yield warehouse.for_workspace(workspace_id)
    finally:
        warehouse.close()


def _print_pair(pair: SegmentComparison, output: Format) -> None:
    rows = pair.rows()
    if output is Format.JSON:
        print(json.dumps({"a": pair.a, "b": pair.b, "rows": rows}, indent=2, default=str))
        return
    if output is Format.CSV:
        print(to_csv(rows), end="")
        return
    table = Table("stage", "KPI", *pair.dimensions, pair.a_name, pair.b_name, "b vs a")
    for row in rows:
        change = row["relative"]
        shown = "n/a" if change is None else f"{float(str(change)) * 100:+.1f}%"
        table.add_row(
            str(row["stage"]),
            str(row["name"]),
            *(str(row[d]) for d in pair.dimensions),
            str(row["a_display"]),
            str(row["b_display"]),
            shown,
        )
    console.print(table)


def _delta_text(row: dict[str, object]) -> str:
    """As the funnel page writes it: percentage points for rates, relative % otherwise."""
    if row["unit"] == Unit.PERCENT.value:
        points = row["delta"]
        return "n/a" if points is None else f"{float(str(points)) * 100:+.2f} pt"
    delta = row["delta_relative"]
    return "n/a" if delta is None else f"{float(str(delta)) * 100:+.1f}%"


def _benchmark_text(row: dict[str, object]) -> str:
    """The benchmark's value in the KPI's unit, then its source."""
    if row["benchmark"] is None:
        return ""
    value = format_unit(Unit(str(row["unit"])), float(str(row["benchmark"])))
    return f"{value} ({row['benchmark_label']})"


def _dimension_text(dimension: str, value: object) -> str:
    if dimension == "platform":
        return labels.label(labels.Kind.PLATFORM, value)
    if dimension == "channel":
        return labels.label(labels.Kind.CHANNEL, value)
    return str(value)


def _print_table(rows: list[dict[str, object]], dims: list[str], compared: bool) -> None:
    table = Table("stage", "KPI", *dims, "value", *(["delta"] if compared else []), "benchmark")
    for row in rows:
        table.add_row(
            labels.label(labels.Kind.STAGE, row["stage"]),
            str(row["name"]),
            *(_dimension_text(d, row[d]) for d in dims),
            str(row["display"]),
            *([_delta_text(row)] if compared else []),
            _benchmark_text(row),
        )
    console.print(table)


@goals_app.command("list")
def goals_list(workspace: WorkspaceOption) -> None:
    """Goals with progress and the linear forecast to period end."""
    with opened_services() as services:
        with services.catalog.session() as session:
            target = workspaces.get_workspace(session, workspace)
            session.expunge(target)
        today = datetime.now(zone(target.time_zone)).date()  # the workspace's day
        table = Table(
            "id",
            "KPI",
            "period",
            "target",
            "actual",
            "progress",
            "forecast (80%)",
            "on track",
            "verdict",
        )
        stores = (
            services.catalog.for_workspace(target.id),
            services.warehouse.for_workspace(target.id),
        )
        for goal in goals_progress(*stores, target, today):
            share = "n/a" if goal.progress is None else f"{goal.progress * 100:.0f}%"
            table.add_row(
                goal.goal_id,
                goal.kpi.name
                + (
                    f" ({labels.label(labels.Kind.PLATFORM, goal.platform)})"
                    if goal.platform
                    else ""
                ),
                f"{goal.period_start}..{goal.period_end}",
                format_value(goal.kpi, goal.target),
                format_value(goal.kpi, goal.actual),
                share,
                _interval(goal),
                "n/a" if goal.on_track is None else labels.yes_no(goal.on_track),
                labels.label(labels.Kind.GOAL_VERDICT, goal.verdict) if goal.verdict else "n/a",
            )
        console.print(table)


def _interval(goal: GoalProgress) -> str:
    if goal.forecast is None or goal.forecast_low is None or goal.forecast_high is None:
        return "n/a"
    low, high = (format_value(goal.kpi, v) for v in (goal.forecast_low, goal.forecast_high))
    return f"{format_value(goal.kpi, goal.forecast)} ({low} to {high})"


@goals_app.command("set")
def goals_set(
    workspace: WorkspaceOption,
    kpi: Annotated[str, typer.Option(help="KPI id, e.g. revenue_gross.")],
    start: Annotated[str, typer.Option("--from", help="First day of the period.")],
    end: Annotated[str, typer.Option("--to", help="Last day of the period.")],
    target: Annotated[str, typer.Option(help="Target value (percentages as fractions: 0.02).")],
    platform: Annotated[str | None, typer.Option(help="Only this platform.")] = None,
    owner: Annotated[str, typer.Option(help="Who answers for the goal.")] = "",
    team: Annotated[Team, typer.Option(help="social, site or ecommerce.")] = Team.SOCIAL,
) -> None:
    """Add a goal for a KPI and period."""
    try:
        amount = Decimal(target)
    except InvalidOperation:
        raise fail(f"--target: expected a number, got {target!r}") from None
    with opened_services() as services, services.catalog.session() as session:
        ws = workspaces.get_workspace(session, workspace)
        goal = kpi_settings.create_goal(
            session,
            ws.id,
            kpi_id=kpi,
            period_start=_date(start, "--from"),
            period_end=_date(end, "--to"),
            target=amount,
            known=KNOWN_KPIS,
            platform=platform,
            owner=owner,
            team=team,
        )
        console.print(f"goal {goal.id}: {kpi} = {amount} for {start}..{end}")


@goals_app.command("delete")
def goals_delete(workspace: WorkspaceOption, goal_id: str) -> None:
    """Delete a goal."""
    with opened_services() as services, services.catalog.session() as session:
        kpi_settings.delete_goal(session, workspaces.get_workspace(session, workspace).id, goal_id)
        console.print(f"deleted goal {goal_id}")


@metrics_app.command("docs")
def metrics_docs(
    path: Annotated[Path, typer.Option(help="Where to write the KPI reference.")] = DOCS_PATH,
) -> None:
    """Regenerate docs/metrics.md's KPI reference from the registry."""
    path.write_text(render_docs())
    console.print(f"wrote {path}")
