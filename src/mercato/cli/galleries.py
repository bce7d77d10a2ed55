"""`mercato galleries ...`: define galleries, link-in-bio pages, and read UGC performance."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.table import Table

from mercato.catalog import workspaces
from mercato.cli.context import console, fail, opened_services, public_url
from mercato.core import labels as human
from mercato.galleries import definitions as defs
from mercato.galleries import segment_rules
from mercato.galleries.brand_posts import store_post_picture, tag_post_products
from mercato.galleries.service import embed_snippet, labels, policy, site_key
from mercato.galleries.shop import create_shop_page, list_shop_pages
from mercato.metrics.ugc_performance import ugc_performance
from mercato.runtime import analytics_warehouse
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


def _segment_rule(raw: str) -> dict[str, object]:
    """`SEGMENT:key=value,key=value` (a SKU list as `product_skus=A|B`)."""
    segment, _, pairs = raw.partition(":")
    example = "e.g. --segment-rule seg_123:platform=tiktok,content_type=video"
    if not segment.strip() or not pairs.strip():
        raise fail(f"--segment-rule {raw!r} needs SEGMENT:key=value; {example}")
    rule: dict[str, object] = {}
    for pair in pairs.split(","):
        key, equals, value = (part.strip() for part in pair.partition("="))
        if not equals or not key:
            raise fail(f"--segment-rule {raw!r}: {pair!r} is not key=value; {example}")
        expected = defs.RULE_KEYS.get(key)
        if expected is int:
            try:
                rule[key] = int(value)
            except ValueError:
                raise fail(f"--segment-rule {raw!r}: {key} must be a whole number") from None
        elif expected is list:
            rule[key] = [sku.strip() for sku in value.split("|") if sku.strip()]
        else:
            rule[key] = value  # an unknown key is named by the gallery's validation
    return {"segment_id": segment.strip(), "rule": rule}


def _with_segment_rules(rule: dict[str, object], raw: list[str] | None) -> dict[str, object]:
    if raw:
        rule[segment_rules.KEY] = [_segment_rule(one) for one in raw]
    return rule


SegmentRules = Annotated[
    list[str] | None,
    typer.Option(
        "--segment-rule",
        help="SEGMENT:key=value,... overriding the rule for that segment's visitors (repeat; "
        "the first match wins), e.g. seg_123:platform=tiktok,content_type=video.",
    ),
]


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
    segment_rule: SegmentRules = None,
    base_url: BaseUrl = None,
) -> None:
    """Create a gallery (a rule, or manual with --item) and print its embed snippet."""
    draft = defs.GalleryDraft(
        name=name,
        layout=layout,
        placement=placement,
        rule=_with_segment_rules(_rule(rule), segment_rule),
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


@galleries_app.command("segment-rules")
def galleries_segment_rules(
    workspace: Workspace,
    gallery_id: str,
    segment_rule: SegmentRules = None,
    clear: Annotated[bool, typer.Option(help="Remove every segment rule.")] = False,
) -> None:
    """Show a gallery's segment rules, or replace them (--segment-rule ...) or --clear them."""
    with opened_services() as services, services.catalog.session() as session:
        ws = workspaces.get_workspace(session, workspace)
        gallery = defs.get_gallery(session, ws.id, gallery_id)
        if segment_rule or clear:
            draft = defs.draft_of(session, gallery)
            draft.rule.pop(segment_rules.KEY, None)
            draft.rule = _with_segment_rules(draft.rule, segment_rule)
            gallery = defs.update_gallery(session, ws.id, gallery.id, draft)
        table = Table("#", "segment", "name", "rule")
        names = {s.id: s.name for s in segments.list_segments(session, ws.id)}
        for number, entry in enumerate(gallery.rule.get(segment_rules.KEY) or [], start=1):
            segment_id = str(entry["segment_id"])
            rule_text = json.dumps(entry["rule"], sort_keys=True)
            table.add_row(str(number), segment_id, names.get(segment_id, "(deleted)"), rule_text)
        console.print(table)


@galleries_app.command("policy")
def galleries_policy(
    workspace: Workspace,
    gallery_id: str,
    output: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
) -> None:
    """An adaptive gallery's state (burn_in, adaptive, reverted), each item's share of the
    lead and the off-policy estimate of the default order from the logged decisions."""
    if output not in ("table", "json"):
        raise fail("--format must be table or json")
    with opened_services() as services, services.catalog.session() as session:
        ws = workspaces.get_workspace(session, workspace)
        found = policy(session, services.warehouse.for_workspace(ws.id), ws.id, gallery_id)
        captions = labels(session, ws.id, found.items).items
    document = found.as_json()
    if output == "json":
        console.print_json(json.dumps(document))
        return
    if document["state"] is None:
        console.print("order: default (not adaptive; set the rule's order to adaptive)")
        return
    console.print(f"state: {document['state']} (update {document['update']})")
    if document["breached"]:
        console.print(f"guardrails breached: {', '.join(document['breached'])}")
    table = Table("#", "item", "caption", "lead share", "reward rate", "chance to be best")
    for number, row in enumerate(document["items"], start=1):
        chance = row["chance_to_win"]
        table.add_row(
            str(number),
            row["ugc_id"],
            captions.get(row["ugc_id"], ""),
            f"{row['allocation']:.1%}",
            f"{row['mean']:.2%}",
            "n/a" if chance is None else f"{chance:.1%}",
        )
    console.print(table)
    estimate = document["default_order_estimate"]["doubly_robust"]
    console.print(f"{document['logged_exposures']} logged lead exposure(s)")
    if estimate is None:
        console.print("default order estimate: n/a (fewer than two logged lead exposures)")
    else:
        served = document["logged_reward_rate"]
        console.print(
            f"default order (doubly robust): {estimate['value']:.2%} "
            f"± {estimate['standard_error']:.2%} per lead exposure; served: {served:.2%}"
        )


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


@galleries_app.command("shop-post")
def galleries_shop_post(
    workspace: Workspace,
    platform: Annotated[str, typer.Option(help="The post's platform, e.g. instagram.")],
    post_id: Annotated[str, typer.Option(help="The post's id on the platform.")],
    image: Annotated[
        Path | None, typer.Option(help="The post's picture (JPEG, PNG, WebP, GIF or a video).")
    ] = None,
    product: Annotated[
        list[str] | None, typer.Option("--product", help="SKU tagged in the post (repeat).")
    ] = None,
) -> None:
    """Set the picture and tagged products of one of the brand's posts on its link-in-bio page."""
    if image is None and product is None:
        raise fail("give --image, --product or both")
    if image is not None and not image.is_file():
        raise fail(f"{image}: no such file")
    with opened_services() as services, services.catalog.session() as session:
        ws = workspaces.get_workspace(session, workspace)
        if image is not None:
            store_post_picture(
                session, ws.id, services.settings.media_dir, platform, post_id, image.read_bytes()
            )
            console.print(f"stored the picture of {platform} post {post_id}", markup=False)
        if product is not None:
            tagged = tag_post_products(session, ws.id, platform, post_id, product)
            names = ", ".join(p.sku for p in tagged) or "none"
            console.print(f"products tagged in {platform} post {post_id}: {names}", markup=False)


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
        scoped = analytics_warehouse(services, ws.id, ws.slug)
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
