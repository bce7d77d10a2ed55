"""The attribution report's public shapes, shared by `GET /api/v1/attribution`, the path-data
API and `mercato attribution`."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from mercato.attribution.path_report import PathReport
from mercato.attribution.service import AttributionReport


class CreditPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    label: str
    conversions: float
    revenue: Decimal
    spend: Decimal | None
    roas: float | None


class ComparisonPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    label: str
    conversions: dict[str, float]


class PathPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    path: str
    conversions: int
    revenue: Decimal


class DistributionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    buckets: list[str]
    counts: list[int]
    median: float | None


class AttributionPublic(BaseModel):
    model: str
    model_label: str
    by: str
    window_days: float
    conversion: str
    identity: str
    credit: str | None
    order: int | None
    currency: str
    start: datetime | None
    end: datetime | None
    journeys: int
    conversions: int
    revenue: Decimal
    rows: list[CreditPublic]
    comparison_models: list[str]
    comparison: list[ComparisonPublic]
    top_paths: list[PathPublic]
    time_to_conversion: DistributionPublic
    sessions_to_conversion: DistributionPublic
    removal_effects: dict[str, float] | None
    conversion_probability: float | None
    notices: list[str]


def public(report: AttributionReport, currency: str) -> AttributionPublic:
    request = report.request
    is_markov = request.model.value == "markov"
    return AttributionPublic.model_validate(
        {
            **{name: getattr(report, name) for name in _PLAIN_FIELDS},
            "model": request.model.value,
            "by": request.by.value,
            "window_days": request.window.total_seconds() / 86_400,
            "conversion": request.conversion.value,
            "identity": request.identity.value,
            "credit": request.options.credit.value if is_markov else None,
            "order": request.options.order if is_markov else None,
            "currency": currency,
            "start": request.start,
            "end": request.end,
        },
        from_attributes=True,
    )


_PLAIN_FIELDS = (
    "model_label", "journeys", "conversions", "revenue", "rows", "comparison_models",
    "comparison", "top_paths", "time_to_conversion", "sessions_to_conversion",
    "removal_effects", "conversion_probability", "notices",
)  # fmt: skip


class PathCreditPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    label: str
    conversions: dict[str, float]
    value: dict[str, float]


class PathAttributionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    source: str
    paths: int
    conversions: float
    value: float
    nulls: float
    order: int
    models: list[str]
    credits: list[PathCreditPublic]
    removal_effects: dict[str, float]
    conversion_probability: float
    notices: list[str]


def path_public(report: PathReport) -> PathAttributionPublic:
    return PathAttributionPublic.model_validate(report, from_attributes=True)
