"""`mercato shop connect` and `mercato shop sync`: the Shopify Admin API connection."""

from __future__ import annotations

from typing import Annotated

import typer

from mercato.catalog import workspaces
from mercato.cli.context import console, opened_services
from mercato.connectors import shopify_admin

shop_app = typer.Typer(help="The Shopify shop connection (Admin API).", no_args_is_help=True)


@shop_app.command("connect")
def shop_connect(
    shop_domain: Annotated[str, typer.Argument(help="your-shop.myshopify.com")],
    workspace: Annotated[str, typer.Option(help="Workspace slug.")],
    token: Annotated[str, typer.Option(prompt=True, hide_input=True, help="Admin API token.")],
    base_url: Annotated[str | None, typer.Option(help="API base URL override.")] = None,
) -> None:
    """Connect the shop with a custom app's Admin API access token (stored sealed)."""
    with opened_services() as services, services.catalog.session() as session:
        workspace_id = workspaces.get_workspace(session, workspace).id
        shop = shopify_admin.connect_shop(
            session,
            workspace_id,
            shop_domain=shop_domain,
            access_token=token,
            api_base_url=base_url,
        )
        console.print(f"connected {shop.shop_domain}; run `mercato shop sync` to backfill")


@shop_app.command("sync")
def shop_sync(workspace: Annotated[str, typer.Option(help="Workspace slug.")]) -> None:
    """Backfill (or continue) products, orders and refunds; resumes where it stopped."""
    with opened_services() as services:
        with services.catalog.session() as session:
            workspace_id = workspaces.get_workspace(session, workspace).id
        summary = shopify_admin.sync_shop(services.catalog, services.warehouse, workspace_id)
        console.print(
            f"read {summary.rows_read:,}: orders +{summary.inserted['orders']:,} "
            f"~{summary.updated['orders']:,}, products +{summary.inserted['products']:,}"
        )
