"""Every KPI against the independent pandas reference, on every engine."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest

from mercato.metrics.compiler import Slice
from mercato.metrics.evaluate import KpiResult, KpiValue, evaluate
from mercato.metrics.registry import KPIS
from mercato.metrics.spec import Agg, EntityRate
from tests.metrics import reference as ref
from tests.metrics.fixture import FIRST, LAST, TIME_ZONE, WORKSPACE
from tests.support.engines import Engine

# Every KPI except the one that needs a workspace parameter has a reference here.
REFERENCE_FREE = {"social_revenue_target"}


def expected(tables: dict[str, pa.Table], dims: list[str]) -> ref.Result:
    reference = ref.Reference(tables, WORKSPACE, TIME_ZONE)
    found: ref.Result = {}
    parts = [(ref.session_kpis, {"platform", "channel"}), (ref.social_kpis, {"platform"})]
    parts.append((ref.spend_kpis, {"platform"}))
    for part, dimensions in parts:
        if set(dims) <= dimensions:
            found.update(part(reference, FIRST, LAST, dims))
    return found


def close(actual: Any, wanted: Any, engine: str) -> bool:
    if wanted is None or actual is None:
        return actual is None and wanted is None
    if isinstance(wanted, Decimal) and engine != "clickhouse":
        return bool(actual == wanted)
    return math.isclose(float(actual), float(wanted), rel_tol=1e-9, abs_tol=1e-9)


def check(result: KpiResult, wanted: dict[tuple[str, ...], Any], engine: str) -> list[str]:
    problems = []
    if set(result.values) != set(wanted):
        return [f"{result.kpi.id}: keys {sorted(result.values)} != {sorted(wanted)}"]
    for key, value in result.values.items():
        problems += compare(result, key, value, wanted[key], engine)
    return problems


def compare(result: KpiResult, key: Any, value: KpiValue, wanted: Any, engine: str) -> list[str]:
    formula = result.kpi.formula
    label = f"{result.kpi.id}{key}"
    if not isinstance(formula, EntityRate):
        return [] if close(value.value, wanted, engine) else [f"{label}: {value.value} != {wanted}"]
    primary, other = ("median", "sums") if formula.primary is Agg.MEDIAN else ("sums", "median")
    problems = []
    if not close(value.value, wanted[primary], engine):
        problems.append(f"{label}: {value.value} != {wanted[primary]} ({primary})")
    if not close(value.alternate, wanted[other], engine):
        problems.append(f"{label}: alternate {value.alternate} != {wanted[other]} ({other})")
    coverage = (value.coverage.used, value.coverage.total) if value.coverage else None
    if coverage != (wanted["used"], wanted["total"]):
        problems.append(f"{label}: coverage {coverage} != {(wanted['used'], wanted['total'])}")
    return problems


DIMENSIONS = [(), ("platform",), ("channel",)]


@pytest.mark.parametrize("dims", DIMENSIONS, ids=lambda d: "+".join(d) or "total")
def test_every_kpi_matches_the_reference(
    engine: Engine, tables: dict[str, pa.Table], dims: tuple[str, ...]
) -> None:
    slice_ = Slice(FIRST, LAST, TIME_ZONE, dimensions=dims)
    results = evaluate(engine.scoped(WORKSPACE), slice_, executor=engine.executor)
    wanted = expected(tables, list(dims))
    problems = []
    for kpi in KPIS:
        result = results[kpi.id]
        if kpi.id in REFERENCE_FREE:
            continue
        if result.unsupported:
            assert kpi.id not in wanted, result.unsupported
            continue
        problems += check(result, wanted[kpi.id], engine.name)
    assert problems == []


def test_every_kpi_has_a_reference(tables: dict[str, pa.Table]) -> None:
    wanted = expected(tables, [])
    assert sorted(k.id for k in KPIS if k.id not in REFERENCE_FREE) == sorted(wanted)
