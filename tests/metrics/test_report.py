"""Comparisons, deltas, goals, benchmarks and presentation: numbers on every engine, pure logic
once."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pandas as pd
import pytest

from mercato.metrics import benchmarks as bm
from mercato.metrics.compiler import Slice
from mercato.metrics.evaluate import evaluate
from mercato.metrics.goals import progress
from mercato.metrics.present import format_value, records, to_csv
from mercato.metrics.registry import KPI_BY_ID
from mercato.metrics.report import (
    Compare,
    build_report,
    comparison_window,
    delta,
    internal_benchmark,
    sparkline,
)
from tests.metrics.fixture import FIRST, LAST, TIME_ZONE, WORKSPACE
from tests.support.engines import Engine


def test_comparison_windows() -> None:
    assert comparison_window(date(2024, 3, 1), date(2024, 3, 10), Compare.PREVIOUS) == (
        date(2024, 2, 20),
        date(2024, 2, 29),
    )
    assert comparison_window(date(2024, 2, 29), date(2024, 3, 31), Compare.YOY) == (
        date(2023, 2, 28),
        date(2023, 3, 31),
    )


def test_deltas_handle_zero_and_missing_bases() -> None:
    assert delta(Decimal("12.50"), Decimal("10.00")).absolute == Decimal("2.50")
    assert delta(0.3, 0.2).relative == pytest.approx(0.5)
    assert delta(5, 0).relative is None
    assert delta(None, 3).absolute is None


def test_report_compares_with_last_year(engine: Engine) -> None:
    scoped = engine.scoped(WORKSPACE)
    report = build_report(
        scoped,
        Slice(FIRST, LAST, TIME_ZONE),
        Compare.YOY,
        ["transactions", "conversion_rate", "revenue_gross"],
        executor=engine.executor,
    )
    base = evaluate(
        scoped,
        Slice(date(2023, 2, 26), date(2023, 3, 12), TIME_ZONE),
        ["transactions", "revenue_gross"],
        executor=engine.executor,
    )
    line = report.line("transactions")
    assert line is not None
    assert line.base is not None
    assert line.base.value == base["transactions"].total.value  # type: ignore[union-attr]
    assert line.delta.absolute == line.current.value - line.base.value  # type: ignore[operator]
    revenue = report.line("revenue_gross")
    assert revenue is not None
    assert isinstance(revenue.delta.absolute, Decimal)


def test_internal_benchmark_is_the_median_of_monthly_values(engine: Engine) -> None:
    scoped = engine.scoped(WORKSPACE)
    slice_ = Slice(date(2024, 3, 1), date(2024, 3, 31), TIME_ZONE)
    # Trailing 12 months = Mar 2023 .. Feb 2024; only Mar 2023 and Feb 2024 have data (months
    # without any data are left out: missing history is not a zero).
    values = [
        evaluate(scoped, Slice(first, last, TIME_ZONE), ["transactions"], executor=engine.executor)[
            "transactions"
        ].total.value  # type: ignore[union-attr]
        for first, last in [
            (date(2023, 3, 1), date(2023, 3, 31)),
            (date(2024, 2, 1), date(2024, 2, 29)),
        ]
    ]
    found = internal_benchmark(scoped, slice_, "transactions", executor=engine.executor)
    assert found == sum(values) / 2  # type: ignore[arg-type]


def test_benchmarks_resolve_override_then_default() -> None:
    default = bm.resolve("engagement_rate_by_followers", "instagram")
    assert default is not None
    assert default.value == 0.0047
    assert "2023" in default.label
    assert "median per post" in default.label
    mine = bm.Benchmark(
        "engagement_rate_by_followers",
        0.01,
        "median per post, by follower",
        "our agency",
        2026,
        "instagram",
        origin="workspace",
    )
    assert bm.resolve("engagement_rate_by_followers", "instagram", [mine]) == mine
    assert bm.resolve("engagement_rate_by_followers", "tiktok", [mine]).value == 0.0569  # type: ignore[union-attr]
    assert bm.resolve("views", None) is None
    assert len(bm.catalogue([mine])) == len(bm.DEFAULT_BENCHMARKS)


def test_goal_progress_and_forecast_interval(engine: Engine) -> None:
    """Progress and forecast against pandas over the KPI's own daily values."""
    scoped = engine.scoped(WORKSPACE)
    goal = SimpleNamespace(
        id="g1",
        kpi_id="transactions",
        period_start=date(2024, 3, 1),
        period_end=date(2024, 3, 31),
        target=Decimal(40),
        platform=None,
    )
    found = progress(scoped, goal, date(2024, 3, 10), TIME_ZONE, executor=engine.executor)
    window = Slice(date(2024, 3, 1), date(2024, 3, 10), TIME_ZONE)
    actual = evaluate(scoped, window, ["transactions"], executor=engine.executor)[
        "transactions"
    ].total.value  # type: ignore[union-attr]
    daily = sparkline(scoped, window, ["transactions"], executor=engine.executor)["transactions"]
    days = pd.Series(0.0, index=pd.date_range("2024-03-01", "2024-03-10").strftime("%Y-%m-%d"))
    days.update(pd.Series({day: float(v) for day, v in daily if v is not None}))
    left = 31 - 10
    half = 1.2816 * (left * days.var() + left**2 * days.var() / 10) ** 0.5
    assert found.actual == actual
    assert days.sum() == pytest.approx(float(actual))
    assert found.forecast == pytest.approx(days.sum() + days.mean() * left)
    assert found.forecast_low == pytest.approx(days.sum() + days.mean() * left - half)
    assert found.forecast_high == pytest.approx(days.sum() + days.mean() * left + half)
    assert found.progress == pytest.approx(actual / 40)  # type: ignore[operator]
    future = progress(scoped, goal, date(2024, 2, 1), TIME_ZONE, executor=engine.executor)
    assert future.actual is None
    assert future.on_track is None
    assert future.verdict is None


