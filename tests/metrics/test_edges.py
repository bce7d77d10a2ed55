"""Hand-checked edge cases and time buckets, on every engine."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal

import pandas as pd
import pyarrow as pa
import pytest

from mercato.metrics.compiler import Slice
from mercato.metrics.evaluate import evaluate
from mercato.metrics.present import format_value
from mercato.metrics.registry import KPI_BY_ID
from mercato.metrics.timebuckets import Grain
from tests.metrics import edge
from tests.metrics.fixture import FIRST, LAST, TIME_ZONE, WORKSPACE
from tests.support.engines import Engine

EDGE_EXPECTED = {
    "social_sessions": 2,
    "engaged_session_rate": 0.5,  # e2 has 2 page views; e1 has 4 s and one page
    "conversion_rate": 0.5,
    "revenue_gross": Decimal("10.00"),
    "revenue_net": Decimal("-40.00"),  # the refund is larger than the range's sales
    "aov_net": Decimal("-40.00"),
    "cart_abandonment_rate": None,  # no carts: n/a, not 0
    "checkout_abandonment_rate": None,
    "roas": None,  # no spend
    "lead_capture_rate": 0.0,
    "sessions_before_purchase": None,
    "engaged_time_per_page": None,  # no page views
    "views": 1000,  # the Instagram post's latest snapshot is all NULL
    "reach": 800,
    "engagement_rate_by_views": 0.04,
    "engagement_rate_by_followers": 0.02,
    "social_ctr": 0.0,
    "engagement_mix_weighted": 0.054,
    "follower_growth_rate": 0.0,
    "follower_net_change": None,  # never reported: missing, not 0
    "dormant_follower_proxy": None,
    "social_revenue_target": None,  # no forecast given
}
COVERAGE = {
    "engagement_rate_by_views": (1, 2),
    "social_ctr": (1, 2),
    "dormant_follower_proxy": (0, 1),
}


def test_hand_checked_workspace(engine: Engine) -> None:
    results = evaluate(
        engine.scoped(edge.EDGE), Slice(edge.FIRST, edge.LAST), executor=engine.executor
    )
    actual = {kpi_id: results[kpi_id].total.value for kpi_id in EDGE_EXPECTED}  # type: ignore[union-attr]
    assert actual == pytest.approx(EDGE_EXPECTED)
    for kpi_id, coverage in COVERAGE.items():
        found = results[kpi_id].total.coverage  # type: ignore[union-attr]
        assert found is not None
        assert (found.used, found.total) == coverage


def test_no_data_gives_zeros_for_counts_and_na_for_rates(engine: Engine) -> None:
    results = evaluate(engine.scoped(edge.EMPTY), Slice(FIRST, LAST), executor=engine.executor)
    values = {kpi_id: r.total.value for kpi_id, r in results.items()}  # type: ignore[union-attr]
    assert values["transactions"] == 0
    assert values["revenue_gross"] == Decimal("0.00")
    for kpi_id in ("conversion_rate", "aov_gross", "views", "engagement_rate_by_followers"):
        assert values[kpi_id] is None, kpi_id
    assert format_value(KPI_BY_ID["conversion_rate"], values["conversion_rate"]) == "n/a"


def test_inputs_no_row_carries_are_na_not_zero(engine: Engine) -> None:
    """Orders without net amounts, sessions and page views without engaged time: n/a; the
    facts that are there still count (edge.unmeasured)."""
    scoped = engine.scoped(edge.UNMEASURED)
    results = evaluate(scoped, Slice(edge.FIRST, edge.LAST), executor=engine.executor)
    values = {kpi_id: r.total.value for kpi_id, r in results.items()}  # type: ignore[union-attr]
    for kpi_id in ("revenue_net", "aov_net", "engaged_time_per_session", "engaged_time_per_page"):
        assert values[kpi_id] is None, kpi_id
        assert format_value(KPI_BY_ID[kpi_id], values[kpi_id]) == "n/a"
    assert values["revenue_gross"] == Decimal("19.90")
    assert (values["transactions"], values["sessions"]) == (1, 3)
    # Per-post followers (no account days at all): the Pinterest post's 1,200.
    assert values["engagement_rate_by_followers"] == pytest.approx((5 + 1 + 8 + 4) / 1_200)
    # Facebook without link clicks counts reactions, comments and shares.
    facebook, pinterest = 10 + 2 * 2 + 3 * 1, 5 + 2 * 1 + 4 * 8 + 5 * 4
    weighted = results["engagement_mix_weighted"].total
    assert weighted is not None
    assert weighted.value == pytest.approx((facebook + pinterest) / (400 + 900))
    assert weighted.coverage is not None
    assert (weighted.coverage.used, weighted.coverage.total) == (2, 2)


def _local_days(tables: dict[str, pa.Table]) -> Counter[str]:
    sessions = tables["sessions"].to_pandas()
    sessions = sessions[sessions.workspace_id == WORKSPACE]
    local = sessions.started_at.dt.tz_localize("UTC").dt.tz_convert(TIME_ZONE).dt.date
    inside = local[(local >= FIRST) & (local <= LAST)]
    return Counter(day.isoformat() for day in inside)


def test_daily_buckets_follow_local_midnight_across_dst(
    engine: Engine, tables: dict[str, pa.Table]
) -> None:
    slice_ = Slice(FIRST, LAST, TIME_ZONE, Grain.DAY)
    result = evaluate(
        engine.scoped(WORKSPACE), slice_, ["conversion_rate"], executor=engine.executor
    )
    sessions = {
        key[0]: int(v.denominator or 0) for key, v in result["conversion_rate"].values.items()
    }
    assert sessions == dict(_local_days(tables))
    assert "2024-02-29" in sessions
    assert "2024-03-10" in sessions


def test_weekly_and_monthly_buckets(engine: Engine, tables: dict[str, pa.Table]) -> None:
    weeks = evaluate(
        engine.scoped(WORKSPACE),
        Slice(FIRST, LAST, TIME_ZONE, Grain.WEEK),
        ["conversion_rate"],
        executor=engine.executor,
    )["conversion_rate"]
    by_week: Counter[str] = Counter()
    for day, count in _local_days(tables).items():
        monday = pd.Timestamp(day) - pd.Timedelta(days=pd.Timestamp(day).weekday())
        by_week[monday.date().isoformat()] += count
    assert {k[0]: int(v.denominator or 0) for k, v in weeks.values.items()} == dict(by_week)
    months = evaluate(
        engine.scoped(WORKSPACE),
        Slice(date(2024, 2, 1), date(2024, 3, 31), TIME_ZONE, Grain.MONTH),
        ["transactions"],
        executor=engine.executor,
    )["transactions"]
    assert sorted(k[0] for k in months.values) == ["2024-02-01", "2024-03-01"]
