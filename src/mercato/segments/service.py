"""Segments: create, list, show, size and trend; and a warehouse narrowed to one segment.

Called by the API routes and the CLI alike. Membership is always an Ibis expression the
engine evaluates (`segments.membership`); a static list is stored in the warehouse table
`segment_members` so the engine joins it like any other table.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import ibis.expr.types as ir
import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.orm import Session

from mercato.catalog.models import Product, Segment
from mercato.catalog.models.segments import MemberSource, SegmentKind
from mercato.catalog.scoped import WorkspaceCatalog
from mercato.core.errors import ConflictError, NotFoundError, ValidationFailed
from mercato.core.timeutil import utcnow
from mercato.segments import definition as defs
from mercato.segments.errors import SegmentError
from mercato.segments.membership import Context, members, static_members
from mercato.segments.schemas import (
    MAX_STATIC_MEMBERS,
    SegmentCreate,
    SegmentPublic,
    SegmentSize,
    SegmentUpdate,
    TrendPoint,
)
from mercato.segments.scope import SegmentedWarehouse
from mercato.warehouse.connection import ScopedWarehouse, Warehouse
from mercato.warehouse.loader import LoadMode, load

TREND_WEEKS = 12
MAX_ID = 200


@dataclass(frozen=True)
class Resolved:
    """What evaluating a segment needs, read from the catalog once."""

    segment_id: str
    kind: SegmentKind
    node: defs.Node | None
    context: Context
    digest: str

    def members(self, tables: ScopedWarehouse) -> ir.Table:
        if self.node is None:
            return static_members(tables, self.segment_id)
        return members(tables, self.node, self.context)


def public(segment: Segment) -> SegmentPublic:
    node = defs.parse(segment.definition) if segment.definition is not None else None
    summary = defs.describe(node) if node is not None else f"{segment.static_members} visitors"
    return SegmentPublic(
        id=segment.id,
        name=segment.name,
        description=segment.description,
        kind=SegmentKind(segment.kind),
        definition=segment.definition,
        summary=summary,
        member_source=MemberSource(segment.member_source),
        static_members=segment.static_members,
        version=segment.version,
        created_at=segment.created_at,
        updated_at=segment.updated_at,
    )


def _parsed(document: object) -> defs.Node:
    try:
        return defs.parse(document)
    except defs.DefinitionError as exc:
        raise ValidationFailed(
            exc.reason, location=exc.location, code=SegmentError.INVALID_DEFINITION
        ) from None


def get_segment(session: Session, workspace_id: str, segment_id: str) -> Segment:
    found = session.get(Segment, segment_id)
    if found is None or found.workspace_id != workspace_id:
        by_name = session.scalars(
            select(Segment).where(Segment.workspace_id == workspace_id, Segment.name == segment_id)
        ).first()
        if by_name is None:
            raise NotFoundError(f"no segment {segment_id!r}", code=SegmentError.NOT_FOUND)
        return by_name
    return found


def list_segments(session: Session, workspace_id: str) -> list[Segment]:
    query = select(Segment).where(Segment.workspace_id == workspace_id).order_by(Segment.name)
    return list(session.scalars(query))


def _check_name(session: Session, workspace_id: str, name: str, own: str | None = None) -> None:
    clash = session.scalars(
        select(Segment.id).where(Segment.workspace_id == workspace_id, Segment.name == name)
    ).first()
    if clash is not None and clash != own:
        raise ConflictError(f"a segment named {name!r} exists", code=SegmentError.NAME_TAKEN)


def clean_members(ids: Iterable[str], location: str = "members") -> list[str]:
    """Visitor ids de-duplicated in order; an empty or overlong id is refused by position."""
    found: dict[str, None] = {}
    for index, raw in enumerate(ids):
        text = raw.strip()
        if not text or len(text) > MAX_ID:
            raise ValidationFailed(
                f"a visitor id must have 1 to {MAX_ID} characters",
                location=f"{location}[{index}]",
                code=SegmentError.INVALID_MEMBERS,
            )
        found[text] = None
    if len(found) > MAX_STATIC_MEMBERS:
        raise ValidationFailed(
            f"more than {MAX_STATIC_MEMBERS} visitors",
            location=location,
            code=SegmentError.INVALID_MEMBERS,
        )
    return list(found)


def members_from_csv(text: str, source: str = "csv") -> list[str]:
    """Visitor ids from a CSV: the `visitor_id` column if the header has one, else the first
    column of every row (a header-less list)."""
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    if not rows:
        raise ValidationFailed(
            "the file has no rows", location=source, code=SegmentError.INVALID_MEMBERS
        )
    header = [cell.strip().lower() for cell in rows[0]]
    column, body, first_line = 0, rows, 1
    if "visitor_id" in header:
        column, body, first_line = header.index("visitor_id"), rows[1:], 2
    ids = []
    for number, row in enumerate(body, start=first_line):
        if not row or not any(cell.strip() for cell in row):
            continue
        if column >= len(row):
            raise ValidationFailed(
                "the row has no visitor_id cell",
                location=f"{source}:{number}",
                code=SegmentError.INVALID_MEMBERS,
            )
        ids.append(row[column])
    return clean_members(ids, location=source)


def _store_members(
    warehouse: Warehouse, workspace_id: str, segment_id: str, ids: list[str]
) -> None:
    now = utcnow()
    batch = pa.table(
        {
            "workspace_id": [workspace_id] * len(ids),
            "segment_id": [segment_id] * len(ids),
            "visitor_id": ids,
            "added_at": pa.array([now] * len(ids), pa.timestamp("us")),
        }
    )
    if ids:
        load(warehouse, "segment_members", batch, mode=LoadMode.APPEND)


def create_segment(
    session: Session, warehouse: Warehouse, workspace_id: str, request: SegmentCreate
) -> Segment:
    _check_name(session, workspace_id, request.name)
    segment = Segment(
        workspace_id=workspace_id,
        name=request.name,
        description=request.description,
        kind=request.kind.value,
    )
    if request.kind is SegmentKind.DYNAMIC:
        if request.definition is None or request.members is not None or request.from_segment:
            raise ValidationFailed(
                "a dynamic segment needs a definition (and no members)",
                location="definition",
                code=SegmentError.INVALID_DEFINITION,
            )
        segment.definition = defs.dump(_parsed(request.definition))
        segment.member_source = MemberSource.DEFINITION.value
        session.add(segment)
        session.flush()
        return segment
    ids = _static_ids(session, warehouse, workspace_id, request)
    segment.member_source = (
        MemberSource.REPORT.value if request.from_segment else MemberSource.CSV.value
    )
    segment.static_members = len(ids)
    session.add(segment)
    session.flush()  # the id the warehouse rows carry
    _store_members(warehouse, workspace_id, segment.id, ids)
    return segment


def _static_ids(
    session: Session, warehouse: Warehouse, workspace_id: str, request: SegmentCreate
) -> list[str]:
    if request.definition is not None or (request.members is None) == (not request.from_segment):
        raise ValidationFailed(
            "a static segment needs either members or from_segment",
            location="members",
            code=SegmentError.INVALID_MEMBERS,
        )
    if request.members is not None:
        return clean_members(request.members)
    source = resolve(session, workspace_id, request.from_segment or "")
    expr = source.members(warehouse.for_workspace(workspace_id))
    frame = warehouse.execute(expr.order_by("visitor_id"))
    return [str(v) for v in frame["visitor_id"]]


def update_segment(
    session: Session, workspace_id: str, segment_id: str, request: SegmentUpdate
) -> Segment:
    segment = get_segment(session, workspace_id, segment_id)
    if request.name is not None:
        _check_name(session, workspace_id, request.name, own=segment.id)
        segment.name = request.name
    if request.description is not None:
        segment.description = request.description
    if request.definition is not None:
        if segment.kind != SegmentKind.DYNAMIC:
            raise ValidationFailed(
                "a static segment's members are frozen; create a new segment",
                location="definition",
                code=SegmentError.WRONG_KIND,
            )
        segment.definition = defs.dump(_parsed(request.definition))
    segment.version += 1
    return segment


def delete_segment(session: Session, workspace_id: str, segment_id: str) -> None:
    session.delete(get_segment(session, workspace_id, segment_id))


def category_products(session: Session, workspace_id: str) -> dict[str, tuple[str, ...]]:
    """Each catalog category's products, by id and by SKU (trackers send either)."""
    rows = session.execute(
        select(Product.category, Product.id, Product.sku).where(
            Product.workspace_id == workspace_id
        )
    )
    found: dict[str, set[str]] = {}
    for category, product_id, sku in rows:
        if category:
            found.setdefault(category, set()).update(x for x in (product_id, sku) if x)
    return {category: tuple(sorted(ids)) for category, ids in found.items()}


