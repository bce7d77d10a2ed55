"""Gallery and link-in-bio API under /api/v1/galleries (scopes ugc:read / ugc:write)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field

from mercato.catalog.models import Gallery, ShopPage
from mercato.core.ids import new_id
from mercato.core.scopes import Scope
from mercato.core.timeutil import check_day_range
from mercato.galleries import definitions as defs
from mercato.galleries.selection import PageContext
from mercato.galleries.service import embed_snippet, labels, policy, preview, site_key
from mercato.galleries.shop import create_shop_page, delete_shop_page, list_shop_pages
from mercato.metrics.ugc_performance import ugc_performance
from mercato.runtime import analytics_warehouse
from mercato.web.auth import Principal, Requires, ServicesDep
from mercato.web.routes.galleries_public import base_url_of
from mercato.web.segment_scope import segment_scope

UgcReader = Annotated[Principal, Depends(Requires(Scope.UGC_READ))]
UgcWriter = Annotated[Principal, Depends(Requires(Scope.UGC_WRITE))]
router = APIRouter(prefix="/api/v1/galleries", tags=["galleries"])

Layout = Literal["grid", "carousel", "strip", "lookbook"]
Placement = Literal["home", "product", "collection"]


class GalleryCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    layout: Layout = "grid"
    placement: Placement = "home"
    selection: Literal["rule", "manual"] = "rule"
    rule: dict[str, Any] = {}
    max_items: int = Field(default=12, ge=1, le=defs.MAX_ITEMS)
    min_items: int = Field(default=1, ge=0, le=defs.MAX_ITEMS)
    fallback_id: str | None = None
    item_ids: list[str] = Field(default=[], max_length=defs.MAX_ITEMS * 4)


class GalleryUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    layout: Layout | None = None
    placement: Placement | None = None
    selection: Literal["rule", "manual"] | None = None
    rule: dict[str, Any] | None = None
    max_items: int | None = Field(default=None, ge=1, le=defs.MAX_ITEMS)
    min_items: int | None = Field(default=None, ge=0, le=defs.MAX_ITEMS)
    fallback_id: str | None = None
    item_ids: list[str] | None = Field(default=None, max_length=defs.MAX_ITEMS * 4)


class GalleryPublic(BaseModel):
    id: str
    name: str
    layout: str
    placement: str
    selection: str
    rule: dict[str, Any]
    max_items: int
    min_items: int
    fallback_id: str | None
    item_ids: list[str]
    version: int
    embed: str


class PreviewIn(GalleryCreate):
    name: str = Field(default="preview", max_length=200)
    product: str | None = None
    url: str | None = None
    collection: str | None = None
    segment: str | None = Field(default=None, max_length=200)  # preview as its visitors see it


class PerformanceRow(BaseModel):
    key: str
    label: str
    gallery_views: int
    impressions: int
    clicks: int
    ctr: float | None
    product_clicks: int
    carts: int
    influenced_sessions: int
    influenced_orders: int
    influenced_revenue: Decimal


class ShopPageCreate(BaseModel):
    account_id: str
    handle: str = Field(min_length=1, max_length=64)
    title: str = Field(default="", max_length=200)


class ShopPagePublic(BaseModel):
    id: str
    account_id: str
    handle: str
    title: str
    url: str


def _public(request: Request, session: Any, gallery: Gallery) -> GalleryPublic:
    draft = defs.draft_of(session, gallery)
    return GalleryPublic(
        id=gallery.id,
        version=gallery.version,
        embed=embed_snippet(gallery, base_url_of(request), site_key(session, gallery.workspace_id)),
        **vars(draft),
    )


@router.get("", operation_id="galleries_list")
def galleries_list(
    request: Request, services: ServicesDep, principal: UgcReader
) -> list[GalleryPublic]:
    with services.catalog.session() as session:
        found = defs.list_galleries(session, principal.workspace.id)
        return [_public(request, session, g) for g in found]


@router.post("", operation_id="galleries_create", status_code=201)
def galleries_create(
    request: Request, body: GalleryCreate, services: ServicesDep, principal: UgcWriter
) -> GalleryPublic:
    with services.catalog.session() as session:
        draft = defs.GalleryDraft(**body.model_dump())
        gallery = defs.create_gallery(session, principal.workspace.id, draft)
        return _public(request, session, gallery)


@router.post("/preview", operation_id="galleries_preview")
def galleries_preview(
    request: Request, body: PreviewIn, services: ServicesDep, principal: UgcReader
) -> dict[str, Any]:
    fields = body.model_dump(exclude={"product", "url", "collection", "segment"})
    context = PageContext(body.product, body.url, body.collection)
    with services.catalog.session() as session:
        draft = defs.GalleryDraft(**fields)
        draft.name = new_id("preview")  # never clashes with a saved gallery's name
        return preview(
            session, principal.workspace.id, draft, context, base_url_of(request), body.segment
        )


@router.get("/performance", operation_id="galleries_performance")
def galleries_performance(
    services: ServicesDep,
    principal: UgcReader,
    grain: Literal["gallery", "ugc"] = "gallery",
    start: datetime | None = None,
    end: datetime | None = None,
    segment: Annotated[str | None, Query(max_length=200)] = None,
) -> list[PerformanceRow]:
    """UGC performance per gallery or item; with `segment`, only that segment's visitors."""
    check_day_range(start, end, location="end")
    column: Literal["gallery_id", "ugc_id"] = "gallery_id" if grain == "gallery" else "ugc_id"
    scoped = segment_scope(
        services,
        principal.workspace.id,
        segment or None,
        analytics_warehouse(services, principal.workspace.id, principal.workspace.slug),
    )
    rows = ugc_performance(scoped, column, start, end, principal.workspace.currency)
    with services.catalog.session() as session:
        names = labels(session, principal.workspace.id, [r.key for r in rows])
    lookup = names.galleries if grain == "gallery" else names.items
    return [PerformanceRow(label=lookup.get(r.key, r.key), ctr=r.ctr, **r.__dict__) for r in rows]


