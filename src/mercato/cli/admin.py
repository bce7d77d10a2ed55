"""`mercato db`, `mercato workspaces`, `mercato users`, `mercato tokens`."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from mercato.catalog import tokens, users, workspaces
from mercato.cli.context import console, fail, opened_services
from mercato.core.scopes import Role, parse_scopes

db_app = typer.Typer(help="Catalog database maintenance.", no_args_is_help=True)
workspaces_app = typer.Typer(help="Workspaces (brands).", no_args_is_help=True)
users_app = typer.Typer(help="Users and their roles.", no_args_is_help=True)
tokens_app = typer.Typer(help="Scoped API tokens.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply catalog migrations (also run automatically by `mercato serve`)."""
    with opened_services(upgrade=True) as services:
        console.print(f"catalog up to date: {services.settings.resolved_catalog_url}")


@workspaces_app.command("create")
def workspaces_create(
    slug: str,
    name: Annotated[str, typer.Option(help="Display name of the brand.")],
    time_zone: Annotated[str, typer.Option(help="IANA time zone for reports.")] = "UTC",
    currency: Annotated[str, typer.Option(help="Reporting currency (ISO 4217).")] = "USD",
) -> None:
    """Create a workspace."""
    with opened_services() as services, services.catalog.session() as session:
        workspace = workspaces.create_workspace(
            session, slug=slug, name=name, time_zone=time_zone, currency=currency
        )
        console.print(f"created workspace [bold]{workspace.slug}[/] ({workspace.id})")


@workspaces_app.command("list")
def workspaces_list() -> None:
    """List workspaces."""
    with opened_services() as services, services.catalog.session() as session:
        table = Table("slug", "name", "time zone", "currency")
        for workspace in workspaces.list_workspaces(session):
            table.add_row(workspace.slug, workspace.name, workspace.time_zone, workspace.currency)
        console.print(table)


@users_app.command("create")
def users_create(
    email: str,
    workspace: Annotated[str, typer.Option(help="Workspace slug to join.")],
    role: Annotated[Role, typer.Option(help="Role in that workspace.")] = Role.VIEWER,
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)
    ] = "",
    name: str = "",
) -> None:
    """Create a user and give them a role in a workspace."""
    with opened_services() as services, services.catalog.session() as session:
        target = workspaces.get_workspace(session, workspace)
        user = users.create_user(session, email=email, password=password, name=name)
        users.grant_role(session, user, target, role)
        console.print(f"created user {user.email} as {role.value} of {target.slug}")


@tokens_app.command("create")
def tokens_create(
    workspace: Annotated[str, typer.Option(help="Workspace slug.")],
    name: Annotated[str, typer.Option(help="What the token is for.")],
    scopes: Annotated[str, typer.Option(help="Comma-separated scopes, e.g. analytics:read.")],
) -> None:
    """Issue an API token; its secret is printed once."""
    try:
        wanted = parse_scopes(scopes)
    except ValueError as exc:
        raise fail(f"--scopes: {exc}") from None
    if not wanted:
        raise fail("--scopes: name at least one scope")
    with opened_services() as services, services.catalog.session() as session:
        target = workspaces.get_workspace(session, workspace)
        issued = tokens.issue_token(session, target, name=name, scopes=wanted)
        console.print(f"token {issued.token.id} ({', '.join(issued.token.scopes)})")
        console.print("secret (shown once):", style="bold")
        print(issued.secret)


@tokens_app.command("revoke")
def tokens_revoke(
    token_id: str, workspace: Annotated[str, typer.Option(help="Workspace slug.")]
) -> None:
    """Revoke a token at once."""
    with opened_services() as services, services.catalog.session() as session:
        target = workspaces.get_workspace(session, workspace)
        tokens.revoke_token(session, target.id, token_id)
        console.print(f"revoked {token_id}")


@tokens_app.command("list")
def tokens_list(workspace: Annotated[str, typer.Option(help="Workspace slug.")]) -> None:
    """List a workspace's tokens (never their secrets)."""
    with opened_services() as services, services.catalog.session() as session:
        target = workspaces.get_workspace(session, workspace)
        table = Table("id", "name", "scopes", "created", "revoked")
        for token in tokens.list_tokens(session, target.id):
            table.add_row(
                token.id,
                token.name,
                ", ".join(token.scopes),
                f"{token.created_at:%Y-%m-%d}",
                f"{token.revoked_at:%Y-%m-%d}" if token.revoked_at else "",
            )
        console.print(table)