def resolve(
    session: Session, workspace_id: str, segment_id: str, as_of: datetime | None = None
) -> Resolved:
    """The segment ready to evaluate; `as_of` (default now) dates the value tier's recency,
    cut to the day so a day's reports share their compiled SQL."""
    segment = get_segment(session, workspace_id, segment_id)
    moment = as_of or utcnow()
    day = datetime(moment.year, moment.month, moment.day)
    node = defs.parse(segment.definition) if segment.definition is not None else None
    context = Context(day, category_products(session, workspace_id) if node else {})
    text = json.dumps(
        [segment.definition, sorted(context.category_products.items()), day.isoformat()],
        sort_keys=True,
        default=str,
    )
    digest = hashlib.blake2b(text.encode(), digest_size=10).hexdigest()
    return Resolved(segment.id, SegmentKind(segment.kind), node, context, digest)


def narrowed(scoped: ScopedWarehouse, resolved: Resolved) -> SegmentedWarehouse:
    """`scoped` holding only the segment's visitors (for any report reading it)."""
    return SegmentedWarehouse(scoped, resolved.members, (resolved.segment_id, resolved.digest))


def scope(catalog: WorkspaceCatalog, segment: str | None, base: ScopedWarehouse) -> ScopedWarehouse:
    """`segment=` on any report: `base` itself without a segment, else only the segment's
    visitors (id or name; an unknown one is a NotFoundError naming it)."""
    if not segment:
        return base
    with catalog.session() as session:
        resolved = resolve(session.session, catalog.workspace_id, segment)
    return narrowed(base, resolved)


