"""Thin route modules; each domain adds its router to ROUTERS."""

from fastapi import APIRouter

from mercato.web.routes import (
    api_root,
    attribution,
    galleries_api,
    galleries_pages,
    galleries_public,
    health,
    overview,
    session,
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
    ugc_pages.router,
    ugc_public.router,
    ugc_api.router,
    galleries_public.router,
    galleries_api.router,
    galleries_pages.router,
    attribution.router,
    attribution.page_router,
]
