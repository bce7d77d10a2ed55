"""`mercato demo seed`: the demo brand, deterministic by --seed."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from mercato.cli.context import console, opened_services
from mercato.demo.accounts import DEMO_EMAIL, DEMO_PASSWORD
from mercato.demo.generator import STAGES, DemoSummary, seed_demo_brand
from mercato.ugc.embedding import load_embedder

demo_app = typer.Typer(help="The demo brand.", no_args_is_help=True)


@demo_app.command("seed")
def seed(
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same brand.")] = 7,
    visitors: Annotated[int, typer.Option(min=100, help="Number of site visitors.")] = 20_000,
) -> None:
    """Create (or re-create) the demo brand with 13 months of data."""
    with opened_services(upgrade=True) as services:
        with Progress(
            TextColumn("{task.description:<13}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as progress:
            tasks: dict[str, TaskID] = {
                stage: progress.add_task(stage, total=None) for stage in STAGES
            }

            def report(stage: str, done: int, total: int) -> None:
                progress.update(tasks[stage], completed=done, total=total)

            summary = seed_demo_brand(
                services,
                seed=seed,
                visitors=visitors,
                progress=report,
                embedder=load_embedder(),  # semantic search and AI tag suggestions, if [ai]
            )
        console.print(summary_table(summary))
        console.print(f"ground truth: {summary.truth_path}")
        console.print(f"demo login: [bold]{DEMO_EMAIL}[/] / [bold]{DEMO_PASSWORD}[/]")


def summary_table(summary: DemoSummary) -> Table:
    truth = summary.truth
    table = Table(title=f"Demo brand seeded (seed {summary.seed}) in {summary.seconds:.1f}s")
    table.add_column("what")
    table.add_column("value", justify="right")
    table.add_row("visitors", f"{summary.visitors:,}")
    if summary.library is not None:
        library = summary.library
        table.add_row("UGC items (published)", f"{library.items:,} ({library.published:,})")
        table.add_row("galleries", f"{library.galleries:,}")
    for name, rows in summary.rows.items():
        table.add_row(f"{name} rows", f"{rows:,}")
    table.add_row("gross revenue (USD)", f"{float(truth.totals['gross']):,.2f}")
    table.add_row("net revenue (USD)", f"{float(truth.totals['net']):,.2f}")
    table.add_row("conversion rate", f"{truth.rates['conversion_rate']:.2%}")
    table.add_row("cart abandonment", f"{truth.rates['cart_abandonment']:.1%}")
    table.add_row("window", f"{truth.window_start} .. {truth.window_end}")
    return table
