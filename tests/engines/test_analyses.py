"""Journeys, attribution, UGC performance, curation counts and traffic on DuckDB, Spark (over
the live lake) and ClickHouse (chDB over the same lake): the same numbers as DuckDB, money to
the cent (exactly, as Decimals) and attribution credits to 1e-9. DuckDB's own numbers are
checked against hand-computed or pandas references in tests/attribution, tests/collect and
tests/galleries; the pandas references here cover every engine again for traffic and UGC."""

from __future__ import annotations

import dataclasses
import math
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from mercato.attribution.journeys import (
    Conversion,
    Granularity,
    Identity,
    JourneyQuery,
    build_journeys,
)
from mercato.attribution.service import attribution_report, make_request
from mercato.collect.traffic import traffic
from mercato.metrics.compiler import Slice
from mercato.metrics.present import records
from mercato.metrics.report import Compare, build_report
from mercato.metrics.ugc_performance import ugc_performance
from mercato.ugc.curation import site_counts
from mercato.warehouse.connection import ScopedWarehouse
from tests.engines.dataset import DATASET, END, START, WORKSPACE, build
from tests.support.engines import ENGINES, Engines


@pytest.fixture(scope="module")
def tables() -> dict[str, pa.Table]:
    return build()


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def scoped(engine: str, engines: Engines, tables: dict[str, pa.Table]) -> ScopedWarehouse:
    return engines.warehouse(engine, DATASET, tables).for_workspace(WORKSPACE)


@pytest.fixture
def duckdb(engines: Engines, tables: dict[str, pa.Table]) -> ScopedWarehouse:
    return engines.warehouse("duckdb", DATASET, tables).for_workspace(WORKSPACE)


def assert_same(found: Any, expected: Any, where: str = "") -> None:
    """Equal, floats to 1e-9 (absolute and relative), Decimals and everything else exactly."""
    if dataclasses.is_dataclass(expected) and not isinstance(expected, type):
        assert type(found) is type(expected), where
        for field in dataclasses.fields(expected):
            name = field.name
            assert_same(getattr(found, name), getattr(expected, name), f"{where}.{name}")
    elif isinstance(expected, dict):
        assert list(found) == list(expected), where
        for key in expected:
            assert_same(found[key], expected[key], f"{where}[{key!r}]")
    elif isinstance(expected, list | tuple):
        assert len(found) == len(expected), where
        for index, (a, b) in enumerate(zip(found, expected, strict=True)):
            assert_same(a, b, f"{where}[{index}]")
    elif isinstance(expected, np.ndarray):
        assert (found.dtype, found.shape) == (expected.dtype, expected.shape), where
        if expected.dtype.kind == "f":
            np.testing.assert_allclose(found, expected, rtol=1e-9, atol=1e-9, err_msg=where)
        else:
            np.testing.assert_array_equal(found, expected, err_msg=where)
    elif isinstance(expected, float) and not isinstance(found, Decimal):
        assert math.isclose(found, expected, rel_tol=1e-9, abs_tol=1e-9), (where, found, expected)
    else:
        assert (type(found), found) == (type(expected), expected), where


QUERIES = [
    JourneyQuery(START, END),
    JourneyQuery(START + timedelta(days=3), END, timedelta(days=2), Granularity.PLATFORM),
    JourneyQuery(None, None, timedelta(hours=12), Granularity.CAMPAIGN, Identity.VISITOR),
    JourneyQuery(START, END, by=Granularity.CONTENT, conversion=Conversion.PURCHASE),
    JourneyQuery(START, END, by=Granularity.UGC, conversion=Conversion.LEAD),
]


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: f"{q.by}-{q.identity}-{q.conversion}")
def test_journeys(scoped: ScopedWarehouse, duckdb: ScopedWarehouse, query: JourneyQuery) -> None:
    expected = build_journeys(duckdb, query)
    assert expected.paths.n_journeys > 20
    assert expected.n_conversions > 5
    assert_same(build_journeys(scoped, query), expected)


REQUESTS = [
    {"model": "markov", "by": "channel", "order": 2},
    {"model": "shapley", "by": "platform", "window": "3d"},
    {"model": "time_decay", "by": "campaign", "identity": "visitor", "half_life_days": 1.5},
    {"model": "position_based", "by": "ugc", "conversion": "purchase"},
]


