"""Sessions before purchase by first-touch channel and page-type outliers, against pandas, on
every engine (the API and page test runs on the app's DuckDB)."""

from __future__ import annotations

import math
from dataclasses import asdict
from datetime import date, datetime, timedelta
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from mercato.catalog import workspaces
from mercato.core.scopes import Role, Scope
from mercato.core.timeutil import local_day_bounds_utc, zone
from mercato.metrics.journeys import (
    BUCKETS,
    PageOutlier,
    page_outliers,
    sessions_before_purchase,
)
from mercato.runtime import Services
from mercato.warehouse.loader import load
from tests.metrics.fixture import arrow
from tests.support.brands import PASSWORD, Brand, make_token
from tests.support.engines import ENGINES, Engine, Engines
from tests.support.server import login

WORKSPACE, OTHER = "ws_journeys", "ws_other"
START, END = datetime(2024, 3, 1), datetime(2024, 3, 15)
CHANNELS = ("Organic Social", "Paid Social", "Email", "Direct", None)
PAGE_TYPES = ("product", "collection", None)


def _sessions(rng: np.random.Generator) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for visitor in range(120):
        count = int(rng.integers(1, 9))
        # Some visitors' history starts at session 3 (their first visits predate the data).
        first_number = 3 if visitor % 17 == 0 else 1
        started = datetime(2024, 2, 10) + timedelta(hours=int(rng.integers(0, 24 * 30)))
        for offset in range(count):
            started += timedelta(hours=int(rng.integers(1, 72)))
            rows.append(
                {
                    "workspace_id": WORKSPACE,
                    "session_id": f"s{visitor}-{offset}",
                    "visitor_id": None if visitor % 23 == 5 else f"v{visitor}",
                    "session_number": first_number + offset,
                    "started_at": started,
                    "channel": CHANNELS[int(rng.integers(0, len(CHANNELS)))],
                    "orders": int(rng.random() < 0.25),
                }
            )
    intruder = dict(rows[0], workspace_id=OTHER, session_id="foreign", orders=1)
    return [*rows, intruder]


def _events(rng: np.random.Generator) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for page in range(60):
        page_type = PAGE_TYPES[page % 3]
        typical = {"product": 9_000, "collection": 4_000, None: 6_000}[page_type]
        if page in (7, 13, 44):
            typical *= 4  # planted outliers above
        if page == 20:
            typical = 200  # and one below
        views = int(rng.integers(5, 40))
        for view in range(views):
            ts = START + timedelta(minutes=int(rng.integers(-3 * 24 * 60, 16 * 24 * 60)))
            base = {"workspace_id": WORKSPACE, "path": f"/p/{page}", "page_type": page_type}
            rows.append(dict(base, event_id=f"e{page}-{view}", ts=ts, name="pageview"))
            engaged = None if rng.random() < 0.1 else int(rng.normal(typical, typical / 10))
            rows.append(
                dict(base, event_id=f"g{page}-{view}", ts=ts, name="engagement", engaged_ms=engaged)
            )
    # A page whose views no event measured (an imported log without engaged time): unknown,
    # not 0 s, so it is no outlier below its type's median.
    for view in range(30):
        ts = START + timedelta(hours=view, microseconds=137)
        unmeasured = {"workspace_id": WORKSPACE, "path": "/p/unmeasured", "page_type": "product"}
        rows.append(dict(unmeasured, event_id=f"u-{view}", ts=ts, name="pageview"))
    rows.append({"workspace_id": WORKSPACE, "event_id": "nopath", "ts": START, "name": "pageview"})
    rows.append(dict(rows[0], workspace_id=OTHER, engaged_ms=10**9))
    return rows


@pytest.fixture(scope="module")
def frames() -> dict[str, list[dict[str, Any]]]:
    rng = np.random.default_rng(7)
    return {"sessions": _sessions(rng), "events": _events(rng)}


@pytest.fixture(params=ENGINES)
def journeys(
    request: pytest.FixtureRequest, engines: Engines, frames: dict[str, list[dict[str, Any]]]
) -> Engine:
    """This module's dataset on each engine (loaded once per engine for the whole run)."""
    tables: dict[str, pa.Table] = {name: arrow(name, rows) for name, rows in frames.items()}
    return engines.load(request.param, "journeys", tables)


def _own(rows: list[dict[str, Any]], table: str) -> pd.DataFrame:
    return arrow(table, rows).to_pandas().query("workspace_id == @WORKSPACE")


def test_sessions_before_purchase_by_first_touch(
    journeys: Engine, frames: dict[str, list[dict[str, Any]]]
) -> None:
    sessions = _own(frames["sessions"], "sessions").dropna(subset=["visitor_id"])
    ordered = sessions.sort_values(["session_number", "started_at", "session_id"])
    # drop_duplicates, not groupby().first(), which would skip a NULL channel
    first = ordered.drop_duplicates("visitor_id").set_index("visitor_id")["channel"]
    window = sessions[
        (sessions.orders > 0) & (sessions.started_at >= START) & (sessions.started_at < END)
    ]
    counts = window.groupby("visitor_id")["session_number"].min().rename("n").to_frame()
    counts["channel"] = first.reindex(counts.index).fillna("(none)")
    counts["bucket"] = counts.n.clip(upper=5).map(lambda n: "5+" if n >= 5 else str(n))

    actual = sessions_before_purchase(journeys.scoped(WORKSPACE), START, END, journeys.executor)
    assert sum(row.purchasers for row in actual) == len(counts) > 20
    assert {row.first_touch_channel for row in actual} == set(counts.channel)
    assert any(row.distribution["5+"] for row in actual)  # the late-history visitors count
    for row in actual:
        group = counts[counts.channel == row.first_touch_channel]
        assert row.purchasers == len(group)
        assert row.distribution == {b: int((group.bucket == b).sum()) for b in BUCKETS}
        assert math.isclose(row.median, float(group.n.median()))
        assert math.isclose(row.mean, float(group.n.mean()))


