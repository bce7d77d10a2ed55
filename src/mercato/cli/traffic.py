"""`mercato traffic`: the Traffic report from the shell, optionally for one segment."""

from __future__ import annotations

import json
from datetime import date
from enum import StrEnum
from typing import Annotated

import typer
from rich.table import Table

from mercato.catalog import workspaces
from mercato.cli.context import console, fail, opened_services
from mercato.collect.traffic import TrafficRow, traffic
from mercato.core import labels
from mercato.core.errors import ValidationFailed
from mercato.core.timeutil import check_day_range, local_day_bounds_utc, zone
from mercato.runtime import analytics_warehouse
from mercato.segments import service as segments


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"


def _day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise fail(f"{option}: expected a date YYYY-MM-DD, got {text!r}") from None


def _row(row: TrafficRow) -> dict[str, object]:
    return {
        "label": row.label,
        "sessions": row.sessions,
        "engaged_sessions": row.engaged_sessions,
        "engagement_rate": row.engagement_rate,
        "average_engaged_s": row.average_engaged_s,
    }


def traffic_command(
    workspace: Annotated[str, typer.Option("--workspace", "-w", help="Workspace slug.")],
    start: Annotated[str, typer.Option("--from", help="First local day, YYYY-MM-DD.")],
    end: Annotated[str, typer.Option("--to", help="Last local day, YYYY-MM-DD.")],
    segment: Annotated[
        str | None, typer.Option(help="Only this saved segment's visitors (id or name).")
    ] = None,
    output: Annotated[Format, typer.Option("--format", help="table or json.")] = Format.TABLE,
) -> None:
    """Sessions and engagement by channel, social platform and landing page."""
    first, last = _day(start, "--from"), _day(end, "--to")
    try:
        check_day_range(first, last, location="--to")
    except ValidationFailed as exc:
        raise fail(str(exc)) from None
    with opened_services() as services:
        with services.catalog.session() as session:
            ws = workspaces.get_workspace(session, workspace)
            session.expunge(ws)
        begin, finish = local_day_bounds_utc(first, last, zone(ws.time_zone))
        scoped = segments.scope(
            services.catalog.for_workspace(ws.id),
            segment,
            analytics_warehouse(services, ws.id, ws.slug),
        )
        report = traffic(scoped, begin, finish)
    sections = {
        "total": [report.total],
        "by_channel": report.by_channel,
        "by_social_platform": report.by_social_platform,
        "landing_pages": report.landing_pages,
    }
    if output is Format.JSON:
        body = {name: [_row(r) for r in rows] for name, rows in sections.items()}
        print(json.dumps(body, indent=2))
        return
    kinds = {"by_channel": labels.Kind.CHANNEL, "by_social_platform": labels.Kind.PLATFORM}
    for name, rows in sections.items():
        table = Table(name, "sessions", "engaged", "engagement rate", title=name)
        for r in rows:
            rate = "n/a" if r.engagement_rate is None else f"{r.engagement_rate:.1%}"
            kind = kinds.get(name)
            shown = r.label if kind is None else labels.label(kind, r.label)
            table.add_row(shown, f"{r.sessions:,}", f"{r.engaged_sessions:,}", rate)
        console.print(table)
