"""`mercato warehouse export|compact-lake|lake-status`: the warehouse as Parquet files."""

from __future__ import annotations

import json
from dataclasses import asdict
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress
from rich.table import Table

from mercato.catalog import workspaces
from mercato.cli.context import console, opened_services
from mercato.core.timeutil import utcnow
from mercato.warehouse.lake import export_lake
from mercato.warehouse.live_lake import LiveLake
from mercato.warehouse.schemas import TABLES


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


warehouse_app = typer.Typer(help="The analytic warehouse's data as files.", no_args_is_help=True)


@warehouse_app.command("export")
def export(
    lake: Annotated[Path, typer.Argument(help="Folder to write, one <table>.parquet per table.")],
    workspace: Annotated[
        str | None, typer.Option("--workspace", "-w", help="Only this workspace's rows.")
    ] = None,
) -> None:
    """Write every warehouse table as Parquet (replacing an earlier export whole)."""
    with opened_services() as services:
        workspace_id = None
        if workspace is not None:
            with services.catalog.session() as session:
                workspace_id = workspaces.get_workspace(session, workspace).id
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("exporting", total=len(TABLES))
            written = export_lake(
                services.warehouse,
                lake,
                workspace_id,
                on_table=lambda name, rows: progress.advance(task),
            )
    summary = Table("table", "rows", title=f"Exported to {written.path}")
    for name, rows in written.rows.items():
        summary.add_row(name, str(rows))
    summary.add_row("total", str(sum(written.rows.values())))
    console.print(summary)


def _live_lake(lake_dir: str | None) -> LiveLake:
    if not lake_dir:
        raise typer.BadParameter("no lake: set lake_dir (MERCATO_LAKE_DIR) first")
    return LiveLake(lake_dir)


@warehouse_app.command("compact-lake")
def compact_lake(
    sync: Annotated[
        bool,
        typer.Option(
            "--sync", help="First make every partition equal to the warehouse (a first fill)."
        ),
    ] = False,
) -> None:
    """Rewrite each lake partition as one file (the rows stay the same)."""
    with opened_services() as services:
        lake = _live_lake(services.settings.lake_dir)
        if sync:
            stamp = utcnow().strftime("%Y%m%dT%H%M%S%f")
            written = lake.sync_all(services.warehouse, f"sync-{stamp}")
            console.print(f"synced: {written} row(s) written")
        removed = lake.compact()
    console.print(f"compacted: {removed} file(s) merged away")


@warehouse_app.command("lake-status")
def lake_status(
    output: Annotated[OutputFormat, typer.Option("--format", help="table or json")] = (
        OutputFormat.TABLE
    ),
) -> None:
    """Partitions, files and rows per table in the lake, and its last batch."""
    with opened_services() as services:
        lake = _live_lake(services.settings.lake_dir)
        tables, state = lake.status(), lake.state()
    if output is OutputFormat.JSON:
        payload = {"lake": lake.location, **state, "tables": [asdict(t) for t in tables]}
        typer.echo(json.dumps(payload))
        return
    summary = Table(
        "table", "partitions", "files", "rows", "bytes", "most files", title=f"Lake {lake.location}"
    )
    for status in tables:
        summary.add_row(
            status.table,
            *(str(v) for v in (status.partitions, status.files, status.rows, status.bytes)),
            str(status.most_files),
        )
    console.print(summary)
    console.print(
        f"last batch: {state.get('last_batch', 'none')} at {state.get('updated_at', '-')}"
    )
