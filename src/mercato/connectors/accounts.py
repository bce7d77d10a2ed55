"""Configure social accounts: platform, handle, platform account id, token, API settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mercato.catalog.models import AccountConnection, AccountStatus, SocialAccount, SyncRun
from mercato.core.errors import ConflictError, NotFoundError, ValidationFailed
from mercato.core.labels import N_

PLATFORMS = ("instagram", "facebook", "tiktok", "x", "pinterest", "snapchat", "line")


@dataclass(frozen=True)
class AccountView:
    id: str
    platform: str
    handle: str
    external_id: str
    status: str
    has_token: bool
    last_sync_at: datetime | None
    last_error: str | None
    api_base_url: str | None
    options: dict[str, Any]


def add_account(
    session: Session,
    workspace_id: str,
    *,
    platform: str,
    handle: str,
    external_id: str = "",
    token: str | None = None,
    api_base_url: str | None = None,
    api_version: str | None = None,
    options: dict[str, Any] | None = None,
) -> SocialAccount:
    if platform not in PLATFORMS:
        raise ValidationFailed(
            f"unknown platform {platform!r}; known: {list(PLATFORMS)}", location="platform"
        )
    if not handle.strip():
        raise ValidationFailed(N_("a handle is required"), location="handle")
    exists = session.scalar(
        select(SocialAccount).where(
            SocialAccount.workspace_id == workspace_id,
            SocialAccount.platform == platform,
            SocialAccount.handle == handle,
        )
    )
    if exists:
        raise ConflictError(f"{platform} account {handle!r} already exists")
    account = SocialAccount(
        workspace_id=workspace_id,
        platform=platform,
        handle=handle,
        external_id=external_id,
        access_token=token,
        status=AccountStatus.ACTIVE if token else AccountStatus.NEEDS_TOKEN,
    )
    session.add(account)
    session.flush()
    session.add(
        AccountConnection(
            social_account_id=account.id,
            api_base_url=api_base_url,
            api_version=api_version,
            options=options or {},
        )
    )
    return account


def get_account(session: Session, workspace_id: str, account: str) -> SocialAccount:
    found = session.scalar(
        select(SocialAccount).where(
            SocialAccount.workspace_id == workspace_id,
            (SocialAccount.id == account) | (SocialAccount.handle == account),
        )
    )
    if found is None:
        raise NotFoundError(f"no social account {account!r}")
    return found


def set_token(session: Session, workspace_id: str, account: str, token: str) -> SocialAccount:
    found = get_account(session, workspace_id, account)
    found.access_token = token
    found.status = AccountStatus.ACTIVE
    found.last_error = None
    return found


def list_accounts(session: Session, workspace_id: str) -> list[AccountView]:
    rows = session.execute(
        select(SocialAccount, AccountConnection)
        .outerjoin(AccountConnection, AccountConnection.social_account_id == SocialAccount.id)
        .where(SocialAccount.workspace_id == workspace_id)
        .order_by(SocialAccount.platform, SocialAccount.handle)
    )
    return [
        AccountView(
            a.id,
            a.platform,
            a.handle,
            a.external_id,
            a.status,
            bool(a.access_token),
            a.last_sync_at,
            a.last_error,
            c.api_base_url if c else None,
            dict(c.options) if c else {},
        )
        for a, c in rows
    ]


def recent_runs(session: Session, workspace_id: str, limit: int = 20) -> list[SyncRun]:
    return list(
        session.scalars(
            select(SyncRun)
            .where(SyncRun.workspace_id == workspace_id)
            .order_by(SyncRun.started_at.desc())
            .limit(limit)
        )
    )
