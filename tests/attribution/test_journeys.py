"""Journeys built by Ibis on the warehouse equal journeys built by hand in pandas."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import ibis
import pandas as pd
import pyarrow as pa
import pytest

from mercato.attribution.journeys import (
    Granularity,
    Identity,
    JourneyQuery,
    Journeys,
    build_journeys,
    journey_touches,
)
from mercato.warehouse.connection import Warehouse
from mercato.warehouse.loader import load
from tests.attribution.warehouse_support import SESSIONS, T0, UGC_EVENTS, seed

Flat = list[tuple[tuple[str, ...], bool, float, int]]


@pytest.fixture(scope="module")
def warehouse() -> Warehouse:
    opened = Warehouse.open_duckdb(":memory:")
    seed(opened, "ws")
    return opened


def _flatten(journeys: Journeys) -> Flat:
    paths = journeys.paths
    return sorted(
        (
            tuple(journeys.labels[c] for c in paths.label[paths.offsets[j] : paths.offsets[j + 1]]),
            bool(paths.converted[j]),
            round(float(journeys.revenue[j]), 2),
            int(journeys.sessions[j]),
        )
        for j in range(paths.n_journeys)
    )


def _by_hand(by: Granularity, identity: Identity, window: timedelta) -> Flat:
    """The definition, written the slow obvious way with pandas and a loop per person."""
    frame = pd.DataFrame(
        SESSIONS,
        columns=["sid", "visitor", "customer", "hours", "channel", "platform", "campaign",
                 "orders", "leads", "revenue"],
    )  # fmt: skip
    frame["time"] = [T0 + timedelta(hours=h) for h in frame.hours]
    frame["channel"] = frame.channel.fillna("Unassigned")
    known = frame.dropna(subset=["customer"]).groupby("visitor").customer.max()
    frame["person"] = frame.visitor
    if identity is Identity.CUSTOMER:
        frame["person"] = frame.visitor.map(known).fillna(frame.visitor)
    frame["label"] = {
        Granularity.CHANNEL: frame.channel,
        Granularity.PLATFORM: frame.platform.fillna(frame.channel),
        Granularity.CAMPAIGN: frame.campaign.fillna("(" + frame.channel + ")"),
        Granularity.UGC: frame.channel,
    }[by]
    frame["is_session"] = 1
    touches = frame[["sid", "person", "time", "label", "orders", "leads", "revenue", "is_session"]]
    if by is Granularity.UGC:
        ugc = pd.DataFrame(UGC_EVENTS, columns=["eid", "sid", "visitor", "minutes", "name", "ugc"])
        ugc = ugc[ugc.name.isin(["ugc_click", "ugc_impression"])].merge(
            frame[["sid", "person", "time"]], on="sid"
        )
        ugc["time"] = ugc.time + pd.to_timedelta(ugc.minutes, unit="m")
        ugc["label"] = "ugc:" + ugc.ugc
        ugc[["orders", "leads", "revenue", "is_session"]] = [0, 0, "0", 0]
        touches = pd.concat([touches, ugc[touches.columns]])
    result: Flat = []
    for _, rows in touches.sort_values(["time", "is_session"]).groupby("person"):
        current: list[dict[str, object]] = []
        for row in rows.to_dict("records"):
            current.append(row)
            if row["orders"] > 0 or row["leads"] > 0:
                result.append(_close(current, window, True))
                current = []
        if current:
            result.append(_close(current, window, False))
    return sorted(result)


def _close(touches: list[dict], window: timedelta, converted: bool) -> tuple:
    end = max(t["time"] for t in touches if t["is_session"])
    kept = [t for t in touches if t["time"] >= end - window]
    revenue = float(kept[-1]["revenue"]) if converted else 0.0
    sessions = sum(t["is_session"] for t in kept)
    return (tuple(t["label"] for t in kept), converted, revenue, sessions)


@pytest.mark.parametrize(
    "by", [Granularity.CHANNEL, Granularity.PLATFORM, Granularity.CAMPAIGN, Granularity.UGC]
)
@pytest.mark.parametrize("identity", list(Identity))
def test_ibis_journeys_equal_pandas(
    warehouse: Warehouse, by: Granularity, identity: Identity
) -> None:
    window = timedelta(days=30)
    built = build_journeys(warehouse.for_workspace("ws"), JourneyQuery(by=by, identity=identity))
    assert _flatten(built) == _by_hand(by, identity, window)


def test_fixture_journeys_written_out(warehouse: Warehouse) -> None:
    built = _flatten(build_journeys(warehouse.for_workspace("ws"), JourneyQuery()))
    assert built == sorted([
        (("Organic Social", "Email", "Direct"), True, 80.0, 3),
        (("Paid Social", "Organic Social", "Direct"), True, 20.5, 3),  # v4 is customer c1
        (("Paid Social", "Organic Search"), False, 0.0, 2),
        (("Direct",), True, 0.0, 1),  # a lead
        (("Unassigned",), True, 15.0, 1),  # s0 is 40 days earlier: outside the window
    ])  # fmt: skip


def test_window_and_date_range(warehouse: Warehouse) -> None:
    scoped = warehouse.for_workspace("ws")
    short = build_journeys(scoped, JourneyQuery(window=timedelta(hours=12)))
    assert ("Direct",) in [row[0] for row in _flatten(short)]
    assert (("Email", "Direct"), True, 80.0, 2) not in _flatten(short)  # 20 h apart
    wide = build_journeys(scoped, JourneyQuery(window=timedelta(days=60)))
    assert (("Referral", "Unassigned"), True, 15.0, 2) in _flatten(wide)
    later = build_journeys(
        scoped, JourneyQuery(start=T0 + timedelta(hours=55), end=T0 + timedelta(hours=80))
    )
    assert _flatten(later) == [(("Paid Social", "Organic Social", "Direct"), True, 20.5, 3)]
    assert (
        build_journeys(scoped, JourneyQuery(start=T0 + timedelta(days=400))).paths.n_journeys == 0
    )


def test_touch_rows_reach_python_as_plain_integers(warehouse: Warehouse) -> None:
    """No HUGEINT / decimal128 (so no Python Decimal, no Arrow cast) from the engine on:
    the compiled SQL itself answers integer journey numbers."""
    expression = journey_touches(warehouse.for_workspace("ws"), JourneyQuery(by=Granularity.UGC))
    sql = str(ibis.to_sql(expression, dialect="duckdb"))
    schema = warehouse.backend.con.sql(sql).fetch_arrow_table().schema
    assert pa.types.is_integer(schema.field("journey_no").type)
    assert not any(pa.types.is_decimal(field.type) for field in schema)


def test_other_workspaces_are_invisible(warehouse: Warehouse) -> None:
    built = build_journeys(warehouse.for_workspace("other-workspace"), JourneyQuery())
    assert _flatten(built) == [(("Email",), True, 999.0, 1)]


def test_microsecond_session_times_build_journeys() -> None:
    """Tracker timestamps carry microseconds; a fractional second must not fail the report."""
    opened = Warehouse.open_duckdb(":memory:")
    start = T0 + timedelta(microseconds=713414)
    load(
        opened,
        "sessions",
        pa.table(
            {
                "workspace_id": ["ws"] * 2,
                "session_id": ["m1", "m2"],
                "visitor_id": ["v1", "v1"],
                "started_at": [start, start + timedelta(hours=3, microseconds=250001)],
                "channel": ["Email", "Direct"],
                "orders": [0, 1],
                "leads": [0, 0],
                "revenue": [Decimal("0"), Decimal("12.50")],
                "currency": ["EUR", "EUR"],
            }
        ),
    )
    built = build_journeys(opened.for_workspace("ws"), JourneyQuery())
    assert _flatten(built) == [(("Email", "Direct"), True, 12.5, 2)]
