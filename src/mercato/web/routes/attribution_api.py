"""Attribution in the API: `GET /api/v1/attribution` (the report over the warehouse's
journeys) and `POST /api/v1/attribution/paths` (ChannelAttribution-format path data)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from mercato.attribution.path_file import decode_path_file, read_path_file
from mercato.attribution.path_report import attribute_paths
from mercato.attribution.schemas import (
    AttributionPublic,
    PathAttributionPublic,
    path_public,
    public,
)
from mercato.attribution.service import AttributionReport, report_for_days
from mercato.core.errors import ValidationFailed
from mercato.runtime import Services, analytics_warehouse
from mercato.web.auth import AnalyticsReader, Principal, ServicesDep
from mercato.web.segment_scope import segment_scope

router = APIRouter(tags=["attribution"])


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
    scoped = segment_scope(
        services,
        principal.workspace_id,
        segment or None,
        analytics_warehouse(services, principal.workspace_id, principal.workspace.slug),
    )
    return report_for_days(
        scoped,
        services.catalog.for_workspace(principal.workspace_id),
        principal.workspace.time_zone,
        principal.workspace.currency,
        first_day,
        last_day,
        **parameters,
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
