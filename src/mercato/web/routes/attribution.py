"""Attribution: `GET /api/v1/attribution` (JSON), `POST /api/v1/attribution/paths` (path data)
and the `/attribution` comparison page."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from mercato.attribution.models import ModelName
from mercato.attribution.path_file import read_path_file
from mercato.attribution.path_report import PathReport, attribute_paths
from mercato.attribution.service import AttributionReport, attribution_report, make_request
from mercato.catalog.models import Site
from mercato.core import labels
from mercato.core.errors import ValidationFailed
from mercato.core.timeutil import check_day_range, local_day_bounds_utc, zone
from mercato.segments.service import list_segments
from mercato.web.analytics_engine import analytics_warehouse
from mercato.web.auth import AnalyticsPage, AnalyticsReader, Principal, ServicesDep
from mercato.web.exports import ExportFormat, export_response, view_answers
from mercato.web.segment_scope import segment_id, segment_scope
from mercato.web.services import Services
from mercato.web.templating import render, translator

router = APIRouter(tags=["attribution"])
page_router = APIRouter(include_in_schema=False)


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


FIRST_DAY, LAST_DAY = date(1, 1, 2), date(9999, 12, 30)


def site_identity_modes(services: Services, workspace_id: str) -> list[str]:
    with services.catalog.for_workspace(workspace_id).session() as scoped:
        return [site.identity_mode for site in scoped.scalars(scoped.select(Site))]


def run_report(
    services: Services,
    principal: Principal,
    first_day: date | None,
    last_day: date | None,
    segment: str | None = None,
    **parameters: Any,
) -> AttributionReport:
    """Local days (inclusive) in the workspace's time zone → the report; with `segment`, the
    journeys of that saved segment's visitors only."""
    check_day_range(first_day, last_day)
    start = end = None
    if first_day is not None or last_day is not None:
        tz = zone(principal.workspace.time_zone)
        # A day away from the calendar's ends, so shifting by the zone (or the one-day end
        # bound) stays a datetime: the years 1 and 9999 are ranges, not 500s.
        first = min(max(first_day or date(1970, 1, 1), FIRST_DAY), LAST_DAY)
        last = min(max(last_day or LAST_DAY, FIRST_DAY), LAST_DAY)
        start, end = local_day_bounds_utc(first, last, tz)
    request = make_request(start=start, end=end, **parameters)
    scoped = segment_scope(
        services,
        principal.workspace_id,
        segment or None,
        analytics_warehouse(services, principal.workspace_id, principal.workspace.slug),
    )
    return attribution_report(
        scoped,
        request,
        site_identity_modes(services, principal.workspace_id),
        principal.workspace.currency,
    )


@router.get("/api/v1/attribution", operation_id="attribution_report")
def attribution_api(
    services: ServicesDep,
    principal: AnalyticsReader,
    model: str = "markov",
    by: str = "channel",
    window: str = "30d",
    order: Annotated[int, Query(ge=1, le=4)] = 1,
    credit: str = "pooled",
    half_life_days: Annotated[float, Query(gt=0)] = 7.0,
    conversion: str = "any",
    identity: str = "customer",
    first_day: Annotated[date | None, Query(alias="from")] = None,
    last_day: Annotated[date | None, Query(alias="to")] = None,
    segment: Annotated[str | None, Query(max_length=200)] = None,
) -> AttributionPublic:
    """Attributed conversions and revenue per label, with every model side by side; with
    `segment`, only the saved segment's visitors' journeys."""
    report = run_report(
        services, principal, first_day, last_day, segment, model=model, by=by, window=window,
        order=order, credit=credit, half_life_days=half_life_days, conversion=conversion,
        identity=identity,
    )  # fmt: skip
    return public(report, principal.workspace.currency)


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


MAX_PATH_FILE_BYTES = 16 * 1024 * 1024
PATH_FILE_BODY = {
    "required": True,
    "content": {
        "text/csv": {"schema": {"type": "string"}},
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
                "required": ["file"],
            }
        },
    },
}


class _TooLarge(Exception):
    pass


async def _path_file(request: Request, name: str) -> tuple[str, bytes]:
    """The uploaded file (multipart field `file`) or the raw body, at most the limit."""
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        form = await request.form(max_files=1, max_fields=4)
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise ValidationFailed("send the path file in the form field 'file'", location="file")
        content = await upload.read(MAX_PATH_FILE_BYTES + 1)
        if len(content) > MAX_PATH_FILE_BYTES:
            raise _TooLarge
        return upload.filename or name, content
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_PATH_FILE_BYTES:
            raise _TooLarge
    return name, bytes(body)


def decode_path_file(content: bytes, source: str) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationFailed(
            f"not UTF-8 text (byte {exc.start}); save the file as UTF-8", location=source
        ) from None


