"""Export files read column-wise with Arrow: every column as (stripped) text, then whole
columns validated and converted at once.

Each converter handles the shapes exports write almost always (`123.45`, `2026-09-12
14:03:22 -0400`) in Arrow and reports which cells it did not recognise; those few go through
the row-wise parsers (`parsing`, `core.money`), which either convert them or raise the
`file:line:column` error the row-wise import always raised. Files the column reader cannot
take exactly as `csvfile.read_table` would (ragged rows, a lone carriage return, an
undecodable header) are left to the row-wise path: `read_columns` returns None.
"""

from __future__ import annotations

import codecs
import csv
import io
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from mercato.connectors.csvfile import SNIFF_BYTES, decode
from mercato.connectors.order_tables import MONEY_TYPE
from mercato.connectors.parsing import MISSING_MARKERS
from mercato.core.currencies import MINOR_UNITS, WITHDRAWN_MINOR_UNITS
from mercato.core.errors import ValidationFailed

# What Python's str.strip() removes, so a column is trimmed exactly as `Row.get` trims a cell.
WHITESPACE = "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace())
TOTAL_MARKERS = ("total", "totals", "summary")
_MONEY = r"^-?[0-9]{1,15}(\.[0-9]{1,18})?$"
_COUNT = r"^-?[0-9]{1,9}$"
_ISO = (
    r"^(\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01]))[ T](([01]\d|2[0-3]):[0-5]\d(:[0-5]\d"
    r"(\.\d{1,6})?)?)(Z| ?[+-]([01]\d|2[0-3]):?[0-5]\d)?$"
)
# Shopify's own shape, `2026-09-12 14:03:22 -0400`: one cast once the space goes.
_SHOPIFY_TIME = (
    r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01]) ([01]\d|2[0-3]):[0-5]\d:[0-5]\d "
    r"[+-]([01]\d|2[0-3])[0-5]\d$"
)
_CENTS = r"^-?[0-9]{1,15}(\.[0-9]{1,2})?$"  # exact in every currency with two or more decimals
BLOCK_BYTES = 1 << 20
_DECIMAL = pa.decimal128(38, 18)
_UTC = pa.timestamp("us", tz="UTC")
CURRENCY_CODES = pa.array(sorted({**MINOR_UNITS, **WITHDRAWN_MINOR_UNITS}), pa.string())
_CURRENCY_DIGITS = pa.array(
    [{**MINOR_UNITS, **WITHDRAWN_MINOR_UNITS}[c] for c in CURRENCY_CODES.to_pylist()], pa.int8()
)


@dataclass
class Columns:
    """A file's data rows as trimmed text columns, by header name (a repeated header name is
    its last column, as in `Row`); `source` names the file in errors."""

    source: str
    header: list[str]
    raw: pa.Table
    _trimmed: dict[int, pa.Array] = field(default_factory=dict)

    @property
    def num_rows(self) -> int:
        return int(self.raw.num_rows)

    def has(self, name: str) -> bool:
        return name in self.header

    def text(self, name: str) -> pa.Array | None:
        """The column trimmed, or None when the file has no such column."""
        if name not in self.header:
            return None
        index = len(self.header) - 1 - self.header[::-1].index(name)
        if index not in self._trimmed:
            column = self.raw.column(index).combine_chunks()
            self._trimmed[index] = pc.utf8_trim(column, characters=WHITESPACE)
        return self._trimmed[index]

    def text_or_empty(self, name: str) -> pa.Array:
        found = self.text(name)
        return found if found is not None else pa.array([""] * self.num_rows, pa.string())


