"""`mercato galleries ...`: define galleries, link-in-bio pages, and read UGC performance."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Literal

import typer
from rich.table import Table

from mercato.catalog import workspaces
from mercato.cli.context import console, fail, opened_services, public_url
from mercato.core import labels as human
from mercato.galleries import definitions as defs
from mercato.galleries.service import embed_snippet, labels, site_key
from mercato.galleries.shop import create_shop_page, list_shop_pages
from mercato.metrics.ugc_performance import ugc_performance
from mercato.segments import service as segments

galleries_app = typer.Typer(help="Shoppable galleries and link-in-bio pages.", no_args_is_help=True)
Workspace = Annotated[str, typer.Option("--workspace", "-w", help="Workspace slug.")]
BaseUrl = Annotated[
    str | None,
    typer.Option(
        "--base-url",
        help="Where this Mercato is reachable from shops; default: the base_url setting.",
    ),
]


def _rule(raw: str) -> dict[str, object]:
    try:
        rule = json.loads(raw)
    except ValueError:
        raise fail(f"--rule is not valid JSON: {raw!r}") from None
    if not isinstance(rule, dict):
        raise fail('--rule must be a JSON object, e.g. \'{"product_line": "Summer"}\'')
    return rule


@galleries_app.command("list")
def galleries_list(workspace: Workspace) -> None:
    """List the workspace's galleries."""
    with opened_services() as services, services.catalog.session() as session:
        ws = workspaces.get_workspace(session, workspace)
        table = Table("id", "name", "layout", "placement", "selection", "max", "fallback")
        for g in defs.list_galleries(session, ws.id):
            table.add_row(
                g.id,
                g.name,
                human.label(human.Kind.GALLERY_LAYOUT, g.layout),
                human.label(human.Kind.GALLERY_PLACEMENT, g.placement),
                human.label(human.Kind.GALLERY_SELECTION, g.selection),
                str(g.max_items),
                g.fallback_id or "",
            )
        console.print(table)


@galleries_app.command("create")
def galleries_create(
    workspace: Workspace,
    name: Annotated[str, typer.Option(help="Gallery name (unique in the workspace).")],
    layout: Annotated[str, typer.Option(help="grid, carousel, strip or lookbook.")] = "grid",
    placement: Annotated[str, typer.Option(help="home, product or collection.")] = "home",
    rule: Annotated[
        str, typer.Option(help='Rule as JSON, e.g. \'{"product_line": "Summer"}\'.')
    ] = "{}",
    item: Annotated[
        list[str] | None, typer.Option(help="UGC id for a manual gallery (repeat).")
    ] = None,
    max_items: Annotated[int, typer.Option(help="Show at most this many items.")] = 12,
    min_items: Annotated[int, typer.Option(help="Use the fallback below this many.")] = 1,
    fallback: Annotated[str | None, typer.Option(help="Fallback gallery id.")] = None,
    base_url: BaseUrl = None,
) -> None:
    """Create a gallery (a rule, or manual with --item) and print its embed snippet."""
    draft = defs.GalleryDraft(
        name=name,
        layout=layout,
        placement=placement,
        rule=_rule(rule),
        selection="manual" if item else "rule",
        item_ids=list(item or []),
        max_items=max_items,
        min_items=min_items,
        fallback_id=fallback,
    )
    with opened_services() as services, services.catalog.session() as session:
        ws = workspaces.get_workspace(session, workspace)
        gallery = defs.create_gallery(session, ws.id, draft)
        console.print(f"created gallery [bold]{gallery.id}[/] {gallery.name!r}; embed it with:")
        public = public_url(services, base_url)
        console.print(embed_snippet(gallery, public, site_key(session, ws.id)), markup=False)


@galleries_app.command("delete")
def galleries_delete(workspace: Workspace, gallery_id: str) -> None:
    """Delete a gallery (its embeds then answer 404)."""
    with opened_services() as services, services.catalog.session() as session:
        ws = workspaces.get_workspace(session, workspace)
        defs.delete_gallery(session, ws.id, gallery_id)
        console.print(f"deleted {gallery_id}")


@galleries_app.command("shop-page")
def galleries_shop_page(
    workspace: Workspace,
    account: Annotated[str, typer.Option(help="Social account id.")],
    handle: Annotated[str, typer.Option(help="Public handle: the page is /shop/<handle>.")],
    title: Annotated[str, typer.Option(help="Page title.")] = "",
) -> None:
    """Create a link-in-bio shop page for a social account."""
    with opened_services() as services, services.catalog.session() as session:
        ws = workspaces.get_workspace(session, workspace)
        page = create_shop_page(session, ws.id, account, handle, title)
        console.print(f"created /shop/{page.handle} ({page.id})")


@galleries_app.command("shop-pages")
def galleries_shop_pages(workspace: Workspace) -> None:
    """List link-in-bio shop pages."""
    with opened_services() as services, services.catalog.session() as session:
        ws = workspaces.get_workspace(session, workspace)
        table = Table("id", "handle", "account", "title")
        for page in list_shop_pages(session, ws.id):
            table.add_row(page.id, f"/shop/{page.handle}", page.account_id, page.title)
        console.print(table)


@galleries_app.command("performance")
def galleries_performance(
    workspace: Workspace,
    by: Annotated[str, typer.Option(help="gallery or ugc.")] = "gallery",
    since: Annotated[str | None, typer.Option(help="From this UTC date (YYYY-MM-DD).")] = None,
    segment: Annotated[
        str | None, typer.Option(help="Only this saved segment's visitors (id or name).")
    ] = None,
) -> None:
    """Impressions, clicks, CTR, carts and influenced orders/revenue per gallery or UGC item."""
    if by not in ("gallery", "ugc"):
        raise fail("--by must be gallery or ugc")
    try:
        start = datetime.fromisoformat(since) if since else None
    except ValueError:
        raise fail(f"--since is not a date: {since!r}") from None
    with opened_services() as services, services.catalog.session() as session:
        ws = workspaces.get_workspace(session, workspace)
        scoped = services.warehouse.for_workspace(ws.id)
        if segment:
            scoped = segments.narrowed(scoped, segments.resolve(session, ws.id, segment))
        grain: Literal["gallery_id", "ugc_id"] = "gallery_id" if by == "gallery" else "ugc_id"
        rows = ugc_performance(scoped, grain, start, currency=ws.currency)
        names = labels(session, ws.id, [r.key for r in rows])
    lookup = names.galleries if by == "gallery" else names.items
    table = Table(
        by,
        "impressions",
        "clicks",
        "CTR",
        "carts",
        "infl. sessions",
        "infl. orders",
        "infl. revenue",
        title="Influenced, not caused",
    )
    for r in rows:
        ctr = "n/a" if r.ctr is None else f"{r.ctr:.1%}"
        table.add_row(
            lookup.get(r.key, r.key),
            str(r.impressions),
            str(r.clicks),
            ctr,
            str(r.carts),
            str(r.influenced_sessions),
            str(r.influenced_orders),
            str(r.influenced_revenue),
        )
    console.print(table)
    console.print(f"{len(rows)} row(s)")
