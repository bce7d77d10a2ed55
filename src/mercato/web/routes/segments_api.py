"""Segments API under /api/v1/segments (read: analytics:read; write: catalog:write)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel

from mercato.catalog.models.segments import SegmentKind
from mercato.core.errors import ValidationFailed
from mercato.core.scopes import Scope
from mercato.core.timeutil import utcnow
from mercato.segments import service as segments
from mercato.segments.errors import SegmentError
from mercato.segments.reports import compare_segments
from mercato.segments.schemas import SegmentCreate, SegmentPublic, SegmentSize, SegmentUpdate
from mercato.web.auth import AnalyticsReader, Principal, Requires, ServicesDep
from mercato.web.routes.kpis_api import _request
from mercato.web.stores import scoped_stores

SegmentWriter = Annotated[Principal, Depends(Requires(Scope.CATALOG_WRITE))]
router = APIRouter(prefix="/api/v1/segments", tags=["segments"])
MAX_CSV_BYTES = 40 * 1024 * 1024


class SegmentMembers(BaseModel):
    segment_id: str
    visitors: list[str]
    limit: int


class SegmentComparisonPublic(BaseModel):
    start: date
    end: date
    a: str
    a_name: str
    b: str
    b_name: str
    rows: list[dict[str, Any]]


@router.get("", operation_id="list_segments")
def list_segments(services: ServicesDep, principal: AnalyticsReader) -> list[SegmentPublic]:
    with services.catalog.session() as session:
        return [segments.public(s) for s in segments.list_segments(session, principal.workspace_id)]


@router.post("", operation_id="create_segment", status_code=201)
def create_segment(
    body: SegmentCreate, services: ServicesDep, principal: SegmentWriter
) -> SegmentPublic:
    """A dynamic segment (`definition`: the and/or/not tree) or a static one (`members`, or
    `from_segment` to freeze another segment's current visitors)."""
    with services.catalog.session() as session:
        created = segments.create_segment(session, services.warehouse, principal.workspace_id, body)
        return segments.public(created)


@router.post("/csv", operation_id="import_segment_csv", status_code=201)
async def import_segment_csv(
    request: Request,
    services: ServicesDep,
    principal: SegmentWriter,
    name: Annotated[str, Query(min_length=1, max_length=200)],
    description: Annotated[str, Query(max_length=2000)] = "",
) -> SegmentPublic:
    """A static segment from a CSV body (`text/csv`): a `visitor_id` column, or one id a line."""
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_CSV_BYTES:
            raise ValidationFailed(
                f"the CSV is over {MAX_CSV_BYTES} bytes",
                location="body",
                code=SegmentError.INVALID_MEMBERS,
            )
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationFailed(
            "the CSV is not UTF-8", location="body", code=SegmentError.INVALID_MEMBERS
        ) from None
    ids = segments.members_from_csv(text, source="body")
    create = SegmentCreate(name=name, description=description, kind=SegmentKind.STATIC, members=ids)
    with services.catalog.session() as session:
        created = segments.create_segment(
            session, services.warehouse, principal.workspace_id, create
        )
        return segments.public(created)


@router.get("/compare", operation_id="compare_segments")
def compare_two_segments(
    services: ServicesDep,
    principal: AnalyticsReader,
    a: Annotated[str, Query(min_length=1, max_length=200)],
    b: Annotated[str, Query(min_length=1, max_length=200)],
    start: date | None = None,
    end: date | None = None,
    kpi: Annotated[list[str], Query()] = [],  # noqa: B006 (FastAPI copies query defaults)
) -> SegmentComparisonPublic:
    """The full-funnel report over segment `a` and segment `b`, side by side."""
    request = _request(start, end, None, [], [], None, kpi, a)
    pair = compare_segments(
        *scoped_stores(services, principal.workspace.id), principal.workspace, request, b
    )
    return SegmentComparisonPublic(
        start=request.first,
        end=request.last,
        a=pair.a,
        a_name=pair.a_name,
        b=pair.b,
        b_name=pair.b_name,
        rows=pair.rows(),
    )


@router.get("/{segment_id}", operation_id="get_segment")
def get_segment(
    segment_id: str, services: ServicesDep, principal: AnalyticsReader
) -> SegmentPublic:
    with services.catalog.session() as session:
        return segments.public(segments.get_segment(session, principal.workspace_id, segment_id))


@router.patch("/{segment_id}", operation_id="update_segment")
def update_segment(
    segment_id: str, body: SegmentUpdate, services: ServicesDep, principal: SegmentWriter
) -> SegmentPublic:
    with services.catalog.session() as session:
        updated = segments.update_segment(session, principal.workspace_id, segment_id, body)
        return segments.public(updated)


@router.delete("/{segment_id}", operation_id="delete_segment", status_code=204)
def delete_segment(segment_id: str, services: ServicesDep, principal: SegmentWriter) -> Response:
    with services.catalog.session() as session:
        segments.delete_segment(session, principal.workspace_id, segment_id)
    return Response(status_code=204)


@router.get("/{segment_id}/size", operation_id="get_segment_size")
def get_segment_size(
    segment_id: str, services: ServicesDep, principal: AnalyticsReader
) -> SegmentSize:
    """Members now and members with a session in each of the last 12 weeks."""
    with services.catalog.session() as session:
        resolved = segments.resolve(session, principal.workspace_id, segment_id)
    scoped = services.warehouse.for_workspace(principal.workspace_id)
    return segments.size(scoped, resolved, utcnow().date())


@router.get("/{segment_id}/members", operation_id="list_segment_members")
def list_segment_members(
    segment_id: str,
    services: ServicesDep,
    principal: AnalyticsReader,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
) -> SegmentMembers:
    """The first `limit` member visitor ids (pseudonymous ids, in id order)."""
    with services.catalog.session() as session:
        resolved = segments.resolve(session, principal.workspace_id, segment_id)
    scoped = services.warehouse.for_workspace(principal.workspace_id)
    visitors = segments.member_ids(scoped, resolved, limit)
    return SegmentMembers(segment_id=resolved.segment_id, visitors=visitors, limit=limit)
