"""Interface languages: a user's own choice and a workspace's default (ADR 2301)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from mercato.catalog.models.core import Base
from mercato.core.timeutil import utcnow


class UserLanguage(Base):
    """The language a user reads the interface in, whatever workspace they are in."""

    __tablename__ = "user_languages"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    language: Mapped[str] = mapped_column(String(16))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class WorkspaceLanguage(Base):
    """A workspace's default language, for members who chose none."""

    __tablename__ = "workspace_languages"

    workspace_id: Mapped[str] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    language: Mapped[str] = mapped_column(String(16))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
