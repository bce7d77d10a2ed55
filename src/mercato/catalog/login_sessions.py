"""Server-side login sessions (ADR 1400): the signed cookie only names a session; the session
record decides whether it is still valid. Logout ends one record, a password change ends all
of the user's records, so a cookie captured earlier stops working at once.

The cookie carries a random secret and only its SHA-256 digest is stored. Checking a request
costs one lookup by a unique index.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from mercato.catalog.models import LoginSession, User
from mercato.catalog.users import MIN_PASSWORD_LENGTH
from mercato.core.errors import PermissionDenied, ValidationFailed
from mercato.core.security import hash_password, verify_password
from mercato.core.timeutil import utcnow

SESSION_LIFETIME = timedelta(days=14)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def open_session(session: Session, user_id: str, *, now: datetime | None = None) -> str:
    """A new session for `user_id`; returns the secret the cookie carries. The user's ended
    and expired records are dropped here, so the table holds live sessions only."""
    moment = now or utcnow()
    session.execute(
        delete(LoginSession).where(
            LoginSession.user_id == user_id,
            or_(LoginSession.ended_at.is_not(None), LoginSession.expires_at <= moment),
        )
    )
    secret = secrets.token_urlsafe(32)
    session.add(
        LoginSession(
            digest=_digest(secret),
            user_id=user_id,
            created_at=moment,
            expires_at=moment + SESSION_LIFETIME,
        )
    )
    session.flush()
    return secret


def user_of(session: Session, secret: str, *, now: datetime | None = None) -> str | None:
    """The user a live session belongs to, or None (unknown, ended or expired)."""
    found = session.scalar(select(LoginSession).where(LoginSession.digest == _digest(secret)))
    if found is None or found.ended_at is not None or found.expires_at <= (now or utcnow()):
        return None
    return found.user_id


def end_session(session: Session, secret: str, reason: str = "logout") -> None:
    session.execute(
        update(LoginSession)
        .where(LoginSession.digest == _digest(secret), LoginSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason)
    )


def end_all_sessions(session: Session, user_id: str, reason: str) -> int:
    result = session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user_id, LoginSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def change_password(session: Session, user_id: str, current: str, new: str) -> int:
    """Set a new password after checking the current one; ends every session of the user
    (the caller's too: it logs in again). Returns how many sessions were ended."""
    user = session.get(User, user_id)
    if user is None or not verify_password(user.password_hash, current):
        raise PermissionDenied("the current password is wrong")
    if len(new) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            f"must be at least {MIN_PASSWORD_LENGTH} characters", location="new_password"
        )
    user.password_hash = hash_password(new)
    return end_all_sessions(session, user_id, "password_changed")
