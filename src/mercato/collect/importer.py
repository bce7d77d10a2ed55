"""`mercato import events`: CSV / NDJSON event logs from other tools, through a mapping file.

Every file is read and validated before anything is written; rows that cannot be read are
reported with file, line and field. The load itself is one warehouse transaction (atomic per
run) and idempotent: event ids come from the log or from a digest of the row.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from mercato.collect.enrich import (
    FIRST_PARTY_ID,
    IDENTIFIED,
    Hit,
    SiteConfig,
    event_row,
    should_drop,
)
from mercato.collect.identity import SaltStore
from mercato.collect.mapping import REQUIRED, Mapping
from mercato.collect.payload import TrackerEvent, error_location
from mercato.collect.store import EventStore
from mercato.core.errors import ValidationFailed
from mercato.warehouse.connection import Warehouse

UNSAFE_NAME = re.compile(r"[^A-Za-z0-9_.:$ -]+")
MAX_REPORTED_ERRORS = 50


@dataclass(frozen=True)
class RowError:
    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.field}: {self.message}"


@dataclass
class ImportReport:
    files: int = 0
    rows: int = 0
    imported: int = 0
    duplicates: int = 0
    filtered: int = 0
    skipped: int = 0
    sessions: int = 0
    errors: list[RowError] = field(default_factory=list)


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
    with open(path, newline="", encoding="utf-8", errors="replace") as handle:
        reader = csv.DictReader(handle)
        for record in reader:
            if None in record:
                yield reader.line_num, None, "more values than header columns"
                continue
            yield reader.line_num, {k: (v if v != "" else None) for k, v in record.items()}, None


def _lookup(record: dict[str, Any], path: str) -> tuple[bool, Any]:
    if path in record:
        return True, record[path]
    head, _, rest = path.partition(".")
    if not rest or head not in record:
        return False, None
    inner = record[head]
    if isinstance(inner, str):
        try:
            inner = json.loads(inner)
        except ValueError:
            return False, None
    return _lookup(inner, rest) if isinstance(inner, dict) else (False, None)


def _value(record: dict[str, Any], columns: tuple[str, ...]) -> tuple[bool, Any]:
    for column in columns:
        found, value = _lookup(record, column)
        if found:
            return True, value
    return False, None


def parse_time(value: Any, time_format: str) -> datetime:
    if isinstance(value, int | float) or (
        isinstance(value, str) and re.fullmatch(r"\d+(\.\d+)?", value)
    ):
        number = float(value)
        seconds = (
            number / 1000
            if time_format == "unix_ms" or (time_format == "auto" and number > 1e11)
            else number
        )
        return datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)
    if not isinstance(value, str):
        raise ValueError("not a timestamp")
    moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


class RowReader:
    """Turns one file's records into tracker events under a mapping."""

    def __init__(self, mapping: Mapping, site: SiteConfig) -> None:
        self.mapping = mapping
        self.site = site

    def missing_columns(self, header: list[str]) -> list[str]:
        """Mapped fields with none of their columns in a CSV header (and not declared optional)."""
        present = set(header)
        return [
            name
            for name, columns in self.mapping.columns.items()
            if name not in self.mapping.optional
            and not any(c in present or c.split(".", 1)[0] in present for c in columns)
        ]

    def event(self, record: dict[str, Any]) -> tuple[TrackerEvent | None, datetime, str]:
        values: dict[str, Any] = {}
        for name, columns in self.mapping.columns.items():
            _found, value = _value(record, columns)
            if value is None and name in REQUIRED:
                raise ValidationFailed("required value is missing", location=name)
            values[name] = value
        try:
            ts = parse_time(values["ts"], self.mapping.time_format)
        except (ValueError, OverflowError, OSError):
            raise ValidationFailed(f"not a timestamp: {values['ts']!r}", location="ts") from None
        raw_name = str(values["name"]).strip()
        mapped = self.mapping.event_names.get(raw_name.lower())
        if mapped is None and not self.mapping.keep_unmapped_events:
            return None, ts, ""
        fields = self._fields(values, mapped or UNSAFE_NAME.sub("_", raw_name)[:64], record)
        try:
            return TrackerEvent.model_validate(fields), ts, str(values.get("user_agent") or "")
        except ValidationError as error:
            first = error.errors(include_url=False)[0]
            raise ValidationFailed(
                first["msg"], location=error_location(tuple(first["loc"]))
            ) from None

    def _fields(self, values: dict[str, Any], name: str, record: dict[str, Any]) -> dict[str, Any]:
        items = values.get("items")
        if isinstance(items, str):
            try:
                items = json.loads(items)
            except ValueError:
                raise ValidationFailed("not a JSON list", location="items") from None
        fields = {
            "name": name,
            "url": values.get("url") or f"https://{self.site.domain}/",
            "referrer": values.get("referrer"),
            "event_id": values.get("event_id") or _row_digest(record),
            "visitor_id": str(values["visitor_id"]),
            "customer_id": values.get("customer_id"),
            "consent": True,
            "order_id": values.get("order_id"),
            "revenue": values.get("revenue"),
            "currency": values.get("currency"),
            "engaged_ms": values.get("engaged_ms"),
            "scroll_pct": values.get("scroll_pct"),
            "form": values.get("form"),
            "items": items,
            "props": self._props(record),
        }
        return {
            k: (str(v) if k in ("order_id", "customer_id") and v is not None else v)
            for k, v in fields.items()
            if v is not None
        }

    def _props(self, record: dict[str, Any]) -> dict[str, Any] | None:
        column = self.mapping.properties_column
        if not column:
            return None
        found, value = _lookup(record, column)
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise ValidationFailed("not a JSON object", location=column) from None
        if not found or not isinstance(value, dict):
            return None
        scalars = {
            str(k)[:64]: v
            for k, v in value.items()
            if isinstance(v, str | int | float | bool) and not (isinstance(v, str) and len(v) > 500)
        }
        return dict(list(scalars.items())[:32]) or None


