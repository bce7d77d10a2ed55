"""`mercato import`, `mercato sync`, `mercato accounts`, `mercato webhooks`."""

from __future__ import annotations

import inspect
import json
import typing
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from mercato.catalog import workspaces
from mercato.cli.context import console, fail, opened_services
from mercato.cli.quality import print_quality
from mercato.connectors import accounts, meta_webhooks, shopify_webhooks
from mercato.connectors.imports import KINDS, load_mapping
from mercato.connectors.results import ImportSummary
from mercato.connectors.service import import_files, import_options
from mercato.connectors.sync import SyncOutcome, accounts_to_sync, sync_account
from mercato.runtime import Services

accounts_app = typer.Typer(help="Social accounts the connectors sync.", no_args_is_help=True)
webhooks_app = typer.Typer(help="Shop webhooks (Shopify).", no_args_is_help=True)

WorkspaceOption = Annotated[str, typer.Option(help="Workspace slug.")]


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=console,
    )


def _public(services: Services, path: str) -> str:
    """`path` on this install's public address (the base_url setting), when it is set."""
    return f"{services.settings.base_url or ''}{path}"


def print_summary(summary: ImportSummary) -> None:
    table = Table(
        "table",
        "inserted",
        "updated",
        "unchanged",
        title=f"{summary.kind}: {summary.rows_read:,} rows read",
    )
    for name in sorted(set(summary.inserted) | set(summary.updated) | set(summary.unchanged)):
        table.add_row(
            name,
            f"{summary.inserted[name]:,}",
            f"{summary.updated[name]:,}",
            f"{summary.unchanged[name]:,}",
        )
    console.print(table)
    for reason, count in summary.skipped.items():
        console.print(f"skipped {count:,}: {escape(reason)}")
    for note in summary.notes:
        console.print(f"note: {escape(note)}")
    if summary.quality is not None:
        print_quality(summary.quality)


def import_command(
    kind: Annotated[str, typer.Argument(help=f"One of: {', '.join(KINDS)}.")],
    files: Annotated[list[Path], typer.Argument(help="Export files to import together.")],
    workspace: WorkspaceOption,
    mapping: Annotated[Path | None, typer.Option(help="JSON/TOML column mapping.")] = None,
    account: Annotated[str | None, typer.Option(help="Social account handle or id.")] = None,
    platform: Annotated[str | None, typer.Option(help="facebook|instagram (meta-daily).")] = None,
    as_of: Annotated[
        datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Day the export was taken.")
    ] = None,
    shop_url: Annotated[str, typer.Option(help="Shop URL for product links.")] = "",
    locale: Annotated[
        str, typer.Option(help="Number format: en (1,200.5) or de (1.200,5).")
    ] = "en",
    currency: Annotated[str | None, typer.Option(help="Currency when the file has none.")] = None,
) -> None:
    """Import export files (all validated first; a bad file writes nothing)."""
    if kind not in KINDS:
        raise fail(f"unknown kind {kind!r}; known: {', '.join(KINDS)}")
    if locale not in ("en", "de"):
        raise fail("--locale must be en or de")
    with opened_services() as services:
        raw_mapping = load_mapping(mapping) if mapping else None
        options = import_options(
            services.catalog,
            workspace,
            mapping=raw_mapping,
            mapping_source=str(mapping or "mapping"),
            account=account,
            platform=platform,
            as_of=as_of.date() if as_of else None,
            shop_url=shop_url,
            locale=locale,
            currency=currency,
        )
        payload = []
        with _progress() as progress:
            task = progress.add_task("reading", total=len(files))
            for path in files:
                try:
                    payload.append((path.name, path.read_bytes()))
                except OSError as exc:
                    raise fail(f"{path}: {exc.strerror}") from None
                progress.advance(task)
            progress.update(task, description=f"importing {kind}")
            summary = import_files(services.catalog, services.warehouse, kind, payload, options)
        print_summary(summary)


def sync_command(
    workspace: Annotated[str | None, typer.Option(help="Workspace slug (default: all).")] = None,
    account: Annotated[str | None, typer.Option(help="One account (handle or id).")] = None,
) -> None:
    """Sync social accounts from their platform APIs (incremental; resumes after errors)."""
    with opened_services() as services:
        workspace_id = None
        if workspace:
            with services.catalog.session() as session:
                workspace_id = workspaces.get_workspace(session, workspace).id
        ids = accounts_to_sync(services.catalog, workspace_id, account)
        outcomes: list[SyncOutcome] = []
        with _progress() as progress:
            task = progress.add_task("syncing", total=len(ids))
            for account_id in ids:
                outcome = sync_account(services.catalog, services.warehouse, account_id)
                outcomes.append(outcome)
                progress.update(
                    task,
                    advance=1,
                    description=f"{outcome.platform} {outcome.handle}: {outcome.status}",
                )
        _print_outcomes(outcomes)
        if any(o.status == "failed" for o in outcomes):
            raise typer.Exit(1)


