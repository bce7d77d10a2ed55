"""Repository for a workspace's KPI settings: benchmark overrides, goals, revenue forecasts.

The catalog sits below metrics, so callers pass the known KPI ids for validation.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from mercato.catalog.models import KpiBenchmark, KpiGoal, RevenueForecast, Workspace
from mercato.catalog.owned import get_owned
from mercato.core.errors import ValidationFailed
from mercato.core.money import parse_currency, quantum, round_money
from mercato.core.timeutil import check_day_range
from mercato.core.urls import checked_link


class Team(StrEnum):
    """Whose part of the funnel a goal measures: social feeds site, site feeds e-commerce."""

    SOCIAL = "social"
    SITE = "site"
    ECOMMERCE = "ecommerce"


def _check_kpi(kpi_id: str, known: Collection[str], where: str) -> None:
    if kpi_id not in known:
        raise ValidationFailed(f"unknown KPI {kpi_id!r}", location=f"{where}.kpi_id")


def _check_period(start: date, end: date, where: str) -> None:
    check_day_range(start, end, location=f"{where}.period_end")


@dataclass(frozen=True)
class BenchmarkInput:
    kpi_id: str
    value: float
    method: str
    source: str
    report_year: int | None = None
    platform: str | None = None
    data_year: int | None = None
    industry: str = "all"
    url: str | None = None


def list_benchmarks(session: Session, workspace_id: str) -> list[KpiBenchmark]:
    query = select(KpiBenchmark).where(KpiBenchmark.workspace_id == workspace_id)
    return list(session.scalars(query.order_by(KpiBenchmark.kpi_id, KpiBenchmark.platform)))


def set_benchmark(
    session: Session, workspace_id: str, data: BenchmarkInput, known: Collection[str]
) -> KpiBenchmark:
    """Create or replace the override for (KPI, platform)."""
    _check_kpi(data.kpi_id, known, "benchmark")
    if not data.method.strip() or not data.source.strip():
        raise ValidationFailed(
            "a benchmark needs its method and source", location="benchmark.method"
        )
    existing = next(
        (
            b
            for b in list_benchmarks(session, workspace_id)
            if b.kpi_id == data.kpi_id and b.platform == data.platform
        ),
        None,
    )
    row = existing or KpiBenchmark(workspace_id=workspace_id)
    for name, value in vars(data).items():
        setattr(row, name, value)
    row.url = checked_link(data.url, "benchmark.url") or None  # shown as the source's link
    session.add(row)
    session.flush()
    return row


def delete_benchmark(session: Session, workspace_id: str, benchmark_id: str) -> None:
    session.delete(get_owned(session, KpiBenchmark, workspace_id, benchmark_id, "benchmark"))


def list_goals(session: Session, workspace_id: str) -> list[KpiGoal]:
    query = select(KpiGoal).where(KpiGoal.workspace_id == workspace_id)
    return list(session.scalars(query.order_by(KpiGoal.period_start, KpiGoal.kpi_id)))


def create_goal(
    session: Session,
    workspace_id: str,
    *,
    kpi_id: str,
    period_start: date,
    period_end: date,
    target: Decimal,
    known: Collection[str],
    platform: str | None = None,
    note: str = "",
    owner: str = "",
    team: Team = Team.SOCIAL,
) -> KpiGoal:
    _check_kpi(kpi_id, known, "goal")
    _check_period(period_start, period_end, "goal")
    goal = KpiGoal(
        workspace_id=workspace_id,
        kpi_id=kpi_id,
        period_start=period_start,
        period_end=period_end,
        target=target,
        platform=platform,
        note=note,
        owner=owner.strip(),
        team=Team(team).value,
    )
    session.add(goal)
    session.flush()
    return goal


GOAL_FIELDS = frozenset(
    {"kpi_id", "period_start", "period_end", "target", "platform", "note", "owner", "team"}
)


def update_goal(
    session: Session,
    workspace_id: str,
    goal_id: str,
    changes: dict[str, object],
    known: Collection[str],
) -> KpiGoal:
    """Change some of a goal's fields (edited in the app); the result is validated whole."""
    goal = get_owned(session, KpiGoal, workspace_id, goal_id, "goal")
    for name, value in changes.items():
        if name not in GOAL_FIELDS:
            raise ValidationFailed(f"unknown field {name!r}", location=f"goal.{name}")
        setattr(goal, name, Team(str(value)).value if name == "team" else value)
    _check_kpi(goal.kpi_id, known, "goal")
    _check_period(goal.period_start, goal.period_end, "goal")
    session.flush()
    return goal


def delete_goal(session: Session, workspace_id: str, goal_id: str) -> None:
    session.delete(get_owned(session, KpiGoal, workspace_id, goal_id, "goal"))


def list_forecasts(session: Session, workspace_id: str) -> list[RevenueForecast]:
    query = select(RevenueForecast).where(RevenueForecast.workspace_id == workspace_id)
    return list(session.scalars(query.order_by(RevenueForecast.period_start)))


def set_forecast(
    session: Session,
    workspace_id: str,
    *,
    period_start: date,
    period_end: date,
    amount: Decimal,
    currency: str | None = None,
) -> RevenueForecast:
    """A forecast is in the workspace currency: the social revenue target sums forecasts pro
    rata with revenue in that currency, so another currency is refused rather than mixed in."""
    _check_period(period_start, period_end, "forecast")
    workspace = session.get(Workspace, workspace_id)
    if workspace is None:
        raise ValidationFailed(f"unknown workspace {workspace_id!r}", location="forecast")
    code = workspace.currency
    if currency is not None and parse_currency(currency, field="forecast.currency") != code:
        raise ValidationFailed(
            f"the forecast is in {currency.upper()}, the workspace reports in {code}: "
            f"give the amount in {code}",
            location="forecast.currency",
        )
    if amount != amount.quantize(quantum(code)):
        raise ValidationFailed(
            f"{amount} has more decimals than {code} has ({quantum(code)})",
            location="forecast.amount",
        )
    forecast = RevenueForecast(
        workspace_id=workspace_id,
        period_start=period_start,
        period_end=period_end,
        amount=amount,
        currency=code,
    )
    session.add(forecast)
    session.flush()
    return forecast


def delete_forecast(session: Session, workspace_id: str, forecast_id: str) -> None:
    session.delete(
        get_owned(session, RevenueForecast, workspace_id, forecast_id, "revenue forecast")
    )


def forecast_for(session: Session, workspace_id: str, first: date, last: date) -> Decimal | None:
    """The forecast revenue for first..last: each overlapping forecast pro rata by days, in
    the workspace currency's precision (JPY none, KWD three decimals)."""
    total, found = Decimal("0"), False
    for forecast in list_forecasts(session, workspace_id):
        overlap = (min(last, forecast.period_end) - max(first, forecast.period_start)).days + 1
        if overlap <= 0:
            continue
        days = (forecast.period_end - forecast.period_start).days + 1
        total += Decimal(forecast.amount) * overlap / days
        found = True
    if not found:
        return None
    workspace = session.get(Workspace, workspace_id)
    return round_money(total, workspace.currency if workspace else None)
