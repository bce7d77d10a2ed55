"""Deltas and benchmark verdicts against hand computations, for KPIs where higher is better and
for KPIs where lower is (cart abandonment, sessions before purchase); and the stage funnel
from a hand-built report by platform."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from mercato.metrics.benchmarks import Benchmark, resolve
from mercato.metrics.compiler import NONE_LABEL, Slice
from mercato.metrics.evaluate import KpiValue
from mercato.metrics.present import format_change
from mercato.metrics.registry import KPI_BY_ID
from mercato.metrics.report import Delta, Report, ReportLine, delta
from mercato.metrics.spec import Better
from mercato.metrics.stage_funnel import platform_funnels
from mercato.metrics.verdicts import Change, Position, Tone, change, verdict
from mercato.web.verdict_views import delta_view, verdict_view

REVENUE = KPI_BY_ID["revenue_gross"]
TRANSACTIONS = KPI_BY_ID["transactions"]
CART = KPI_BY_ID["cart_abandonment_rate"]
SESSIONS_BEFORE = KPI_BY_ID["sessions_before_purchase"]
ER_FOLLOWERS = KPI_BY_ID["engagement_rate_by_followers"]


def test_the_registry_says_which_way_is_better() -> None:
    assert REVENUE.better is Better.HIGHER
    assert CART.better is Better.LOWER
    assert SESSIONS_BEFORE.better is Better.LOWER


@pytest.mark.parametrize(
    ("kpi", "now", "before", "expected", "text"),
    [
        # 110.00 vs 100.00: +10 / 100 = +10.0 %, more revenue is good
        (REVENUE, Decimal("110.00"), Decimal("100.00"), Change(1, Tone.GOOD), "+10.0%"),
        (REVENUE, Decimal("90.00"), Decimal("100.00"), Change(-1, Tone.BAD), "-10.0%"),
        # 1,004 vs 1,000: +0.4 % is under the 0.5 % flat line; 1,006: +0.6 % is not
        (TRANSACTIONS, 1004, 1000, Change(0, Tone.NEUTRAL), "+0.4%"),
        (TRANSACTIONS, 1006, 1000, Change(1, Tone.GOOD), "+0.6%"),
        # from zero orders to 3: no relative change, but up is up
        (TRANSACTIONS, 3, 0, Change(1, Tone.GOOD), "n/a"),
        (TRANSACTIONS, 0, 0, Change(0, Tone.NEUTRAL), "n/a"),
        # abandonment 72 % vs 70 %: +2 points, and more abandonment is bad
        (CART, 0.72, 0.70, Change(1, Tone.BAD), "+2.00 pt"),
        (CART, 0.68, 0.70, Change(-1, Tone.GOOD), "-2.00 pt"),
        # +0.04 points is under the 0.05-point flat line; +0.06 is a (bad) rise
        (CART, 0.7004, 0.70, Change(0, Tone.NEUTRAL), "+0.04 pt"),
        (CART, 0.7006, 0.70, Change(1, Tone.BAD), "+0.06 pt"),
        # 2.0 sessions before purchase vs 2.5: -20 %, buyers decide sooner: good
        (SESSIONS_BEFORE, 2.0, 2.5, Change(-1, Tone.GOOD), "-20.0%"),
        (SESSIONS_BEFORE, 3.0, 2.5, Change(1, Tone.BAD), "+20.0%"),
    ],
)
def test_change_reads_the_kpis_better_direction(
    kpi: object, now: object, before: object, expected: Change, text: str
) -> None:
    found = delta(now, before)  # type: ignore[arg-type]
    assert change(kpi, found) == expected  # type: ignore[arg-type]
    assert format_change(kpi, found) == text  # type: ignore[arg-type]
    view = delta_view(kpi, found)  # type: ignore[arg-type]
    assert view is not None
    assert (view["tone"], view["arrow"]) == (
        expected.tone.value,
        {1: "▲", -1: "▼", 0: "="}[expected.direction],
    )
    # Without a relative change (a zero base) the page shows the change itself.
    assert view["text"] == {(3, 0): "+3", (0, 0): "0"}.get((now, before), text)  # type: ignore[arg-type]


def test_no_earlier_value_means_no_change() -> None:
    assert change(REVENUE, delta(Decimal("5.00"), None)) is None
    assert change(CART, Delta(None, None)) is None
    assert delta_view(CART, Delta(None, None)) is None


def _mark(kpi_id: str, value: float) -> Benchmark:
    return Benchmark(kpi_id, value, "hand-made", "Test study", 2025)


@pytest.mark.parametrize(
    ("kpi", "value", "mark", "position", "tone", "band"),
    [
        # Baymard's 70.19 %: within means 63.171 % .. 77.209 % (± 10 %)
        (CART, 0.7949, 0.7019, Position.ABOVE, Tone.BAD, (0.63171, 0.77209)),
        (CART, 0.60, 0.7019, Position.BELOW, Tone.GOOD, (0.63171, 0.77209)),
        (CART, 0.75, 0.7019, Position.WITHIN, Tone.NEUTRAL, (0.63171, 0.77209)),
        # Rival IQ's Instagram 0.47 %: 0.423 % .. 0.517 %
        (ER_FOLLOWERS, 0.0593, 0.0047, Position.ABOVE, Tone.GOOD, (0.00423, 0.00517)),
        (ER_FOLLOWERS, 0.0040, 0.0047, Position.BELOW, Tone.BAD, (0.00423, 0.00517)),
        (ER_FOLLOWERS, 0.0050, 0.0047, Position.WITHIN, Tone.NEUTRAL, (0.00423, 0.00517)),
        # sessions before purchase against a benchmark of 3: 2.7 .. 3.3; fewer is better
        (SESSIONS_BEFORE, 2.0, 3.0, Position.BELOW, Tone.GOOD, (2.7, 3.3)),
        (SESSIONS_BEFORE, 4.0, 3.0, Position.ABOVE, Tone.BAD, (2.7, 3.3)),
    ],
)
def test_verdict_against_the_benchmarks_band(
    kpi: object,
    value: float,
    mark: float,
    position: Position,
    tone: Tone,
    band: tuple[float, float],
) -> None:
    found = verdict(kpi, value, _mark(kpi.id, mark))  # type: ignore[arg-type,attr-defined]
    assert found is not None
    assert (found.position, found.tone) == (position, tone)
    assert found.low == pytest.approx(band[0])
    assert found.high == pytest.approx(band[1])


def test_verdict_view_shows_value_benchmark_band_and_source() -> None:
    mark = resolve("cart_abandonment_rate", None)
    view = verdict_view(CART, 0.7949, mark)
    assert view == {
        "platform": None,
        "position": "above",
        "tone": "bad",
        "value": "79.49%",
        "benchmark": "70.19%",
        "low": "63.17%",
        "high": "77.21%",
        "band": "±10%",
        "label": "Baymard Institute year not stated, average of 49 studies",
        "url": "https://baymard.com/lists/cart-abandonment-rate",
    }
    assert verdict_view(CART, None, mark) is None
    assert verdict(CART, 0.5, None) is None


def _line(kpi_id: str, platform: str, value: object) -> ReportLine:
    return ReportLine(
        KPI_BY_ID[kpi_id],
        (platform,),
        KpiValue(value),  # type: ignore[arg-type]
        None,
        Delta(None, None),
    )


def test_stage_funnel_per_platform_from_a_report_by_platform() -> None:
    lines = [
        _line("views", "instagram", 20_000),
        _line("sessions", "instagram", 50),
        _line("transactions", "instagram", 4),
        _line("views", "x", 8_000),  # no sessions or orders from X: 0, so 0 % then n/a
        _line("sessions", "tiktok", 10),  # no posts collected from TikTok: views n/a
        _line("transactions", "tiktok", 1),
        _line("sessions", NONE_LABEL, 99),  # other channels: not a platform funnel
        _line("conversion_rate", "instagram", 0.08),  # not a stage KPI
    ]
    report = Report(
        Slice(date(2026, 3, 1), date(2026, 3, 31), dimensions=("platform",)), None, None, lines
    )
    found = {
        f.platform: [(s.kpi.id, s.value, s.rate) for s in f.steps] for f in platform_funnels(report)
    }
    assert found == {
        # 50 / 20,000 = 0.25 %; 4 / 50 = 8 %
        "instagram": [("views", 20_000, None), ("sessions", 50, 0.0025), ("transactions", 4, 0.08)],
        "tiktok": [("views", None, None), ("sessions", 10, None), ("transactions", 1, 0.1)],
        "x": [("views", 8_000, None), ("sessions", 0, 0.0), ("transactions", 0, None)],
    }


def test_stage_funnel_needs_a_report_by_platform() -> None:
    report = Report(Slice(date(2026, 3, 1), date(2026, 3, 31)), None, None, [])
    with pytest.raises(ValueError, match="by platform"):
        platform_funnels(report)
