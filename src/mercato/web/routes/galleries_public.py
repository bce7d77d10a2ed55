"""Public gallery delivery: gallery.js, the JSON and HTML fragment endpoints, link-in-bio pages.

Everything served here went through `ugc.publishable` (in galleries.selection / galleries.shop).
Cross-origin reads are allowed only from a site's `allowed_origins`; responses carry an ETag
and `Cache-Control: no-cache`, so browsers and CDNs revalidate (a cheap 304) and an item whose
rights end disappears on the next load instead of living on in a cache.
"""

from __future__ import annotations

from pathlib import Path

import ibis
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from mercato.catalog.models import Site, SocialAccount, Workspace
from mercato.catalog.scoped import ScopedSession
from mercato.core.errors import NotFoundError
from mercato.galleries.brand_posts import brand_post_media
from mercato.galleries.cache import DeliveryCache, etag_of
from mercato.galleries.delivery import check_origin, deliver, gallery_access
from mercato.galleries.render import script_safe_json
from mercato.galleries.selection import PageContext
from mercato.galleries.shop import (
    POST_TILES,
    ShopPost,
    shop_page_by_handle,
    shop_payload,
    shop_view,
)
from mercato.runtime import Services
from mercato.web.adaptive_delivery import visitor_order
from mercato.web.app_state import app_singleton
from mercato.web.auth import ServicesDep, services_of
from mercato.web.experiment_delivery import Visitor, experiment_variant
from mercato.web.routes.ugc_pages import MEDIA_HEADERS
from mercato.web.security_headers import fragment_policy
from mercato.web.segment_delivery import visitor_segment
from mercato.web.templating import render
from mercato.web.urls import absolute_url

router = APIRouter(tags=["public"], include_in_schema=False)
GALLERY_JS = (Path(__file__).parents[2] / "galleries" / "gallery.js").read_bytes()
GALLERY_JS_ETAG = etag_of(GALLERY_JS)
SHOP_POSTS = POST_TILES


def delivery_cache(request: Request) -> DeliveryCache:
    return app_singleton(request, "gallery_cache", DeliveryCache)


def base_url_of(request: Request) -> str:
    return absolute_url(request, "")


def _not_modified(request: Request, etag: str) -> bool:
    sent = request.headers.get("if-none-match", "")
    return etag in {tag.strip() for tag in sent.split(",")}


@router.get("/gallery.js", operation_id="gallery_js")
def gallery_js(request: Request) -> Response:
    headers = {"ETag": GALLERY_JS_ETAG, "Cache-Control": "public, max-age=3600"}
    if _not_modified(request, GALLERY_JS_ETAG):
        return Response(status_code=304, headers=headers)
    return Response(GALLERY_JS, media_type="text/javascript; charset=utf-8", headers=headers)


def _gallery(
    request: Request,
    services: Services,
    gallery_id: str,
    fmt: str,
    context: PageContext,
    visitor: Visitor | None = None,
) -> Response:
    origin = request.headers.get("origin")
    cache = delivery_cache(request)
    access = gallery_access(services.catalog, cache, gallery_id)
    check_origin(access, origin, base_url_of(request))
    variant = experiment_variant(request, services, cache, access.workspace_id, gallery_id,
                                 visitor or Visitor(), context.url)  # fmt: skip
    segment = None
    if variant is None or not (variant.holdout or variant.config):  # the gallery as defined
        segment = visitor_segment(request, services, cache, access.workspace_id, gallery_id,
                                  visitor or Visitor(), context.url)  # fmt: skip
    order = None
    if variant is None or not (variant.holdout or variant.config):
        order = visitor_order(request, services, cache, access.workspace_id, gallery_id,
                              visitor or Visitor(), context, base_url_of(request), variant,
                              segment)  # fmt: skip
    delivery, _ = deliver(services.catalog, cache, gallery_id, context, fmt,
                          base_url_of(request), variant, segment, order)  # fmt: skip
    # A variant, a segment or an adaptive order depends on who asks: no shared cache may
    # hand it to another.
    personal = variant is not None or segment is not None or order is not None
    scope = "private" if personal else "public"
    headers = {"ETag": delivery.etag, "Cache-Control": f"{scope}, no-cache", "Vary": "Origin"}
    if fmt == "html":  # the fragment may be framed by the sites that may embed it, no others
        headers["Content-Security-Policy"] = fragment_policy(access.allowed_origins)
    if origin:
        headers["Access-Control-Allow-Origin"] = origin
    if _not_modified(request, delivery.etag):
        return Response(status_code=304, headers=headers)
    return Response(delivery.body, media_type=delivery.media_type, headers=headers)


