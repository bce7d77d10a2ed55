"""Event-log import (CSV): site events from another tracker or a warehouse dump.

Large logs are read column-wise with Arrow, not row by row. Columns are the `events` table's
own names (`event_id`, `ts`, `name`, `visitor_id`, `session_id`, `url`, `order_id`, `revenue`,
`currency`, ...); `event_id`, `ts` and `name` are required. Events are insert-only by
`event_id`: re-importing a log, or an overlapping one, adds nothing twice.
"""

from __future__ import annotations

import io
from datetime import datetime
from decimal import Decimal

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from mercato.core.errors import ValidationFailed
from mercato.warehouse.schemas import EVENTS

REQUIRED = ("event_id", "ts", "name")
TEXT_COLUMNS = frozenset(name for name, dtype in EVENTS.schema.items() if dtype.is_string()) - {
    "row_key",
    "workspace_id",
}
NUMBER_COLUMNS = {"engaged_ms": pa.int64(), "scroll_pct": pa.int16()}


def read_events(data: bytes, source: str, workspace_id: str, site_id: str | None) -> pa.Table:
    """Validated Arrow events; an error names the file, line and column."""
    try:
        raw = pacsv.read_csv(
            io.BytesIO(data),
            convert_options=pacsv.ConvertOptions(
                strings_can_be_null=True, column_types=_all_strings(data, source)
            ),
        )
    except pa.ArrowInvalid as exc:
        raise ValidationFailed(f"not a readable CSV: {exc}", location=source) from None
    repeated = sorted({c for c in raw.column_names if raw.column_names.count(c) > 1})
    if repeated:
        raise ValidationFailed(
            f"column(s) {repeated} appear more than once", location=f"{source}:1"
        )
    missing = [c for c in REQUIRED if c not in raw.column_names]
    if missing:
        raise ValidationFailed(
            f"missing column(s) {missing}; found {raw.column_names}", location=f"{source}:1"
        )
    columns: dict[str, pa.Array | pa.ChunkedArray] = {}
    for name in raw.column_names:
        if name in TEXT_COLUMNS:
            columns[name] = raw.column(name)
        elif name in NUMBER_COLUMNS:
            columns[name] = _cast(raw, name, NUMBER_COLUMNS[name], source)
    for name in REQUIRED:
        _no_blanks(raw, name, source)
    columns["ts"] = _timestamps(raw, source)
    if "revenue" in raw.column_names:
        columns["revenue"] = _cast(raw, "revenue", pa.decimal128(18, 3), source)  # ADR 0550
    columns["workspace_id"] = pa.array([workspace_id] * raw.num_rows, pa.string())
    if site_id and "site_id" not in columns:
        columns["site_id"] = pa.array([site_id] * raw.num_rows, pa.string())
    return pa.table(columns)


def _all_strings(data: bytes, source: str) -> dict[str, pa.DataType]:
    try:
        header = data[:65536].split(b"\n", 1)[0].decode("utf-8-sig").strip().split(",")
    except UnicodeDecodeError as exc:
        raise ValidationFailed(
            f"the header row is not UTF-8 text (byte {exc.start})", location=f"{source}:1"
        ) from None
    return {name.strip().strip('"'): pa.string() for name in header}


def _first_bad(values: list[str | None], check: type | object) -> int:
    for index, value in enumerate(values):
        try:
            check(value)  # type: ignore[operator]
        except (ValueError, TypeError, ArithmeticError):
            return index
    return 0


def _no_blanks(raw: pa.Table, name: str, source: str) -> None:
    column = raw.column(name)
    blank = pc.or_(pc.is_null(column), pc.equal(pc.utf8_trim_whitespace(column), ""))
    if pc.any(blank).as_py():
        index = pc.index(blank, True).as_py()
        raise ValidationFailed("a value is required here", location=f"{source}:{index + 2}:{name}")


def _timestamps(raw: pa.Table, source: str) -> pa.ChunkedArray:
    """ISO timestamps; those without an offset are UTC, those with one are converted."""
    text = pc.replace_substring_regex(raw.column("ts"), r"Z$", "+00:00")
    text = pc.replace_substring_regex(
        text, r"^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)$", r"\1+00:00"
    )
    try:
        parsed = pc.cast(text, pa.timestamp("us", tz="UTC"))
    except pa.ArrowInvalid:
        index = _first_bad(text.to_pylist(), datetime.fromisoformat)
        raise ValidationFailed(
            f"expected an ISO timestamp like 2026-09-12T14:03:22Z, got "
            f"{raw.column('ts')[index].as_py()!r}",
            location=f"{source}:{index + 2}:ts",
        ) from None
    return pc.cast(parsed, pa.timestamp("us"))  # naive UTC, as stored


def _cast(raw: pa.Table, name: str, target: pa.DataType, source: str) -> pa.ChunkedArray:
    try:
        return pc.cast(raw.column(name), target)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        index = _first_bad(raw.column(name).to_pylist(), lambda v: v is None or Decimal(v))
        raise ValidationFailed(
            f"expected a number, got {raw.column(name)[index].as_py()!r}",
            location=f"{source}:{index + 2}:{name}",
        ) from None
