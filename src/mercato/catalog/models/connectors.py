"""Connector state: per-account API settings, saved sync cursors, sync/import history,
shop webhook secrets and the refunds ledger that makes refund webhooks idempotent."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mercato.catalog.models.core import Base, _id_column
from mercato.catalog.sealed import SealedText
from mercato.core.timeutil import utcnow


class AccountConnection(Base):
    """How to reach one social account's API: base URL (tests point it at a fake server),
    API version and platform options (TikTok business id, hashtags to follow, ...)."""

    __tablename__ = "account_connections"

    social_account_id: Mapped[str] = mapped_column(
        ForeignKey("social_accounts.id", ondelete="CASCADE"), primary_key=True
    )
    api_base_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    api_version: Mapped[str | None] = mapped_column(String(32), nullable=True)
    options: Mapped[dict[str, Any]] = mapped_column(default=dict)
    token_expires_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    refresh_token: Mapped[str | None] = mapped_column(SealedText, nullable=True)
    refresh_token_expires_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    granted_scopes: Mapped[str | None] = mapped_column(String(500), nullable=True)


class SyncCursor(Base):
    """Where a sync of one stream of one account stopped; the next run resumes here."""

    __tablename__ = "sync_cursors"
    __table_args__ = (
        UniqueConstraint("social_account_id", "stream", name="uq_sync_cursors_stream"),
    )

    id: Mapped[str] = _id_column("cur")
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    social_account_id: Mapped[str] = mapped_column(
        ForeignKey("social_accounts.id", ondelete="CASCADE")
    )
    stream: Mapped[str] = mapped_column(String(64))
    cursor: Mapped[str | None] = mapped_column(Text, nullable=True)
    state: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class RunStatus(StrEnum):
    """How a sync, import or webhook delivery ended (`SyncRun.status`)."""

    RUNNING = "running"
    OK = "ok"
    PARTIAL = "partial"  # throttled: the next sync resumes from the saved cursor
    FAILED = "failed"


class SyncRun(Base):
    """One sync, import or webhook delivery: what it read and wrote, and how it ended."""

    __tablename__ = "sync_runs"

    id: Mapped[str] = _id_column("run")
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    social_account_id: Mapped[str | None] = mapped_column(
        ForeignKey("social_accounts.id", ondelete="SET NULL"), nullable=True
    )
    kind: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=RunStatus.RUNNING)
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    inserted: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)


class ShopWebhookSecret(Base):
    """The shared secret a shop signs its webhooks with (Shopify: HMAC-SHA256, base64)."""

    __tablename__ = "shop_webhook_secrets"
    __table_args__ = (
        UniqueConstraint("workspace_id", "provider", name="uq_shop_webhook_secrets_provider"),
    )

    id: Mapped[str] = _id_column("whs")
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    provider: Mapped[str] = mapped_column(String(32))
    secret: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ShopRefund(Base):
    """Each refund once, so a redelivered refund webhook never refunds twice."""

    __tablename__ = "shop_refunds"
    __table_args__ = (UniqueConstraint("workspace_id", "refund_id", name="uq_shop_refunds_refund"),)

    id: Mapped[str] = _id_column("rfd")
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    refund_id: Mapped[str] = mapped_column(String(100))
    order_id: Mapped[str] = mapped_column(String(100))
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 3))  # KWD/BHD have three decimals
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
