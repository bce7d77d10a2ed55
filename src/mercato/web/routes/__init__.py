"""Thin route modules; each domain adds its router to ROUTERS."""

from fastapi import APIRouter

from mercato.web.routes import (
    api_root,
    attribution,
    funnel,
    health,
    kpi_settings,
    kpis,
    overview,
    session,
    tokens,
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
    funnel.router,
    kpis.router,
    kpi_settings.router,
    attribution.router,
    attribution.page_router,
]
