"""KPI settings a workspace owns: benchmark overrides, goals and revenue forecasts."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, DateTime, Float, ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from mercato.catalog.models.core import Base, _id_column
from mercato.core.timeutil import utcnow


class KpiBenchmark(Base):
    """A workspace's own benchmark figure; it replaces the shipped default (same KPI/platform)."""

    __tablename__ = "kpi_benchmarks"

    id: Mapped[str] = _id_column("bm")
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    kpi_id: Mapped[str] = mapped_column(String(64))
    platform: Mapped[str | None] = mapped_column(String(32), nullable=True)
    value: Mapped[float] = mapped_column(Float)
    method: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(200))
    report_year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    data_year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    industry: Mapped[str] = mapped_column(String(100), default="all")
    url: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class KpiGoal(Base):
    """A target for one KPI over one period (local dates, inclusive)."""

    __tablename__ = "kpi_goals"

    id: Mapped[str] = _id_column("goal")
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    kpi_id: Mapped[str] = mapped_column(String(64))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    target: Mapped[Decimal] = mapped_column(Numeric(18, 4))
    platform: Mapped[str | None] = mapped_column(String(32), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    # Shared goals: who answers for it, and which team's part of the funnel it measures.
    owner: Mapped[str] = mapped_column(String(200), default="")
    team: Mapped[str] = mapped_column(String(32), default="social")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class RevenueForecast(Base):
    """The workspace's revenue forecast for a period (for the social revenue target)."""

    __tablename__ = "revenue_forecasts"

    id: Mapped[str] = _id_column("fc")
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 3))  # KWD, BHD: three decimals
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
