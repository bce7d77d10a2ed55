"""`mercato sites`: a workspace's sites, their tracker snippet and install check."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.markup import escape

from mercato.catalog import sites, workspaces
from mercato.catalog.models import Site
from mercato.catalog.site_activity import install_check
from mercato.cli.context import console, fail, opened_services, public_url

sites_app = typer.Typer(
    help="Sites: tracker keys, allowed origins, snippets.", no_args_is_help=True
)

WorkspaceOption = Annotated[str, typer.Option(help="Workspace slug.")]
BaseUrlOption = Annotated[
    str | None,
    typer.Option(
        help="The URL shoppers' browsers reach Mercato at (for the snippet); "
        "default: the base_url setting.",
    ),
]


def _show(site: Site, base_url: str, check_message: str) -> None:
    console.print(f"[bold]{escape(site.domain)}[/]  {site.id}")
    console.print(f"  key:       {site.public_key}")
    console.print(f"  identity:  {site.identity_mode}")
    console.print(f"  origins:   {escape(', '.join(site.allowed_origins or []) or '(none)')}")
    if site.page_type_patterns:
        console.print(f"  page types: {escape(json.dumps(site.page_type_patterns))}")
    console.print(f"  install:   {escape(check_message)}")
    console.print("  snippet:")
    print(sites.tracker_snippet(site, base_url.rstrip("/") + "/tracker.js"))


def _patterns(raw: str | None) -> dict[str, object] | None:
    if raw is None:
        return None
    try:
        parsed = json.loads(raw)
    except ValueError as exc:
        raise fail(f"--page-types: not valid JSON: {exc}") from None
    if not isinstance(parsed, dict):
        raise fail('--page-types: give an object like {"product": ["/p/*"]}')
    return parsed


@sites_app.command("add")
def sites_add(
    domain: str,
    workspace: WorkspaceOption,
    origin: Annotated[
        list[str] | None, typer.Option(help="Another allowed origin (repeatable).")
    ] = None,
    identity_mode: Annotated[
        str | None, typer.Option(help="cookieless, first_party_id or identified.")
    ] = None,
    page_types: Annotated[
        str | None, typer.Option(help='Page-type globs as JSON: {"product": ["/p/*"]}')
    ] = None,
    base_url: BaseUrlOption = None,
) -> None:
    """Add a site; prints its key and the tracker snippet."""
    patterns = _patterns(page_types)
    with opened_services() as services, services.catalog.session() as session:
        target = workspaces.get_workspace(session, workspace)
        site = sites.add_site(
            session,
            target,
            domain=domain,
            identity_mode=identity_mode or services.settings.identity_mode.value,
            origins=origin or [],
            patterns=patterns,
        )
        console.print(f"added site {escape(site.domain)} to {target.slug}")
        _show(site, public_url(services, base_url), install_check(session, site).message)


@sites_app.command("list")
def sites_list(workspace: WorkspaceOption, base_url: BaseUrlOption = None) -> None:
    """List sites with key, origins, install check and snippet."""
    with opened_services() as services, services.catalog.session() as session:
        target = workspaces.get_workspace(session, workspace)
        found = sites.list_sites(session, target.id)
        if not found:
            hint = f"mercato sites add DOMAIN --workspace {target.slug}"
            console.print(f"{target.slug} has no site yet: `{hint}`")
        for site in found:
            _show(site, public_url(services, base_url), install_check(session, site).message)


@sites_app.command("update")
def sites_update(
    site: Annotated[str, typer.Argument(help="Site id, domain or public key.")],
    workspace: WorkspaceOption,
    add_origin: Annotated[list[str] | None, typer.Option(help="Allow an origin.")] = None,
    remove_origin: Annotated[list[str] | None, typer.Option(help="Stop allowing one.")] = None,
    identity_mode: Annotated[str | None, typer.Option(help="New identity mode.")] = None,
    domain: Annotated[str | None, typer.Option(help="New domain.")] = None,
    page_types: Annotated[str | None, typer.Option(help="Page-type globs as JSON.")] = None,
    respect_dnt: Annotated[
        bool | None, typer.Option("--respect-dnt/--ignore-dnt", help="Do Not Track.")
    ] = None,
    base_url: BaseUrlOption = None,
) -> None:
    """Change a site's origins, identity mode, domain or page types.

    A running server picks the change up within 30 seconds (its site cache)."""
    change = sites.SiteChange(
        domain=domain,
        identity_mode=identity_mode,
        add_origins=add_origin or [],
        remove_origins=remove_origin or [],
        patterns=_patterns(page_types),
        respect_do_not_track=respect_dnt,
    )
    with opened_services() as services, services.catalog.session() as session:
        target = workspaces.get_workspace(session, workspace)
        found = sites.get_site(session, target.id, site)
        sites.update_site(session, found, change)
        console.print(f"updated site {escape(found.domain)}")
        _show(found, public_url(services, base_url), install_check(session, found).message)


@sites_app.command("remove")
def sites_remove(
    site: Annotated[str, typer.Argument(help="Site id, domain or public key.")],
    workspace: WorkspaceOption,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask.")] = False,
) -> None:
    """Remove a site: its key stops working; its events stay in the warehouse."""
    with opened_services() as services, services.catalog.session() as session:
        target = workspaces.get_workspace(session, workspace)
        found = sites.get_site(session, target.id, site)
        if not yes and not typer.confirm(f"Remove {found.domain}?"):
            raise fail("nothing removed", code=1)
        sites.remove_site(session, found)
        console.print(f"removed site {escape(found.domain)}")
