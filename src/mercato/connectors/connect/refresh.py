"""Keeping connected accounts' tokens alive: refreshed REFRESH_MARGIN before they expire, and
again when a platform answers 401. A refresh the platform refuses (revoked, expired refresh
token, app removed) marks the account `reconnect_needed` with the platform's own message, so
Sources shows what happened and offers Connect again."""

from __future__ import annotations

from datetime import datetime, timedelta

from mercato.catalog.db import Catalog
from mercato.catalog.models import AccountConnection, AccountStatus, SocialAccount
from mercato.connectors.connect.providers import LOGIN_OF, PROVIDERS
from mercato.connectors.connect.service import app_credentials
from mercato.connectors.connect.tokens import OAuthFailed, refresh
from mercato.connectors.platforms.errors import PlatformError, TokenRejected
from mercato.core.errors import ValidationFailed
from mercato.core.timeutil import utcnow

REFRESH_MARGIN = timedelta(minutes=5)
RECONNECT_NEEDED = AccountStatus.RECONNECT_NEEDED


def needs_refresh(connection: AccountConnection | None, now: datetime) -> bool:
    if connection is None or not connection.refresh_token or connection.token_expires_at is None:
        return False
    return connection.token_expires_at - REFRESH_MARGIN <= now


def refresh_account(catalog: Catalog, account_id: str, now: datetime | None = None) -> str:
    """Refresh one account's token now; the new access token. Raises `TokenRejected`
    (`reconnect_needed`) when the platform refuses, after marking the account."""
    now = now or utcnow()
    with catalog.session() as session:
        account = session.get(SocialAccount, account_id)
        connection = session.get(AccountConnection, account_id)
        if account is None or connection is None or not connection.refresh_token:
            raise TokenRejected(
                "the token expired and cannot be refreshed: connect the account again",
                account_status=RECONNECT_NEEDED,
            )
        login = LOGIN_OF.get(account.platform, "")
        try:
            app = app_credentials(session, account.workspace_id, login)
        except ValidationFailed as exc:
            raise TokenRejected(str(exc), account_status=RECONNECT_NEEDED) from None
        refresh_token = connection.refresh_token
    try:
        tokens = refresh(PROVIDERS[login], app, refresh_token, now)
    except OAuthFailed as exc:
        if not exc.permanent:
            raise PlatformError(f"token refresh failed for now: {exc.message}") from None
        _mark_reconnect(catalog, account_id, exc.message)
        raise TokenRejected(
            f"refresh refused: {exc.message}", account_status=RECONNECT_NEEDED, code=exc.code
        ) from None
    with catalog.session() as session:
        account = session.get(SocialAccount, account_id)
        connection = session.get(AccountConnection, account_id)
        if account is None or connection is None:
            raise TokenRejected("the account was removed", account_status=RECONNECT_NEEDED)
        account.access_token = tokens.access_token
        connection.refresh_token = tokens.refresh_token  # rotated on TikTok and X
        connection.token_expires_at = tokens.expires_at
        if tokens.refresh_expires_at:
            connection.refresh_token_expires_at = tokens.refresh_expires_at
    return tokens.access_token


def _mark_reconnect(catalog: Catalog, account_id: str, message: str) -> None:
    with catalog.session() as session:
        account = session.get(SocialAccount, account_id)
        if account is not None:
            account.status = RECONNECT_NEEDED
            account.last_error = f"reconnect needed: {message}"