@router.get("/shop-pages", operation_id="shop_pages_list")
def shop_pages_list(
    request: Request, services: ServicesDep, principal: UgcReader
) -> list[ShopPagePublic]:
    with services.catalog.session() as session:
        return [_shop(request, p) for p in list_shop_pages(session, principal.workspace.id)]


def _shop(request: Request, page: ShopPage) -> ShopPagePublic:
    url = f"{base_url_of(request)}/shop/{page.handle}"
    return ShopPagePublic(
        id=page.id, account_id=page.account_id, handle=page.handle, title=page.title, url=url
    )


@router.post("/shop-pages", operation_id="shop_pages_create", status_code=201)
def shop_pages_create(
    request: Request, body: ShopPageCreate, services: ServicesDep, principal: UgcWriter
) -> ShopPagePublic:
    with services.catalog.session() as session:
        page = create_shop_page(
            session, principal.workspace.id, body.account_id, body.handle, body.title
        )
        return _shop(request, page)


@router.delete("/shop-pages/{page_id}", operation_id="shop_pages_delete", status_code=204)
def shop_pages_delete(page_id: str, services: ServicesDep, principal: UgcWriter) -> Response:
    with services.catalog.session() as session:
        delete_shop_page(session, principal.workspace.id, page_id)
    return Response(status_code=204)


@router.get("/{gallery_id}", operation_id="galleries_get")
def galleries_get(
    request: Request, gallery_id: str, services: ServicesDep, principal: UgcReader
) -> GalleryPublic:
    with services.catalog.session() as session:
        gallery = defs.get_gallery(session, principal.workspace.id, gallery_id)
        return _public(request, session, gallery)


@router.get("/{gallery_id}/policy", operation_id="galleries_policy")
def galleries_policy(
    gallery_id: str, services: ServicesDep, principal: UgcReader
) -> dict[str, Any]:
    """An adaptive gallery's state, allocation per item and the default order's off-policy
    estimate (see docs/galleries.md, Adaptive order)."""
    workspace_id = principal.workspace.id
    with services.catalog.session() as session:
        found = policy(session, services.warehouse.for_workspace(workspace_id), workspace_id,
                       gallery_id)  # fmt: skip
    return found.as_json()


@router.patch("/{gallery_id}", operation_id="galleries_update")
def galleries_update(
    request: Request,
    gallery_id: str,
    body: GalleryUpdate,
    services: ServicesDep,
    principal: UgcWriter,
) -> GalleryPublic:
    with services.catalog.session() as session:
        gallery = defs.get_gallery(session, principal.workspace.id, gallery_id)
        draft = defs.draft_of(session, gallery)
        for name, value in body.model_dump(exclude_unset=True).items():
            setattr(draft, name, value)
        gallery = defs.update_gallery(session, principal.workspace.id, gallery_id, draft)
        return _public(request, session, gallery)


@router.delete("/{gallery_id}", operation_id="galleries_delete", status_code=204)
def galleries_delete(gallery_id: str, services: ServicesDep, principal: UgcWriter) -> Response:
    with services.catalog.session() as session:
        defs.delete_gallery(session, principal.workspace.id, gallery_id)
    return Response(status_code=204)
