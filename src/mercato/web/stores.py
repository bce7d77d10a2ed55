"""The stores a route receives: the catalog and the warehouse of the caller's workspace.

Routes declare `catalog: WorkspaceCatalogDep` and/or `warehouse: WarehouseDep` AFTER their
principal (`Requires(scope)` alias), which checks the scope; these dependencies reuse that
principal and only ever open the caller's own workspace, so a route holding them cannot reach
another tenant's rows in either store.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from mercato.catalog.models import Workspace
from mercato.catalog.scoped import WorkspaceCatalog
from mercato.runtime import Services, analytics_warehouse
from mercato.warehouse.connection import ScopedWarehouse
from mercato.web.auth import authenticate, services_of


async def workspace_catalog(request: Request) -> WorkspaceCatalog:
    principal = await authenticate(request)
    return services_of(request).catalog.for_workspace(principal.workspace_id)


async def workspace_warehouse(request: Request) -> ScopedWarehouse:
    principal = await authenticate(request)
    return services_of(request).warehouse.for_workspace(principal.workspace_id)


WorkspaceCatalogDep = Annotated[WorkspaceCatalog, Depends(workspace_catalog)]
WarehouseDep = Annotated[ScopedWarehouse, Depends(workspace_warehouse)]


def scoped_stores(
    services: Services, workspace_id: str
) -> tuple[WorkspaceCatalog, ScopedWarehouse]:
    """Both stores as `workspace_id` sees them, for helpers that serve several routes."""
    return services.catalog.for_workspace(workspace_id), services.warehouse.for_workspace(
        workspace_id
    )


def analytics_stores(
    services: Services, workspace: Workspace
) -> tuple[WorkspaceCatalog, ScopedWarehouse]:
    """The catalog and the warehouse the workspace's analyses read: DuckDB, or the lake on
    Spark when its `warehouse_engine` says so (ADR 0505)."""
    return services.catalog.for_workspace(workspace.id), analytics_warehouse(
        services, workspace.id, workspace.slug
    )
