"""`mercato discovery add|remove|list`: hashtags and mentions watched for UGC."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from mercato.catalog import workspaces
from mercato.cli.context import console, fail, opened_services
from mercato.connectors import discovery

discovery_app = typer.Typer(help="Hashtags and mentions watched for UGC.", no_args_is_help=True)
Workspace = Annotated[str, typer.Option(help="Workspace slug.")]
Kind = Annotated[str, typer.Argument(help="hashtag or mention")]


@discovery_app.command("add")
def discovery_add(kind: Kind, value: str, workspace: Workspace) -> None:
    """Watch a hashtag (#tag) or a mention (@handle)."""
    with opened_services() as services, services.catalog.session() as session:
        workspace_id = workspaces.get_workspace(session, workspace).id
        watch = discovery.add_watch(session, workspace_id, kind, value)
        console.print(f"watching {watch.kind} {escape(watch.value)}")


@discovery_app.command("remove")
def discovery_remove(kind: Kind, value: str, workspace: Workspace) -> None:
    """Stop watching a hashtag or mention."""
    with opened_services() as services, services.catalog.session() as session:
        workspace_id = workspaces.get_workspace(session, workspace).id
        discovery.remove_watch(session, workspace_id, kind, value)
        console.print(f"no longer watching {kind} {escape(value)}")


@discovery_app.command("list")
def discovery_list(
    workspace: Workspace,
    format: Annotated[str, typer.Option("--format", help="table or json")] = "table",
) -> None:
    """The watched hashtags and mentions."""
    if format not in ("table", "json"):
        raise fail("--format must be table or json")
    with opened_services() as services, services.catalog.session() as session:
        workspace_id = workspaces.get_workspace(session, workspace).id
        watches = [(w.kind, w.value) for w in discovery.list_watches(session, workspace_id)]
    if format == "json":
        typer.echo(json.dumps([{"kind": k, "value": v} for k, v in watches]))
        return
    table = Table("kind", "value")
    for kind, value in watches:
        table.add_row(kind, value)
    console.print(table)
