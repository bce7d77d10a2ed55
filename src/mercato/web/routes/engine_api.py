"""A workspace's `warehouse_engine` (ADR 0505): `GET|PUT /api/v1/workspace/warehouse-engine`
(the `/settings/engine` page is in `engine_pages`)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from mercato.catalog.warehouse_engines import (
    WarehouseEngine,
    parse_engine,
    set_workspace_engine,
    workspace_engine,
)
from mercato.runtime import Services
from mercato.warehouse.spark_lakes import spark_problem
from mercato.web.auth import Admin, AnalyticsReader, Principal, ServicesDep

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
