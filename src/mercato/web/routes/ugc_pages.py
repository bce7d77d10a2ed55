"""UGC library pages: grid with filters, item detail, moderation queue, creators, media."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from mercato.catalog.models import (
    GRANT_CHANNELS,
    REQUEST_CHANNELS,
    Creator,
    UgcItem,
)
from mercato.connectors import shopify_admin
from mercato.connectors.platforms.client import ClientPolicy
from mercato.connectors.platforms.errors import PlatformError
from mercato.core.errors import NotFoundError, ValidationFailed
from mercato.core.scopes import Scope
from mercato.core.secret_box import SecretBox
from mercato.core.timeutil import utcnow
from mercato.metrics.ugc_performance import performance_by_item
from mercato.runtime import analytics_warehouse
from mercato.sharing.rewards_mail import issue_by_hand, send_reward
from mercato.ugc import embedding, filters, rights
from mercato.ugc import service as ugc_service
from mercato.ugc.items import set_status
from mercato.ugc.rewards import creator_summaries, push_reward_to_shop
from mercato.ugc.search import RIGHTS, SORTS, UgcQuery, search
from mercato.ugc.service import (
    creators_by_id,
    first_media,
    item_detail,
    library_media,
    library_platforms,
)
from mercato.ugc.tagging import set_tag, workspace_products
from mercato.web.auth import Principal, Requires, ServicesDep
from mercato.web.stores import WorkspaceCatalogDep
from mercato.web.templating import render, translator

UgcPage = Annotated[Principal, Depends(Requires(Scope.UGC_READ, page=True))]
UgcWritePage = Annotated[Principal, Depends(Requires(Scope.UGC_WRITE, page=True))]

router = APIRouter(include_in_schema=False)


def _date(raw: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def query_from(request: Request) -> UgcQuery:
    """Filters from the page's query string (field names from the vocabulary in
    `ugc.filters`); unknown values are ignored, never a 500."""
    params = request.query_params
    sort = params.get("sort", "recent")
    query = UgcQuery(
        text=params.get("text", ""),
        semantic=params.get("semantic", ""),
        sort=sort if sort in SORTS else "recent",
    )
    for plain in filters.PLAIN:
        if params.get(plain.field):
            setattr(query, plain.name, params[plain.field])
    query.posted_from = _date(params.get(filters.BY_NAME["posted_from"].field))
    until = _date(params.get(filters.BY_NAME["posted_to"].field))
    query.posted_to = until + timedelta(days=1) if until else None  # the "to" day is included
    query.tagged = filters.TAGGED.get(params.get(filters.BY_NAME["tagged"].field, ""))
    if query.rights not in RIGHTS:
        query.rights = None
    query.offset = (page_number(params.get("page")) - 1) * query.limit
    query.exact_count = params.get("count") == "exact"
    return query


def page_number(raw: str | None) -> int:
    """The 1-based page from the query string; anything else is page 1."""
    try:
        return max(1, min(int(raw or 1), 1_000_000))
    except ValueError:
        return 1


def page_links(request: Request, page: int, pages: int) -> dict[str, str | None]:
    """Previous/next page addresses that keep the other filters."""
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != "page"]

    def link(number: int) -> str:
        return "/ugc?" + urlencode([*kept, ("page", str(number))])

    return {
        "previous": link(page - 1) if page > 1 else None,
        "next": link(page + 1) if page < pages else None,
    }


@router.get("/ugc", operation_id="ugc_library_page")
def ugc_library_page(request: Request, services: ServicesDep, principal: UgcPage) -> HTMLResponse:
    query = query_from(request)
    embedder = embedding.load_embedder() if query.semantic else None
    with services.catalog.session() as session:
        result = search(session, principal.workspace_id, query, embedder)
        ids = [item.id for item in result.items]
        page = query.offset // query.limit + 1
        pages = max(1, -(-result.total // query.limit))
        if result.total_capped:
            pages += 1  # at least one more page: "Next" stays
        kept = [(k, v) for k, v in request.query_params.multi_items() if k != "count"]
        # Only an empty result needs to know whether the library itself is empty.
        library_size = result.total or ugc_service.library_size(session, principal.workspace_id)
        return render(
            request,
            "ugc_library.html",
            principal,
            result=result,
            query=query,
            params=request.query_params,
            page=page,
            pages=pages,
            first=query.offset + 1 if result.items else 0,
            last=query.offset + len(result.items),
            links=page_links(request, page, pages),
            exact_count_link="/ugc?" + urlencode([*kept, ("count", "exact")]),
            library_size=int(library_size or 0),
            choices={f.name: f.choices for f in filters.FILTERS},
            sorts=SORTS,
            media=first_media(session, ids),
            creators=creators_by_id(session, [i.creator_id for i in result.items]),
            products=workspace_products(session, principal.workspace_id),
            platforms=library_platforms(session, principal.workspace_id, query.platform),
            performance=performance_by_item(
                analytics_warehouse(services, principal.workspace_id, principal.workspace.slug),
                principal.workspace.currency,
            ),
        )


@router.get("/ugc/items/{item_id}", operation_id="ugc_item_page")
def ugc_item_page(
    request: Request, item_id: str, services: ServicesDep, principal: UgcPage
) -> HTMLResponse:
    return _item_page(request, services, principal, item_id)


def _item_page(
    request: Request,
    services: ServicesDep,
    principal: Principal,
    item_id: str,
    *,
    error: ValidationFailed | None = None,
    grant_form: dict[str, str] | None = None,
) -> HTMLResponse:
    with services.catalog.session() as session:
        detail = item_detail(session, principal.workspace, item_id)
        products = workspace_products(session, principal.workspace_id)
        return render(
            request,
            "ugc_item.html",
            principal,
            status_code=422 if error else 200,
            detail=detail,
            products=products,
            request_channels=REQUEST_CHANNELS,
            grant_channels=GRANT_CHANNELS,
            grant_error=error,
            grant_form=grant_form or {},
            today=utcnow().date().isoformat(),
        )


@router.post("/ugc/items/{item_id}/status", operation_id="ugc_item_status_form")
def ugc_item_status_form(
    item_id: str, services: ServicesDep, principal: UgcWritePage, status: Annotated[str, Form()]
) -> Response:
    with services.catalog.session() as session:
        set_status(session, principal.workspace_id, [item_id], status)
    return RedirectResponse(f"/ugc/items/{item_id}", status_code=303)


@router.post("/ugc/items/{item_id}/rights", operation_id="ugc_item_rights_form")
def ugc_item_rights_form(
    item_id: str,
    principal: UgcWritePage,
    catalog: WorkspaceCatalogDep,
    action: Annotated[str, Form()],
    channel: Annotated[str, Form()] = "comment",
) -> Response:
    with catalog.session() as scoped:
        item = scoped.get_owned(UgcItem, item_id, "UGC item")
        actor = principal.user_email or ""
        if action == "revoke":
            rights.revoke(scoped.session, item, "revoked by a library user", actor=actor)
        else:
            rights.record_request(
                scoped.session, item, principal.workspace.slug, channel=channel, actor=actor
            )
    return RedirectResponse(f"/ugc/items/{item_id}", status_code=303)


@router.post("/ugc/items/{item_id}/rights/grant", operation_id="ugc_item_grant_form")
def ugc_item_grant_form(
    request: Request,
    item_id: str,
    services: ServicesDep,
    principal: UgcWritePage,
    catalog: WorkspaceCatalogDep,
    channel: Annotated[str, Form()],
    evidence: Annotated[str, Form()] = "",
    evidence_url: Annotated[str, Form()] = "",
    granted_on: Annotated[str, Form()] = "",
) -> Response:
    """Record a grant given outside Mercato (a DM, an e-mail, a comment, a form) with its
    evidence; the form comes back with the reason when something is missing."""
    typed = {"channel": channel, "evidence": evidence, "evidence_url": evidence_url,
             "granted_on": granted_on}  # fmt: skip
    try:
        granted_at = _granted_at(granted_on)
        with catalog.session() as scoped:
            item = scoped.get_owned(UgcItem, item_id, "UGC item")
            rights.record_grant(
                scoped.session,
                item,
                channel=channel,
                evidence=evidence,
                evidence_url=evidence_url,
                granted_at=granted_at,
                actor=principal.user_email or "",
            )
    except ValidationFailed as exc:
        return _item_page(request, services, principal, item_id, error=exc, grant_form=typed)
    return RedirectResponse(f"/ugc/items/{item_id}#rights-log", status_code=303)


def _granted_at(raw: str) -> datetime | None:
    """The day the creator said yes (a date field; today or empty is now)."""
    if not raw.strip():
        return None
    try:
        day = date.fromisoformat(raw.strip())
    except ValueError:
        raise ValidationFailed("a date like 2026-11-30", location="granted_on") from None
    now = utcnow()
    return now if day == now.date() else datetime.combine(day, datetime.min.time())


@router.post("/ugc/items/{item_id}/tags", operation_id="ugc_item_tag_form")
def ugc_item_tag_form(
    item_id: str,
    principal: UgcWritePage,
    catalog: WorkspaceCatalogDep,
    product_id: Annotated[str, Form()],
    status: Annotated[str, Form()],
) -> Response:
    with catalog.session() as scoped:
        item = scoped.get_owned(UgcItem, item_id, "UGC item")
        set_tag(scoped.session, item, product_id, status)
    return RedirectResponse(f"/ugc/items/{item_id}", status_code=303)


@router.get("/ugc/moderation", operation_id="ugc_moderation_page")
def ugc_moderation_page(
    request: Request, services: ServicesDep, principal: UgcPage
) -> HTMLResponse:
    with services.catalog.session() as session:
        result = search(
            session, principal.workspace_id, UgcQuery(status="new", limit=100, sort="recent")
        )
        ids = [item.id for item in result.items]
        return render(
            request,
            "ugc_moderation.html",
            principal,
            result=result,
            media=first_media(session, ids),
            creators=creators_by_id(session, [i.creator_id for i in result.items]),
        )


@router.post("/ugc/moderation", operation_id="ugc_moderation_bulk_form")
async def ugc_moderation_bulk_form(
    request: Request, services: ServicesDep, principal: UgcWritePage
) -> Response:
    form = await request.form()
    item_ids = [str(v) for v in form.getlist("item_id")]
    status = str(form.get("status", ""))
    with services.catalog.session() as session:
        set_status(session, principal.workspace_id, item_ids, status)
    return RedirectResponse("/ugc/moderation", status_code=303)


@router.get("/ugc/creators", operation_id="ugc_creators_page")
def ugc_creators_page(request: Request, services: ServicesDep, principal: UgcPage) -> HTMLResponse:
    return _creators_page(request, services, principal)


def _creators_page(
    request: Request,
    services: ServicesDep,
    principal: Principal,
    notice: str | None = None,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    with services.catalog.session() as session:
        summaries = creator_summaries(
            session,
            services.warehouse.for_workspace(principal.workspace_id),
            principal.workspace_id,
        )
        shop = shopify_admin.shop_connection(session, principal.workspace_id)
        in_shop = set((shop.state or {}).get("discount_codes") or {}) if shop else set()
        return render(
            request, "ugc_creators.html", principal, status_code, summaries=summaries,
            notice=notice, error=error, can_issue=Scope.UGC_WRITE in principal.scopes,
            shop_domain=shop.shop_domain if shop else None, in_shop=in_shop,
        )  # fmt: skip


@router.post("/ugc/creators/{creator_id}/coupon", operation_id="ugc_creator_coupon")
def ugc_creator_coupon(
    request: Request, creator_id: str, services: ServicesDep, principal: UgcWritePage
) -> HTMLResponse:
    """Issue the creator's reward code by hand (kept if they have one) and e-mail it."""
    box = SecretBox(services.settings.resolved_secret_key())
    with services.catalog.session() as session:
        reward = issue_by_hand(session, principal.workspace_id, creator_id)
    with services.catalog.session() as session:
        mailed = send_reward(session, principal.workspace, reward, box)
    gettext = translator(request, principal)
    notice = (
        gettext("Code %(code)s issued and e-mailed to %(email)s.")
        if mailed
        else gettext("Code %(code)s issued.")
    ) % {"code": reward.code, "email": reward.email}
    return _creators_page(request, services, principal, notice)


