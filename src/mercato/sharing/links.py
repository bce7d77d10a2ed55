"""Share links: a random token in the URL, only its SHA-256 digest in the catalog.

A link is found by its digest and the digest is compared again in constant time; unknown,
revoked and expired links are all answered the same way, so a token's state leaks nothing.
Revoking and expiry take effect on the next request (every request reads the catalog).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from mercato.catalog.models import ShareLink
from mercato.catalog.owned import get_owned
from mercato.core.errors import NotFoundError, ValidationFailed
from mercato.core.security import constant_time_equal, hash_password, token_digest
from mercato.core.security import verify_password as argon2_verify
from mercato.core.timeutil import to_naive_utc, utcnow
from mercato.sharing.errors import SharingError
from mercato.sharing.schemas import ShareLinkCreate, ShareLinkPublic, ViewName
from mercato.sharing.subjects import check_subject

TOKEN_PREFIX = "mcs_"  # noqa: S105 - a visible prefix, not a secret
LAST_USED_EVERY = timedelta(seconds=30)  # a busy embed does not write on every view


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def check_origin(origin: str, where: str) -> str:
    """An embedding page's origin: scheme://host[:port], http(s) only, no path."""
    parts = urlsplit(origin.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationFailed(
            f"{origin!r} is not an http(s) origin such as https://intranet.example.com",
            location=where,
            code=SharingError.BAD_ORIGIN,
        )
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise ValidationFailed(
            f"{origin!r} must be an origin only (no path, query or user)",
            location=where,
            code=SharingError.BAD_ORIGIN,
        )
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname}{port}"


def create_link(
    session: Session, workspace_id: str, data: ShareLinkCreate, created_by: str
) -> tuple[ShareLink, str]:
    """The stored link and its token (shown once)."""
    check_subject(session, workspace_id, data.view, data.parameters)
    origins = [
        check_origin(origin, f"embed_origins[{n}]") for n, origin in enumerate(data.embed_origins)
    ]
    expires = to_naive_utc(data.expires_at) if data.expires_at else None
    if expires is not None and expires <= utcnow():
        raise ValidationFailed("must be in the future", location="expires_at")
    token = new_token()
    link = ShareLink(
        workspace_id=workspace_id,
        view=data.view.value,
        parameters=data.parameters.model_dump(mode="json", exclude_none=True),
        label=data.label.strip(),
        token_digest=token_digest(token),
        password_hash=hash_password(data.password) if data.password else None,
        embed_origins=sorted(set(origins)),
        expires_at=expires,
        created_by=created_by,
    )
    session.add(link)
    session.flush()
    return link, token


def list_links(session: Session, workspace_id: str) -> list[ShareLink]:
    query = select(ShareLink).where(ShareLink.workspace_id == workspace_id)
    return list(session.scalars(query.order_by(ShareLink.created_at.desc())))


def revoke_link(session: Session, workspace_id: str, link_id: str) -> ShareLink:
    link = get_owned(session, ShareLink, workspace_id, link_id, "share link")
    if link.revoked_at is None:
        link.revoked_at = utcnow()
    session.flush()
    return link


@dataclass(frozen=True)
class LiveLink:
    """A link that may be used now, detached from its session."""

    id: str
    workspace_id: str
    view: ViewName
    parameters: dict[str, object]
    password_hash: str | None
    embed_origins: list[str]


def resolve(session: Session, token: str, now: datetime | None = None) -> LiveLink:
    """The live link a token names, or NotFoundError (unknown, revoked or expired)."""
    digest = token_digest(token)
    link = session.scalar(select(ShareLink).where(ShareLink.token_digest == digest))
    now = now or utcnow()
    if (
        link is None
        or not constant_time_equal(link.token_digest, digest)
        or link.revoked_at is not None
        or (link.expires_at is not None and link.expires_at <= now)
    ):
        raise NotFoundError(
            "this share link does not exist, was revoked or has expired",
            code=SharingError.LINK_NOT_FOUND,
        )
    if link.last_used_at is None or now - link.last_used_at >= LAST_USED_EVERY:
        link.last_used_at = now
    return LiveLink(
        link.id,
        link.workspace_id,
        ViewName(link.view),
        dict(link.parameters),
        link.password_hash,
        list(link.embed_origins),
    )


def password_ok(link: LiveLink, password: str) -> bool:
    return link.password_hash is not None and argon2_verify(link.password_hash, password)


def public(link: ShareLink) -> ShareLinkPublic:
    return ShareLinkPublic(
        id=link.id,
        view=ViewName(link.view),
        parameters=dict(link.parameters),
        label=link.label,
        has_password=link.password_hash is not None,
        embed_origins=list(link.embed_origins),
        expires_at=link.expires_at,
        revoked_at=link.revoked_at,
        last_used_at=link.last_used_at,
        created_by=link.created_by,
        created_at=link.created_at,
    )