@pytest.mark.parametrize("parameters", REQUESTS, ids=lambda p: f"{p['model']}-{p['by']}")
def test_attribution_report(
    scoped: ScopedWarehouse, duckdb: ScopedWarehouse, parameters: dict[str, Any]
) -> None:
    request = make_request(start=START, end=END, **parameters)
    expected = attribution_report(duckdb, request, currency="USD")
    assert expected.conversions > 5
    assert expected.revenue > 0
    if parameters["by"] in ("channel", "platform", "campaign"):
        assert any(row.spend for row in expected.rows)  # spend joined
    assert_same(attribution_report(scoped, request, currency="USD"), expected)


@pytest.mark.parametrize("grain", ["ugc_id", "gallery_id"])
def test_ugc_performance(scoped: ScopedWarehouse, tables: dict[str, pa.Table], grain: str) -> None:
    found = ugc_performance(scoped, grain, START + timedelta(days=1), END, currency="USD")  # type: ignore[arg-type]
    events = tables["events"].to_pandas()
    sessions = tables["sessions"].to_pandas()
    events = events[(events.workspace_id == WORKSPACE) & events[grain].notna()]
    events = events[(events.ts >= START + timedelta(days=1)) & (events.ts < END)]
    visits = sessions[sessions.workspace_id == WORKSPACE].set_index("session_id")
    expected = []
    for key, rows in events.groupby(grain):
        touched = rows[rows.name.isin(["ugc_click", "product_click", "add_to_cart"])]
        ids = set(touched.session_id.dropna())
        revenue = sum((visits.revenue[i] or Decimal(0) for i in ids), Decimal(0))
        counts = rows.name.value_counts()
        expected.append(
            (
                key,
                int(counts.get("gallery_view", 0)),
                int(counts.get("ugc_impression", 0)),
                int(counts.get("ugc_click", 0)),
                int(counts.get("product_click", 0)),
                int(counts.get("add_to_cart", 0)),
                len(ids),
                int(sum(visits.orders[i] for i in ids)),
                revenue.quantize(Decimal("0.01")),
            )
        )
    expected.sort(key=lambda row: (-row[2], row[0]))
    assert len(expected) >= 3
    assert [tuple(dataclasses.astuple(row)) for row in found] == expected


def test_curation_counts(scoped: ScopedWarehouse, duckdb: ScopedWarehouse) -> None:
    expected = site_counts(duckdb)
    assert len(expected) == 7
    assert site_counts(scoped) == expected


def test_traffic(scoped: ScopedWarehouse, tables: dict[str, pa.Table]) -> None:
    start, end = START + timedelta(days=2), END - timedelta(days=1)
    found = traffic(scoped, start, end)
    frame = tables["sessions"].to_pandas()
    frame = frame[(frame.workspace_id == WORKSPACE) & (frame.started_at >= start)]
    frame = frame[frame.started_at < end]

    def rows(column: str, of: pd.DataFrame) -> list[tuple[str, int, int, int | None]]:
        labels = of[column].fillna("(none)")
        out = []
        for label, group in of.groupby(labels):
            engaged = group.engaged_ms.dropna()
            total = int(engaged.sum()) if len(engaged) else None
            out.append((str(label), len(group), int(group.is_engaged.fillna(False).sum()), total))
        return sorted(out, key=lambda row: (-row[1], row[0]))

    def shown(found_rows: list[Any]) -> list[tuple[str, int, int, int | None]]:
        return [(r.label, r.sessions, r.engaged_sessions, r.engaged_ms) for r in found_rows]

    assert found.total.sessions == len(frame) > 50
    assert found.total.engaged_ms == int(frame.engaged_ms.dropna().sum())
    assert shown(found.by_channel) == rows("channel", frame)
    social = frame[frame.social_platform.notna()]
    assert shown(found.by_social_platform) == rows("social_platform", social)
    assert shown(found.landing_pages) == rows("entry_path", frame)[:20]


def test_kpi_report(scoped: ScopedWarehouse, duckdb: ScopedWarehouse) -> None:
    """Every KPI by platform over the lake (a week of Tokyo days compared with the one before),
    as DuckDB computes it. One cut: a full report costs Spark about a minute here."""
    slice_ = Slice(date(2023, 5, 5), date(2023, 5, 11), "Asia/Tokyo", dimensions=("platform",))
    expected = records(build_report(duckdb, slice_, Compare.PREVIOUS, currency="USD"), {})
    assert any(row["kpi"] == "revenue_gross" and row["value"] for row in expected)
    found = records(build_report(scoped, slice_, Compare.PREVIOUS, currency="USD"), {})
    assert_same(found, expected)