def test_social_revenue_target_scales_the_share(engine: Engine) -> None:
    found = evaluate(
        engine.scoped(WORKSPACE),
        Slice(FIRST, LAST, TIME_ZONE),
        ["social_revenue_share", "social_revenue_target"],
        {"revenue_forecast": Decimal("10000.00")},
        executor=engine.executor,
    )
    share = found["social_revenue_share"].total.value  # type: ignore[union-attr]
    target = found["social_revenue_target"].total.value  # type: ignore[union-attr]
    assert target == (Decimal(str(share)) * Decimal("10000.00")).quantize(Decimal("0.01"))


def test_values_show_na_and_units() -> None:
    assert format_value(KPI_BY_ID["conversion_rate"], 0.01234) == "1.23%"
    # Money shows the decimals evaluate() rounded it to: its currency's minor unit.
    assert format_value(KPI_BY_ID["revenue_gross"], Decimal("1234.50")) == "1,234.50"
    assert format_value(KPI_BY_ID["revenue_gross"], Decimal("1500")) == "1,500"  # JPY
    assert format_value(KPI_BY_ID["revenue_gross"], Decimal("12.345")) == "12.345"  # KWD
    assert format_value(KPI_BY_ID["roas"], None) == "n/a"


def test_report_rows_carry_benchmarks(engine: Engine) -> None:
    report = build_report(
        engine.scoped(WORKSPACE),
        Slice(FIRST, LAST, TIME_ZONE, dimensions=("platform",)),
        kpi_ids=["engagement_rate_by_followers", "cart_abandonment_rate"],
        executor=engine.executor,
    )
    marks = {(b.kpi_id, b.platform): b for b in bm.DEFAULT_BENCHMARKS}
    rows = records(report, marks)
    instagram = next(
        r
        for r in rows
        if r["kpi"] == "engagement_rate_by_followers" and r["platform"] == "instagram"
    )
    assert instagram["benchmark"] == 0.0047
    assert "2023" in instagram["benchmark_label"]
    csv_text = to_csv(rows)
    assert csv_text.splitlines()[0].startswith("kpi,name,stage,platform,value")
