"""Reading export files: encoding sniffing, `sep=` lines, header rows, `Total` rows.

Every row carries its file name and 1-based line number, so any error can say exactly
where it is (`orders.csv:17:Subtotal: expected a number, got 'abc'`).
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from mercato.connectors.parsing import NotANumber, is_missing
from mercato.core.errors import ValidationFailed
from mercato.core.labels import N_

SNIFF_BYTES = 64 * 1024
T = TypeVar("T")


@dataclass(frozen=True)
class Row:
    """One data row of a file, keyed by (stripped) header name."""

    source: str
    line: int
    cells: Mapping[str, str]
    extra: Mapping[str, str] = field(default_factory=dict)

    def get(self, column: str) -> str | None:
        value = self.cells.get(column)
        return None if value is None else value.strip()

    def require(self, column: str) -> str:
        value = self.get(column)
        if value is None or value == "":
            raise self.error(column, "a value is required here")
        return value

    def where(self, column: str) -> str:
        return f"{self.source}:{self.line}:{column}"

    def error(self, column: str, message: str) -> ValidationFailed:
        return ValidationFailed(message, location=self.where(column))

    def parse(self, column: str, parser: Callable[[str], T]) -> T:
        """Apply `parser` to the cell; a parse failure names file, line and column."""
        raw = self.require(column)
        try:
            return parser(raw)
        except (NotANumber, ValueError, ValidationFailed) as exc:
            reason = exc.reason if isinstance(exc, ValidationFailed) else str(exc)
            raise self.error(column, reason) from None

    def parse_optional(self, column: str, parser: Callable[[str], T]) -> T | None:
        """Like `parse`, but a blank or absent cell (or `-`) is None: missing, not zero."""
        raw = self.get(column)
        if is_missing(raw):
            return None
        return self.parse(column, parser)


@dataclass(frozen=True)
class Table:
    """A decoded file: its header and its data rows."""

    source: str
    header: Sequence[str]
    rows: list[Row]
    preamble: list[str] = field(default_factory=list)

    def has_columns(self, required: Sequence[str]) -> bool:
        present = set(self.header)
        return all(column in present for column in required)

    def require_columns(self, required: Sequence[str], what: str) -> None:
        missing = [column for column in required if column not in set(self.header)]
        if missing:
            raise ValidationFailed(
                N_("not a %(what)s file: missing column(s) %(missing)s; found %(found)s"),
                location=f"{self.source}:{1 + len(self.preamble)}",
                params={"what": what, "missing": missing, "found": list(self.header)},
            )


def decode(data: bytes, source: str) -> str:
    """UTF-16 (BOM), UTF-8 (with or without BOM) or, failing that, Windows-1252."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise ValidationFailed(
            N_("cannot decode the file as UTF-8, UTF-16 or Windows-1252 (%(reason)s)"),
            location=source,
            params={"reason": exc.reason},
        ) from None


def _delimiter(text: str, declared: str | None) -> str:
    if declared:
        return declared
    sample = text[:SNIFF_BYTES]
    first = sample.splitlines()[0] if sample else ""
    return max((",", ";", "\t"), key=first.count)


def read_table(
    data: bytes,
    source: str,
    *,
    preamble_lines: int = 0,
    skip_total_rows: bool = True,
) -> Table:
    """Parse a CSV export. `preamble_lines` are kept (e.g. Meta's metric-name line)."""
    text = decode(data, source)
    lines = text.splitlines(keepends=True)
    offset = 0
    declared = None
    if lines and lines[0].strip().lower().startswith("sep="):
        declared = lines[0].strip()[4:5] or ","
        offset = 1
    preamble = [line.strip().strip('"') for line in lines[offset : offset + preamble_lines]]
    offset += preamble_lines
    body = "".join(lines[offset:])
    reader = csv.reader(io.StringIO(body), delimiter=_delimiter(body, declared))
    try:
        header = [name.strip().lstrip("\ufeff") for name in next(reader)]
        rows = list(_rows(reader, header, source, offset, skip_total_rows))
    except StopIteration:
        raise ValidationFailed(N_("the file is empty"), location=source) from None
    except csv.Error as exc:  # e.g. a lone carriage return inside an unquoted cell
        raise ValidationFailed(
            N_("not readable as CSV: %(problem)s"),
            location=f"{source}:{offset + reader.line_num + 1}",
            params={"problem": str(exc)},
        ) from None
    return Table(source, header, rows, preamble)


def _rows(
    reader: Iterator[list[str]], header: list[str], source: str, offset: int, skip_totals: bool
) -> Iterator[Row]:
    for values in reader:
        line = offset + reader.line_num  # type: ignore[attr-defined]
        if not any(value.strip() for value in values):
            continue
        if skip_totals and values and values[0].strip().lower() in ("total", "totals", "summary"):
            continue
        if len(values) > len(header):
            raise ValidationFailed(
                N_("%(cells)s cells but the header has %(columns)s columns"),
                location=f"{source}:{line}",
                params={"cells": len(values), "columns": len(header)},
            )
        cells = dict(zip(header, values, strict=False))
        yield Row(source, line, cells)


def read_path(path: Path, **options: int | bool) -> Table:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ValidationFailed(
            f"cannot read the file: {exc.strerror}", location=str(path)
        ) from None
    return read_table(data, path.name, **options)  # type: ignore[arg-type]


def record_line(data: bytes, source: str, index: int) -> int:
    """The line the `index`-th data record (0: the one after the header) ends on, counting
    records as a column reader does (empty lines are not records, a quoted newline stays in
    its record): where a column-wise import's failing row is, for its error."""
    reader = csv.reader(io.StringIO(decode(data, source)))
    seen = -1  # the header
    for record in reader:
        if not record:
            continue
        if seen == index:
            return reader.line_num
        seen += 1
    return reader.line_num
