"""Tests free of the wall clock: no literal date near today in tests/.

A test that hard-codes a date close to "now" passes when written and fails weeks later, when a
clamp, a sync window or an expiry that counts from the real clock starts to treat it
differently (tests/collect/test_cdp.py once hard-coded a day that the collector's 7-day clamp
later rewrote). Fixtures use dates far from any plausible today (e.g. 2024), or derive them
from an injected or frozen now. A literal date within the last 90 days or the next year of the
current date fails this test, unless its line carries the marker `clock: deliberate` with the
reason it must be that date. `make test-future` runs the suite with the clock 400 days ahead,
catching what a literal can hide (a date computed from a fixed year, say).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

TESTS = Path(__file__).resolve().parent
MARKER = "clock: deliberate"
PAST, FUTURE = timedelta(days=90), timedelta(days=366)

# 2026-09-18, 2026/09/18, date(2026, 9, 18) / datetime(2026, 9, 18, ...), 09/18/2026 (US)
# and 18.09.2026 (European exports).
_ISO = re.compile(r"(?<!\d)(20\d\d)[-/](\d\d)[-/](\d\d)(?!\d)")
_CALL = re.compile(r"\b(?:date|datetime)\(\s*(20\d\d)\s*,\s*(\d{1,2})\s*,\s*(\d{1,2})")
_DAY_LAST = re.compile(r"(?<![\d/.])(\d\d)[/.](\d\d)[/.](20\d\d)(?![\d/.])")


def _days(line: str) -> list[date]:
    """Every calendar date written literally in `line` (both readings of dd/mm vs mm/dd)."""
    found: list[tuple[int, int, int]] = []
    found += [(int(y), int(m), int(d)) for y, m, d in _ISO.findall(line)]
    found += [(int(y), int(m), int(d)) for y, m, d in _CALL.findall(line)]
    for first, second, year in _DAY_LAST.findall(line):
        found += [(int(year), int(first), int(second)), (int(year), int(second), int(first))]
    days = []
    for year, month, day in found:
        try:
            days.append(date(year, month, day))
        except ValueError:
            continue  # not a calendar date (e.g. one of the two readings of 18/09)
    return days


def near_today(text: str, today: date) -> list[tuple[int, date]]:
    """(line number, date) of each unmarked literal date in [today - 90 d, today + 366 d]."""
    hits = []
    for number, line in enumerate(text.splitlines(), start=1):
        if MARKER in line:
            continue
        hits += [(number, day) for day in _days(line) if today - PAST <= day <= today + FUTURE]
    return hits


def test_the_scanner_finds_every_spelling_and_honours_the_marker() -> None:
    today = date(2030, 6, 15)  # injected: the scanner itself is tested off the wall clock
    text = "\n".join(
        [
            'DAY = "2030-06-01T10:00:00Z"',  # ISO, two weeks ago
            "at = datetime(2031, 2, 3, 4)",  # next year
            'row = ["06/20/2030 14:03"]',  # US export, in five days
            'de = "20.06.2030"',  # European export
            'old = "2029-01-10"',  # long ago: fine
            "far = date(2033, 1, 1)",  # years ahead: fine
            f'pinned = "2030-06-14"  # {MARKER}: the DST change of that year',
            "not_a_date = '2030-13-45'",
        ]
    )
    assert near_today(text, today) == [
        (1, date(2030, 6, 1)),
        (2, date(2031, 2, 3)),
        (3, date(2030, 6, 20)),
        (4, date(2030, 6, 20)),
    ]


def test_no_test_hard_codes_a_date_near_today() -> None:
    today = datetime.now(UTC).date()
    found = []
    for path in sorted(TESTS.rglob("*.py")):
        if path == Path(__file__).resolve():
            continue
        found += [
            f"{path.relative_to(TESTS.parent)}:{number}: {day.isoformat()}"
            for number, day in near_today(path.read_text(encoding="utf-8"), today)
        ]
    assert found == [], (
        "literal dates near today make tests depend on the wall clock; derive them from a "
        f"frozen or injected now, move them far from today, or mark the line '{MARKER}' "
        "with the reason:\n" + "\n".join(found)
    )
