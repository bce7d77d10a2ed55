"""A workspace's `warehouse_engine` (ADR 0505): `GET|PUT /api/v1/workspace/warehouse-engine`
and the `/settings/engine` page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from mercato.catalog.warehouse_engines import (
    WarehouseEngine,
    parse_engine,
    set_workspace_engine,
    workspace_engine,
)
from mercato.core.errors import ValidationFailed
from mercato.runtime import Services
from mercato.warehouse.spark_lakes import spark_problem
from mercato.web.auth import Admin, AdminPage, AnalyticsReader, Principal, ServicesDep
from mercato.web.templating import render

router = APIRouter(tags=["settings"])


class EnginePublic(BaseModel):
    engine: WarehouseEngine = Field(description="duckdb (the warehouse) or spark (the lake)")
    ready: bool = Field(description="whether this server can run the workspace's analyses now")
    problem: str | None = Field(description="what to set when it cannot; null when ready")


class EngineUpdate(BaseModel):
    engine: str = Field(description="duckdb or spark", max_length=32)


def engine_public(services: Services, principal: Principal) -> EnginePublic:
    with services.catalog.session() as session:
        engine = workspace_engine(session, principal.workspace_id)
    problem = None
    if engine is WarehouseEngine.SPARK:
        problem = spark_problem(services.settings, principal.workspace.slug)
    return EnginePublic(engine=engine, ready=problem is None, problem=problem)


@router.get("/api/v1/workspace/warehouse-engine", operation_id="get_warehouse_engine")
def get_warehouse_engine(services: ServicesDep, principal: AnalyticsReader) -> EnginePublic:
    """Where the workspace's analyses (KPIs, attribution, journeys, traffic, UGC) run."""
    return engine_public(services, principal)


@router.put("/api/v1/workspace/warehouse-engine", operation_id="set_warehouse_engine")
def set_warehouse_engine(
    services: ServicesDep, principal: Admin, body: EngineUpdate
) -> EnginePublic:
    """Choose duckdb or spark; the answer says whether this server can run the choice now."""
    engine = parse_engine(body.engine)
    with services.catalog.session() as session:
        set_workspace_engine(session, principal.workspace_id, engine)
    return engine_public(services, principal)


def _page(
    request: Request, services: Services, principal: Principal, error: str | None = None
) -> HTMLResponse:
    shown = engine_public(services, principal)
    return render(
        request,
        "settings_engine.html",
        principal=principal,
        status_code=422 if error else 200,
        section="engine",
        engine=shown,
        engines=[engine.value for engine in WarehouseEngine],
        lake_dir=services.settings.lake_dir,
        error=error,
    )


@router.get("/settings/engine", include_in_schema=False, operation_id="settings_engine_page")
def settings_engine_page(
    request: Request, services: ServicesDep, principal: AdminPage
) -> HTMLResponse:
    return _page(request, services, principal)


@router.post("/settings/engine", include_in_schema=False, operation_id="settings_engine_set")
def settings_engine_set(
    request: Request,
    services: ServicesDep,
    principal: AdminPage,
    engine: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    try:
        chosen = parse_engine(engine)
    except ValidationFailed as exc:
        return _page(request, services, principal, exc.message)
    with services.catalog.session() as session:
        set_workspace_engine(session, principal.workspace_id, chosen)
    return RedirectResponse("/settings/engine", status_code=303)
