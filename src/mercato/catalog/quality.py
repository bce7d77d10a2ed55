"""Data-quality entries: what an import or a collector batch did with each row it read.

Any intake records one entry per run with `record_quality`. Outcomes are dispositions
(each row has exactly one, so they add up to the rows read); flags annotate rows that were
stored anyway (an order id kept apart from a colliding one, a derived order id). The
data-quality view reads them back per entry and per day.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mercato.catalog.db import Catalog
from mercato.catalog.models import FlaggedProduct, Product, QualityEntry
from mercato.core.errors import ValidationFailed
from mercato.core.timeutil import utcnow

MAX_PROBLEMS = 50  # an entry keeps the first bad rows; the count says how many there were

# Outcome names shared by every intake, so the per-day view can add them up.
STORED = "stored"  # new rows written
UPDATED = "updated"  # rows that replaced a stored row with the same natural key
MERGED = "merged"  # duplicates: the same row again, in the run or already stored
BOTS = "bots"  # bot user agents, skipped
BAD = "bad"  # rows that could not be read (problems say file, line, field)
EMPTY_VISITOR_ID = "empty_visitor_id"  # events without a visitor id, skipped
CLOCK_SKEWED = "clock_skewed"  # events dated in the future, skipped
UNMAPPED = "unmapped"  # event names the mapping does not keep
NOT_WRITTEN = "not_written"  # good rows of a run refused for its bad rows
REJECTED_BATCH = "rejected_batch"  # collector: events of a batch the warehouse refused
# Flags
KEPT_APART = "kept_apart"  # an order id that collided with another buyer's: stored apart
DERIVED_ORDER_IDS = "derived_order_ids"  # purchases without an order id: given a stable one
ORDERS = "orders"  # orders the run wrote


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.field}: {self.message}"


@dataclass
class QualityReport:
    """One run's accounting; `outcomes` must add up to `rows_read`."""

    source: str  # "import:events", "import:orders-csv", "import:reviews", "collector"
    subject: str = ""
    rows_read: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    flags: Counter[str] = field(default_factory=Counter)
    problems: list[Problem] = field(default_factory=list)
    status: str = "ok"  # ok | refused (nothing written) | rejected (collector batch)

    def add(self, outcome: str, count: int = 1) -> None:
        if count:
            self.outcomes[outcome] += count

    def flag(self, name: str, count: int = 1) -> None:
        if count:
            self.flags[name] += count

    @property
    def accounted(self) -> int:
        return sum(self.outcomes.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "subject": self.subject,
            "status": self.status,
            "rows_read": self.rows_read,
            "outcomes": dict(self.outcomes),
            "flags": dict(self.flags),
            "bad_rows": len(self.problems),
            "problems": [vars(p) for p in self.problems[:MAX_PROBLEMS]],
        }


def record_quality(
    catalog: Catalog, workspace_id: str, report: QualityReport, *, at: datetime | None = None
) -> str:
    """Persist one run's report in its own unit of work; returns the entry id.

    The collector's loader calls this for a batch it sets aside, e.g.
    `QualityReport("collector", "wal segment 42", rows_read=n, outcomes=Counter(
    {REJECTED_BATCH: n}), problems=[Problem("wal/rejected.ndjson", 0, "batch", why)],
    status="rejected")`."""
    with catalog.session() as session:
        return add_quality_entry(session, workspace_id, report, at=at)


def add_quality_entry(
    session: Session, workspace_id: str, report: QualityReport, *, at: datetime | None = None
) -> str:
    """As `record_quality`, inside the caller's transaction (it commits with their rows)."""
    flags = dict(report.flags)
    if len(report.problems) > MAX_PROBLEMS:
        flags["bad_rows_not_listed"] = len(report.problems) - MAX_PROBLEMS
    entry = QualityEntry(
        workspace_id=workspace_id,
        source=report.source[:64],
        subject=report.subject,
        status=report.status,
        rows_read=report.rows_read,
        outcomes=dict(report.outcomes),
        flags=flags,
        problems=[vars(p) for p in report.problems[:MAX_PROBLEMS]],
        recorded_at=at or utcnow(),
    )
    session.add(entry)
    session.flush()
    return entry.id


def record_refused(
    catalog: Catalog, workspace_id: str, source: str, subject: str, error: ValidationFailed
) -> str:
    """A run a bad cell stopped before writing anything: the entry says where it stopped."""
    report = QualityReport(source, subject[:2000], status="refused")
    where = (error.location or "").split(":")
    line = int(where[1]) if len(where) > 1 and where[1].isdigit() else 0
    report.problems.append(
        Problem(where[0], line, where[2] if len(where) > 2 else "", error.reason or error.message)
    )
    return record_quality(catalog, workspace_id, report)


@dataclass(frozen=True)
class DayTotals:
    day: date
    entries: int
    rows_read: int
    outcomes: dict[str, int]
    flags: dict[str, int]


def recent_entries(
    session: Session, workspace_id: str, start: date, end: date, limit: int = 200
) -> list[QualityEntry]:
    """Entries recorded on UTC days start..end (inclusive), newest first."""
    low = datetime.combine(start, datetime.min.time())
    high = datetime.combine(end + timedelta(days=1), datetime.min.time())
    return list(
        session.scalars(
            select(QualityEntry)
            .where(
                QualityEntry.workspace_id == workspace_id,
                QualityEntry.recorded_at >= low,
                QualityEntry.recorded_at < high,
            )
            .order_by(QualityEntry.recorded_at.desc(), QualityEntry.id)
            .limit(limit)
        )
    )


def daily_totals(entries: list[QualityEntry]) -> list[DayTotals]:
    """Entries added up per UTC day, oldest day first."""
    days: dict[date, tuple[int, int, Counter[str], Counter[str]]] = {}
    for entry in entries:
        count, rows, outcomes, flags = days.get(
            entry.recorded_at.date(), (0, 0, Counter(), Counter())
        )
        outcomes.update({k: int(v) for k, v in entry.outcomes.items()})
        flags.update({k: int(v) for k, v in entry.flags.items()})
        days[entry.recorded_at.date()] = (count + 1, rows + entry.rows_read, outcomes, flags)
    return [
        DayTotals(day, count, rows, dict(outcomes), dict(flags))
        for day, (count, rows, outcomes, flags) in sorted(days.items())
    ]


def entry_dict(entry: QualityEntry) -> dict[str, Any]:
    """An entry as plain data (API, CLI JSON)."""
    return {
        "id": entry.id,
        "recorded_at": entry.recorded_at,
        "source": entry.source,
        "subject": entry.subject,
        "status": entry.status,
        "rows_read": entry.rows_read,
        "outcomes": dict(entry.outcomes),
        "flags": dict(entry.flags),
        "problems": list(entry.problems),
    }


def flagged_products(
    session: Session, workspace_id: str, *, limit: int
) -> list[tuple[str, str, str, str]]:
    """(product id, sku, title, reason) of the workspace's flagged products, newest first."""
    query = (
        select(Product.id, Product.sku, Product.title, FlaggedProduct.reason)
        .join(FlaggedProduct, FlaggedProduct.product_id == Product.id)
        .where(FlaggedProduct.workspace_id == workspace_id)
        .order_by(FlaggedProduct.created_at.desc())
        .limit(limit)
    )
    return [(i, s, t, r) for i, s, t, r in session.execute(query).all()]
