"""`mercato import events`: event logs from other tools into the warehouse."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn
from rich.text import Text

from mercato.catalog import quality, workspaces
from mercato.catalog.models import Site
from mercato.catalog.scoped import ScopedSession
from mercato.cli.context import console, fail, opened_services
from mercato.cli.quality import print_quality
from mercato.collect.enrich import IDENTIFIED, SiteConfig
from mercato.collect.importer import MAX_REPORTED_ERRORS, import_events
from mercato.collect.mapping import load_mapping
from mercato.core.errors import MercatoError
from mercato.runtime import Services

HOSTNAME = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+")
import_app = typer.Typer(help="Import data files.", no_args_is_help=True)


def _site(services: Services, workspace: str, domain: str | None) -> SiteConfig:
    with services.catalog.session() as session:
        found = workspaces.get_workspace(session, workspace)
        scoped = ScopedSession(session, found.id)
        sites = scoped.scalars(scoped.select(Site).order_by(Site.created_at))
        chosen = next((s for s in sites if domain is None or s.domain == domain.lower()), None)
        if chosen is None and domain and not sites:
            if not HOSTNAME.fullmatch(domain.lower()):
                raise fail(f"--site: {domain!r} is not a host name like shop.example")
            # A fresh workspace: the log's site is its first one (what a new user imports into).
            chosen = workspaces.add_site(session, found, domain=domain, identity_mode=IDENTIFIED)
            console.print(f"added site {chosen.domain} to workspace {found.slug}")
        if chosen is None:
            raise fail(
                f"workspace {workspace!r} has no site {domain or ''}".strip()
                + ("" if sites else " (pass --site DOMAIN to add its first site)")
            )
        return SiteConfig(
            site_id=chosen.id,
            workspace_id=found.id,
            domain=chosen.domain,
            identity_mode=chosen.identity_mode,
            page_type_patterns=dict(chosen.page_type_patterns or {}),
            currency=found.currency,
        )


def _count_lines(paths: list[Path]) -> int:
    total = 0
    for path in paths:
        if path.is_file():
            with open(path, "rb") as handle:
                total += sum(1 for _ in handle)
    return total


@import_app.command("events")
def events(
    files: Annotated[list[Path], typer.Argument(help="CSV or NDJSON event logs.")],
    mapping: Annotated[Path, typer.Option("--mapping", help="TOML mapping file.")],
    workspace: Annotated[str, typer.Option(help="Workspace slug or id.")],
    site: Annotated[
        str | None,
        typer.Option(help="Site domain (default: the first; added if the workspace has none)."),
    ] = None,
    skip_bad_rows: Annotated[
        bool, typer.Option(help="Import the good rows, report the bad.")
    ] = False,
) -> None:
    """Import event logs; atomic (nothing written if a row is bad) and idempotent."""
    try:
        parsed = load_mapping(mapping)
    except MercatoError as exc:
        raise fail(str(exc)) from None
    with opened_services() as services:
        target = _site(services, workspace, site)
        with Progress(
            TextColumn("[bold]events"),
            BarColumn(),
            TextColumn("{task.completed:,} rows"),
            console=console,
            transient=True,
        ) as progress:
            task = progress.add_task("rows", total=_count_lines(files))
            report = import_events(
                services.warehouse,
                files,
                parsed,
                target,
                skip_bad_rows=skip_bad_rows,
                on_row=lambda: progress.advance(task),
            )
        quality.record_quality(services.catalog, target.workspace_id, report.quality)
    for error in report.errors[:MAX_REPORTED_ERRORS]:
        console.print(Text(str(error), style="red"), soft_wrap=True)  # file text, not markup
    if len(report.errors) > MAX_REPORTED_ERRORS:
        console.print(f"... and {len(report.errors) - MAX_REPORTED_ERRORS} more bad rows")
    print_quality(report.quality)
    if report.errors and not skip_bad_rows:
        raise fail(
            f"{len(report.errors)} bad row(s); nothing was imported "
            "(fix them, or pass --skip-bad-rows)"
        )
    console.print(
        f"{report.files} file(s): {report.sessions:,} sessions updated, "
        f"{report.orders:,} orders written",
        soft_wrap=True,
    )
