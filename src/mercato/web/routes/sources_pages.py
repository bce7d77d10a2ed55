"""The Sources page: social accounts and their last sync, recent imports, and an upload form
for export files (admins)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import HTMLResponse

from mercato.connectors import accounts, shopify_admin
from mercato.connectors.connect.service import configured_apps
from mercato.connectors.imports import KINDS
from mercato.connectors.service import import_files, import_options
from mercato.core.errors import MercatoError
from mercato.web.auth import AdminPage, ServicesDep
from mercato.web.templating import render, translator

router = APIRouter(include_in_schema=False)
MAX_UPLOAD_BYTES = 200 * 1024 * 1024
# (platform to connect, the app it signs in with)
CONNECT_BUTTONS = (
    ("instagram", "meta"),
    ("facebook", "meta"),
    ("tiktok", "tiktok"),
    ("x", "x"),
    ("pinterest", "pinterest"),
    ("snapchat", "snapchat"),
)


def sources_view(
    request: Request,
    services: ServicesDep,
    principal: AdminPage,
    status_code: int = 200,
    **extra: object,
) -> HTMLResponse:
    with services.catalog.session() as session:
        listed = accounts.list_accounts(session, principal.workspace_id)
        runs = accounts.recent_runs(session, principal.workspace_id)
        apps = configured_apps(session, principal.workspace_id)
        shop = shopify_admin.shop_connection(session, principal.workspace_id)
        shop_view = (
            (shop.shop_domain, shop.status, shop.last_sync_at, shop.last_error) if shop else None
        )
    return render(
        request,
        "sources.html",
        principal,
        status_code=status_code,
        accounts=listed,
        runs=runs,
        kinds=KINDS,
        apps=apps,
        shop=shop_view,
        logins=CONNECT_BUTTONS,
        connected=request.query_params.get("connected") == "1",
        **extra,
    )


@router.get("/sources", operation_id="sources_page")
def sourcessources_view(
    request: Request, services: ServicesDep, principal: AdminPage
) -> HTMLResponse:
    return sources_view(request, services, principal)


@router.post("/sources/upload", operation_id="sources_upload")
async def sources_upload(
    request: Request,
    services: ServicesDep,
    principal: AdminPage,
    kind: Annotated[str, Form()],
    file: UploadFile,
    account: Annotated[str, Form()] = "",
    platform: Annotated[str, Form()] = "",
) -> HTMLResponse:
    data = await file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        return sources_view(
            request,
            services,
            principal,
            413,
            error=translator(request, principal)("The file is larger than 200 MB."),
        )
    try:
        options = import_options(
            services.catalog,
            principal.workspace_id,
            account=account or None,
            platform=platform or None,
        )
        summary = import_files(
            services.catalog,
            services.warehouse,
            kind,
            [(file.filename or "upload.csv", data)],
            options,
        )
    except MercatoError as exc:
        return sources_view(request, services, principal, 422, error=exc)
    return sources_view(request, services, principal, result=summary)
