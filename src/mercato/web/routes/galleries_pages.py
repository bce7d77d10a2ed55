"""Gallery pages: the list with UGC performance, and the builder with live preview."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from mercato.attribution.service import attribution_report, make_request
from mercato.catalog.db import CatalogSession
from mercato.catalog.models import Gallery, GallerySelection
from mercato.core import labels as human
from mercato.core.errors import MercatoError
from mercato.core.scopes import Scope
from mercato.core.timeutil import utcnow
from mercato.galleries import adaptive, segment_rules
from mercato.galleries import definitions as defs
from mercato.galleries.service import embed_snippet, labels, policy, site_key
from mercato.galleries.shop import list_shop_pages
from mercato.metrics.ugc_performance import ugc_performance
from mercato.runtime import analytics_warehouse
from mercato.segments.service import list_segments
from mercato.ugc.names import item_choices
from mercato.ugc.service import library_platforms
from mercato.ugc.tagging import workspace_products
from mercato.warehouse.scoped import ScopedWarehouse
from mercato.web.auth import Principal, Requires, ServicesDep
from mercato.web.routes.galleries_public import base_url_of
from mercato.web.templating import render

GalleriesPage = Annotated[Principal, Depends(Requires(Scope.UGC_READ, page=True))]
router = APIRouter(include_in_schema=False)
log = logging.getLogger(__name__)
DEFAULT_DAYS = 30
ATTRIBUTION_MODEL = "linear"  # every touch of a converting journey shares its revenue equally


def attributed_revenue(
    scoped: ScopedWarehouse, start: datetime, currency: str | None = None
) -> dict[str, Decimal]:
    """Revenue the attribution model gives each UGC item ("ugc:<id>" labels), by item id;
    empty when the model has nothing to work on (no journeys, no conversions)."""
    request = make_request(model=ATTRIBUTION_MODEL, by="ugc", start=start)
    try:
        report = attribution_report(scoped, request, currency=currency)
    except (MercatoError, ValueError):
        return {}
    prefix = "ugc:"
    return {r.label[len(prefix) :]: r.revenue for r in report.rows if r.label.startswith(prefix)}


@router.get("/galleries", operation_id="galleries_page")
def galleries_page(
    request: Request, services: ServicesDep, principal: GalleriesPage, days: int = DEFAULT_DAYS
) -> HTMLResponse:
    days = min(max(days, 1), 3650)
    start = utcnow() - timedelta(days=days)
    scoped = analytics_warehouse(services, principal.workspace.id, principal.workspace.slug)
    currency = principal.workspace.currency
    by_gallery = ugc_performance(scoped, "gallery_id", start, currency=currency)
    by_item = ugc_performance(scoped, "ugc_id", start, currency=currency)[:50]
    attributed = attributed_revenue(scoped, start, currency)
    with services.catalog.session() as session:
        galleries = defs.list_galleries(session, principal.workspace.id)
        pages = list_shop_pages(session, principal.workspace.id)
        names = labels(session, principal.workspace.id, [row.key for row in by_item])
        rows = [(g.id, g.name, g.layout, g.placement, g.selection) for g in galleries]
        shops = [(p.handle, p.title) for p in pages]
    return render(
        request,
        "galleries.html",
        principal,
        galleries=rows,
        shops=shops,
        by_gallery=by_gallery,
        by_item=by_item,
        names=names,
        days=days,
        attributed=attributed,
        attribution_model=ATTRIBUTION_MODEL,
    )


FORM_KEYS = ("platform", "content_type", "product_line", "product_type", "category",
             "product_skus", "sort")  # fmt: skip


def _segment_rows(draft: defs.GalleryDraft, known: set[str]) -> list[dict[str, Any]]:
    """The stored segment rules and one empty row; keys the form has no field for ride
    along in `extra` so a save from the builder keeps them. A rule whose segment was deleted
    stays visible (saving names it) rather than vanishing from the form."""
    rows = []
    for entry in draft.rule.get(segment_rules.KEY) or []:
        rule = dict(entry["rule"])
        extra = {k: v for k, v in rule.items() if k not in FORM_KEYS}
        segment_id = entry["segment_id"]
        deleted = segment_id not in known
        rows.append({"segment_id": segment_id, "rule": rule, "extra": extra, "deleted": deleted})
    return [*rows, {"segment_id": "", "rule": {}, "extra": {}, "deleted": False}]


def _policy(
    services: ServicesDep, session: CatalogSession, workspace_id: str, gallery: Gallery
) -> dict[str, Any] | None:
    """An adaptive gallery's policy for the builder's card, captions joined; None for a
    gallery with its default order (or when the warehouse cannot be read: logged)."""
    if gallery.selection != GallerySelection.RULE or adaptive.config_of(gallery.rule) is None:
        return None
    try:
        found = policy(session, services.warehouse.for_workspace(workspace_id), workspace_id,
                       gallery.id).as_json()  # fmt: skip
    except Exception as exc:  # the builder still opens; the log says why
        log.warning("policy of gallery %s not read: %s", gallery.id, exc)
        return None
    captions = labels(session, workspace_id, [row["ugc_id"] for row in found["items"]]).items
    for row in found["items"]:
        row["caption"] = captions.get(row["ugc_id"], "")
    return found


# Platforms in the labels that no UGC comes from: ad networks and "no platform".
NOT_UGC = frozenset(
    {"google", "google_ads", "bing", "microsoft", "meta", "audience_network", human.NONE}
)


def platform_choices(current: str = "", present: Iterable[str] = ()) -> list[str]:
    """The platforms a gallery rule can name: the labelled ones UGC comes from, one per label
    (`twitter` is X), in the labels' order, then any other platform the library's items carry
    (`present`); a stored value outside them all is kept first, so the builder never drops it."""
    seen: dict[str, str] = {}
    for key, text in human.TABLES[human.Kind.PLATFORM].items():
        if key not in NOT_UGC:
            seen.setdefault(text, key)
    choices = list(seen.values())
    known = set(human.known(human.Kind.PLATFORM))
    choices += sorted({p for p in present if p and p not in known and p not in choices})
    return [current, *choices] if current and current not in choices else choices


def _builder(
    request: Request, services: ServicesDep, principal: Principal, gallery_id: str | None
) -> HTMLResponse:
    with services.catalog.session() as session:
        key = site_key(session, principal.workspace.id)
        others = [(g.id, g.name) for g in defs.list_galleries(session, principal.workspace.id)]
        draft, snippet = defs.GalleryDraft(name=""), ""
        order_policy: dict[str, Any] | None = None
        if gallery_id is not None:
            gallery = defs.get_gallery(session, principal.workspace.id, gallery_id)
            draft = defs.draft_of(session, gallery)
            snippet = embed_snippet(gallery, base_url_of(request), key)
            order_policy = _policy(services, session, principal.workspace.id, gallery)
        segments = [(s.id, s.name) for s in list_segments(session, principal.workspace.id)]
        present = library_platforms(session, principal.workspace.id)
        products = [
            {"sku": p.sku, "title": p.title}
            for p in workspace_products(session, principal.workspace.id)
        ]
        items = item_choices(session, principal.workspace.id, keep=draft.item_ids)
    return render(
        request,
        "gallery_builder.html",
        principal,
        gallery_id=gallery_id,
        draft=draft,
        others=[o for o in others if o[0] != gallery_id],
        snippet=snippet,
        layouts=defs.LAYOUTS,
        placements=defs.PLACEMENTS,
        sorts=defs.SORTS,
        orders=[order.value for order in adaptive.Order],
        rewards=[reward.value for reward in adaptive.Reward],
        bandit_defaults=adaptive.DEFAULT_SETTINGS,
        order_policy=order_policy,
        segments=segments,
        products=products,
        items=items,
        platform_choices=lambda current: platform_choices(current, present),
        segment_rows=_segment_rows(draft, {segment_id for segment_id, _ in segments}),
    )


@router.get("/galleries/new", operation_id="gallery_builder_new")
def gallery_builder_new(
    request: Request, services: ServicesDep, principal: GalleriesPage
) -> HTMLResponse:
    return _builder(request, services, principal, None)


@router.get("/galleries/{gallery_id}", operation_id="gallery_builder")
def gallery_builder(
    request: Request, gallery_id: str, services: ServicesDep, principal: GalleriesPage
) -> HTMLResponse:
    return _builder(request, services, principal, gallery_id)
