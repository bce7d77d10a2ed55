"""One KPI suite, three engines: DuckDB (the embedded default), Spark in local mode, and the
ClickHouse SQL Ibis compiles, executed on chDB. Every engine sees the same fixture tables;
tests with a dataset of their own load it with `engines.load` (see tests/support/engines.py).
The `engines` fixture itself lives in tests/conftest.py: one SparkSession per test run."""

from __future__ import annotations

import pyarrow as pa
import pytest

from tests.metrics import edge, fixture
from tests.support.engines import ENGINES, Engine, Engines

# The KPI suite's shared dataset: the fixture workspaces plus the hand-checked edge cases.
KPI_DATASET = "kpis"


@pytest.fixture(scope="session")
def tables() -> dict[str, pa.Table]:
    built = fixture.build()
    extra = edge.build()
    return {
        name: pa.concat_tables([table, extra[name]]) if name in extra else table
        for name, table in built.items()
    }


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest, engines: Engines, tables: dict[str, pa.Table]) -> Engine:
    """The KPI dataset on each engine."""
    return engines.load(request.param, KPI_DATASET, tables)
