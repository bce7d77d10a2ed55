"""Connecting accounts for real: per-workspace platform apps, the OAuth handshakes in flight,
grants waiting for the user to pick accounts, shop connections and UGC discovery watches.

Every secret column is `SealedText`: encrypted with a key derived from the secret key."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mercato.catalog.models.core import Base, _id_column
from mercato.catalog.sealed import SealedText
from mercato.core.timeutil import utcnow


class OAuthApp(Base):
    """The app a workspace registered with a platform: its client id and secret."""

    __tablename__ = "oauth_apps"
    __table_args__ = (UniqueConstraint("workspace_id", "platform", name="uq_oauth_apps_platform"),)

    id: Mapped[str] = _id_column("app")
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(32))
    client_id: Mapped[str] = mapped_column(String(300))
    client_secret: Mapped[str] = mapped_column(SealedText)
    # A proxy or a local test platform answering the documented paths; None = the platform.
    endpoint_override: Mapped[str | None] = mapped_column(String(500), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class OAuthState(Base):
    """One authorisation in flight: the `state` digest, bound to the login session that
    started it, single use and short-lived; the PKCE verifier stays here, sealed."""

    __tablename__ = "oauth_states"

    id: Mapped[str] = _id_column("ost")
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(32))
    session_binding: Mapped[str] = mapped_column(String(64))
    code_verifier: Mapped[str] = mapped_column(SealedText)
    redirect_uri: Mapped[str] = mapped_column(String(500))
    shop: Mapped[str | None] = mapped_column(String(300), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class PendingGrant(Base):
    """A login that granted several accounts (a Meta user with pages and Instagram accounts):
    the choices, tokens included (sealed), until the user picks."""

    __tablename__ = "oauth_pending_grants"

    id: Mapped[str] = _id_column("grt")
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(32))
    session_binding: Mapped[str] = mapped_column(String(64))
    sealed_choices: Mapped[str] = mapped_column(SealedText)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)


class ShopConnection(Base):
    """A Shopify shop connected through its Admin API (custom-app token or OAuth install)."""

    __tablename__ = "shop_connections"
    __table_args__ = (UniqueConstraint("workspace_id", "provider", name="uq_shop_connections"),)

    id: Mapped[str] = _id_column("shp")
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    provider: Mapped[str] = mapped_column(String(32), default="shopify")
    shop_domain: Mapped[str] = mapped_column(String(300))
    access_token: Mapped[str] = mapped_column(SealedText)
    api_base_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    api_version: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(32), default="active")
    last_sync_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    state: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class DiscoveryWatch(Base):
    """A hashtag or mention a workspace watches for UGC; IG hashtag ids are looked up once
    and each lookup counts against the 30-hashtags-per-7-days limit."""

    __tablename__ = "discovery_watches"
    __table_args__ = (
        UniqueConstraint("workspace_id", "kind", "value", name="uq_discovery_watches"),
    )

    id: Mapped[str] = _id_column("wch")
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(200))
    platform_ids: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
