"""Settings → UGC discovery: the hashtags and mentions the workspace watches."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from mercato.connectors import discovery
from mercato.core.errors import MercatoError
from mercato.web.auth import AdminPage, ServicesDep
from mercato.web.templating import render

router = APIRouter(include_in_schema=False)


def _page(
    request: Request,
    services: ServicesDep,
    principal: AdminPage,
    status_code: int = 200,
    **extra: object,
) -> HTMLResponse:
    with services.catalog.session() as session:
        watches = [
            (w.kind, w.value) for w in discovery.list_watches(session, principal.workspace_id)
        ]
    return render(
        request,
        "settings_discovery.html",
        principal,
        status_code=status_code,
        watches=watches,
        kinds=[k.value for k in discovery.WatchKind],
        **extra,
    )


@router.get("/settings/discovery", operation_id="settings_discovery_page")
def settings_discovery_page(
    request: Request, services: ServicesDep, principal: AdminPage
) -> HTMLResponse:
    return _page(request, services, principal)


@router.post("/settings/discovery", operation_id="settings_discovery_add")
def settings_discovery_add(
    request: Request,
    services: ServicesDep,
    principal: AdminPage,
    kind: Annotated[str, Form()] = "",
    value: Annotated[str, Form()] = "",
) -> HTMLResponse:
    try:
        with services.catalog.session() as session:
            discovery.add_watch(session, principal.workspace_id, kind, value)
    except MercatoError as exc:
        return _page(request, services, principal, 422, error=str(exc))
    return _page(request, services, principal)


@router.post("/settings/discovery/remove", operation_id="settings_discovery_remove")
def settings_discovery_remove(
    request: Request,
    services: ServicesDep,
    principal: AdminPage,
    kind: Annotated[str, Form()] = "",
    value: Annotated[str, Form()] = "",
) -> HTMLResponse:
    try:
        with services.catalog.session() as session:
            discovery.remove_watch(session, principal.workspace_id, kind, value)
    except MercatoError as exc:
        return _page(request, services, principal, 404, error=str(exc))
    return _page(request, services, principal)