def shop_push_policy() -> ClientPolicy:
    """A page waits on the shop: a short timeout and one retry, not the sync's patience
    (built per call: the outbound guard is the one installed now)."""
    return ClientPolicy(timeout_s=10.0, max_retries=1, max_wait_s=5.0)


@router.post("/ugc/creators/{creator_id}/shop", operation_id="ugc_creator_shop_push")
def ugc_creator_shop_push(
    request: Request, creator_id: str, services: ServicesDep, principal: UgcWritePage
) -> HTMLResponse:
    """Create the creator's reward code (issued first if they have none) in the connected
    Shopify shop as a discount code. A missing shop or a refusal is said on the page."""
    with services.catalog.session() as session:
        creator = session.get(Creator, creator_id)
        if creator is None or creator.workspace_id != principal.workspace_id:
            raise NotFoundError(f"no creator {creator_id!r}")
        handle = creator.handle
    gettext = translator(request, principal)
    try:
        push_reward_to_shop(
            services.catalog, principal.workspace_id, creator_id, policy=shop_push_policy()
        )
    except NotFoundError:  # the creator exists (checked above): no shop is connected
        message = gettext("No Shopify shop is connected: connect one on Sources first.")
        return _creators_page(request, services, principal, error=message, status_code=409)
    except ValidationFailed as exc:
        message = gettext("The code of @%(handle)s cannot be pushed: %(reason)s") % {
            "handle": handle,
            "reason": exc.reason,
        }
        return _creators_page(request, services, principal, error=message, status_code=422)
    except PlatformError as exc:
        message = gettext("Shopify refused the code of @%(handle)s: %(reason)s") % {
            "handle": handle,
            "reason": exc.message,
        }
        return _creators_page(request, services, principal, error=message, status_code=424)
    with services.catalog.session() as session:
        code = ugc_service.coupon_code(session, principal.workspace_id, creator_id)
    notice = gettext("Code %(code)s of @%(handle)s is a discount code in the shop.") % {
        "code": code,
        "handle": handle,
    }
    return _creators_page(request, services, principal, notice)


@router.get("/ugc/media/{media_id}", operation_id="ugc_media_file")
def ugc_media_file(
    media_id: str, services: ServicesDep, principal: UgcPage, thumb: bool = False
) -> Response:
    """Media for the library (any status): library users may see what is not yet public."""
    with services.catalog.session() as session:
        media = library_media(session, principal.workspace_id, media_id)
    name = media.thumb_path if thumb and media.thumb_path else media.path
    if not name:
        raise NotFoundError("this media could not be stored; see the item's error")
    return FileResponse(services.settings.media_dir / name, headers=MEDIA_HEADERS)


# Media are served as files, never as pages: no sniffing into HTML, no scripts.
MEDIA_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
}
