"""Thin route modules; each domain adds its router to ROUTERS."""

from fastapi import APIRouter

from mercato.web.routes import (
    api_root,
    attribution,
    connectors_api,
    health,
    meta_hooks,
    overview,
    session,
    shopify_hooks,
    sources,
    tokens,
    ugc_api,
    ugc_pages,
    ugc_public,
    vendor,
)

ROUTERS: list[APIRouter] = [
    health.router,
    vendor.router,
    session.router,
    session.switch_router,
    overview.router,
    api_root.router,
    tokens.router,
    sources.router,
    connectors_api.router,
    shopify_hooks.router,
    meta_hooks.router,
    attribution.router,
    attribution.page_router,
    ugc_pages.router,
    ugc_public.router,
    ugc_api.router,
]
