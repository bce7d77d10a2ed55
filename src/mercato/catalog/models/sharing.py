"""Sharing: share links to report views, scheduled e-mail reports, their deliveries, and the
workspace's SMTP server (password sealed with `core.secret_box`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from mercato.catalog.models.core import Base, _id_column
from mercato.core.timeutil import utcnow


class ShareLink(Base):
    """A read-only link to one report view of one workspace; only the token's digest is kept."""

    __tablename__ = "share_links"

    id: Mapped[str] = _id_column("shr")
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    view: Mapped[str] = mapped_column(String(64))
    parameters: Mapped[dict[str, Any]] = mapped_column(default=dict)
    label: Mapped[str] = mapped_column(String(200), default="")
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)
    embed_origins: Mapped[list[str]] = mapped_column(default=list)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    created_by: Mapped[str] = mapped_column(String(320), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class SmtpServer(Base):
    """The mail server a workspace sends scheduled reports and creator rewards through."""

    __tablename__ = "smtp_servers"

    id: Mapped[str] = _id_column("smtp")
    workspace_id: Mapped[str] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), unique=True
    )
    host: Mapped[str] = mapped_column(String(253))
    port: Mapped[int] = mapped_column(Integer)
    security: Mapped[str] = mapped_column(String(16))
    username: Mapped[str] = mapped_column(String(320), default="")
    password_sealed: Mapped[str] = mapped_column(Text, default="")
    sender: Mapped[str] = mapped_column(String(320))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ReportSchedule(Base):
    """A report view e-mailed daily, weekly or monthly at a local hour of the workspace."""

    __tablename__ = "report_schedules"

    id: Mapped[str] = _id_column("rps")
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    view: Mapped[str] = mapped_column(String(64))
    parameters: Mapped[dict[str, Any]] = mapped_column(default=dict)
    cadence: Mapped[str] = mapped_column(String(16))
    send_hour: Mapped[int] = mapped_column(Integer, default=8)
    weekday: Mapped[int] = mapped_column(Integer, default=0)
    month_day: Mapped[int] = mapped_column(Integer, default=1)
    recipients: Mapped[list[str]] = mapped_column(default=list)
    attach_csv: Mapped[bool] = mapped_column(Boolean, default=False)
    include_goals: Mapped[bool] = mapped_column(Boolean, default=False)
    change_threshold_pct: Mapped[float | None] = mapped_column(Float, nullable=True)
    last_figures: Mapped[dict[str, Any]] = mapped_column(default=dict)
    next_run_at: Mapped[datetime] = mapped_column(DateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ReportDelivery(Base):
    """One e-mail of a schedule (or a "send now" preview), with its attempts."""

    __tablename__ = "report_deliveries"
    __table_args__ = (Index("ix_report_deliveries_due", "status", "next_attempt_at"),)

    id: Mapped[str] = _id_column("rpd")
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    schedule_id: Mapped[str] = mapped_column(ForeignKey("report_schedules.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    preview: Mapped[bool] = mapped_column(Boolean, default=False)
    period_start: Mapped[str] = mapped_column(String(10))
    period_end: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
