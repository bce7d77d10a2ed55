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

from mercato.connectors.csvfile import record_line
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
            parse_options=pacsv.ParseOptions(newlines_in_values=True),  # quoted URLs, text
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
    where = _Where(data, source)
    for name in raw.column_names:
        if name in TEXT_COLUMNS:
            columns[name] = raw.column(name)
        elif name in NUMBER_COLUMNS:
            columns[name] = _cast(raw, name, NUMBER_COLUMNS[name], where)
    for name in REQUIRED:
        _no_blanks(raw, name, where)
    columns["ts"] = _timestamps(raw, where)
    if "revenue" in raw.column_names:
        money = pa.decimal128(18, 3)  # ADR 0550
        columns["revenue"] = _cast(raw, "revenue", money, where)
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


class _Where:
    """`file:line:column` of a data row, found only when a row fails."""

    def __init__(self, data: bytes, source: str) -> None:
        self.data, self.source = data, source

    def __call__(self, index: int, column: str) -> str:
        return f"{self.source}:{record_line(self.data, self.source, index)}:{column}"


def _first_bad(values: list[str | None], check: type | object) -> int:
    for index, value in enumerate(values):
        try:
            check(value)  # type: ignore[operator]
        except (ValueError, TypeError, ArithmeticError):
            return index
    return 0


def _no_blanks(raw: pa.Table, name: str, where: _Where) -> None:
    column = raw.column(name)
    blank = pc.or_(pc.is_null(column), pc.equal(pc.utf8_trim_whitespace(column), ""))
    if pc.any(blank).as_py():
        index = pc.index(blank, True).as_py()
        raise ValidationFailed("a value is required here", location=where(index, name))


def _timestamps(raw: pa.Table, where: _Where) -> pa.ChunkedArray:
    """ISO timestamps; those without an offset are UTC, those with one are converted."""
    try:  # every time with its offset (`Z`, `+09:00`, `-0400`): one cast
        return pc.cast(pc.cast(raw.column("ts"), pa.timestamp("us", tz="UTC")), pa.timestamp("us"))
    except pa.ArrowInvalid:
        pass  # naive times (UTC) or a bad cell: the general path
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
            location=where(index, "ts"),
        ) from None
    return pc.cast(parsed, pa.timestamp("us"))  # naive UTC, as stored


def _cast(raw: pa.Table, name: str, target: pa.DataType, where: _Where) -> pa.ChunkedArray:
    try:
        return pc.cast(raw.column(name), target)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        index = _first_bad(raw.column(name).to_pylist(), lambda v: v is None or Decimal(v))
        raise ValidationFailed(
            f"expected a number, got {raw.column(name)[index].as_py()!r}",
            location=where(index, name),
        ) from None
