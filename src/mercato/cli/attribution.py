"""`mercato attribution`: attributed conversions and revenue, as a table, JSON or CSV.

With `--paths FILE` it attributes ChannelAttribution-format path data instead of the
warehouse's journeys: every model, per channel, no data dir needed.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from mercato.attribution.path_file import decode_path_file, read_path_file
from mercato.attribution.path_report import attribute_paths
from mercato.attribution.schemas import (
    AttributionPublic,
    CreditPublic,
    PathAttributionPublic,
    path_public,
    public,
)
from mercato.attribution.service import report_for_days
from mercato.catalog import workspaces
from mercato.catalog.db import CatalogSession
from mercato.catalog.models import Workspace
from mercato.cli.context import console, fail, opened_services
from mercato.core import labels
from mercato.core.csv_export import csv_text
from mercato.core.errors import MercatoError
from mercato.core.money import format_amount
from mercato.core.timeutil import check_day_range
from mercato.runtime import analytics_warehouse
from mercato.segments import service as segments
from mercato.ugc.names import touch_label, ugc_touch_names


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"


def _workspace(session: CatalogSession, slug: str | None) -> Workspace:
    if slug is not None:
        return workspaces.get_workspace(session, slug)
    every = workspaces.list_workspaces(session, limit=2)
    if len(every) != 1:
        raise fail("there is not exactly one workspace: name it with --workspace SLUG")
    return every[0]


def _day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise fail(f"{option} {text!r} is not a date (YYYY-MM-DD)") from None


def attribution(
    workspace: Annotated[
        str | None, typer.Option(help="Workspace slug or id (default: the only one).")
    ] = None,
    model: Annotated[
        str,
        typer.Option(
            help="markov, shapley, first_touch, last_touch, "
            "last_non_direct, linear, position_based, time_decay"
        ),
    ] = "markov",
    order: Annotated[int, typer.Option(help="Markov order, 1 to 4.")] = 1,
    by: Annotated[
        str, typer.Option(help="channel, platform, campaign, content or ugc.")
    ] = "channel",
    window: Annotated[str, typer.Option(help="Lookback window: 30d, 2w, 12h.")] = "30d",
    credit: Annotated[
        str, typer.Option(help="Markov credit: pooled, per_journey, per_journey_distinct.")
    ] = "pooled",
    conversion: Annotated[
        str, typer.Option(help="What ends a journey: any (purchase or lead), purchase, lead.")
    ] = "any",
    identity: Annotated[
        str, typer.Option(help="customer (join a customer's visitors) or visitor.")
    ] = "customer",
    first_day: Annotated[
        str | None, typer.Option("--from", help="First local day (YYYY-MM-DD).")
    ] = None,
    last_day: Annotated[str | None, typer.Option("--to", help="Last local day, inclusive.")] = None,
    output: Annotated[
        OutputFormat, typer.Option("--format", help="table, json or csv.")
    ] = OutputFormat.TABLE,
    paths: Annotated[
        Path | None,
        typer.Option(
            "--paths",
            help="Attribute a path file (path;total_conversions[;total_conversion_value]"
            "[;total_null]) with every model instead of the warehouse's journeys.",
        ),
    ] = None,
    segment: Annotated[
        str | None, typer.Option(help="Only this saved segment's visitors (id or name).")
    ] = None,
) -> None:
    """Attribute conversions and revenue to channels, platforms, campaigns or UGC."""
    if paths is not None:
        if workspace is not None or first_day is not None or last_day is not None:
            raise fail(
                "--paths attributes the file alone: --workspace, --from and --to do not apply"
            )
        _emit_paths(_attribute_path_file(paths, order), output)
        return
    start, end = _day(first_day, "--from"), _day(last_day, "--to")
    try:
        check_day_range(start, end, location="--to")
    except MercatoError as exc:
        raise fail(str(exc)) from None
    with opened_services() as services:
        with services.catalog.session() as session:
            ws = _workspace(session, workspace)
            session.expunge(ws)
        catalog = services.catalog.for_workspace(ws.id)
        try:
            scoped = segments.scope(catalog, segment, analytics_warehouse(services, ws.id, ws.slug))
            report = report_for_days(
                scoped, catalog, ws.time_zone, ws.currency, start, end, model=model, by=by,
                window=window, order=order, credit=credit, conversion=conversion,
                identity=identity,
            )  # fmt: skip
        except MercatoError as exc:
            raise fail(str(exc)) from None
        body = public(report, ws.currency)
        with services.catalog.session() as session:
            ugc = ugc_touch_names(session, ws.id, report)
    _emit(body, output, {label: touch_label("ugc", label, ugc=ugc) for label in ugc})


def _emit(
    body: AttributionPublic, output: OutputFormat, ugc_names: dict[str, str] | None = None
) -> None:
    if output is OutputFormat.JSON:
        print(body.model_dump_json(indent=2))
    elif output is OutputFormat.CSV:
        print(_csv(body.rows), end="")
    else:
        _print_table(
            body.model_label, body.by, body.currency, body.rows, body.notices, ugc_names or {}
        )
        console.print(
            f"{body.journeys:,} journeys, {body.conversions:,} conversions, "
            f"revenue {format_amount(body.revenue, body.currency)} {body.currency}"
        )


def _csv(rows: list[CreditPublic]) -> str:
    columns = ("label", "conversions", "revenue", "spend", "roas")
    records = (row.model_dump() for row in rows)
    return csv_text(columns, ([r[name] if r[name] is not None else "" for name in columns]
                              for r in records))  # fmt: skip


def _print_table(
    title: str,
    by: str,
    currency: str,
    rows: list[CreditPublic],
    notices: list[str],
    ugc_names: dict[str, str],
) -> None:
    for notice in notices:
        console.print(f"[yellow]note:[/] {notice}", highlight=False)
    table = Table(title=title)
    table.add_column(labels.label(labels.Kind.GRANULARITY, by))
    for name in ("conversions", f"revenue ({currency})", "spend", "ROAS"):
        table.add_column(name, justify="right")
    for row in rows:
        record = row.model_dump()
        shown = record["label"]
        if by == "ugc":  # an item by its creator and caption, the channels by name
            shown = escape(ugc_names.get(shown) or touch_label(by, shown))  # captions: no markup
        elif by in ("channel", "platform"):
            shown = labels.label(
                labels.Kind.CHANNEL if by == "channel" else labels.Kind.PLATFORM, shown
            )
        table.add_row(
            shown,
            f"{record['conversions']:.2f}",
            format_amount(record["revenue"], currency),
            "n/a" if record["spend"] is None else format_amount(record["spend"], currency),
            "n/a" if record["roas"] is None else f"{record['roas']:.2f}x",
        )
    console.print(table)


def _attribute_path_file(file: Path, order: int) -> PathAttributionPublic:
    try:
        content = file.read_bytes()
    except OSError as exc:
        raise fail(f"--paths {file}: {exc.strerror or exc}") from None
    try:
        text = decode_path_file(content, file.name)
        return path_public(attribute_paths(read_path_file(text, file.name), order))
    except MercatoError as exc:
        raise fail(str(exc)) from None


def _emit_paths(body: PathAttributionPublic, output: OutputFormat) -> None:
    if output is OutputFormat.JSON:
        print(body.model_dump_json(indent=2))
        return
    if output is OutputFormat.CSV:
        rows = (
            [row.label, model, row.conversions[model], row.value[model]]
            for row in body.credits
            for model in body.models
        )
        print(csv_text(["label", "model", "conversions", "value"], rows), end="")
        return
    for notice in body.notices:
        console.print(f"[yellow]note:[/] {notice}", highlight=False)
    for measure in ("conversions", "value"):
        table = Table(title=f"{body.source}: attributed {measure}, Markov order {body.order}")
        table.add_column("channel")
        for model in body.models:
            table.add_column(labels.label(labels.Kind.MODEL, model), justify="right")
        for row in body.credits:
            credits = getattr(row, measure)
            table.add_row(row.label, *(f"{credits[model]:,.2f}" for model in body.models))
        console.print(table)
    console.print(
        f"{body.paths:,} paths, {body.conversions:,.2f} conversions, value {body.value:,.2f}, "
        f"{body.nulls:,.2f} nulls; P(conv) {body.conversion_probability:.6f}"
    )
