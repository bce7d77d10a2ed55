"""The Shopify connection in the API: connect with a custom app's Admin API
token, see its state (never the token), sync now."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from mercato.connectors import shopify_admin
from mercato.connectors.platforms.errors import PlatformError
from mercato.core.errors import MercatoError, NotFoundError
from mercato.web.auth import Admin, ServicesDep

router = APIRouter(prefix="/api/v1", tags=["connectors"])


class ShopConnect(BaseModel):
    shop_domain: str = Field(min_length=1, max_length=300)
    access_token: str = Field(min_length=1, max_length=500)
    api_base_url: str | None = Field(default=None, max_length=500)


class ShopPublic(BaseModel):
    shop_domain: str
    status: str
    last_sync_at: datetime | None
    last_error: str | None


class ShopSynced(BaseModel):
    rows_read: int
    inserted: dict[str, int]
    updated: dict[str, int]


@router.put("/shop/shopify", operation_id="connect_shopify", status_code=204)
def connect_shopify(body: ShopConnect, services: ServicesDep, principal: Admin) -> Response:
    with services.catalog.session() as session:
        shopify_admin.connect_shop(
            session,
            principal.workspace_id,
            shop_domain=body.shop_domain,
            access_token=body.access_token,
            api_base_url=body.api_base_url,
        )
    return Response(status_code=204)


@router.get("/shop/shopify", operation_id="get_shopify_connection")
def get_shopify_connection(services: ServicesDep, principal: Admin) -> ShopPublic:
    with services.catalog.session() as session:
        shop = shopify_admin.shop_connection(session, principal.workspace_id)
        if shop is None:
            raise NotFoundError("no Shopify shop connected")
        return ShopPublic(
            shop_domain=shop.shop_domain,
            status=shop.status,
            last_sync_at=shop.last_sync_at,
            last_error=shop.last_error,
        )


@router.post("/shop/shopify/sync", operation_id="sync_shopify")
def sync_shopify(services: ServicesDep, principal: Admin) -> ShopSynced:
    try:
        summary = shopify_admin.sync_shop(
            services.catalog, services.warehouse, principal.workspace_id
        )
    except PlatformError as exc:  # the cursor is saved: the next call resumes
        raise MercatoError(f"shopify: {exc.message}", code="shopify_error") from None
    return ShopSynced(
        rows_read=summary.rows_read, inserted=dict(summary.inserted), updated=dict(summary.updated)
    )
