"""Path data in ChannelAttribution's format, read liberally, refused precisely.

    path;total_conversions;total_conversion_value;total_null
    facebook > email > direct;12;840.50;310

One row per distinct path, channels separated by `>` (spaces around it optional), a header
row first. The delimiter is `;`, `,` or a tab (whichever the header uses); the value and
null columns are optional (0 when absent or blank); a `;`- or tab-delimited file may write
decimals with a comma. A bad row stops the read with its file, line and column named.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass

import numpy as np

from mercato.attribution.models.paths import FloatArray, TouchPaths
from mercato.attribution.models.weighted import weighted_paths
from mercato.core.errors import ValidationFailed

PATH, CONVERSIONS = "path", "total_conversions"
VALUE, NULLS = "total_conversion_value", "total_null"
COLUMN_NAMES = {
    PATH: {"path", "paths", "channel_path", "journey"},
    CONVERSIONS: {"total_conversions", "conversions", "conversion", "total_conversion"},
    VALUE: {"total_conversion_value", "conversion_value", "value", "revenue", "total_value"},
    NULLS: {"total_null", "total_nulls", "null", "nulls", "non_conversions"},
}
DELIMITERS = (";", ",", "\t")
STEP_SEPARATOR = ">"


@dataclass(frozen=True)
class PathData:
    source: str  # the file name, as errors and reports name it
    paths: TouchPaths  # one journey row per path row, weighted by its counts
    labels: list[str]
    value: FloatArray  # per row: its total conversion value
    columns: list[str]  # the canonical columns the file had


@dataclass(frozen=True)
class _Header:
    delimiter: str
    position: dict[str, int]  # canonical column → index
    names: dict[str, str]  # canonical column → the file's own spelling


def read_path_file(text: str, source: str) -> PathData:
    """Parse the whole file; raise `ValidationFailed` naming file, line and column."""
    text = text.removeprefix("\ufeff")
    first_line = next((line for line in text.splitlines() if line.strip()), None)
    if first_line is None:
        raise ValidationFailed("the file is empty; expected a header row", location=source)
    header = _header(first_line, source)
    reader = csv.reader(io.StringIO(text), delimiter=header.delimiter)
    sequences: list[list[str]] = []
    counts: dict[str, list[float]] = {CONVERSIONS: [], VALUE: [], NULLS: []}
    seen_header = False
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        if not seen_header:
            seen_header = True
            continue
        where = f"{source} line {reader.line_num}"
        sequences.append(_steps(_cell(cells, PATH, header, where), where, header))
        for column, numbers in counts.items():
            numbers.append(_number(cells, column, header, where))
    if not sequences:
        raise ValidationFailed("the file has a header but no path rows", location=source)
    paths, labels = weighted_paths(sequences, counts[CONVERSIONS], counts[NULLS])
    return PathData(
        source, paths, labels, np.asarray(counts[VALUE], dtype=np.float64), list(header.position)
    )


def _header(line: str, source: str) -> _Header:
    delimiter = max(DELIMITERS, key=line.count)
    cells = next(csv.reader([line], delimiter=delimiter))
    position: dict[str, int] = {}
    names: dict[str, str] = {}
    for index, cell in enumerate(cells):
        key = cell.strip().lower().replace(" ", "_").replace("-", "_")
        for column, aliases in COLUMN_NAMES.items():
            if key in aliases:
                if column in position:
                    raise ValidationFailed(
                        f"two columns mean {column}: {names[column]!r} and {cell.strip()!r}",
                        location=f"{source} line 1",
                    )
                position[column], names[column] = index, cell.strip()
    for required in (PATH, CONVERSIONS):
        if required not in position:
            raise ValidationFailed(
                f"the header has no {required} column (found {', '.join(map(repr, cells))}); "
                f"expected {PATH};{CONVERSIONS}[;{VALUE}][;{NULLS}]",
                location=f"{source} line 1",
            )
    return _Header(delimiter, position, names)


def _cell(cells: list[str], column: str, header: _Header, where: str) -> str | None:
    index = header.position.get(column)
    if index is None:
        return None
    if index >= len(cells):
        raise ValidationFailed(
            f"the row has {len(cells)} fields, so no {header.names[column]}",
            location=f"{where}, {header.names[column]}",
        )
    return cells[index].strip()


def _steps(text: str | None, where: str, header: _Header) -> list[str]:
    steps = [step.strip() for step in (text or "").split(STEP_SEPARATOR)]
    if not text or any(not step for step in steps):
        raise ValidationFailed(
            f"{text!r} is not a path: channels separated by ' > ', none empty",
            location=f"{where}, {header.names[PATH]}",
        )
    return steps


def _number(cells: list[str], column: str, header: _Header, where: str) -> float:
    text = _cell(cells, column, header, where)
    if text is None or (not text and column != CONVERSIONS):
        return 0.0
    if header.delimiter != "," and "," in text and "." not in text:
        text = text.replace(",", ".")  # a decimal comma, as European spreadsheets write
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or number < 0:
        raise ValidationFailed(
            f"{text!r} is not a count or amount (a number ≥ 0)",
            location=f"{where}, {header.names[column]}",
        )
    return number


def decode_path_file(content: bytes, source: str) -> str:
    """A path file's bytes as text (UTF-8, with or without a BOM), else where it breaks."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationFailed(
            f"not UTF-8 text (byte {exc.start}); save the file as UTF-8", location=source
        ) from None
