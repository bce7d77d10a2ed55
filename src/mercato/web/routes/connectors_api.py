"""API: social accounts, syncs, import uploads and the Shopify webhook secret."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, UploadFile
from pydantic import BaseModel, Field

from mercato.connectors import accounts, shopify_webhooks
from mercato.connectors.results import ImportSummary
from mercato.connectors.service import import_files, import_options
from mercato.connectors.sync import sync_account
from mercato.core.errors import ValidationFailed
from mercato.core.scopes import Scope
from mercato.web.auth import Admin, Principal, Requires, ServicesDep

router = APIRouter(prefix="/api/v1", tags=["connectors"])
ImportsWriter = Annotated[Principal, Depends(Requires(Scope.IMPORTS_WRITE))]


class AccountCreate(BaseModel):
    platform: str
    handle: str = Field(min_length=1, max_length=200)
    external_id: str = ""
    access_token: str | None = None
    api_base_url: str | None = None
    api_version: str | None = None
    options: dict[str, Any] = Field(default_factory=dict)


class AccountToken(BaseModel):
    access_token: str = Field(min_length=1)


class AccountPublic(BaseModel):
    id: str
    platform: str
    handle: str
    external_id: str
    status: str
    has_token: bool
    last_sync_at: datetime | None
    last_error: str | None
    options: dict[str, Any]


class SyncPublic(BaseModel):
    id: str
    kind: str
    status: str
    account_id: str | None
    started_at: datetime
    finished_at: datetime | None
    rows_read: int
    inserted: int
    updated: int
    skipped: int
    error: str | None


class ImportPublic(BaseModel):
    kind: str
    files: list[str]
    rows_read: int
    inserted: dict[str, int]
    updated: dict[str, int]
    skipped: dict[str, int]
    notes: list[str]
    quality: dict[str, Any] | None = Field(
        default=None, description="What happened to each row (outcomes add up to rows_read)."
    )


class WebhookSecret(BaseModel):
    secret: str = Field(min_length=16)


def _public(view: accounts.AccountView) -> AccountPublic:
    return AccountPublic(
        id=view.id,
        platform=view.platform,
        handle=view.handle,
        external_id=view.external_id,
        status=view.status,
        has_token=view.has_token,
        last_sync_at=view.last_sync_at,
        last_error=view.last_error,
        options=view.options,
    )


def _account_view(services: ServicesDep, workspace_id: str, account: str) -> AccountPublic:
    with services.catalog.session() as session:
        found = accounts.get_account(session, workspace_id, account)
        views = {v.id: v for v in accounts.list_accounts(session, workspace_id)}
        return _public(views[found.id])


@router.get("/accounts", operation_id="list_social_accounts")
def list_social_accounts(services: ServicesDep, principal: Admin) -> list[AccountPublic]:
    with services.catalog.session() as session:
        return [_public(v) for v in accounts.list_accounts(session, principal.workspace_id)]


@router.post("/accounts", operation_id="create_social_account", status_code=201)
def create_social_account(
    body: AccountCreate, services: ServicesDep, principal: Admin
) -> AccountPublic:
    with services.catalog.session() as session:
        created = accounts.add_account(
            session,
            principal.workspace_id,
            platform=body.platform,
            handle=body.handle,
            external_id=body.external_id,
            token=body.access_token,
            api_base_url=body.api_base_url,
            api_version=body.api_version,
            options=body.options,
        )
        account_id = created.id
    return _account_view(services, principal.workspace_id, account_id)


@router.put("/accounts/{account_id}/token", operation_id="set_social_account_token")
def set_social_account_token(
    account_id: str, body: AccountToken, services: ServicesDep, principal: Admin
) -> AccountPublic:
    with services.catalog.session() as session:
        accounts.set_token(session, principal.workspace_id, account_id, body.access_token)
    return _account_view(services, principal.workspace_id, account_id)


@router.post("/accounts/{account_id}/sync", operation_id="sync_social_account")
def sync_social_account(account_id: str, services: ServicesDep, principal: Admin) -> SyncPublic:
    with services.catalog.session() as session:
        found = accounts.get_account(session, principal.workspace_id, account_id).id
    sync_account(services.catalog, services.warehouse, found)
    return list_syncs(services, principal, limit=1)[0]


@router.get("/syncs", operation_id="list_syncs")
def list_syncs(services: ServicesDep, principal: Admin, limit: int = 50) -> list[SyncPublic]:
    with services.catalog.session() as session:
        return [
            SyncPublic(
                id=r.id,
                kind=r.kind,
                status=r.status,
                account_id=r.social_account_id,
                started_at=r.started_at,
                finished_at=r.finished_at,
                rows_read=r.rows_read,
                inserted=r.inserted,
                updated=r.updated,
                skipped=r.skipped,
                error=r.error,
            )
            for r in accounts.recent_runs(session, principal.workspace_id, min(limit, 500))
        ]


def _import_public(summary: ImportSummary) -> ImportPublic:
    return ImportPublic(
        kind=summary.kind,
        files=summary.files,
        rows_read=summary.rows_read,
        inserted=dict(summary.inserted),
        updated=dict(summary.updated),
        skipped=dict(summary.skipped),
        notes=summary.notes,
        quality=summary.quality.as_dict() if summary.quality else None,
    )


@router.post("/imports/{kind}", operation_id="upload_import")
async def upload_import(
    kind: str,
    files: list[UploadFile],
    services: ServicesDep,
    principal: ImportsWriter,
    account: Annotated[str | None, Form()] = None,
    platform: Annotated[str | None, Form()] = None,
    as_of: Annotated[date | None, Form()] = None,
    shop_url: Annotated[str, Form()] = "",
    mapping: Annotated[str | None, Form(description="JSON column mapping")] = None,
) -> ImportPublic:
    try:
        parsed = json.loads(mapping) if mapping else None
    except ValueError as exc:
        raise ValidationFailed(f"not valid JSON: {exc}", location="mapping") from None
    options = import_options(
        services.catalog,
        principal.workspace_id,
        mapping=parsed,
        account=account,
        platform=platform,
        as_of=as_of,
        shop_url=shop_url,
    )
    payload = [(f.filename or "upload.csv", await f.read()) for f in files]
    return _import_public(
        import_files(services.catalog, services.warehouse, kind, payload, options)
    )


@router.put("/webhooks/shopify/secret", operation_id="set_shopify_webhook_secret", status_code=204)
def set_shopify_webhook_secret(
    body: WebhookSecret, services: ServicesDep, principal: Admin
) -> None:
    with services.catalog.session() as session:
        shopify_webhooks.set_webhook_secret(session, principal.workspace_id, body.secret)
