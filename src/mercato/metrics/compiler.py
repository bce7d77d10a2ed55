"""The one compiler: KPI specs + a slice → one Ibis aggregate per semantic source.

Every measure a report needs from one source becomes a column of a single grouped aggregate,
so the full funnel is a handful of queries on DuckDB, Spark or ClickHouse alike. Ratios are
divided afterwards in Python, where a zero denominator becomes None ("n/a") and money stays
Decimal.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from functools import reduce

import ibis
import ibis.expr.types as ir

from mercato.core.errors import ValidationFailed
from mercato.core.timeutil import local_day_bounds_utc, zone
from mercato.metrics.registry import MEASURE_BY_NAME, get_kpi
from mercato.metrics.sources import DIMENSIONS, SOURCES, Source, TableMemo, Tables
from mercato.metrics.spec import Agg, Condition, EntityRate, Kpi, Measure, Op, Ratio, Scaled, Value
from mercato.metrics.timebuckets import Grain, bucket_of_day, bucket_of_timestamp, offset_segments
from mercato.warehouse.connection import ScopedWarehouse

NONE_LABEL = "(none)"
# Sources made of visitors' rows: the ones a segment narrows (segments.scope).
VISITOR_SOURCES = frozenset({"sessions", "events", "orders", "purchasers"})
BUCKET = "bucket"
CURRENCY, CURRENCY_LOW, CURRENCY_HIGH = "currency", "__currency_low", "__currency_high"


@dataclass(frozen=True)
class Slice:
    """Local days first..last (inclusive) in `time_zone`, cut by dimensions and filters."""

    first_day: date
    last_day: date
    time_zone: str = "UTC"
    grain: Grain | None = None
    dimensions: tuple[str, ...] = ()
    filters: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # The segment whose visitors the warehouse is narrowed to (segments.scope), or None.
    segment: str | None = None

    @property
    def key_columns(self) -> list[str]:
        return [*self.dimensions, *([BUCKET] if self.grain else [])]

    def filtered_dimensions(self) -> set[str]:
        return {name for name, _values in self.filters}

    @property
    def cut(self) -> bool:
        """Whether dimensions or filters split the slice (else a total is the slice itself)."""
        return bool(self.dimensions or self.filters)


@dataclass
class SourceQuery:
    """What one report asks of one source: measures and entity rates, by slice or in total."""

    source: Source
    total: bool = False  # ignore dimensions and filters (denominators of shares)
    measures: dict[str, Measure] = field(default_factory=dict)
    rates: dict[str, EntityRate] = field(default_factory=dict)

    @property
    def signature(self) -> tuple[object, ...]:
        """Everything the compiled expression depends on besides the slice and the tenant."""
        measures = tuple(sorted(self.measures.items()))
        rates = tuple(sorted(self.rates.items()))
        return (self.source.name, self.total, measures, rates)


def measures_of(kpi: Kpi) -> list[Measure]:
    formula = kpi.formula
    if isinstance(formula, Ratio):
        names = [formula.numerator, formula.denominator, formula.minus]
    elif isinstance(formula, Value):
        names = [formula.measure, formula.minus]
    elif isinstance(formula, Scaled):
        return measures_of(get_kpi(formula.kpi))
    else:
        return []
    return [MEASURE_BY_NAME[name] for name in names if name is not None]


def sources_of(kpi: Kpi) -> set[str]:
    formula = kpi.formula
    if isinstance(formula, EntityRate):
        return {formula.source}
    if isinstance(formula, Ratio) and formula.denominator_total:
        return {MEASURE_BY_NAME[formula.numerator].source}
    return {measure.source for measure in measures_of(kpi)}


def unsupported_reason(kpi: Kpi, slice_: Slice) -> str | None:
    """Why `kpi` cannot be cut this way (a dimension its sources lack), or None."""
    wanted = set(slice_.dimensions) | slice_.filtered_dimensions()
    for source_name in sorted(sources_of(kpi)):
        if slice_.segment and source_name not in VISITOR_SOURCES:
            return f"{source_name} is not per visitor, so a segment cannot cut it"
        missing = sorted(wanted - set(SOURCES[source_name].dimensions))
        if missing:
            return f"{source_name} has no {', '.join(missing)} dimension"
    return None


def plan(kpis: list[Kpi], slice_: Slice) -> list[SourceQuery]:
    """Group every measure the KPIs need by (source, total); an uncut slice needs no totals."""
    queries: dict[tuple[str, bool], SourceQuery] = {}

    def query(source: str, total: bool) -> SourceQuery:
        return queries.setdefault((source, total), SourceQuery(SOURCES[source], total))

    for kpi in kpis:
        formula = (
            get_kpi(kpi.formula.kpi).formula if isinstance(kpi.formula, Scaled) else kpi.formula
        )
        if isinstance(formula, EntityRate):
            query(formula.source, False).rates[kpi.id] = formula
            continue
        for measure in measures_of(kpi):
            total = (
                slice_.cut
                and isinstance(formula, Ratio)
                and formula.denominator_total
                and (measure.name == formula.denominator)
            )
            query(measure.source, total).measures[measure.name] = measure
    return list(queries.values())


def _condition(table: ir.Table, condition: Condition) -> ir.BooleanValue:
    column = table[condition.column]
    value = condition.value
    if condition.op is Op.NOT_NULL:
        return column.notnull()
    if condition.op is Op.IN and isinstance(value, tuple):
        return column.isin(list(value))
    if condition.op is Op.STARTS_WITH and isinstance(value, str):
        return column.startswith(value).fill_null(False)
    if condition.op is Op.EQ:
        return column == value
    if condition.op is Op.NE:
        return column != value
    return column > value


def _aggregate(table: ir.Table, measure: Measure) -> ir.Value:
    parts = [_condition(table, c) for c in measure.where]
    if measure.any_of:
        parts.append(reduce(lambda a, b: a | b, [_condition(table, c) for c in measure.any_of]))
    where = reduce(lambda a, b: a & b, parts).fill_null(False) if parts else None
    if measure.agg is Agg.COUNT:
        return table.count(where=where)
    column = table[measure.column or ""]
    if measure.agg is Agg.SUM:
        return column.sum(where=where)
    if measure.agg is Agg.COUNT_DISTINCT:
        return column.nunique(where=where)
    if measure.agg is Agg.MEDIAN:
        return _median(column, where)
    return column.mean(where=where)


def rows_column(measure: str) -> str:
    """The rows a SUM measure ran over: SQL's SUM is NULL both over no rows (nothing
    happened: 0 for facts) and over rows that all lack the value (missing: n/a)."""
    return f"{measure}__rows"


def _median(column: ir.Value, where: ir.BooleanValue | None) -> ir.Value:
    """Median ignoring NULLs; the filter goes into the argument because Ibis' PySpark
    compiler puts a median's `where` into percentile()'s percentage, which Spark rejects."""
    if where is None:
        return column.median()  # type: ignore[attr-defined,no-any-return]
    return ibis.ifelse(where, column, ibis.null()).median()  # type: ignore[attr-defined,no-any-return]


def _rate_columns(table: ir.Table, kpi_id: str, rate: EntityRate) -> dict[str, ir.Value]:
    numerator = table[rate.numerator].cast("float64")
    denominator = table[rate.denominator].cast("float64")
    # A missing input or a zero denominator leaves the entity out of both sums (kpis.md §0).
    valid = (numerator.notnull() & denominator.notnull() & (denominator > 0)).fill_null(False)
    return {
        f"{kpi_id}__num": numerator.sum(where=valid),
        f"{kpi_id}__den": denominator.sum(where=valid),
        f"{kpi_id}__median": _median(numerator / denominator, valid),
        f"{kpi_id}__used": table.count(where=valid),
        f"{kpi_id}__total": table.count(),
    }


def windowed(warehouse: Tables, source: Source, slice_: Slice, total: bool) -> ir.Table:
    """The source cut to the slice's days, with dimension labels and the time bucket."""
    table = source.build(warehouse)
    if source.time_column == "_ts":
        start, end = local_day_bounds_utc(slice_.first_day, slice_.last_day, zone(slice_.time_zone))
        table = table.filter((table._ts >= start) & (table._ts < end))
        if slice_.grain:
            segments = offset_segments(zone(slice_.time_zone), start, end)
            table = table.mutate(**{BUCKET: bucket_of_timestamp(table._ts, slice_.grain, segments)})
    else:
        table = table.filter((table._day >= slice_.first_day) & (table._day <= slice_.last_day))
        if slice_.grain:
            table = table.mutate(**{BUCKET: bucket_of_day(table._day, slice_.grain)})
    if total:
        return table
    labels = {name: table[name].cast("string").fill_null(NONE_LABEL) for name in slice_.dimensions}
    table = table.mutate(**labels) if labels else table
    for name, values in slice_.filters:
        table = table.filter(table[name].cast("string").fill_null(NONE_LABEL).isin(list(values)))
    return table


