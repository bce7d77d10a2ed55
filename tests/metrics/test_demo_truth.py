"""On the demo brand, the report reproduces the generator's recorded ground truth, on every
engine (the seeded warehouse's tables loaded into each)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from mercato.demo.timeline import END_DAY, START_DAY
from mercato.metrics.compiler import Slice
from mercato.metrics.evaluate import evaluate
from mercato.metrics.timebuckets import Grain
from mercato.warehouse.schemas import TABLES
from tests.demo.conftest import Seeded, seed_into
from tests.support.engines import ENGINES, Engine, Engines

# ground-truth field → (KPI, which part of it)
MONTHLY = {
    "sessions": ("conversion_rate", "denominator"),
    "orders": ("transactions", "value"),
    "engaged_sessions": ("engaged_session_rate", "numerator"),
    "leads": ("lead_capture_rate", "numerator"),
    "carts": ("cart_abandonment_rate", "denominator"),
    "checkouts": ("checkout_abandonment_rate", "denominator"),
    "gross": ("revenue_gross", "value"),
    "net": ("revenue_net", "value"),
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    brand = seed_into(Path(tmp_path_factory.mktemp("demo-kpis")))
    yield brand
    brand.services.close()


@pytest.fixture(scope="module")
def demo_tables(demo: Seeded) -> dict[str, pa.Table]:
    warehouse = demo.services.warehouse
    return {name: warehouse.raw_table(name).to_pyarrow() for name in TABLES}


@pytest.fixture(params=ENGINES)
def demo_engine(
    request: pytest.FixtureRequest, engines: Engines, demo_tables: dict[str, pa.Table]
) -> Engine:
    """The seeded warehouse's tables on each engine."""
    return engines.load(request.param, "demo", demo_tables)


def test_monthly_funnel_matches_the_ground_truth(demo: Seeded, demo_engine: Engine) -> None:
    scoped = demo_engine.scoped(demo.workspace_id)
    kpis = sorted({kpi for kpi, _part in MONTHLY.values()})
    slice_ = Slice(START_DAY, END_DAY, "UTC", Grain.MONTH)
    results = evaluate(scoped, slice_, kpis, executor=demo_engine.executor)
    truth = demo.summary.truth.months
    assert truth
    mismatches = []
    for month, expected in truth.items():
        key = (f"{month}-01",)
        for field, (kpi_id, part) in MONTHLY.items():
            value = results[kpi_id].values.get(key)
            got = getattr(value, part) if value is not None else None
            wanted = Decimal(expected[field]) if field in ("gross", "net") else expected[field]
            if (got or 0) != wanted:
                mismatches.append(f"{month} {field}: report {got} != truth {wanted}")
    assert mismatches == []


def test_engagement_rate_by_followers_matches_the_ground_truth(
    demo: Seeded, demo_engine: Engine
) -> None:
    scoped = demo_engine.scoped(demo.workspace_id)
    slice_ = Slice(START_DAY, END_DAY, "UTC", dimensions=("platform",))
    kpi = "engagement_rate_by_followers"
    result = evaluate(scoped, slice_, [kpi], executor=demo_engine.executor)[kpi]
    for platform, truth in demo.summary.truth.engagement.items():
        value = result.values[(platform,)]
        assert value.value == pytest.approx(truth.median_engagement_rate_by_followers, rel=1e-9), (
            platform
        )
        assert value.coverage is not None
        assert value.coverage.used == truth.posts_used, platform