def _row_digest(record: dict[str, Any]) -> str:
    canonical = json.dumps(record, sort_keys=True, default=str, separators=(",", ":"))
    return "imp_" + hashlib.blake2b(canonical.encode(), digest_size=16).hexdigest()


def _header(path: Path) -> list[str] | None:
    if path.suffix.lower() in (".ndjson", ".jsonl", ".json"):
        return None
    with open(path, newline="", encoding="utf-8", errors="replace") as handle:
        return next(csv.reader(handle), [])


def read_file(
    path: Path,
    reader: RowReader,
    report: ImportReport,
    salts: SaltStore,
    on_row: Callable[[], None] | None = None,
) -> list[dict[str, Any]]:
    """Rows of one file; bad rows land in `report.errors` with file and line."""
    header = _header(path)
    if header is not None:
        missing = reader.missing_columns(header)
        if missing:
            report.errors.append(
                RowError(
                    str(path),
                    1,
                    ",".join(missing),
                    "column missing (list the field under `optional` to allow it)",
                )
            )
            return []
    rows: list[dict[str, Any]] = []
    for line, record, problem in _records(path):
        report.rows += 1
        if on_row:
            on_row()
        if record is None:
            report.errors.append(RowError(str(path), line, "row", problem or "unreadable"))
            continue
        try:
            event, ts, agent = reader.event(record)
        except ValidationFailed as exc:
            report.errors.append(RowError(str(path), line, exc.location or "row", _problem(exc)))
            continue
        if event is None:
            report.skipped += 1
            continue
        mode = IDENTIFIED if event.customer_id else FIRST_PARTY_ID
        site = replace(reader.site, identity_mode=mode, respect_do_not_track=False)
        hit = Hit(ip="", user_agent=agent, received_at=ts, server_side=True)
        if should_drop(event, site, hit):
            report.filtered += 1
            continue
        try:
            rows.append(event_row(event, site, hit, salts))
        except ValidationFailed as exc:
            report.errors.append(RowError(str(path), line, exc.location or "row", _problem(exc)))
    return rows


def import_events(
    warehouse: Warehouse,
    paths: list[Path],
    mapping: Mapping,
    site: SiteConfig,
    *,
    skip_bad_rows: bool = False,
    on_row: Callable[[], None] | None = None,
) -> ImportReport:
    """Read every file, then load all rows in one transaction; nothing is written on failure."""
    report = ImportReport(files=len(paths))
    reader = RowReader(mapping, site)
    salts = SaltStore(None)  # imported rows carry their own visitor ids
    rows: list[dict[str, Any]] = []
    for path in paths:
        if not path.is_file():
            report.errors.append(RowError(str(path), 0, "file", "file does not exist"))
            continue
        rows += read_file(path, reader, report, salts, on_row)
    if report.errors and not skip_bad_rows:
        return report
    result = EventStore(warehouse).store(rows)
    report.imported = result.inserted
    report.duplicates = result.duplicates
    report.sessions = result.sessions
    return report