@router.post(
    "/api/v1/attribution/paths",
    operation_id="attribution_paths",
    response_model=PathAttributionPublic,
    openapi_extra={"requestBody": PATH_FILE_BODY},
)
async def attribution_paths_api(
    request: Request,
    principal: AnalyticsReader,
    order: Annotated[int, Query(ge=1, le=4)] = 1,
    name: Annotated[str, Query(max_length=200)] = "paths.csv",
) -> PathAttributionPublic | JSONResponse:
    """Every model on ChannelAttribution-format path data (counts weigh the models)."""
    declared = request.headers.get("content-length", "")
    try:
        if declared.isdigit() and int(declared) > MAX_PATH_FILE_BYTES + 64 * 1024:
            raise _TooLarge
        source, content = await _path_file(request, name)
    except _TooLarge:
        limit = MAX_PATH_FILE_BYTES // 2**20
        return JSONResponse(
            {"error": {"code": "too_large", "message": f"path files are limited to {limit} MiB"}},
            status_code=413,
        )
    text = decode_path_file(content, source)
    return await run_in_threadpool(path_report_public, text, source, order)


def path_report_public(text: str, source: str, order: int) -> PathAttributionPublic:
    """Parse and attribute (CPU-bound: the API runs it off the event loop)."""
    return path_public(attribute_paths(read_path_file(text, source), order))


def _local_day(text: str, field: str) -> date | None:
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationFailed(f"{text!r} is not a date (YYYY-MM-DD)", location=field) from None


def touch_label(by: str, raw: str, _: Callable[[str], str] = str) -> str:
    """A credited label as the page shows it: channels and platforms by name, the channel of
    a touch without a campaign or content in brackets."""
    if by == "channel":
        return labels.label(labels.Kind.CHANNEL, raw, _)
    if by == "platform":
        return labels.label(labels.Kind.PLATFORM, raw, _)
    if raw.startswith("(") and raw.endswith(")"):
        return f"({labels.label(labels.Kind.CHANNEL, raw[1:-1], _)})"
    return raw


def model_detail(report: AttributionReport, _: Callable[[str], str] = str) -> str:
    """The chosen model's settings in the page's language (the API's `model_label` says the
    same in English)."""
    request, options = report.request, report.request.options
    if request.model is ModelName.MARKOV:
        credit = labels.label(labels.Kind.CREDIT, options.credit.value, _)
        return _("Order %(order)s; credit: %(credit)s") % {"order": options.order, "credit": credit}
    if request.model is ModelName.TIME_DECAY:
        return _("Half-life %(days)s days (continuous)") % {"days": f"{options.half_life_days:g}"}
    if request.model is ModelName.POSITION_BASED:
        middle = 1 - options.first_share - options.last_share
        shares = {"first": options.first_share, "middle": middle, "last": options.last_share}
        return _("First touch %(first)s, middle %(middle)s, last touch %(last)s") % {
            key: f"{value:.0%}" for key, value in shares.items()
        }
    if request.model is ModelName.SHAPLEY:
        return _("Simplified Shapley value (Zhao et al. 2018), exact enumeration")
    return ""


def comparison_figure(report: AttributionReport, _: Callable[[str], str] = str) -> dict[str, Any]:
    by = report.request.by.value
    names = [touch_label(by, row.label, _) for row in report.comparison]
    return {
        "data": [
            {
                "type": "bar",
                "name": labels.label(labels.Kind.MODEL, model, _),
                "x": names,
                "y": [row.conversions[model] for row in report.comparison],
            }
            for model in report.comparison_models
        ],
        "layout": {
            "barmode": "group",
            "title": {"text": _("Attributed conversions by model")},
            "margin": {"t": 40, "r": 10, "b": 80, "l": 50},
            "legend": {"orientation": "h"},
        },
    }


@page_router.get("/attribution", operation_id="attribution_page")
def attribution_page(
    request: Request,
    services: ServicesDep,
    principal: AnalyticsPage,
    model: str = "markov",
    by: str = "channel",
    window: str = "30d",
    order: int = 1,
    credit: str = "pooled",
    conversion: str = "any",
    start: str = "",
    end: str = "",
    segment: str = "",
    format: ExportFormat | None = None,
    table: str | None = None,
) -> Response:
    """The form sends empty dates when a field is blank: blank means unbounded."""
    form = {"model": model, "by": by, "window": window, "order": order, "credit": credit,
            "conversion": conversion, "start": start, "end": end, "segment": segment}  # fmt: skip
    report = run_report(
        services, principal, _local_day(start, "start"), _local_day(end, "end"), segment or None,
        model=model,
        by=by, window=window, order=order, credit=credit, conversion=conversion,
    )  # fmt: skip
    if format is not None and view_answers(format, table, PAGE_ONLY_TABLES):
        from mercato.web.report_views import attribution_view  # builds on this module

        span = (_local_day(start, "start"), _local_day(end, "end"))
        return export_response(attribution_view(principal, span, report), format, table)
    gettext = translator(request, principal)
    return render(
        request,
        "attribution.html",
        principal,
        report=report,
        form=form,
        figure_json=json.dumps(comparison_figure(report, gettext)),
        model_detail=model_detail(report, gettext),
        segments=_segment_choices(services, principal.workspace_id),
        segment=segment_id(services, principal.workspace_id, segment or None),
    )


# Tables the page shows beyond its report view: their CSV/JSON is read from the page itself
# (`web.page_tables`), so the route renders the page for them.
PAGE_ONLY_TABLES = frozenset({"time-to-conversion", "sessions-to-conversion"})


def _segment_choices(services: Services, workspace_id: str) -> list[tuple[str, str]]:
    with services.catalog.session() as session:
        return [(s.id, s.name) for s in list_segments(session, workspace_id)]
