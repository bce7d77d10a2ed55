"""`mercato accounts connect PLATFORM` and `mercato accounts app PLATFORM`: connect accounts
through each platform's OAuth sign-in from the command line."""

from __future__ import annotations

from typing import Annotated

import typer

from mercato.catalog import workspaces
from mercato.cli.context import console, fail, opened_services
from mercato.connectors.connect import service


def register(accounts_app: typer.Typer) -> None:
    accounts_app.command("connect")(accounts_connect)
    accounts_app.command("app")(accounts_app_credentials)


def accounts_connect(
    platform: Annotated[
        str, typer.Argument(help="instagram, facebook, tiktok, x, pinterest, snapchat")
    ],
    workspace: Annotated[str, typer.Option(help="Workspace slug.")],
) -> None:
    """Print the sign-in URL to open; the callback (in a browser logged in to Mercato as an
    admin of the workspace) completes the connection."""
    with opened_services() as services:
        base = services.settings.base_url
        if not base:
            raise fail("set base_url (MERCATO_BASE_URL): the platform sends the user back there")
        login = service.provider_for(platform).login
        with services.catalog.session() as session:
            workspace_id = workspaces.get_workspace(session, workspace).id
        redirect_uri = f"{base.rstrip('/')}/sources/connect/{login}/callback"
        url = service.start(
            services.catalog,
            workspace_id,
            platform,
            redirect_uri=redirect_uri,
            binding=service.CLI_BINDING,
        )
    console.print("Open this URL in a browser logged in to Mercato (valid 10 minutes):")
    typer.echo(url)


def accounts_app_credentials(
    platform: Annotated[
        str, typer.Argument(help="meta (or instagram/facebook), tiktok, x, pinterest, snapchat")
    ],
    workspace: Annotated[str, typer.Option(help="Workspace slug.")],
    client_id: Annotated[str, typer.Option(help="The app's client id (TikTok: client key).")],
    client_secret: Annotated[str, typer.Option(prompt=True, hide_input=True)],
    endpoint: Annotated[str | None, typer.Option(help="Proxy or test platform base URL.")] = None,
) -> None:
    """Store the platform app's client id and secret (the secret sealed) for the workspace."""
    with opened_services() as services, services.catalog.session() as session:
        workspace_id = workspaces.get_workspace(session, workspace).id
        app = service.set_app(
            session,
            workspace_id,
            platform,
            client_id=client_id,
            client_secret=client_secret,
            endpoint_override=endpoint,
        )
        console.print(f"saved the {app.platform} app {app.client_id}")
