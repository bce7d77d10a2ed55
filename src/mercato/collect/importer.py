"""`mercato import events`: CSV / NDJSON event logs from other tools, through a mapping file.

Every file is read and validated before anything is written; rows that cannot be read are
reported with file, line and field. The load itself is one warehouse transaction (atomic per
run) and idempotent: event ids come from the log or from a digest of the row.

The report accounts for every row read with exactly one outcome (stored, merged, bots,
empty visitor id, clock-skewed, unmapped, bad, or not written when bad rows refused the
run), so its counts add up to the rows read; flags say which stored purchases got a derived
order id or were kept apart from another buyer's order with the same id.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from mercato.catalog import quality as q
from mercato.collect.enrich import FIRST_PARTY_ID, IDENTIFIED, Hit, event_row, should_drop
from mercato.collect.enrich import SiteConfig as SiteConfig
from mercato.collect.identity import SaltStore
from mercato.collect.log_rows import DERIVED_PREFIX, EmptyVisitorId, RowReader
from mercato.collect.log_rows import parse_time as parse_time
from mercato.collect.mapping import Mapping
from mercato.collect.store import EventStore
from mercato.core.errors import ValidationFailed
from mercato.core.timeutil import utcnow
from mercato.warehouse.connection import Warehouse
from mercato.warehouse.rows import EventRecord

MAX_REPORTED_ERRORS = 50
# An exported event dated after the import (beyond clock drift) cannot be placed in time.
FUTURE_TOLERANCE = timedelta(minutes=5)
RowError = q.Problem


@dataclass
class ImportReport:
    """The run's data-quality report plus the sessions it touched."""

    files: int = 0
    quality: q.QualityReport = field(default_factory=lambda: q.QualityReport("import:events"))
    sessions: int = 0
    orders: int = 0

    @property
    def rows(self) -> int:
        return self.quality.rows_read

    @property
    def errors(self) -> list[q.Problem]:
        return self.quality.problems

    def count(self, outcome: str) -> int:
        return self.quality.outcomes[outcome]

    def bad(self, problem: q.Problem) -> None:
        self.quality.problems.append(problem)
        self.quality.add(q.BAD)


def _problem(error: ValidationFailed) -> str:
    return error.message.removeprefix(f"{error.location}: ")


def _records(path: Path) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
    """(line, record or None, why not) for each data row of a CSV or NDJSON file."""
    if path.suffix.lower() in (".ndjson", ".jsonl", ".json"):
        with open(path, encoding="utf-8", errors="replace") as handle:
            for line_no, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except ValueError as exc:
                    yield line_no, None, f"not valid JSON: {exc.args[0]}"
                    continue
                yield (
                    (line_no, record, None)
                    if isinstance(record, dict)
                    else (line_no, None, "not a JSON object")
                )
        return
    with open(path, newline="", encoding="utf-8-sig", errors="replace") as handle:
        reader = csv.DictReader(handle)
        for record in reader:
            if None in record:
                yield reader.line_num, None, "more values than header columns"
                continue
            yield reader.line_num, {k: (v if v != "" else None) for k, v in record.items()}, None


def _header(path: Path) -> list[str] | None:
    if path.suffix.lower() in (".ndjson", ".jsonl", ".json"):
        return None
    with open(path, newline="", encoding="utf-8-sig", errors="replace") as handle:
        return next(csv.reader(handle), [])


@dataclass
class RunContext:
    reader: RowReader
    report: ImportReport
    salts: SaltStore
    latest: datetime  # later event times are clock-skewed
    on_row: Callable[[], None] | None = None


def read_file(path: Path, run: RunContext) -> list[EventRecord]:
    """Rows of one file; every record read gets one outcome in the report."""
    header = _header(path)
    missing = run.reader.missing_columns(header) if header is not None else []
    rows: list[EventRecord] = []
    for line, record, problem in _records(path):
        run.report.quality.rows_read += 1
        if run.on_row:
            run.on_row()
        if missing:
            run.report.quality.add(q.BAD)  # the file's one problem is its missing column
        elif record is None:
            run.report.bad(RowError(str(path), line, "row", problem or "unreadable"))
        else:
            row = _row(path, line, record, run)
            if row is not None:
                rows.append(row)
    if missing:
        run.report.quality.problems.append(
            RowError(
                str(path),
                1,
                ",".join(missing),
                "column missing (list the field under `optional` to allow it)",
            )
        )
    return rows


def _row_error(
    path: Path, line: int, record: dict[str, Any], error: ValidationFailed, reader: RowReader
) -> RowError:
    """The bad row's file:line and the FILE's column (its header name, as the user wrote it),
    not the Mercato field the mapping fed."""
    where = reader.locate(record, error.location) if error.location else "row"
    return RowError(str(path), line, where, _problem(error))


def _row(path: Path, line: int, record: dict[str, Any], run: RunContext) -> EventRecord | None:
    quality = run.report.quality
    try:
        values = run.reader.values(record)
        event, ts = run.reader.event(record, values)
    except EmptyVisitorId:
        quality.add(q.EMPTY_VISITOR_ID)
        return None
    except ValidationFailed as exc:
        run.report.bad(_row_error(path, line, record, exc, run.reader))
        return None
    if event is None:
        quality.add(q.UNMAPPED)
        return None
    if ts > run.latest:
        quality.add(q.CLOCK_SKEWED)
        return None
    mode = IDENTIFIED if event.customer_id else FIRST_PARTY_ID
    site = replace(run.reader.site, identity_mode=mode, respect_do_not_track=False)
    hit = Hit(
        ip="", user_agent=str(values.get("user_agent") or ""), received_at=ts, server_side=True
    )
    if should_drop(event, site, hit):
        quality.add(q.BOTS)
        return None
    try:
        row = event_row(event, site, hit, run.salts)
    except ValidationFailed as exc:
        run.report.bad(_row_error(path, line, record, exc, run.reader))
        return None
    if values.get("channel") not in (None, ""):
        row["channel"], row["channel_signal"] = str(values["channel"]).strip()[:100], "mapping"
    return row


def import_events(
    warehouse: Warehouse,
    paths: list[Path],
    mapping: Mapping,
    site: SiteConfig,
    *,
    skip_bad_rows: bool = False,
    on_row: Callable[[], None] | None = None,
    now: datetime | None = None,
) -> ImportReport:
    """Read every file, then load all rows in one transaction; nothing is written on failure."""
    report = ImportReport(files=len(paths))
    report.quality.subject = ", ".join(p.name for p in paths)[:2000]
    run = RunContext(
        RowReader(mapping, site),
        report,
        SaltStore(None),  # imported rows carry their own visitor ids
        (now or utcnow()) + FUTURE_TOLERANCE,
        on_row,
    )
    rows: list[EventRecord] = []
    for path in paths:
        if not path.is_file():
            report.quality.problems.append(RowError(str(path), 0, "file", "file does not exist"))
            continue
        rows += read_file(path, run)
    if report.errors and not skip_bad_rows:
        report.quality.status = "refused"
        report.quality.add(q.NOT_WRITTEN, len(rows))
        return report
    derived = sum(1 for r in rows if str(r.get("order_id") or "").startswith(DERIVED_PREFIX))
    result = EventStore(warehouse).store(rows)
    report.quality.add(q.STORED, result.inserted)
    report.quality.add(q.MERGED, result.duplicates)
    report.quality.flag(q.DERIVED_ORDER_IDS, derived)
    report.quality.flag(q.KEPT_APART, result.orders_kept_apart)
    report.quality.flag(q.ORDERS, result.orders)
    report.sessions = result.sessions
    report.orders = result.orders
    return report
