"""API: platform apps, starting an OAuth connect (the callback completes it in a browser),
and syncing every account at once."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from mercato.connectors.connect import service
from mercato.connectors.sync import accounts_to_sync, sync_many
from mercato.web.auth import Admin, ServicesDep
from mercato.web.routes.connect_pages import callback_path
from mercato.web.urls import absolute_url

router = APIRouter(prefix="/api/v1", tags=["connectors"])


class OAuthAppUpdate(BaseModel):
    client_id: str = Field(min_length=1, max_length=300)
    client_secret: str = Field(min_length=1, max_length=500)
    endpoint_override: str | None = Field(default=None, max_length=500)


class ConnectStarted(BaseModel):
    authorize_url: str
    redirect_uri: str


class SyncOutcomePublic(BaseModel):
    account_id: str
    platform: str
    handle: str
    status: str
    error: str | None


@router.get("/oauth-apps", operation_id="list_oauth_apps")
def list_oauth_apps(services: ServicesDep, principal: Admin) -> dict[str, str]:
    with services.catalog.session() as session:
        return service.configured_apps(session, principal.workspace_id)


@router.put("/oauth-apps/{platform}", operation_id="set_oauth_app", status_code=204)
def set_oauth_app(
    platform: str, body: OAuthAppUpdate, services: ServicesDep, principal: Admin
) -> Response:
    with services.catalog.session() as session:
        service.set_app(
            session,
            principal.workspace_id,
            platform,
            client_id=body.client_id,
            client_secret=body.client_secret,
            endpoint_override=body.endpoint_override,
        )
    return Response(status_code=204)


@router.post("/accounts/connect/{platform}", operation_id="start_account_connect")
def start_account_connect(
    platform: str, request: Request, services: ServicesDep, principal: Admin
) -> ConnectStarted:
    redirect_uri = absolute_url(request, callback_path(service.provider_for(platform).login))
    url = service.start(
        services.catalog,
        principal.workspace_id,
        platform,
        redirect_uri=redirect_uri,
        binding=service.CLI_BINDING,
    )
    return ConnectStarted(authorize_url=url, redirect_uri=redirect_uri)


@router.post("/syncs", operation_id="sync_all_accounts")
def sync_all_accounts(services: ServicesDep, principal: Admin) -> list[SyncOutcomePublic]:
    ids = accounts_to_sync(services.catalog, principal.workspace_id)
    return [
        SyncOutcomePublic(
            account_id=o.account_id,
            platform=o.platform,
            handle=o.handle,
            status=o.status,
            error=o.error,
        )
        for o in sync_many(services.catalog, services.warehouse, ids)
    ]
