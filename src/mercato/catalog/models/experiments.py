"""Experiments on galleries: definitions, variants and every unit's first assignment.

An `ab` experiment targets one gallery; a `holdout` experiment targets a gallery or, with no
gallery, every gallery of the workspace. A variant shows the gallery as defined (`current`),
a gallery configuration of its own (`configured`, `config` holds a gallery draft) or no
gallery at all (`holdout`). Assignments are stored once per unit and never rewritten: that is
what keeps a visitor in its variant when weights change or variants are added (ADR 1600).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from mercato.catalog.models.core import Base, _id_column
from mercato.core.timeutil import utcnow


class Experiment(Base):
    __tablename__ = "experiments"
    __table_args__ = (Index("ix_experiments_workspace_status", "workspace_id", "status"),)

    id: Mapped[str] = _id_column("exp")
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), default="ab")  # ab|holdout
    gallery_id: Mapped[str | None] = mapped_column(
        ForeignKey("galleries.id", ondelete="CASCADE"), nullable=True, index=True
    )
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft|running|stopped
    seed: Mapped[str] = mapped_column(String(64))
    coverage: Mapped[float] = mapped_column(Float, default=1.0)
    primary_metric: Mapped[str] = mapped_column(String(32))
    guardrails: Mapped[list[str]] = mapped_column(JSON, default=list)
    started_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    stopped_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class ExperimentVariant(Base):
    __tablename__ = "experiment_variants"

    id: Mapped[str] = _id_column("var")
    experiment_id: Mapped[str] = mapped_column(
        ForeignKey("experiments.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(16))  # current|configured|holdout
    weight: Mapped[float] = mapped_column(Float, default=1.0)
    config: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class ExperimentAssignment(Base):
    """A unit's first assignment; `unit` is the visitor id the collector stores on events."""

    __tablename__ = "experiment_assignments"

    experiment_id: Mapped[str] = mapped_column(
        ForeignKey("experiments.id", ondelete="CASCADE"), primary_key=True
    )
    unit: Mapped[str] = mapped_column(String(200), primary_key=True)
    variant: Mapped[str] = mapped_column(String(64))
    identity_mode: Mapped[str] = mapped_column(String(16))
    assigned_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
