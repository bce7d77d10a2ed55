"""The full-funnel report (and traffic) with a segment equals the same report over data
filtered to the segment's visitors by hand."""

from __future__ import annotations

from datetime import date, datetime

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from mercato.collect.traffic import traffic
from mercato.metrics.compiler import Slice
from mercato.metrics.registry import KPIS
from mercato.metrics.report import build_report
from mercato.segments.definition import parse
from mercato.segments.membership import Context, members
from mercato.segments.scope import SegmentedWarehouse
from mercato.warehouse.connection import Warehouse
from mercato.warehouse.loader import load
from tests.segments import fixture
from tests.segments.reference import Reference

DEFINITION = {
    "kind": "or",
    "rules": [
        {"kind": "trait", "trait": "platform", "values": ["tiktok"], "session": "first"},
        {
            "kind": "and",
            "rules": [
                {"kind": "flag", "flag": "returning"},
                {"kind": "not", "rule": {"kind": "flag", "flag": "lead"}},
            ],
        },
    ],
}
CONTEXT = Context(fixture.AS_OF, fixture.CATEGORIES)
SLICE = Slice(date(2023, 11, 1), date(2024, 6, 1), "Europe/Berlin")


def _warehouse(tables: dict[str, pa.Table]) -> Warehouse:
    warehouse = Warehouse.open_duckdb(":memory:")
    for name, table in tables.items():
        load(warehouse, name, table)
    return warehouse


def _by_hand(tables: dict[str, pa.Table], visitors: set[str]) -> dict[str, pa.Table]:
    """Rows of the segment's visitors, chosen in Python: sessions and events by visitor,
    orders by their visitor id or else their session's visitor."""
    wanted = pa.array(sorted(visitors))
    sessions = tables["sessions"].filter(
        pc.and_(pc.equal(tables["sessions"]["workspace_id"], fixture.WORKSPACE),
                pc.is_in(tables["sessions"]["visitor_id"], wanted))
    )  # fmt: skip
    events = tables["events"].filter(
        pc.and_(pc.equal(tables["events"]["workspace_id"], fixture.WORKSPACE),
                pc.is_in(tables["events"]["visitor_id"], wanted))
    )  # fmt: skip
    visitor_of = dict(
        zip(sessions["session_id"].to_pylist(), sessions["visitor_id"].to_pylist(), strict=True)
    )
    kept = [
        row
        for row in tables["orders"].to_pylist()
        if row["workspace_id"] == fixture.WORKSPACE
        and (row["visitor_id"] or visitor_of.get(row["session_id"])) in visitors
    ]
    return {
        "sessions": sessions,
        "events": events,
        "orders": fixture.arrow("orders", kept),
    }


@pytest.fixture(scope="module")
def tables() -> dict[str, pa.Table]:
    return fixture.build()


def test_report_with_a_segment_equals_the_report_over_hand_filtered_data(
    tables: dict[str, pa.Table],
) -> None:
    expected = Reference(tables, fixture.WORKSPACE, fixture.AS_OF, fixture.CATEGORIES).members(
        parse(DEFINITION)
    )
    assert 20 < len(expected) < 200
    whole = _warehouse(tables)
    node = parse(DEFINITION)
    scoped = SegmentedWarehouse(
        whole.for_workspace(fixture.WORKSPACE),
        lambda base: members(base, node, CONTEXT),
        ("test", "digest"),
    )
    hand = _warehouse(_by_hand(tables, expected)).for_workspace(fixture.WORKSPACE)
    segmented = build_report(scoped, SLICE.__class__(**{**SLICE.__dict__, "segment": "seg"}))
    filtered = build_report(hand, SLICE)
    checked = 0
    for kpi in KPIS:
        if kpi.id in segmented.unsupported:
            assert "not per visitor" in segmented.unsupported[kpi.id]
            continue
        mine, theirs = segmented.line(kpi.id), filtered.line(kpi.id)
        assert mine is not None, kpi.id
        assert theirs is not None, kpi.id
        assert mine.current.value == theirs.current.value, kpi.id
        checked += 1
    assert checked >= 12
    sessions = segmented.line("sessions")
    frame = tables["sessions"].to_pandas()
    # Local days in Berlin: 1 Nov 2023 00:00 CET is 23:00 UTC; 2 Jun 2024 00:00 CEST is 22:00.
    in_window = frame[
        (frame.workspace_id == fixture.WORKSPACE)
        & frame.visitor_id.isin(expected)
        & (frame.started_at >= datetime(2023, 10, 31, 23))
        & (frame.started_at < datetime(2024, 6, 1, 22))
    ]
    assert sessions is not None
    assert sessions.current.value == len(in_window)
    # Traffic narrows the same way.
    start, end = datetime(2023, 11, 1), datetime(2024, 6, 2)
    assert traffic(scoped, start, end) == traffic(hand, start, end)
    # The whole workspace differs, so the segment really cut something.
    everyone = build_report(whole.for_workspace(fixture.WORKSPACE), SLICE).line("sessions")
    assert everyone is not None
    assert everyone.current.value != sessions.current.value
