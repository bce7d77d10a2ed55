"""Data quality: what each import (or collector batch) did with every row it read.

One entry per run: its outcome counts (they add up to the rows read) and the first bad rows
with file, line and field. Flagged products are those an import created that a person should
check (a review for a SKU the catalog did not have)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mercato.catalog.models.core import Base, _id_column
from mercato.core.timeutil import utcnow


class QualityEntry(Base):
    """One import or collector batch: rows read, outcome counts, flags and bad rows."""

    __tablename__ = "data_quality_entries"
    __table_args__ = (Index("ix_data_quality_entries_recorded", "workspace_id", "recorded_at"),)

    id: Mapped[str] = _id_column("dq")
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(64))  # "import:events", "collector", ...
    subject: Mapped[str] = mapped_column(Text, default="")  # file names, or the batch
    status: Mapped[str] = mapped_column(String(16), default="ok")  # ok | refused | rejected
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    outcomes: Mapped[dict[str, Any]] = mapped_column(default=dict)  # sums to rows_read
    flags: Mapped[dict[str, Any]] = mapped_column(default=dict)  # kept apart, derived ids, ...
    problems: Mapped[list[Any]] = mapped_column(
        JSON, default=list
    )  # [{file, line, field, message}]
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class FlaggedProduct(Base):
    """A product an import created from partial data (a review's SKU), to be checked."""

    __tablename__ = "flagged_products"
    __table_args__ = (UniqueConstraint("product_id", name="uq_flagged_products_product"),)

    id: Mapped[str] = _id_column("flag")
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    product_id: Mapped[str] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
