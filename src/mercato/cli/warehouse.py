"""`mercato warehouse export`: the warehouse as Parquet files, for reports on Spark."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress
from rich.table import Table

from mercato.catalog import workspaces
from mercato.cli.context import console, opened_services
from mercato.warehouse.lake import export_lake
from mercato.warehouse.schemas import TABLES

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
