"""Benchmark overrides, goals and revenue forecasts: read with analytics:read, write as admin."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from fastapi import APIRouter
from pydantic import BaseModel, Field, model_validator

from mercato.catalog import kpi_settings
from mercato.catalog.kpi_settings import Team
from mercato.core.money import round_money
from mercato.core.timeutil import zone
from mercato.metrics.benchmarks import catalogue as benchmark_catalogue
from mercato.metrics.goals import Verdict
from mercato.metrics.service import KNOWN_KPIS, goal_rows, goals_progress, workspace_benchmarks
from mercato.web.auth import Admin, AnalyticsReader, ServicesDep
from mercato.web.stores import scoped_stores

router = APIRouter(prefix="/api/v1", tags=["kpi settings"])


class BenchmarkCreate(BaseModel):
    kpi_id: str
    value: float = Field(description="A fraction for percentages: 0.0047 is 0.47 %.")
    method: str = Field(min_length=1, max_length=200)
    source: str = Field(min_length=1, max_length=200)
    report_year: int | None = Field(default=None, ge=1990, le=2100)
    platform: str | None = None
    data_year: int | None = Field(default=None, ge=1990, le=2100)
    industry: str = "all"
    url: str | None = None


class BenchmarkPublic(BenchmarkCreate):
    origin: str = Field(description="default (shipped) or workspace (override)")
    label: str


class GoalCreate(BaseModel):
    kpi_id: str
    period_start: date
    period_end: date
    target: Decimal
    platform: str | None = None
    note: str = Field(default="", max_length=2000)
    owner: str = Field(default="", max_length=200)
    team: Team = Team.SOCIAL


class GoalUpdate(BaseModel):
    kpi_id: str | None = None
    period_start: date | None = None
    period_end: date | None = None
    target: Decimal | None = None
    platform: str | None = None
    note: str | None = Field(default=None, max_length=2000)
    owner: str | None = Field(default=None, max_length=200)
    team: Team | None = None


class GoalPublic(GoalCreate):
    id: str
    # Money stays a Decimal (a JSON string, exact, in the workspace currency's precision).
    actual: Decimal | float | None = None
    progress: float | None = None
    forecast: Decimal | float | None = None
    forecast_low: float | None = Field(default=None, description="80% interval, low end")
    forecast_high: float | None = Field(default=None, description="80% interval, high end")
    verdict: Verdict | None = None
    on_track: bool | None = None
    elapsed_days: int | None = Field(default=None, description="complete days counted so far")
    total_days: int | None = None


class ForecastCreate(BaseModel):
    period_start: date
    period_end: date
    amount: Decimal = Field(
        ge=0, description="In the currency's precision: JPY none, KWD 3 decimals."
    )
    currency: str | None = Field(
        default=None,
        min_length=3,
        max_length=3,
        description="The workspace currency (the default); another currency is refused.",
    )


class ForecastPublic(ForecastCreate):
    id: str
    currency: str = Field(min_length=3, max_length=3)

    @model_validator(mode="after")
    def _in_currency_precision(self) -> ForecastPublic:
        """The column keeps three decimals for every currency; JPY reads without them."""
        self.amount = round_money(self.amount, self.currency)
        return self


@router.get("/kpi-benchmarks", operation_id="list_kpi_benchmarks")
def list_kpi_benchmarks(services: ServicesDep, principal: AnalyticsReader) -> list[BenchmarkPublic]:
    """Benchmarks in force: shipped defaults, replaced by the workspace's overrides."""
    overrides = workspace_benchmarks(services.catalog.for_workspace(principal.workspace_id))
    return [
        BenchmarkPublic.model_validate(b, from_attributes=True)
        for b in benchmark_catalogue(overrides)
    ]


@router.put("/kpi-benchmarks", operation_id="set_kpi_benchmark")
def set_kpi_benchmark(
    body: BenchmarkCreate, services: ServicesDep, principal: Admin
) -> dict[str, str]:
    """Create or replace the workspace's figure for (KPI, platform)."""
    data = kpi_settings.BenchmarkInput(**body.model_dump())
    with services.catalog.session() as session:
        row = kpi_settings.set_benchmark(session, principal.workspace_id, data, KNOWN_KPIS)
        return {"id": row.id}


