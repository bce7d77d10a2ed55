"""The registry validates, every KPI is documented, and docs/metrics.md is fresh."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from mercato.metrics.docs import DOCS_PATH, render_docs
from mercato.metrics.registry import KPI_BY_ID, KPIS, MEASURES
from mercato.metrics.rules import validate
from mercato.metrics.spec import Agg, EntityRate, Measure, Ratio, Unit


def test_the_registry_has_no_issues() -> None:
    assert validate(KPIS, MEASURES) == []


def test_rules_catch_broken_specs() -> None:
    conversion = KPI_BY_ID["conversion_rate"]
    broken = (
        replace(conversion, formula=Ratio("transactions", "no_such_measure")),
        replace(KPI_BY_ID["aov_gross"], denominator=None),
        replace(KPI_BY_ID["lead_capture_rate"], unit=Unit.COUNT),
        replace(KPI_BY_ID["revenue_gross"], description=" "),
        replace(KPI_BY_ID["frequency"], formula=EntityRate("orders", "gross", "net")),
        replace(KPI_BY_ID["roas"], benchmark="nowhere"),
        replace(KPI_BY_ID["engaged_session_rate"], additive=True),
        replace(KPI_BY_ID["engaged_time_per_session"], formula_text="Σ engaged_ms ÷ sessions"),
        replace(KPI_BY_ID["follower_net_change"], formula_text="Σ follows"),
        replace(KPI_BY_ID["views"], formula_text="Σ views ÷ posts"),
        conversion,
    )
    measures = (*MEASURES, Measure("bad", "nowhere", Agg.SUM))
    messages = [str(issue) for issue in validate(broken, measures)]
    expected = [
        "unknown measure 'no_such_measure'",
        "must record its denominator",
        "unit 'count'",
        "needs a name, a description",
        "pivoted social source",
        "has no shipped default",
        "only sums and counts",
        "declared 2 times",
        "unknown source 'nowhere'",
        "sum needs a column",
        "engaged_time_per_session: formula text 'Σ engaged_ms ÷ sessions' lacks ['÷ 1000']",
        "follower_net_change: formula text 'Σ follows' lacks [' - ']",
        "views: formula text 'Σ views ÷ posts' lacks ['no ÷",
    ]
    for fragment in expected:
        assert any(fragment in message for message in messages), fragment


def test_every_kpi_is_documented_and_the_docs_are_fresh() -> None:
    text = Path(DOCS_PATH).read_text()
    for kpi in KPIS:
        assert f"### `{kpi.id}`" in text, f"{kpi.id} lacks docs: run `mercato metrics docs`"
    assert text == render_docs(), "docs/metrics.md is stale: run `mercato metrics docs`"
