"""Property: whatever mix of rows a log holds, every row read gets exactly one outcome, and
the outcomes equal an independent count of the same file."""

from __future__ import annotations

import csv
import itertools
import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mercato.collect.enrich import SiteConfig
from mercato.collect.importer import import_events
from mercato.collect.mapping import parse_mapping
from mercato.runtime import Services
from tests.collect.real_world_log import BOTS, CHROME

MAPPING = parse_mapping(
    {
        "optional": ["order_id", "revenue", "currency", "items"],
        "columns": {
            "event_id": "id",
            "ts": "at",
            "name": "event",
            "visitor_id": "visitor",
            "user_agent": "agent",
            "order_id": "order",
            "revenue": "revenue",
            "currency": "currency",
            "items": "items",
        },
        "options": {"keep_unmapped_events": False},
        "events": {"pageview": ["page_view"], "purchase": ["purchase"]},
    }
)
KINDS = ("page_view", "purchase", "bot", "empty_visitor", "future", "bad_time", "unmapped")
EXPECTED_OUTCOME = {
    "bot": "bots",
    "empty_visitor": "empty_visitor_id",
    "future": "clock_skewed",
    "bad_time": "bad",
    "unmapped": "unmapped",
}
counter = itertools.count()

rows_strategy = st.lists(
    st.tuples(
        st.sampled_from(KINDS),
        st.integers(0, 5),  # visitor
        st.integers(0, 10_000_000),  # seconds into the log
        st.booleans(),  # repeated as an exact duplicate row
        st.sampled_from(["+02:00", "-07:00", "Z", "+05:45"]),
    ),
    min_size=1,
    max_size=40,
)


def _write(path: Path, rows: list[tuple[str, int, int, bool, str]], now: datetime) -> Counter[str]:
    """The file, and the outcomes an independent reading of it gives."""
    start = now - timedelta(days=200)
    expected: Counter[str] = Counter()
    with open(path, "w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(
            ["id", "at", "event", "visitor", "agent", "order", "revenue", "currency", "items"]
        )
        for number, (kind, visitor, seconds, repeated, zone) in enumerate(rows):
            moment = start + timedelta(seconds=seconds, microseconds=number)
            when = now + timedelta(days=2) if kind == "future" else moment
            stamp = when.isoformat(timespec="microseconds") + zone
            name = {"purchase": "purchase", "unmapped": "scroll"}.get(kind, "page_view")
            line = [
                f"r{number}",
                "13/13/2026" if kind == "bad_time" else stamp,
                name,
                "" if kind == "empty_visitor" else f"visitor-{visitor}",
                BOTS[number % len(BOTS)] if kind == "bot" else CHROME,
                f"o{number % 3}" if kind == "purchase" else "",
                "12.30" if kind == "purchase" else "",
                "EUR" if kind == "purchase" else "",
                json.dumps([{"item_id": "S-1", "price": 12.3, "quantity": 1}])
                if kind == "purchase"
                else "",
            ]
            copies = 2 if repeated else 1
            for _copy in range(copies):
                out.writerow(line)
            outcome = EXPECTED_OUTCOME.get(kind)
            if outcome is None:
                expected["stored"] += 1
                expected["merged"] += copies - 1
            else:
                expected[outcome] += copies
    return expected


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=rows_strategy)
def test_every_row_gets_one_outcome(
    services: Services, tmp_path: Path, rows: list[tuple[str, int, int, bool, str]]
) -> None:
    now = datetime.now(UTC).replace(tzinfo=None)
    run = next(counter)
    path = tmp_path / f"log-{run}.csv"
    expected = _write(path, rows, now)
    site = SiteConfig(site_id="site", workspace_id=f"ws-{run}", domain="shop.example")
    report = import_events(services.warehouse, [path], MAPPING, site, skip_bad_rows=True, now=now)
    outcomes = report.quality.outcomes
    assert sum(outcomes.values()) == report.rows == sum(expected.values())
    assert +outcomes == +expected
    assert report.quality.flags["kept_apart"] == _kept_apart(rows)


def _kept_apart(rows: list[tuple[str, int, int, bool, str]]) -> int:
    """Purchases whose order id an earlier purchase of another visitor holds."""
    purchases = sorted(
        (seconds + number / 1e6, f"o{number % 3}", visitor)
        for number, (kind, visitor, seconds, *_rest) in enumerate(rows)
        if kind == "purchase"
    )
    owners: dict[str, int] = {}
    apart = 0
    for _moment, order, visitor in purchases:
        apart += owners.setdefault(order, visitor) != visitor
    return apart
