"""A report view as data: tiles, tables and charts, independent of how it is shown.

The web layer builds one (`web.report_views`) with the same functions its pages use; the
shared page, the e-mail, the PDF and the CSV/JSON exports all read this one structure, so
every surface shows the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from mercato.core.csv_export import csv_text
from mercato.core.errors import ValidationFailed
from mercato.sharing.errors import SharingError


@dataclass(frozen=True)
class Tile:
    id: str  # the element id the logged-in page gives the same figure
    label: str
    value: str  # as displayed
    raw: float | None = None  # for "changed beyond X%"


@dataclass(frozen=True)
class ViewTable:
    id: str
    title: str
    columns: list[str]
    rows: list[list[Any]]

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=False)) for row in self.rows]

    def csv(self) -> str:
        return csv_text(self.columns, self.rows)


@dataclass(frozen=True)
class Chart:
    """Bars (or a line) of named series over shared categories."""

    id: str
    title: str
    categories: list[str]
    series: dict[str, list[float]]
    kind: str = "bar"  # "bar" or "line"


@dataclass(frozen=True)
class ReportView:
    view: str
    title: str
    workspace_name: str
    start: date | None
    end: date | None
    time_zone: str
    tiles: list[Tile] = field(default_factory=list)
    tables: list[ViewTable] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def table(self, table_id: str) -> ViewTable:
        for table in self.tables:
            if table.id == table_id:
                return table
        known = ", ".join(t.id for t in self.tables) or "none"
        raise ValidationFailed(
            f"no table {table_id!r} on this page (tables: {known})",
            location="query.table",
            code=SharingError.BAD_TABLE,
        )

    def figures(self) -> dict[str, float]:
        """The tiles' numbers, for comparing one delivery with the last."""
        return {tile.id: tile.raw for tile in self.tiles if tile.raw is not None}

    def as_json(self) -> dict[str, Any]:
        return {
            "view": self.view,
            "title": self.title,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "time_zone": self.time_zone,
            "tiles": [vars(tile) for tile in self.tiles],
            "tables": {t.id: t.records() for t in self.tables},
        }


def changed_beyond(previous: dict[str, float], current: dict[str, float], pct: float) -> bool:
    """True when any figure moved by more than `pct` percent (a figure appearing,
    disappearing or leaving zero counts as a change)."""
    if not previous:
        return True
    for key in set(previous) | set(current):
        before, now = previous.get(key), current.get(key)
        if before is None or now is None:
            return True
        if before == 0:
            if now != 0:
                return True
            continue
        if abs(now - before) / abs(before) * 100 > pct:
            return True
    return False
