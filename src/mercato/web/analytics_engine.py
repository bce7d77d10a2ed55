"""The warehouse a workspace's analyses read, by its `warehouse_engine` (ADR 0505): the DuckDB
store itself, or the lake on Spark (`web.spark_lakes`)."""

from __future__ import annotations

from mercato.catalog.warehouse_engines import WarehouseEngine, workspace_engine
from mercato.warehouse.connection import ScopedWarehouse
from mercato.web.services import Services


def engine_of(services: Services, workspace_id: str) -> WarehouseEngine:
    with services.catalog.session() as session:
        return workspace_engine(session, workspace_id)


def analytics_warehouse(services: Services, workspace_id: str, slug: str) -> ScopedWarehouse:
    """The workspace's warehouse for analyses: DuckDB, or the lake on Spark when chosen."""
    if engine_of(services, workspace_id) is WarehouseEngine.DUCKDB:
        return services.warehouse.for_workspace(workspace_id)
    lake = services.spark_lakes.warehouse(services.settings, slug)
    return lake.for_workspace(workspace_id)