def _page_context(request: Request) -> PageContext:
    """`?product=&url=&collection=` read directly: FastAPI's per-request parameter
    introspection was most of a cached delivery's cost (a repeated key: the last wins,
    as with declared parameters)."""
    query = request.query_params
    return PageContext(query.get("product"), query.get("url"), query.get("collection"))


@router.get("/g/{gallery_id}.json", operation_id="gallery_json")
async def gallery_json(request: Request) -> Response:
    return await _route(request, "json")


@router.get("/g/{gallery_id}.html", operation_id="gallery_html")
async def gallery_html(request: Request) -> Response:
    return await _route(request, "html")


async def _route(request: Request, fmt: str) -> Response:
    """The variant decision, the exposure and a cache miss read the catalog: all in a thread."""
    query = request.query_params
    visitor = Visitor(query.get("key"), query.get("vid"))
    gallery_id = request.path_params["gallery_id"]
    return await run_in_threadpool(
        _gallery, request, services_of(request), gallery_id, fmt, _page_context(request), visitor
    )


def posts_from_warehouse(services: Services, account: SocialAccount) -> list[ShopPost]:
    """The account's latest posts; connectors store the account as its id or platform id."""
    posts = services.warehouse.for_workspace(account.workspace_id).table("social_posts")
    mine = posts.filter(
        (posts.platform == account.platform)
        & posts.account_id.isin([account.id, account.external_id or account.id])
    )
    recent = mine.order_by(ibis.desc("posted_at")).limit(SHOP_POSTS)
    frame = services.warehouse.execute(recent)
    return [
        ShopPost(
            post_id=str(row.post_id),
            platform=str(row.platform),
            posted_at=row.posted_at.to_pydatetime() if row.posted_at is not None else None,
            caption=str(row.caption or ""),
            permalink=str(row.permalink) if row.permalink else None,
            content_type=str(row.content_type or "photo"),
        )
        for row in frame.itertuples()
    ]


@router.get("/shop/{handle}", operation_id="shop_page")
def shop_page(request: Request, handle: str, services: ServicesDep) -> HTMLResponse:
    with services.catalog.session() as session:
        view = shop_view(
            session, handle, lambda a: posts_from_warehouse(services, a), base_url_of(request)
        )
        scoped = ScopedSession(session, view.page.workspace_id)
        site = scoped.first(scoped.select(Site))
        site_key = site.public_key if site is not None else None
        payload = shop_payload(view)
        account = view.account.handle
        workspace = session.get(Workspace, view.page.workspace_id)
        brand = workspace.name if workspace is not None else f"@{account}"
    return render(
        request,
        "shop_page.html",
        None,
        payload=payload,
        payload_json=script_safe_json(payload),
        account=account,
        brand=brand,
        site_key=site_key or "",
    )


@router.get("/shop/{handle}/media/{brand_post_id}", operation_id="shop_post_media")
def shop_post_media(
    handle: str, brand_post_id: str, services: ServicesDep, thumb: bool = False
) -> Response:
    """The picture of one of the brand's posts on its link-in-bio page (public, like the post)."""
    with services.catalog.session() as session:
        page = shop_page_by_handle(session, handle)
        if page is None:
            raise NotFoundError("no such picture")
        post = brand_post_media(session, page.workspace_id, brand_post_id)
        name = post.thumb_path if thumb and post.thumb_path else post.path
    path = services.settings.media_dir / str(name)
    if not path.is_file():
        raise NotFoundError("no such picture")
    headers = {**MEDIA_HEADERS, "Cache-Control": "public, max-age=3600"}
    return FileResponse(path, headers=headers)
