"""KPI reports over a saved segment's visitors, and two segments side by side.

The KPI service (`metrics.service`) reads whatever warehouse it is given; here a request's
`segment` (an id or a name) is resolved and the workspace's warehouse narrowed to it first.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from mercato.catalog.models import Workspace
from mercato.catalog.scoped import WorkspaceCatalog
from mercato.metrics import service as kpis
from mercato.metrics.present import format_value
from mercato.metrics.report import Report, delta
from mercato.segments import service as segments
from mercato.warehouse.connection import ScopedWarehouse


def kpi_report(
    catalog: WorkspaceCatalog,
    warehouse: ScopedWarehouse,
    workspace: Workspace,
    request: kpis.ReportRequest,
) -> Report:
    """The KPI report over `warehouse`, narrowed to `request.segment`'s visitors when named."""
    if not request.segment:
        return kpis.run_report(catalog, warehouse, workspace, request)
    with catalog.session() as scoped:
        segment_id = segments.get_segment(scoped.session, workspace.id, request.segment).id
    narrowed = segments.scope(catalog, segment_id, warehouse)
    return kpis.run_report(catalog, narrowed, workspace, replace(request, segment=segment_id))


@dataclass(frozen=True)
class SegmentComparison:
    """The same report over two segments, side by side (a is the request's own segment)."""

    a: str
    a_name: str
    b: str
    b_name: str
    dimensions: tuple[str, ...]
    first: Report
    second: Report

    def rows(self) -> list[dict[str, object]]:
        found: list[dict[str, object]] = []
        for line in self.first.lines:
            other = self.second.line(line.kpi.id, line.key)
            b_value = other.current.value if other else None
            a_value = line.current.value
            found.append(
                {
                    "kpi": line.kpi.id,
                    "name": line.kpi.name,
                    "stage": line.kpi.stage.value,
                    **dict(zip(self.dimensions, line.key, strict=False)),
                    "a_value": a_value,
                    "a_display": format_value(line.kpi, a_value),
                    "b_value": b_value,
                    "b_display": format_value(line.kpi, b_value),
                    "relative": delta(b_value, a_value).relative,
                }
            )
        return found


def compare_segments(
    catalog: WorkspaceCatalog,
    warehouse: ScopedWarehouse,
    workspace: Workspace,
    request: kpis.ReportRequest,
    other: str,
) -> SegmentComparison:
    """`request` (which names segment a) and the same report over segment `other`."""
    first = kpi_report(catalog, warehouse, workspace, request)
    second = kpi_report(catalog, warehouse, workspace, replace(request, segment=other))
    with catalog.session() as scoped:
        a = segments.get_segment(scoped.session, workspace.id, request.segment or "")
        b = segments.get_segment(scoped.session, workspace.id, other)
        names = (a.id, a.name, b.id, b.name)
    return SegmentComparison(*names, request.dimensions, first, second)