def _print_outcomes(outcomes: list[SyncOutcome]) -> None:
    table = Table("platform", "account", "status", "read", "inserted", "updated", "error")
    for o in outcomes:
        table.add_row(
            o.platform,
            o.handle,
            o.status,
            f"{o.summary.rows_read:,}",
            f"{o.summary.total_inserted:,}",
            f"{o.summary.total_updated:,}",
            o.error or "",
        )
    console.print(table)


@accounts_app.command("add")
def accounts_add(
    platform: Annotated[str, typer.Argument(help=", ".join(accounts.PLATFORMS))],
    handle: str,
    workspace: WorkspaceOption,
    external_id: Annotated[str, typer.Option(help="The platform's account/page id.")] = "",
    token: Annotated[str | None, typer.Option(help="Access token (or set it later).")] = None,
    base_url: Annotated[str | None, typer.Option(help="API base URL override.")] = None,
    api_version: Annotated[str | None, typer.Option(help="Graph API version, e.g. v23.0")] = None,
    options: Annotated[str, typer.Option(help='JSON, e.g. {"hashtags": ["acme"]}')] = "{}",
) -> None:
    """Add a social account to sync."""
    try:
        parsed = json.loads(options)
    except ValueError as exc:
        raise fail(f"--options: not valid JSON: {exc}") from None
    with opened_services() as services, services.catalog.session() as session:
        target = workspaces.get_workspace(session, workspace)
        created = accounts.add_account(
            session,
            target.id,
            platform=platform,
            handle=handle,
            external_id=external_id,
            token=token,
            api_base_url=base_url,
            api_version=api_version,
            options=parsed,
        )
        console.print(f"added {platform} account {handle} ({created.id}), status {created.status}")


@accounts_app.command("token")
def accounts_token(
    account: str,
    workspace: WorkspaceOption,
    token: Annotated[str, typer.Option(prompt=True, hide_input=True)],
) -> None:
    """Set a new access token (clears a token error)."""
    with opened_services() as services, services.catalog.session() as session:
        target = workspaces.get_workspace(session, workspace)
        accounts.set_token(session, target.id, account, token)
        console.print(f"token updated for {account}")


@accounts_app.command("list")
def accounts_list(workspace: WorkspaceOption) -> None:
    """List social accounts, their status, last sync and last error (never tokens)."""
    with opened_services() as services, services.catalog.session() as session:
        target = workspaces.get_workspace(session, workspace)
        table = Table("id", "platform", "handle", "status", "last sync", "last error")
        for view in accounts.list_accounts(session, target.id):
            table.add_row(
                view.id,
                view.platform,
                view.handle,
                view.status,
                f"{view.last_sync_at:%Y-%m-%d %H:%M}" if view.last_sync_at else "never",
                view.last_error or "",
            )
        console.print(table)


@webhooks_app.command("shopify-secret")
def webhooks_shopify_secret(
    workspace: WorkspaceOption,
    secret: Annotated[
        str, typer.Option(prompt=True, hide_input=True, help="The shop's webhook signing secret.")
    ],
) -> None:
    """Set the secret Shopify signs this workspace's webhooks with."""
    with opened_services() as services, services.catalog.session() as session:
        target = workspaces.get_workspace(session, workspace)
        shopify_webhooks.set_webhook_secret(session, target.id, secret)
        console.print(f"webhook URL: {_public(services, f'/hooks/shopify/{target.slug}')}")


@webhooks_app.command("meta-secret")
def webhooks_meta_secret(
    workspace: WorkspaceOption,
    app_secret: Annotated[
        str,
        typer.Option(prompt=True, hide_input=True, help="The Meta app secret (signs deliveries)."),
    ],
    verify_token: Annotated[
        str, typer.Option(prompt=True, hide_input=True, help="Your verify token for the handshake.")
    ],
) -> None:
    """Set the Meta app secret and verify token for Instagram mention webhooks."""
    with opened_services() as services, services.catalog.session() as session:
        target = workspaces.get_workspace(session, workspace)
        meta_webhooks.set_secrets(session, target.id, app_secret, verify_token)
        console.print(f"webhook URL: {_public(services, f'/hooks/meta/{target.slug}')}")


def register_import_kinds(import_app: typer.Typer) -> None:
    """One `mercato import <kind> FILE…` sub-command per export format, beside `events`."""
    full = inspect.signature(import_command)
    hints = typing.get_type_hints(import_command, include_extras=True)
    parameters = [
        p.replace(annotation=hints[name]) for name, p in full.parameters.items() if name != "kind"
    ]
    annotations = {p.name: p.annotation for p in parameters}
    for kind in KINDS:

        def command(*args: Any, _kind: str = kind, **kwargs: Any) -> None:
            import_command(_kind, *args, **kwargs)

        command.__signature__ = full.replace(parameters=parameters)  # type: ignore[attr-defined]
        command.__annotations__ = annotations
        command.__doc__ = f"Import {kind} files (validated first; a bad file writes nothing)."
        import_app.command(kind)(command)
