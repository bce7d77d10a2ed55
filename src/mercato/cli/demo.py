"""`mercato demo seed`: the demo brand, deterministic by --seed."""

from __future__ import annotations

from decimal import Decimal
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

from mercato.cli.context import console, fail, opened_services
from mercato.core.errors import MercatoError
from mercato.demo.accounts import DEMO_PASSWORD
from mercato.demo.generator import STAGES, DemoSummary, seed_demo_brand
from mercato.demo.locale import demo_locale
from mercato.i18n.formatting import amount
from mercato.ugc.embedding import load_embedder

demo_app = typer.Typer(help="The demo brand.", no_args_is_help=True)


@demo_app.command("seed")
def seed(
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same brand.")] = 7,
    visitors: Annotated[int, typer.Option(min=100, help="Number of site visitors.")] = 20_000,
    locale: Annotated[
        str, typer.Option(help="en: the US brand (USD); ja: a Japanese brand (JPY, Asia/Tokyo).")
    ] = "en",
) -> None:
    """Create (or re-create) the demo brand with 13 months of data."""
    try:
        brand = demo_locale(locale)
    except MercatoError as exc:
        raise fail(str(exc)) from None
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
                embedder=load_embedder(),  # semantic search and AI tag suggestions (ADR 2310)
                locale=brand,
            )
        console.print(summary_table(summary))
        console.print(f"ground truth: {summary.truth_path}")
        console.print(f"demo login: [bold]{brand.email}[/] / [bold]{DEMO_PASSWORD}[/]")


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
    currency = truth.currency
    table.add_row(f"gross revenue ({currency})", amount(Decimal(truth.totals["gross"]), currency))
    table.add_row(f"net revenue ({currency})", amount(Decimal(truth.totals["net"]), currency))
    if truth.line:
        table.add_row("LINE messages delivered", f"{truth.line['messages_delivered']:,}")
    table.add_row("conversion rate", f"{truth.rates['conversion_rate']:.2%}")
    table.add_row("cart abandonment", f"{truth.rates['cart_abandonment']:.1%}")
    table.add_row("window", f"{truth.window_start} .. {truth.window_end}")
    return table