def read_columns(data: bytes, source: str) -> Columns | None:
    """The file's data rows, or None when only the row-wise reader reads it exactly."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        data = decode(data, source).encode("utf-8")
    elif data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    if data.count(b"\r") != data.count(b"\r\n"):
        return None  # a lone carriage return: the row-wise reader says where it is
    first = data[: data.find(b"\n")] if b"\n" in data else data
    declared = None
    if first.strip().lower().startswith(b"sep="):
        declared = first.strip()[4:5].decode("latin-1") or ","
        data = data[len(first) + 1 :]
    table = _arrow_csv(data, declared)
    if table is None:
        try:
            table = _arrow_csv(decode(data, source).encode("utf-8"), declared)
        except ValidationFailed:  # not decodable: the row-wise reader says so
            return None
    if table is None or table.num_rows == 0:
        return None
    header = [
        str(name).strip().lstrip("\ufeff") for name in table.slice(0, 1).to_pylist()[0].values()
    ]
    rows = table.slice(1)
    columns = Columns(source, header, rows)
    return _without_blank_and_total_rows(columns)


def _arrow_csv(data: bytes, declared: str | None) -> pa.Table | None:
    sample = data[:SNIFF_BYTES].decode("utf-8", errors="ignore")
    delimiter = declared or max((",", ";", "\t"), key=(sample.splitlines() or [""])[0].count)
    try:
        header = next(csv.reader(io.StringIO(sample), delimiter=delimiter))
    except (StopIteration, csv.Error):
        return None
    names = [f"c{i}" for i in range(len(header))]
    # 1 MiB blocks let Arrow parse blocks in parallel (16 MiB blocks were 3x slower on the
    # benchmark file); a row longer than a block is read again in one block.
    for block_size in (BLOCK_BYTES, max(len(data), BLOCK_BYTES) + 1):
        try:
            return pacsv.read_csv(
                io.BytesIO(data),
                read_options=pacsv.ReadOptions(column_names=names, block_size=block_size),
                parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
                convert_options=pacsv.ConvertOptions(
                    column_types=dict.fromkeys(names, pa.string()),
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
            )
        except pa.ArrowInvalid as exc:
            if "straddl" not in str(exc):
                return None  # not UTF-8, or a row with more or fewer cells than the header
        except pa.ArrowNotImplementedError:
            return None
    return None


def _without_blank_and_total_rows(columns: Columns) -> Columns:
    """Drop the rows `read_table` drops: all cells blank, or a `Total` row."""
    raw = columns.raw
    first = pc.utf8_lower(pc.utf8_trim(raw.column(0).combine_chunks(), characters=WHITESPACE))
    drop = pc.is_in(first, value_set=pa.array(TOTAL_MARKERS)).to_numpy(zero_copy_only=False)
    for index in np.flatnonzero(pc.equal(first, "").to_numpy(zero_copy_only=False)):
        row = raw.slice(int(index), 1).to_pylist()[0].values()
        drop[index] = drop[index] or not any(str(value).strip() for value in row)
    if not drop.any():
        return columns
    return Columns(columns.source, columns.header, raw.filter(pa.array(~drop)))


def missing(values: pa.Array) -> np.ndarray:
    """Blank or a missing marker (`-`, `n/a`, ...): `parsing.is_missing`, per cell."""
    lowered = pc.utf8_lower(values)
    found = pc.is_in(lowered, value_set=pa.array(sorted(MISSING_MARKERS)))
    return np.asarray(found.to_numpy(zero_copy_only=False))


def currencies(values: pa.Array) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """(upper-cased code or null when missing, its minor unit (2 when missing), mask of cells
    that are neither missing nor a known code)."""
    upper = pc.utf8_upper(values)
    index = pc.index_in(upper, value_set=CURRENCY_CODES)
    absent = missing(values)
    unknown = pc.is_null(index).to_numpy(zero_copy_only=False) & ~absent
    codes = pc.if_else(pa.array(absent), pa.nulls(len(values), pa.string()), upper)
    digits = pc.fill_null(pc.take(_CURRENCY_DIGITS, index), 2).to_numpy(zero_copy_only=False)
    return codes, np.where(absent, 2, digits).astype(np.int8), unknown


def money(values: pa.Array, digits: np.ndarray) -> tuple[pa.Array, np.ndarray]:
    """(exact amounts rounded half-even to each row's `digits`, null where not recognised;
    mask of recognised cells). Recognised: plain decimals like `-1234.5`."""
    cents = _matches(values, _CENTS)  # a subset of _MONEY: one regex for the usual file
    plain = cents if cents.all() else _matches(values, _MONEY)
    text = values if plain.all() else pc.if_else(pa.array(plain), values, "0")
    if (digits >= 2).all() and (cents.all() or _matches(text, _CENTS).all()):
        rounded = pc.cast(text, MONEY_TYPE)  # nothing to round
    else:
        exact = pc.cast(text, _DECIMAL)
        rounded = pc.cast(pc.round(exact, 2, round_mode="half_to_even"), MONEY_TYPE)
        for places in (int(d) for d in np.unique(digits) if d != 2):
            other = pc.cast(pc.round(exact, places, round_mode="half_to_even"), MONEY_TYPE)
            rounded = pc.if_else(pa.array(digits == places), other, rounded)
    if plain.all():
        return rounded, plain
    return pc.if_else(pa.array(plain), rounded, pa.nulls(len(values), MONEY_TYPE)), plain


def _matches(values: pa.Array, pattern: str) -> np.ndarray:
    return np.asarray(pc.match_substring_regex(values, pattern).to_numpy(zero_copy_only=False))


def counts(values: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """(whole counts, null where not recognised; mask of recognised cells)."""
    plain = pc.match_substring_regex(values, _COUNT).to_numpy(zero_copy_only=False)
    text = pc.if_else(pa.array(plain), values, "0")
    parsed = pc.cast(text, pa.int64())
    return pc.if_else(pa.array(plain), parsed, pa.nulls(len(values), pa.int64())), plain


def timestamps(values: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """(naive UTC, null where not recognised; mask of recognised cells). Recognised: ISO
    date and time with an optional offset (`2026-09-12 14:03:22 -0400`, `...T...Z`, with
    microseconds); without an offset the time is UTC, as `parsing.parse_timestamp` reads it."""
    if _matches(values, _SHOPIFY_TIME).all():
        try:
            parsed = pc.cast(pc.utf8_replace_slice(values, 19, 20, ""), _UTC)
            return pc.cast(parsed, pa.timestamp("us")), np.ones(len(values), dtype=bool)
        except pa.ArrowInvalid:
            pass  # e.g. 2026-02-30: the general path finds it
    iso = _matches(values, _ISO)
    text = pc.if_else(pa.array(iso), values, "2000-01-01T00:00:00")
    text = pc.replace_substring_regex(text, _ISO, r"\1T\4\8")
    text = pc.replace_substring_regex(text, r" ([+-]\d)", r"\1")
    text = pc.replace_substring_regex(text, r"Z$", "+00:00")
    text = pc.replace_substring_regex(text, r"([+-]\d{2})(\d{2})$", r"\1:\2")
    text = pc.replace_substring_regex(text, r"^(\d{4}-\d{2}-\d{2}T[0-9:.]+)$", r"\1+00:00")
    try:
        parsed = pc.cast(pc.cast(text, _UTC), pa.timestamp("us"))
    except pa.ArrowInvalid:  # e.g. 2026-02-30: let the row-wise parser say so
        return pa.nulls(len(values), pa.timestamp("us")), np.zeros(len(values), dtype=bool)
    return pc.if_else(pa.array(iso), parsed, pa.nulls(len(values), pa.timestamp("us"))), iso


def take(values: pa.Array, at: np.ndarray) -> pa.Array:
    """`values` at the positions `at` (no copy when `at` is every position in order)."""
    if len(at) == len(values) and (len(at) == 0 or (at[0] == 0 and (np.diff(at) == 1).all())):
        return values
    return pc.take(values, pa.array(at))


def patch(values: pa.Array, positions: Sequence[int], replacements: Sequence[object]) -> pa.Array:
    """`values` with `replacements` at `positions` (ascending)."""
    if not positions:
        return values
    mask = np.zeros(len(values), dtype=bool)
    mask[list(positions)] = True
    return pc.replace_with_mask(values, pa.array(mask), pa.array(list(replacements), values.type))
