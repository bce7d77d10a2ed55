"""The Shopify connection on the Sources page: connect with a custom app's Admin API token,
sync now."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from mercato.connectors import shopify_admin
from mercato.connectors.platforms.errors import PlatformError
from mercato.core.errors import MercatoError
from mercato.web.auth import AdminPage, ServicesDep
from mercato.web.routes.sources_pages import sources_view

router = APIRouter(include_in_schema=False)


@router.post("/sources/shop", operation_id="sources_shop_connect")
def sources_shop_connect(
    request: Request,
    services: ServicesDep,
    principal: AdminPage,
    shop_domain: Annotated[str, Form()] = "",
    access_token: Annotated[str, Form()] = "",
) -> HTMLResponse:
    try:
        with services.catalog.session() as session:
            shopify_admin.connect_shop(
                session, principal.workspace_id, shop_domain=shop_domain, access_token=access_token
            )
    except MercatoError as exc:
        return sources_view(request, services, principal, 422, error=exc)
    return sources_view(request, services, principal, shop_saved=True)


@router.post("/sources/shop/sync", operation_id="sources_shop_sync")
def sources_shop_sync(
    request: Request, services: ServicesDep, principal: AdminPage
) -> HTMLResponse:
    try:
        summary = shopify_admin.sync_shop(
            services.catalog, services.warehouse, principal.workspace_id
        )
    except MercatoError as exc:
        return sources_view(request, services, principal, 422, error=exc)
    except PlatformError as exc:
        return sources_view(request, services, principal, 502, error=f"shopify: {exc.message}")
    return sources_view(request, services, principal, result=summary)
