"""The `/settings/engine` page: where a workspace's analyses run (`warehouse_engine`, ADR 0505;
the API is in `engine_api`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from mercato.catalog.warehouse_engines import WarehouseEngine, parse_engine, set_workspace_engine
from mercato.core.errors import ValidationFailed
from mercato.runtime import Services
from mercato.web.auth import AdminPage, Principal, ServicesDep
from mercato.web.routes.engine_api import engine_public
from mercato.web.templating import render

router = APIRouter(tags=["settings"], include_in_schema=False)


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
