"""Run a social account's sync and record how it went, on the account and in `sync_runs`.

A rejected token marks the account (`token_expired`, `token_invalid`, `missing_permission`)
with the platform's message; a long throttle ends the run as `partial` — the saved cursors
make the next run continue where this one stopped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from mercato.catalog.db import Catalog
from mercato.catalog.models import (
    AccountConnection,
    AccountStatus,
    RunStatus,
    SocialAccount,
    SyncRun,
)
from mercato.connectors.connect.refresh import RECONNECT_NEEDED, needs_refresh, refresh_account
from mercato.connectors.platforms import facebook, instagram, line, pinterest, snapchat, tiktok, x
from mercato.connectors.platforms.client import ClientPolicy
from mercato.connectors.platforms.context import SyncContext
from mercato.connectors.platforms.errors import PlatformError, RateLimited, TokenRejected
from mercato.connectors.results import ImportSummary
from mercato.core.errors import NotFoundError, ValidationFailed
from mercato.core.timeutil import utcnow
from mercato.warehouse.connection import Warehouse

Connector = Callable[[SyncContext], None]
CONNECTORS: dict[str, Connector] = {
    "instagram": instagram.sync,
    "facebook": facebook.sync,
    "tiktok": tiktok.sync,
    "x": x.sync,
    "pinterest": pinterest.sync,
    "snapchat": snapchat.sync,
    "line": line.sync,
}


@dataclass(frozen=True)
class SyncOutcome:
    account_id: str
    platform: str
    handle: str
    status: str  # ok | partial | failed | skipped
    summary: ImportSummary
    error: str | None = None


def accounts_to_sync(
    catalog: Catalog, workspace_id: str | None, account: str | None = None
) -> list[str]:
    """Ids of the accounts a sync covers: one (by id or handle) or every active one."""
    with catalog.session() as session:
        query = select(SocialAccount)
        if workspace_id:
            query = query.where(SocialAccount.workspace_id == workspace_id)
        if account:
            query = query.where((SocialAccount.id == account) | (SocialAccount.handle == account))
            found = list(session.scalars(query))
            if not found:
                raise NotFoundError(f"no social account {account!r}")
            return [a.id for a in found]
        return [
            a.id
            for a in session.scalars(query.order_by(SocialAccount.handle))
            if a.platform in CONNECTORS
        ]


def _begin(catalog: Catalog, account_id: str) -> tuple[SocialAccount, AccountConnection, str]:
    with catalog.session() as session:
        account = session.get(SocialAccount, account_id)
        if account is None:
            raise NotFoundError(f"no social account {account_id!r}")
        connection = session.get(AccountConnection, account_id) or AccountConnection(
            social_account_id=account_id, options={}
        )
        run = SyncRun(
            workspace_id=account.workspace_id,
            social_account_id=account_id,
            kind=f"sync:{account.platform}",
        )
        session.add(run)
        session.flush()
        session.expunge(account)
        if connection in session:
            session.expunge(connection)
        return account, connection, run.id


def sync_account(
    catalog: Catalog,
    warehouse: Warehouse,
    account_id: str,
    *,
    policy: ClientPolicy | None = None,
    now: datetime | None = None,
) -> SyncOutcome:
    account, connection, run_id = _begin(catalog, account_id)
    summary = ImportSummary(kind=f"sync:{account.platform}")
    context = SyncContext(
        catalog, warehouse, account, connection, summary, policy or ClientPolicy(), now or utcnow()
    )
    status, error, account_status = _run(context)
    _finish(catalog, account_id, run_id, status, account_status, error, summary)
    return SyncOutcome(account_id, account.platform, account.handle, status, summary, error)


def _run(ctx: SyncContext) -> tuple[str, str | None, str]:
    """(run status, error message, account status) of one connector run."""
    platform = ctx.account.platform
    try:
        connector = CONNECTORS.get(platform)
        if connector is None:
            raise ValidationFailed(
                f"no API connector for {platform!r}; import its export files instead "
                "(mercato import)",
                location="platform",
            )
        if not ctx.account.access_token:
            raise TokenRejected(
                "no access token configured", account_status=AccountStatus.NEEDS_TOKEN
            )
        if needs_refresh(ctx.connection, ctx.now):
            ctx.account.access_token = refresh_account(ctx.catalog, ctx.account.id, ctx.now)
        connector(ctx)
    except TokenRejected as exc:
        if exc.account_status == RECONNECT_NEEDED:
            return (
                RunStatus.FAILED,
                f"reconnect needed: {platform} said: {exc.message}",
                RECONNECT_NEEDED,
            )
        return (
            RunStatus.FAILED,
            (
                f"{platform} rejected the token ({exc.account_status}): {exc.message}. "
                "Reconnect the account with a new token."
            ),
            exc.account_status,
        )
    except RateLimited as exc:
        return (
            RunStatus.PARTIAL,
            (
                f"throttled by {platform} (retry in {exc.retry_after_s:.0f}s): {exc.message}; "
                "the next sync resumes from the saved cursor"
            ),
            AccountStatus.ACTIVE,
        )
    except (PlatformError, ValidationFailed) as exc:
        return RunStatus.FAILED, f"{platform}: {exc}", AccountStatus.ACTIVE
    return RunStatus.OK, None, AccountStatus.ACTIVE


def _finish(
    catalog: Catalog,
    account_id: str,
    run_id: str,
    status: str,
    account_status: str,
    error: str | None,
    summary: ImportSummary,
) -> None:
    with catalog.session() as session:
        account = session.get(SocialAccount, account_id)
        run = session.get(SyncRun, run_id)
        if account is not None:
            account.status = account_status
            account.last_error = error
            if status != RunStatus.FAILED:
                account.last_sync_at = utcnow()
        if run is not None:
            run.status = status
            run.finished_at = utcnow()
            run.rows_read = summary.rows_read
            run.inserted = summary.total_inserted
            run.updated = summary.total_updated
            run.skipped = summary.total_skipped
            run.detail = summary.as_dict()
            run.error = error


def sync_many(
    catalog: Catalog,
    warehouse: Warehouse,
    account_ids: list[str],
    *,
    policy: ClientPolicy | None = None,
    on_done: Callable[[SyncOutcome], None] | None = None,
) -> list[SyncOutcome]:
    outcomes = []
    for account_id in account_ids:
        outcome = sync_account(catalog, warehouse, account_id, policy=policy)
        outcomes.append(outcome)
        if on_done:
            on_done(outcome)
    return outcomes
