"""The full-funnel report: KPI values for a slice, compared with an earlier window."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from mercato.metrics.compiler import Slice
from mercato.metrics.evaluate import Executor, Key, KpiResult, KpiValue, Number, evaluate
from mercato.metrics.registry import KPIS, get_kpi
from mercato.metrics.spec import Kpi
from mercato.metrics.timebuckets import Grain
from mercato.warehouse.connection import ScopedWarehouse


class Compare(StrEnum):
    PREVIOUS = "previous"  # the same number of days just before
    YOY = "yoy"  # the same dates one year earlier


def shift_year(day: date, years: int = -1) -> date:
    """The same date `years` away; 29 February falls back to the 28th."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def comparison_window(first: date, last: date, compare: Compare) -> tuple[date, date]:
    if compare is Compare.PREVIOUS:
        length = (last - first).days + 1
        return first - timedelta(days=length), first - timedelta(days=1)
    return shift_year(first), shift_year(last)


@dataclass(frozen=True)
class Delta:
    absolute: Number | None
    relative: float | None  # change ÷ |base|; None when the base is 0 or missing


def delta(current: Number | None, base: Number | None) -> Delta:
    if current is None or base is None:
        return Delta(None, None)
    if isinstance(current, Decimal) or isinstance(base, Decimal):
        change: Number = Decimal(str(current)) - Decimal(str(base))
    else:
        change = current - base
    relative = float(change) / abs(float(base)) if base else None
    return Delta(change, relative)


@dataclass(frozen=True)
class ReportLine:
    kpi: Kpi
    key: Key
    current: KpiValue
    base: KpiValue | None
    delta: Delta


@dataclass
class Report:
    slice_: Slice
    compare: Compare | None
    base_window: tuple[date, date] | None
    lines: list[ReportLine]
    unsupported: dict[str, str] = field(default_factory=dict)

    def line(self, kpi_id: str, key: Key = ()) -> ReportLine | None:
        return next((x for x in self.lines if x.kpi.id == kpi_id and x.key == key), None)


def build_report(
    warehouse: ScopedWarehouse,
    slice_: Slice,
    compare: Compare | None = None,
    kpi_ids: Iterable[str] | None = None,
    parameters: dict[str, Decimal] | None = None,
    base_parameters: dict[str, Decimal] | None = None,
    executor: Executor | None = None,
    currency: str | None = None,
) -> Report:
    """The slice's KPIs (and the comparison window's); money no cell names a currency for in
    `currency`'s precision (the workspace's)."""
    ids = list(kpi_ids) if kpi_ids is not None else [kpi.id for kpi in KPIS]
    current = evaluate(warehouse, slice_, ids, parameters, executor, currency)
    base: dict[str, KpiResult] = {}
    window = None
    if compare is not None:
        window = comparison_window(slice_.first_day, slice_.last_day, compare)
        base_slice = replace(slice_, first_day=window[0], last_day=window[1], grain=None)
        if slice_.grain is None:
            base = evaluate(warehouse, base_slice, ids, base_parameters, executor, currency)
    lines = []
    for kpi_id in ids:
        result = current[kpi_id]
        for key, value in result.values.items():
            earlier = base[kpi_id].values.get(key) if kpi_id in base else None
            lines.append(
                ReportLine(
                    result.kpi,
                    key,
                    value,
                    earlier,
                    delta(value.value, earlier.value if earlier else None),
                )
            )
    unsupported = {k: r.unsupported for k, r in current.items() if r.unsupported}
    return Report(slice_, compare, window, lines, unsupported)


def sparkline(
    warehouse: ScopedWarehouse,
    slice_: Slice,
    kpi_ids: Iterable[str],
    executor: Executor | None = None,
) -> dict[str, list[tuple[str, Number | None]]]:
    """Each KPI per day (per week beyond 92 days) over the slice, for the small charts."""
    days = (slice_.last_day - slice_.first_day).days + 1
    grain = Grain.DAY if days <= 92 else Grain.WEEK
    series = evaluate(
        warehouse, replace(slice_, grain=grain, dimensions=()), kpi_ids, executor=executor
    )
    return {
        kpi_id: [(key[-1], value.value) for key, value in sorted(result.values.items())]
        for kpi_id, result in series.items()
    }


def internal_benchmarks(
    warehouse: ScopedWarehouse,
    slice_: Slice,
    kpi_ids: Iterable[str],
    months: int = 12,
    executor: Executor | None = None,
) -> dict[str, float | None]:
    """Per KPI, the median of the brand's own monthly values over the `months` before the
    slice (months without data are left out: missing history is not a zero)."""
    end = slice_.first_day.replace(day=1) - timedelta(days=1)
    start = end.replace(day=1)
    for _ in range(months - 1):
        start = (start - timedelta(days=1)).replace(day=1)
    history = replace(slice_, first_day=start, last_day=end, grain=Grain.MONTH, dimensions=())
    found: dict[str, float | None] = {}
    for kpi_id, result in evaluate(warehouse, history, list(kpi_ids), executor=executor).items():
        known = [float(v.value) for v in result.values.values() if v.value is not None]
        found[kpi_id] = statistics.median(known) if known else None
    return found


def internal_benchmark(
    warehouse: ScopedWarehouse,
    slice_: Slice,
    kpi_id: str,
    months: int = 12,
    executor: Executor | None = None,
) -> float | None:
    return internal_benchmarks(warehouse, slice_, [get_kpi(kpi_id).id], months, executor)[kpi_id]