def size(
    scoped: ScopedWarehouse, resolved: Resolved, today: date, weeks: int = TREND_WEEKS
) -> SegmentSize:
    """Members now, and members with a session in each of the last `weeks` weeks."""
    expr = resolved.members(scoped)
    count = int(scoped.execute(expr.count()))
    monday = today - timedelta(days=today.weekday())
    start = monday - timedelta(weeks=weeks - 1)
    sessions = narrowed(scoped, resolved).table("sessions")
    recent = sessions.filter(sessions.started_at >= datetime(start.year, start.month, start.day))
    recent = recent.mutate(week=recent.started_at.truncate("W").date())
    per_week = recent.group_by("week").aggregate(visitors=recent.visitor_id.nunique())
    found = {
        _day(row["week"]): int(row["visitors"])
        for row in scoped.execute(per_week).to_dict("records")
    }
    trend = [
        TrendPoint(week=week, visitors=found.get(week, 0))
        for week in (start + timedelta(weeks=n) for n in range(weeks))
    ]
    return SegmentSize(segment_id=resolved.segment_id, visitors=count, as_of=utcnow(), trend=trend)


def _day(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def member_ids(scoped: ScopedWarehouse, resolved: Resolved, limit: int = 100) -> list[str]:
    expr = resolved.members(scoped).order_by("visitor_id").limit(limit)
    return [str(v) for v in scoped.execute(expr)["visitor_id"]]
