"""`GET /api/v1/data-quality`: what each import did with every row, per import and per day;
and the report the data-quality page shows (`quality_report`)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from mercato.catalog import quality
from mercato.core.errors import ValidationFailed
from mercato.core.timeutil import utcnow
from mercato.runtime import Services
from mercato.web.auth import AnalyticsReader, Principal, ServicesDep

router = APIRouter()
DEFAULT_DAYS = 30
MAX_DAYS = 3660


class QualityEntryPublic(BaseModel):
    id: str
    recorded_at: datetime
    source: str
    subject: str
    status: str
    rows_read: int
    outcomes: dict[str, int]
    flags: dict[str, int]
    problems: list[dict[str, Any]]


class QualityDayPublic(BaseModel):
    day: date
    entries: int
    rows_read: int
    outcomes: dict[str, int]
    flags: dict[str, int]


class FlaggedProductPublic(BaseModel):
    product_id: str
    sku: str
    title: str
    reason: str


class DataQualityPublic(BaseModel):
    start: date
    end: date
    days: list[QualityDayPublic]
    entries: list[QualityEntryPublic]
    flagged_products: list[FlaggedProductPublic]


def quality_report(
    services: Services, principal: Principal, start: date | None, end: date | None
) -> DataQualityPublic:
    end = end or utcnow().date()
    start = start or end - timedelta(days=DEFAULT_DAYS - 1)
    if end < start:
        start, end = end, start
    if (end - start).days >= MAX_DAYS:
        raise ValidationFailed(f"a range of at most {MAX_DAYS} days", location="start")
    with services.catalog.session() as session:
        entries = quality.recent_entries(session, principal.workspace_id, start, end)
        flagged = quality.flagged_products(session, principal.workspace_id, limit=200)
        return DataQualityPublic(
            start=start,
            end=end,
            days=[QualityDayPublic(**vars(t)) for t in quality.daily_totals(entries)],
            entries=[QualityEntryPublic(**quality.entry_dict(e)) for e in entries],
            flagged_products=[
                FlaggedProductPublic(product_id=i, sku=s, title=t, reason=r)
                for i, s, t, r in flagged
            ],
        )


@router.get(
    "/api/v1/data-quality", operation_id="get_data_quality", response_model=DataQualityPublic
)
def get_data_quality(
    services: ServicesDep,
    principal: AnalyticsReader,
    start: date | None = Query(default=None, description="First UTC day (default: 30 days ago)"),
    end: date | None = Query(default=None, description="Last UTC day (default: today)"),
) -> DataQualityPublic:
    """Import and collector entries recorded on UTC days `start`..`end`, with per-day totals:
    rows read and the outcome of each (stored, merged, bots, bad, ...), flags (order ids kept
    apart, derived order ids) and the first bad rows with file, line and field."""
    return quality_report(services, principal, start, end)
