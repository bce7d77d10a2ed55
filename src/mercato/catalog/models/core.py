"""The catalog's core tables. Each domain adds its own models module beside this one."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from mercato.catalog.sealed import SealedText
from mercato.core.ids import new_id
from mercato.core.settings import IdentityMode
from mercato.core.timeutil import utcnow

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, list[str]: JSON}


def _id_column(prefix: str) -> Mapped[str]:
    return mapped_column(String(40), primary_key=True, default=lambda: new_id(prefix))


class Workspace(Base):
    """A brand. Every other row belongs to exactly one workspace."""

    __tablename__ = "workspaces"

    id: Mapped[str] = _id_column("ws")
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    sites: Mapped[list[Site]] = relationship(
        back_populates="workspace", cascade="all, delete-orphan", passive_deletes=True
    )


class Site(Base):
    """A shop's web site: the tracker's public key, identity mode and page-type rules."""

    __tablename__ = "sites"

    id: Mapped[str] = _id_column("site")
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    domain: Mapped[str] = mapped_column(String(253))
    public_key: Mapped[str] = mapped_column(String(64), unique=True)
    identity_mode: Mapped[str] = mapped_column(String(32), default=IdentityMode.COOKIELESS)
    respect_do_not_track: Mapped[bool] = mapped_column(Boolean, default=True)
    page_type_patterns: Mapped[dict[str, Any]] = mapped_column(default=dict)
    allowed_origins: Mapped[list[str]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    workspace: Mapped[Workspace] = relationship(back_populates="sites")


class User(Base):
    __tablename__ = "users"

    id: Mapped[str] = _id_column("usr")
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(back_populates="user")


class Membership(Base):
    """A user's role in one workspace (owner, admin, analyst, viewer)."""

    __tablename__ = "memberships"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    workspace_id: Mapped[str] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(16))

    user: Mapped[User] = relationship(back_populates="memberships")
    workspace: Mapped[Workspace] = relationship()


class ApiToken(Base):
    """A scoped bearer token; only the SHA-256 digest of the secret is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[str] = _id_column("tok")
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    created_by: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    name: Mapped[str] = mapped_column(String(200))
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[str]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (
        UniqueConstraint("workspace_id", "sku", name="uq_products_workspace_sku"),
        Index("ix_products_workspace_line", "workspace_id", "product_line"),
    )

    id: Mapped[str] = _id_column("prd")
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    sku: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    product_type: Mapped[str] = mapped_column(String(100), default="")
    product_line: Mapped[str] = mapped_column(String(100), default="")
    category: Mapped[str] = mapped_column(String(100), default="")
    price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    currency: Mapped[str] = mapped_column(String(3))
    url: Mapped[str] = mapped_column(String(2000), default="")
    image_url: Mapped[str] = mapped_column(String(2000), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class AccountStatus(StrEnum):
    """A social account's state after its last sync (`SocialAccount.status`)."""

    ACTIVE = "active"
    NEEDS_TOKEN = "needs_token"  # noqa: S105 (a state, not a secret): no token configured yet
    RECONNECT_NEEDED = "reconnect_needed"  # the platform refused the refresh: sign in again
    TOKEN_EXPIRED = "token_expired"  # noqa: S105 (a state, not a secret)
    TOKEN_INVALID = "token_invalid"  # noqa: S105 (a state, not a secret)
    MISSING_PERMISSION = "missing_permission"


class SocialAccount(Base):
    """A brand profile on a social platform, with its connector credentials and sync state."""

    __tablename__ = "social_accounts"
    __table_args__ = (
        UniqueConstraint("workspace_id", "platform", "handle", name="uq_social_accounts_handle"),
    )

    id: Mapped[str] = _id_column("acc")
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(32))
    handle: Mapped[str] = mapped_column(String(200))
    external_id: Mapped[str] = mapped_column(String(200), default="")
    display_name: Mapped[str] = mapped_column(String(200), default="")
    access_token: Mapped[str | None] = mapped_column(SealedText, nullable=True)
    status: Mapped[str] = mapped_column(String(32), default=AccountStatus.ACTIVE)
    last_sync_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
