"""Saved audience segments: a definition tree (dynamic) or a frozen visitor list (static).

A static segment's visitors live in the warehouse table `segment_members`, where the engine
joins them; the catalog keeps how many and where they came from.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mercato.catalog.models.core import Base, _id_column
from mercato.core.timeutil import utcnow


class SegmentKind(StrEnum):
    DYNAMIC = "dynamic"  # re-evaluated from its definition on every use
    STATIC = "static"  # a frozen list of visitors


class MemberSource(StrEnum):
    DEFINITION = "definition"  # a dynamic segment's own tree
    CSV = "csv"  # a static list imported from a CSV file
    REPORT = "report"  # a static list saved from a segment's members at one moment


class Segment(Base):
    __tablename__ = "segments"
    __table_args__ = (UniqueConstraint("workspace_id", "name", name="uq_segments_name"),)

    id: Mapped[str] = _id_column("seg")
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(16), default=SegmentKind.DYNAMIC.value)
    definition: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)
    member_source: Mapped[str] = mapped_column(String(16), default=MemberSource.DEFINITION.value)
    static_members: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
