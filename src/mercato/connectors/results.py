"""What an import or a sync did: rows read, inserted, updated, skipped (with reasons)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from mercato.catalog.quality import QualityReport
from mercato.warehouse.loader import LoadResult


@dataclass
class ImportSummary:
    """Counts per warehouse/catalog table plus skipped rows grouped by reason."""

    kind: str
    files: list[str] = field(default_factory=list)
    rows_read: int = 0
    inserted: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)
    flags: Counter[str] = field(default_factory=Counter)  # kept apart, ... (data quality)
    quality: QualityReport | None = None  # what happened to each row, where it is accounted

    def skip(self, reason: str, count: int = 1) -> None:
        self.skipped[reason] += count

    def add_load(self, result: LoadResult) -> None:
        self.inserted[result.table] += result.inserted
        self.updated[result.table] += result.updated
        self.unchanged[result.table] += result.dropped_duplicates

    def merge(self, other: ImportSummary) -> None:
        self.files += other.files
        self.rows_read += other.rows_read
        self.inserted.update(other.inserted)
        self.updated.update(other.updated)
        self.unchanged.update(other.unchanged)
        self.skipped.update(other.skipped)
        self.notes += other.notes
        self.flags.update(other.flags)

    @property
    def total_inserted(self) -> int:
        return sum(self.inserted.values())

    @property
    def total_updated(self) -> int:
        return sum(self.updated.values())

    @property
    def total_skipped(self) -> int:
        return sum(self.skipped.values())

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "files": self.files,
            "rows_read": self.rows_read,
            "inserted": dict(self.inserted),
            "updated": dict(self.updated),
            "skipped": dict(self.skipped),
            "notes": self.notes,
            "quality": self.quality.as_dict() if self.quality else None,
        }