def compile_query(warehouse: Tables, query: SourceQuery, slice_: Slice) -> ir.Table:
    """One Ibis aggregate computing every measure of `query` per slice key."""
    table = windowed(warehouse, query.source, slice_, query.total)
    keys = [BUCKET] if query.total and slice_.grain else ([] if query.total else slice_.key_columns)
    if query.source.rollup is not None:
        table = query.source.rollup(table, keys)
    metrics: dict[str, ir.Value] = {}
    for name, measure in query.measures.items():
        metrics[name] = _aggregate(table, measure)
        if measure.agg is Agg.SUM:
            metrics[rows_column(name)] = _aggregate(table, replace(measure, agg=Agg.COUNT))
    if CURRENCY in table.columns and query.measures:
        # Money KPIs read in their currency's precision when the cell holds one currency.
        metrics[CURRENCY_LOW] = table[CURRENCY].min()
        metrics[CURRENCY_HIGH] = table[CURRENCY].max()
    for kpi_id, rate in query.rates.items():
        metrics.update(_rate_columns(table, kpi_id, rate))
    if not keys:
        return table.aggregate(**metrics)
    return table.group_by(keys).aggregate(**metrics)


def compile_kpi(warehouse: ScopedWarehouse, kpi_id: str, slice_: Slice) -> list[ir.Table]:
    """The Ibis expressions one KPI needs (for engines checked outside the product)."""
    tables = TableMemo(warehouse)
    return [compile_query(tables, query, slice_) for query in plan([get_kpi(kpi_id)], slice_)]


def parse_dimensions(names: list[str], location: str) -> tuple[str, ...]:
    """Validated dimension names ("platform", "channel", ...) in the order given."""
    found: list[str] = []
    for name in (part.strip() for raw in names for part in raw.split(",")):
        if not name:
            continue
        if name not in DIMENSIONS:
            known = ", ".join(DIMENSIONS)
            raise ValidationFailed(f"unknown dimension {name!r}; known: {known}", location=location)
        if name not in found:
            found.append(name)
    return tuple(found)


def parse_filters(raw: list[str], location: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """`dimension=value[,value...]` items into slice filters."""
    found = []
    for item in raw:
        name, sep, values = item.partition("=")
        if not sep or not values.strip():
            raise ValidationFailed(f"expected dimension=value, got {item!r}", location=location)
        (dimension,) = parse_dimensions([name], location)
        found.append((dimension, tuple(v.strip() for v in values.split(",") if v.strip())))
    return tuple(found)
