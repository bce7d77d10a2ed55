"""Thin route modules; each domain adds its router to ROUTERS."""

from fastapi import APIRouter

from mercato.web.routes import (
    api_root,
    attribution,
    cdp,
    collect,
    health,
    overview,
    session,
    tokens,
    traffic,
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
    collect.router,
    cdp.router,
    traffic.router,
    attribution.router,
    attribution.page_router,
]
