"""Which engine a workspace's analyses run on (ADR 0505); no row: DuckDB."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from mercato.catalog.models.core import Base
from mercato.core.timeutil import utcnow


class WorkspaceEngine(Base):
    """A workspace's `warehouse_engine`: duckdb (the warehouse) or spark (the lake)."""

    __tablename__ = "workspace_engines"

    workspace_id: Mapped[str] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    engine: Mapped[str] = mapped_column(String(16))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
