"""Scoped, revocable API tokens. The secret is shown once; only its digest is kept."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from mercato.catalog.models import ApiToken, Workspace
from mercato.catalog.owned import get_owned
from mercato.core.scopes import Scope
from mercato.core.security import new_token_secret, token_digest
from mercato.core.timeutil import utcnow


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str


def issue_token(
    session: Session,
    workspace: Workspace,
    *,
    name: str,
    scopes: list[Scope],
    created_by: str | None = None,
    expires_at: datetime | None = None,
) -> IssuedToken:
    secret = new_token_secret()
    token = ApiToken(
        workspace_id=workspace.id,
        name=name,
        digest=token_digest(secret),
        scopes=[scope.value for scope in scopes],
        created_by=created_by,
        expires_at=expires_at,
    )
    session.add(token)
    session.flush()
    return IssuedToken(token, secret)


def resolve_token(session: Session, secret: str) -> ApiToken | None:
    """The live token for this secret (not revoked, not expired), or None."""
    token = session.scalar(select(ApiToken).where(ApiToken.digest == token_digest(secret)))
    now = utcnow()
    if token is None or token.revoked_at is not None:
        return None
    if token.expires_at is not None and token.expires_at <= now:
        return None
    token.last_used_at = now
    return token


def revoke_token(session: Session, workspace_id: str, token_id: str) -> ApiToken:
    token = get_owned(session, ApiToken, workspace_id, token_id, "token")
    token.revoked_at = utcnow()
    return token


def list_tokens(session: Session, workspace_id: str) -> list[ApiToken]:
    return list(
        session.scalars(
            select(ApiToken).where(ApiToken.workspace_id == workspace_id).order_by(ApiToken.name)
        )
    )
