"""Connect buttons and Sync now on Sources: start a platform's OAuth sign-in, take its
callback, let the user pick among the accounts a login granted, sync one or every account;
and the platform apps' credentials (client id and secret) in Settings."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from mercato.connectors.connect import service
from mercato.connectors.connect.providers import PROVIDERS
from mercato.connectors.sync import accounts_to_sync, sync_many
from mercato.core.errors import MercatoError, NotFoundError
from mercato.core.urls import safe_link
from mercato.web.auth import SESSION_LOGIN, AdminPage, ServicesDep
from mercato.web.routes.sources_pages import sources_view
from mercato.web.templating import render, translator
from mercato.web.urls import absolute_url

router = APIRouter(include_in_schema=False)


def callback_path(login: str) -> str:
    return f"/sources/connect/{login}/callback"


def _binding(request: Request) -> str:
    secret = request.session.get(SESSION_LOGIN)
    return service.binding_of(secret if isinstance(secret, str) else None)


@router.post("/sources/connect/{platform}", operation_id="sources_connect")
def sources_connect(
    platform: str, request: Request, services: ServicesDep, principal: AdminPage
) -> Response:
    try:
        login = service.provider_for(platform).login
        url = service.start(
            services.catalog,
            principal.workspace_id,
            platform,
            redirect_uri=absolute_url(request, callback_path(login)),
            binding=_binding(request),
        )
    except MercatoError as exc:
        return sources_view(request, services, principal, 422, error=exc)
    # Not a 303: the pages' CSP (`form-action 'self'`) stops a form's redirect to another
    # origin, so a page sends the browser on (meta refresh, and a link to click).
    link = safe_link(url)
    if link is None:  # an endpoint override that is not http(s)
        return sources_view(
            request,
            services,
            principal,
            422,
            error=translator(request, principal)("The app's endpoint is not an http(s) URL."),
        )
    return render(request, "connect_redirect.html", principal, url=link, platform=platform)


@router.get("/sources/connect/{platform}/callback", operation_id="sources_connect_callback")
def sources_connect_callback(
    platform: str,
    request: Request,
    services: ServicesDep,
    principal: AdminPage,
    state: str = "",
    code: str | None = None,
    error: str | None = None,
    error_description: str | None = None,
) -> Response:
    try:
        done = service.complete(
            services.catalog,
            principal.workspace_id,
            platform,
            state=state,
            code=code,
            error=error,
            error_description=error_description,
            binding=_binding(request),
        )
    except MercatoError as exc:
        return sources_view(request, services, principal, 400, error=exc)
    if done.pending_grant_id:
        return RedirectResponse(f"/sources/connect/pick/{done.pending_grant_id}", status_code=303)
    return RedirectResponse("/sources?connected=1", status_code=303)


@router.get("/sources/connect/pick/{grant_id}", operation_id="sources_connect_pick_page")
def sources_connect_pick_page(
    grant_id: str, request: Request, services: ServicesDep, principal: AdminPage
) -> HTMLResponse:
    try:
        choices = service.pending_choices(services.catalog, principal.workspace_id, grant_id)
    except MercatoError as exc:
        return sources_view(request, services, principal, 404, error=exc)
    return render(request, "connect_pick.html", principal, grant_id=grant_id, choices=choices)


@router.post("/sources/connect/pick/{grant_id}", operation_id="sources_connect_pick")
async def sources_connect_pick(
    grant_id: str, request: Request, services: ServicesDep, principal: AdminPage
) -> Response:
    form = await request.form()
    keys = [str(v) for v in form.getlist("account")]
    try:
        service.pick(services.catalog, principal.workspace_id, grant_id, keys)
    except MercatoError as exc:
        # An expired grant, or another workspace's, is an unknown id: 404 like the pick page.
        status = 404 if isinstance(exc, NotFoundError) else 422
        return sources_view(request, services, principal, status, error=exc)
    return RedirectResponse("/sources?connected=1", status_code=303)


@router.post("/sources/sync", operation_id="sources_sync_all")
def sources_sync_all(request: Request, services: ServicesDep, principal: AdminPage) -> HTMLResponse:
    ids = accounts_to_sync(services.catalog, principal.workspace_id)
    outcomes = sync_many(services.catalog, services.warehouse, ids)
    return sources_view(request, services, principal, synced=outcomes)


@router.post("/sources/accounts/{account_id}/sync", operation_id="sources_sync_account")
def sources_sync_account(
    account_id: str, request: Request, services: ServicesDep, principal: AdminPage
) -> HTMLResponse:
    try:
        ids = accounts_to_sync(services.catalog, principal.workspace_id, account_id)
    except MercatoError as exc:
        return sources_view(request, services, principal, 404, error=exc)
    outcomes = sync_many(services.catalog, services.warehouse, ids)
    return sources_view(request, services, principal, synced=outcomes)


def _apps_page(
    request: Request,
    services: ServicesDep,
    principal: AdminPage,
    status_code: int = 200,
    **extra: object,
) -> HTMLResponse:
    with services.catalog.session() as session:
        apps = service.configured_apps(session, principal.workspace_id)
    callbacks = {login: absolute_url(request, callback_path(login)) for login in PROVIDERS}
    return render(
        request,
        "settings_apps.html",
        principal,
        status_code=status_code,
        apps=apps,
        logins=sorted(PROVIDERS),
        callbacks=callbacks,
        **extra,
    )


@router.get("/settings/apps", operation_id="settings_apps_page")
def settings_apps_page(
    request: Request, services: ServicesDep, principal: AdminPage
) -> HTMLResponse:
    return _apps_page(request, services, principal)


@router.post("/settings/apps/{platform}", operation_id="settings_apps_save")
def settings_apps_save(
    platform: str,
    request: Request,
    services: ServicesDep,
    principal: AdminPage,
    client_id: Annotated[str, Form()] = "",
    client_secret: Annotated[str, Form()] = "",
    endpoint_override: Annotated[str, Form()] = "",
) -> HTMLResponse:
    try:
        with services.catalog.session() as session:
            service.set_app(
                session,
                principal.workspace_id,
                platform,
                client_id=client_id,
                client_secret=client_secret,
                endpoint_override=endpoint_override or None,
            )
    except MercatoError as exc:
        return _apps_page(request, services, principal, 422, error=exc)
    return _apps_page(request, services, principal, saved=platform)
