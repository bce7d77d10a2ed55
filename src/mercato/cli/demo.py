"""`mercato demo seed`: the demo brand, deterministic by --seed."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from mercato.cli.context import console, opened_services
from mercato.demo.accounts import DEMO_EMAIL, DEMO_PASSWORD, ensure_demo_workspace

demo_app = typer.Typer(help="The demo brand.", no_args_is_help=True)


@demo_app.command("seed")
def seed(
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same brand.")] = 7,
    visitors: Annotated[int, typer.Option(min=100, help="Number of site visitors.")] = 20_000,
) -> None:
    """Create (or re-create) the demo brand with 13 months of data."""
    with opened_services(upgrade=True) as services:
        with Progress(
            TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=console
        ) as progress:
            task = progress.add_task("workspace", total=1)
            with services.catalog.session() as session:
                ensure_demo_workspace(session)
            progress.advance(task)
        console.print(f"demo login: [bold]{DEMO_EMAIL}[/] / [bold]{DEMO_PASSWORD}[/]")
        console.print(f"seed {seed}, {visitors:,} visitors")