@router.delete(
    "/kpi-benchmarks/{benchmark_id}", operation_id="delete_kpi_benchmark", status_code=204
)
def delete_kpi_benchmark(benchmark_id: str, services: ServicesDep, principal: Admin) -> None:
    """Remove an override; the shipped default applies again."""
    with services.catalog.session() as session:
        kpi_settings.delete_benchmark(session, principal.workspace_id, benchmark_id)


def _number(value: Decimal | float | int | None) -> Decimal | float | None:
    return value if value is None or isinstance(value, Decimal) else float(value)


@router.get("/kpi-goals", operation_id="list_kpi_goals")
def list_kpi_goals(services: ServicesDep, principal: AnalyticsReader) -> list[GoalPublic]:
    """Goals with progress to date and the linear forecast to period end."""
    today = datetime.now(zone(principal.workspace.time_zone)).date()
    owners = goal_rows(services.catalog.for_workspace(principal.workspace_id))
    found = []
    for p in goals_progress(
        *scoped_stores(services, principal.workspace.id), principal.workspace, today
    ):
        owner, team, note = owners.get(p.goal_id, ("", Team.SOCIAL.value, ""))
        found.append(
            GoalPublic(
                id=p.goal_id,
                kpi_id=p.kpi.id,
                period_start=p.period_start,
                period_end=p.period_end,
                target=p.target,
                platform=p.platform,
                note=note,
                owner=owner,
                team=Team(team),
                actual=_number(p.actual),
                progress=p.progress,
                forecast=_number(p.forecast),
                forecast_low=p.forecast_low,
                forecast_high=p.forecast_high,
                verdict=p.verdict,
                on_track=p.on_track,
                elapsed_days=p.elapsed_days,
                total_days=p.total_days,
            )
        )
    return found


@router.post("/kpi-goals", operation_id="create_kpi_goal", status_code=201)
def create_kpi_goal(body: GoalCreate, services: ServicesDep, principal: Admin) -> GoalPublic:
    with services.catalog.session() as session:
        goal = kpi_settings.create_goal(
            session, principal.workspace_id, known=KNOWN_KPIS, **body.model_dump()
        )
        return GoalPublic.model_validate(goal, from_attributes=True)


@router.patch("/kpi-goals/{goal_id}", operation_id="update_kpi_goal")
def update_kpi_goal(
    goal_id: str, body: GoalUpdate, services: ServicesDep, principal: Admin
) -> GoalPublic:
    """Change a goal's target, period, owner or team (fields left out stay)."""
    with services.catalog.session() as session:
        goal = kpi_settings.update_goal(
            session, principal.workspace_id, goal_id, body.model_dump(exclude_unset=True),
            KNOWN_KPIS,
        )  # fmt: skip
        return GoalPublic.model_validate(goal, from_attributes=True)


@router.delete("/kpi-goals/{goal_id}", operation_id="delete_kpi_goal", status_code=204)
def delete_kpi_goal(goal_id: str, services: ServicesDep, principal: Admin) -> None:
    with services.catalog.session() as session:
        kpi_settings.delete_goal(session, principal.workspace_id, goal_id)


@router.get("/revenue-forecasts", operation_id="list_revenue_forecasts")
def list_revenue_forecasts(
    services: ServicesDep, principal: AnalyticsReader
) -> list[ForecastPublic]:
    with services.catalog.session() as session:
        forecasts = kpi_settings.list_forecasts(session, principal.workspace_id)
        return [ForecastPublic.model_validate(f, from_attributes=True) for f in forecasts]


@router.post("/revenue-forecasts", operation_id="create_revenue_forecast", status_code=201)
def create_revenue_forecast(
    body: ForecastCreate, services: ServicesDep, principal: Admin
) -> ForecastPublic:
    """A revenue forecast for a period; the social revenue target uses it pro rata by days."""
    with services.catalog.session() as session:
        row = kpi_settings.set_forecast(session, principal.workspace_id, **body.model_dump())
        return ForecastPublic.model_validate(row, from_attributes=True)


@router.delete(
    "/revenue-forecasts/{forecast_id}", operation_id="delete_revenue_forecast", status_code=204
)
def delete_revenue_forecast(forecast_id: str, services: ServicesDep, principal: Admin) -> None:
    with services.catalog.session() as session:
        kpi_settings.delete_forecast(session, principal.workspace_id, forecast_id)
