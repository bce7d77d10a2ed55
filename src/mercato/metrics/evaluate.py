"""Run the compiled queries and turn measure rows into KPI values (None = "n/a")."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import ibis.expr.types as ir
import pyarrow as pa

from mercato.core.currencies import minor_unit
from mercato.core.money import money_step, quantum, round_money
from mercato.metrics.compiler import (
    BUCKET,
    CURRENCY_HIGH,
    CURRENCY_LOW,
    Slice,
    SourceQuery,
    compile_query,
    plan,
    rows_column,
    sources_of,
)
from mercato.metrics.compiler import unsupported_reason as reason_for
from mercato.metrics.registry import KPIS, MEASURE_BY_NAME, get_kpi
from mercato.metrics.sources import TableMemo
from mercato.metrics.spec import Agg, EntityRate, Kpi, Ratio, Unit, Value
from mercato.warehouse.connection import ScopedWarehouse

Number = Decimal | float | int
Key = tuple[str, ...]
Executor = Callable[[ir.Table], Any]  # an Ibis expression → a pandas DataFrame
# Facts whose empty cells mean 0 (no orders: revenue 0.00). Social metrics stay None: missing.
ZERO_WHEN_EMPTY = frozenset({"sessions", "orders", "events", "ad_spend"})
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Coverage:
    used: int
    total: int

    @property
    def share(self) -> float | None:
        return self.used / self.total if self.total else None


@dataclass(frozen=True)
class KpiValue:
    value: Number | None
    numerator: Number | None = None
    denominator: Number | None = None
    aggregation: str = "sum"
    alternate: float | None = None
    alternate_aggregation: str | None = None
    coverage: Coverage | None = None


@dataclass(frozen=True)
class KpiResult:
    kpi: Kpi
    values: dict[Key, KpiValue]
    unsupported: str | None = None

    @property
    def total(self) -> KpiValue | None:
        """The single value of an undimensioned slice."""
        return self.values.get(())


def _clean(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if type(value).__name__ in {"NaTType", "NAType"}:
        return None
    if hasattr(value, "item") and not isinstance(value, Decimal):
        return _clean(value.item())
    return value


def _key_part(value: Any) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "to_pydatetime"):
        return str(value.to_pydatetime().date().isoformat())
    return str(value)


def _records(result: Any) -> list[dict[str, Any]]:
    """Rows of an Arrow table (compiled SQL) or a pandas DataFrame (an executor's answer)."""
    if isinstance(result, pa.Table):
        return result.to_pylist()  # type: ignore[no-any-return]
    return result.to_dict("records")  # type: ignore[no-any-return]


def _rows(result: Any, keys: list[str]) -> dict[Key, dict[str, Any]]:
    rows: dict[Key, dict[str, Any]] = {}
    for record in _records(result):
        key = tuple(_key_part(record[name]) for name in keys)
        rows[key] = {name: _clean(value) for name, value in record.items()}
    return rows


@dataclass
class Fetched:
    """Measure rows per (source, total), keyed by the slice key."""

    slice_: Slice
    by_query: dict[tuple[str, bool], dict[Key, dict[str, Any]]]
    currency: str | None = None  # the workspace's: the precision of money no cell names

    def row(self, source: str, key: Key, total: bool = False) -> dict[str, Any]:
        total = total and self.slice_.cut  # plan() folds totals of an uncut slice into it
        rows = self.by_query.get((source, total), {})
        if total:
            key = key[len(self.slice_.dimensions) :]
        return rows.get(key, {})

    def keys(self, sources: Iterable[str]) -> list[Key]:
        found: set[Key] = set()
        for source in sources:
            found |= set(self.by_query.get((source, False), {}))
        return sorted(found)

    def measure(self, name: str, key: Key, total: bool = False) -> Number | None:
        """A measure's value; None = missing ("n/a").

        A fact source (sessions, orders, ...) with no rows in the cell counts 0: nothing
        happened. A SUM over rows none of which carries the value (orders without a net
        amount, sessions without engagement data) stays missing: missing is not zero."""
        measure = MEASURE_BY_NAME[name]
        row = self.row(measure.source, key, total)
        value = row.get(name)
        if value is not None or measure.source not in ZERO_WHEN_EMPTY:
            return value  # type: ignore[no-any-return]
        if measure.agg in (Agg.COUNT, Agg.COUNT_DISTINCT):
            return 0
        if measure.agg is Agg.SUM and not row.get(rows_column(name)):
            return 0
        return None

    def money_step(self, name: str, key: Key) -> Decimal:
        """The smallest unit of the one currency a money measure's cell holds (JPY 1, KWD
        0.001); the workspace currency's when the cell holds none; cents for several."""
        row = self.row(MEASURE_BY_NAME[name].source, key)
        low, high = row.get(CURRENCY_LOW), row.get(CURRENCY_HIGH)
        if low is None and high is None:
            return money_step(self.currency)
        if low != high or minor_unit(str(low)) is None:
            return CENT
        return quantum(str(low))


def fetch(
    warehouse: ScopedWarehouse,
    queries: list[SourceQuery],
    slice_: Slice,
    executor: Executor | None = None,
    currency: str | None = None,
) -> Fetched:
    """Each query's rows. The warehouse runs its SQL compiled once per (slice, query); an
    executor (another engine) is handed the Ibis expression itself."""
    tables = TableMemo(warehouse)
    by_query = {}
    for query in queries:
        keys = (
            [BUCKET]
            if query.total and slice_.grain
            else ([] if query.total else slice_.key_columns)
        )

        def build(query: SourceQuery = query) -> ir.Table:
            return compile_query(tables, query, slice_)

        if executor is None:
            result = warehouse.run_compiled((slice_, query.signature), build)
        else:
            result = executor(build())
        by_query[(query.source.name, query.total)] = _rows(result, keys)
    return Fetched(slice_, by_query, currency)


def _divide(
    numerator: Number | None, denominator: Number | None, unit: Unit, step: Decimal = CENT
) -> Number | None:
    if numerator is None or denominator is None or denominator == 0:
        return None
    if unit is Unit.MONEY:
        return (Decimal(str(numerator)) / Decimal(str(denominator))).quantize(step)
    return float(numerator) / float(denominator)


def _minus(left: Number | None, right: Number | None) -> Number | None:
    if left is None or right is None:
        return None
    if isinstance(left, Decimal) or isinstance(right, Decimal):
        return Decimal(str(left)) - Decimal(str(right))
    return left - right


def _ratio_value(kpi: Kpi, formula: Ratio, fetched: Fetched, key: Key) -> KpiValue:
    numerator = fetched.measure(formula.numerator, key)
    if formula.minus:
        numerator = _minus(numerator, fetched.measure(formula.minus, key))
    denominator = fetched.measure(formula.denominator, key, formula.denominator_total)
    unit = Unit.MONEY if kpi.unit is Unit.MONEY else Unit.RATIO
    step = fetched.money_step(formula.numerator, key) if unit is Unit.MONEY else CENT
    value = _divide(numerator, denominator, unit, step)
    if value is not None and not isinstance(value, Decimal):
        value = value * formula.scale
        value = 1 - value if formula.complement else value
    return KpiValue(value, numerator, denominator, "ratio of sums")


def _entity_value(kpi: Kpi, rate: EntityRate, fetched: Fetched, key: Key) -> KpiValue:
    row = fetched.row(rate.source, key)
    numerator, denominator = row.get(f"{kpi.id}__num"), row.get(f"{kpi.id}__den")
    of_sums = _divide(numerator, denominator, Unit.RATIO)
    median = row.get(f"{kpi.id}__median")
    if rate.complement:
        of_sums = None if of_sums is None else 1 - float(of_sums)
        median = None if median is None else 1 - float(median)
    entity = "post" if rate.source == "posts" else "account-day"
    by_sums = (float(of_sums) if of_sums is not None else None, "ratio of sums")
    by_median = (float(median) if median is not None else None, f"median per {entity}")
    primary, other = (by_median, by_sums) if rate.primary is Agg.MEDIAN else (by_sums, by_median)
    coverage = Coverage(int(row.get(f"{kpi.id}__used") or 0), int(row.get(f"{kpi.id}__total") or 0))
    return KpiValue(primary[0], numerator, denominator, primary[1], other[0], other[1], coverage)


def _plain_value(kpi: Kpi, formula: Value, fetched: Fetched, key: Key) -> KpiValue:
    value = fetched.measure(formula.measure, key)
    if formula.minus:
        value = _minus(value, fetched.measure(formula.minus, key))
    if value is not None and kpi.unit is Unit.MONEY:
        value = Decimal(str(value)).quantize(fetched.money_step(formula.measure, key))
    elif value is not None and kpi.unit is Unit.COUNT:
        value = int(value)
    aggregation = MEASURE_BY_NAME[formula.measure].agg.value
    return KpiValue(value, aggregation=aggregation)


def kpi_value(kpi: Kpi, fetched: Fetched, key: Key, parameters: dict[str, Decimal]) -> KpiValue:
    formula = kpi.formula
    if isinstance(formula, Ratio):
        return _ratio_value(kpi, formula, fetched, key)
    if isinstance(formula, EntityRate):
        return _entity_value(kpi, formula, fetched, key)
    if isinstance(formula, Value):
        return _plain_value(kpi, formula, fetched, key)
    base = kpi_value(get_kpi(formula.kpi), fetched, key, parameters)
    factor = parameters.get(formula.parameter)
    if base.value is None or factor is None:
        return KpiValue(None, aggregation=f"{formula.kpi} x {formula.parameter}")
    value = round_money(Decimal(str(base.value)) * factor, fetched.currency)
    return KpiValue(value, base.value, factor, f"{formula.kpi} x {formula.parameter}")


def evaluate(
    warehouse: ScopedWarehouse,
    slice_: Slice,
    kpi_ids: Iterable[str] | None = None,
    parameters: dict[str, Decimal] | None = None,
    executor: Executor | None = None,
    currency: str | None = None,
) -> dict[str, KpiResult]:
    """Every requested KPI (default: all) for the slice; unsupported ones say why. Money a
    cell's rows do not name a currency for (a derived target, an empty cell) is rounded to
    `currency`'s minor unit (the workspace's)."""
    kpis = [get_kpi(kpi_id) for kpi_id in kpi_ids] if kpi_ids is not None else list(KPIS)
    reasons = {kpi.id: reason_for(kpi, slice_) for kpi in kpis}
    runnable = [kpi for kpi in kpis if reasons[kpi.id] is None]
    fetched = fetch(warehouse, plan(runnable, slice_), slice_, executor, currency)
    results = {}
    for kpi in kpis:
        if reasons[kpi.id] is not None:
            results[kpi.id] = KpiResult(kpi, {}, reasons[kpi.id])
            continue
        keys = fetched.keys(sources_of(kpi))
        if not slice_.key_columns:
            keys = [()]
        values = {key: kpi_value(kpi, fetched, key, parameters or {}) for key in keys}
        results[kpi.id] = KpiResult(kpi, values)
    return results
