"""`segment=` on any report: the tenant's warehouse narrowed to one saved segment."""

from __future__ import annotations

from mercato.runtime import Services
from mercato.segments import service as segments
from mercato.warehouse.connection import ScopedWarehouse


def segment_scope(
    services: Services, workspace_id: str, segment: str | None, base: ScopedWarehouse
) -> ScopedWarehouse:
    """`base` itself without a segment; else only the segment's visitors (id or name; an
    unknown one is a NotFoundError naming it)."""
    return segments.scope(services.catalog.for_workspace(workspace_id), segment, base)


def segment_id(services: Services, workspace_id: str, segment: str | None) -> str | None:
    """The segment's id (a name given on the command line or in a URL), None without one."""
    if not segment:
        return None
    with services.catalog.session() as session:
        return segments.get_segment(session, workspace_id, segment).id
