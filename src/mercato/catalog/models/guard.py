"""Server-side state that keeps accounts and webhooks honest: the login sessions a cookie may
refer to (ended by logout or a password change) and the webhook deliveries already applied
(so a replayed delivery is refused)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mercato.catalog.models.core import Base, _id_column
from mercato.core.timeutil import utcnow


class LoginSession(Base):
    """One logged-in browser. The cookie carries a random secret; only its SHA-256 digest is
    kept, so a catalog dump cannot be turned into sessions."""

    __tablename__ = "login_sessions"
    __table_args__ = (Index("ix_login_sessions_user", "user_id"),)

    id: Mapped[str] = _id_column("lgs")
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    end_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)


class WebhookDelivery(Base):
    """A delivery id already applied; kept for the replay window, then purged (older
    deliveries are refused by their signed timestamp instead)."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("workspace_id", "provider", "delivery_id", name="uq_webhook_deliveries"),
        Index("ix_webhook_deliveries_received", "received_at"),
    )

    id: Mapped[str] = _id_column("whd")
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    provider: Mapped[str] = mapped_column(String(32))
    delivery_id: Mapped[str] = mapped_column(String(200))
    topic: Mapped[str] = mapped_column(String(64), default="")
    received_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
