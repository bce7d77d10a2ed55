"""`mercato data-quality` and the import summary every import prints."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from mercato.catalog import quality, workspaces
from mercato.cli.context import console, fail, opened_services
from mercato.core.timeutil import utcnow

OUTCOME_WORDS = {
    quality.STORED: "stored",
    quality.UPDATED: "updated (replaced a stored row)",
    quality.MERGED: "merged (duplicates)",
    quality.BOTS: "bots skipped",
    quality.EMPTY_VISITOR_ID: "empty visitor id",
    quality.CLOCK_SKEWED: "clock-skewed (dated in the future)",
    quality.UNMAPPED: "unmapped events skipped",
    quality.BAD: "bad",
    quality.NOT_WRITTEN: "not written (the run was refused)",
}
FLAG_WORDS = {
    quality.KEPT_APART: "order ids kept apart (same id, another buyer)",
    quality.DERIVED_ORDER_IDS: "purchases given a derived order id",
    quality.ORDERS: "orders written",
}


def print_quality(report: quality.QualityReport) -> None:
    """Rows read, then one line per outcome (they add up to the rows read), then the flags."""
    console.print(f"[bold]{report.source}[/]: {report.rows_read:,} rows read", highlight=False)
    for outcome, count in sorted(report.outcomes.items(), key=lambda kv: -kv[1]):
        console.print(f"  {count:>10,}  {OUTCOME_WORDS.get(outcome, outcome)}", highlight=False)
    for name, count in report.flags.items():
        console.print(f"  {count:>10,}  {FLAG_WORDS.get(name, name)}", highlight=False)


def data_quality(
    workspace: Annotated[str, typer.Option("--workspace", "-w", help="Workspace slug.")],
    days: Annotated[int, typer.Option(help="Entries of the last N days (UTC).")] = 30,
    output: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
) -> None:
    """What each import did with every row: per import and per day."""
    if output not in ("table", "json"):
        raise fail("--format must be table or json")
    if not 1 <= days <= 3660:
        raise fail("--days must be between 1 and 3660")
    end = utcnow().date()
    with opened_services() as services, services.catalog.session() as session:
        target = workspaces.get_workspace(session, workspace)
        entries = quality.recent_entries(session, target.id, end - timedelta(days=days - 1), end)
        rows = [quality.entry_dict(e) for e in entries]
        totals = quality.daily_totals(entries)
    if output == "json":
        print(json.dumps({"entries": rows, "days": [vars(t) for t in totals]}, default=str))
        return
    _print_days(totals)
    _print_entries(rows)


def _print_days(totals: list[quality.DayTotals]) -> None:
    table = Table("day", "imports", "rows read", "outcomes", "flags", title="per day")
    for total in totals:
        table.add_row(
            _day(total.day),
            str(total.entries),
            f"{total.rows_read:,}",
            ", ".join(f"{k} {v:,}" for k, v in sorted(total.outcomes.items())),
            ", ".join(f"{k} {v:,}" for k, v in sorted(total.flags.items())),
        )
    console.print(table)


def _print_entries(rows: list[dict[str, object]]) -> None:
    table = Table("recorded", "source", "status", "rows", "outcomes", "subject", title="imports")
    for row in rows:
        outcomes = row["outcomes"]
        assert isinstance(outcomes, dict)
        table.add_row(
            str(row["recorded_at"])[:19],
            str(row["source"]),
            str(row["status"]),
            f"{row['rows_read']:,}",
            ", ".join(f"{k} {v:,}" for k, v in sorted(outcomes.items())),
            Text(str(row["subject"])[:60]),  # file names are the user's text, not markup
        )
    console.print(table)


def _day(day: date) -> str:
    return day.isoformat()