def test_no_purchasers_gives_no_rows(journeys: Engine) -> None:
    scoped = journeys.scoped(WORKSPACE)
    before = datetime(2020, 1, 1), datetime(2020, 2, 1)
    assert sessions_before_purchase(scoped, *before, journeys.executor) == []


@pytest.mark.parametrize("min_pageviews", [1, 20])
def test_page_outliers_match_pandas(
    journeys: Engine, frames: dict[str, list[dict[str, Any]]], min_pageviews: int
) -> None:
    events = _own(frames["events"], "events").dropna(subset=["path"])
    events = events[(events.ts >= START) & (events.ts < END)]
    events = events.assign(page_type=events.page_type.fillna("(none)"))
    pages = events.groupby(["page_type", "path"]).agg(
        pageviews=("name", lambda s: int((s == "pageview").sum())),
        engaged=("engaged_ms", lambda s: s.sum(min_count=1)),
    )
    pages = pages[(pages.pageviews >= min_pageviews) & pages.engaged.notna()].reset_index()
    pages["value"] = pages.engaged / pages.pageviews
    median = pages.groupby("page_type")["value"].transform("median")
    mad = (pages.value - median).abs().groupby(pages.page_type).transform("median")
    wanted = pages[(pages.value - median).abs() > 2 * mad]
    wanted = wanted.assign(
        median=median[wanted.index],
        direction=np.where(wanted.value > median[wanted.index], "above", "below"),
    )

    actual = page_outliers(
        journeys.scoped(WORKSPACE),
        START,
        END,
        min_pageviews=min_pageviews,
        executor=journeys.executor,
    )
    assert {(o.page_type, o.path) for o in actual} == set(
        zip(wanted.page_type, wanted.path, strict=True)
    )
    by_page = wanted.set_index("path")
    for outlier in actual:
        row = by_page.loc[outlier.path]
        assert outlier.pageviews == row.pageviews
        assert math.isclose(outlier.engaged_ms_per_pageview, row.value)
        assert math.isclose(outlier.type_median, row["median"])
        assert outlier.direction == row.direction
    if min_pageviews > 1:
        return
    paths = {o.path for o in actual}
    assert {"/p/7", "/p/13", "/p/44", "/p/20"} <= paths  # the planted ones are found
    assert "/p/unmeasured" not in paths
    assert next(o for o in actual if o.path == "/p/20").direction == "below"


def test_page_outliers_threshold_drops_small_pages(journeys: Engine) -> None:
    def outliers(min_pageviews: int) -> list[PageOutlier]:
        scoped = journeys.scoped(WORKSPACE)
        return page_outliers(scoped, START, END, min_pageviews, executor=journeys.executor)

    assert outliers(1)
    assert all(o.pageviews >= 30 for o in outliers(30))
    assert outliers(10_000) == []


def test_api_and_funnel_page(
    services: Services,
    brand: Brand,
    live_server: str,
    frames: dict[str, list[dict[str, Any]]],
) -> None:
    for name, rows in frames.items():
        mine = [
            dict(row, workspace_id=brand.workspace_id)
            for row in rows
            if row["workspace_id"] == WORKSPACE
        ]
        load(services.warehouse, name, arrow(name, mine))
    with services.catalog.session() as session:
        time_zone = workspaces.get_workspace(session, brand.slug).time_zone
    days = {"start": "2024-03-01", "end": "2024-03-14"}
    begin, end = local_day_bounds_utc(date(2024, 3, 1), date(2024, 3, 14), zone(time_zone))
    scoped = services.warehouse.for_workspace(brand.workspace_id)
    token = make_token(services, brand, [Scope.ANALYTICS_READ])
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=live_server, timeout=60) as client:
        journeys = client.get("/api/v1/sessions-before-purchase", params=days, headers=headers)
        outliers = client.get(
            "/api/v1/page-outliers", params={**days, "min_pageviews": 5}, headers=headers
        )
        bad = client.get("/api/v1/page-outliers", params={"min_pageviews": 0}, headers=headers)
        anonymous = client.get("/api/v1/page-outliers", params=days)
        login(client, brand.email(Role.VIEWER), PASSWORD)
        page = client.get("/funnel", params=days)
    assert journeys.status_code == 200, journeys.text
    wanted = sessions_before_purchase(scoped, begin, end)
    assert journeys.json()["rows"] == [asdict(row) for row in wanted]
    assert wanted
    assert outliers.status_code == 200, outliers.text
    assert outliers.json()["rows"] == [
        asdict(row) for row in page_outliers(scoped, begin, end, min_pageviews=5)
    ]
    assert bad.status_code == 422
    assert anonymous.status_code == 401
    assert page.status_code == 200, page.text
    assert 'id="sessions-before-purchase"' in page.text
    assert 'id="page-outliers"' in page.text
    assert wanted[0].first_touch_channel in page.text
