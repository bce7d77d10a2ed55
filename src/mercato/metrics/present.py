"""How KPI values read: "n/a" for undefined, units, and flat rows for tables, CSV and JSON."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from mercato.core.csv_export import csv_text
from mercato.metrics.benchmarks import Benchmark
from mercato.metrics.evaluate import Number
from mercato.metrics.report import Delta, Report, ReportLine
from mercato.metrics.spec import Kpi, Unit

NA = "n/a"


def format_value(kpi: Kpi, value: Number | None) -> str:
    return format_unit(kpi.unit, value)


def format_unit(unit: Unit, value: Number | None) -> str:
    """A number in a KPI unit, for numbers that are a KPI's part (e.g. its denominator)."""
    if value is None:
        return NA
    if unit is Unit.PERCENT:
        return f"{float(value) * 100:.2f}%"
    if unit is Unit.MONEY:  # evaluate() rounds money to its currency's minor unit
        return f"{Decimal(str(value)):,f}"
    if unit is Unit.RATIO:
        return f"{float(value):.2f}x"
    if unit is Unit.SECONDS:
        return f"{float(value):.1f} s"
    if unit is Unit.SESSIONS:
        return f"{float(value):.1f}"
    return f"{int(value):,}"


def format_delta(kpi: Kpi, line: ReportLine) -> str:
    return format_change(kpi, line.delta)


def format_change(kpi: Kpi, change: Delta) -> str:
    """A rate's change in percentage points, anything else's relative to the earlier value."""
    relative = change.relative
    if change.absolute is None:
        return NA
    if kpi.unit is Unit.PERCENT:
        return f"{float(change.absolute) * 100:+.2f} pt"
    return NA if relative is None else f"{relative * 100:+.1f}%"


def _json_number(value: Number | None) -> str | float | int | None:
    if isinstance(value, Decimal):
        return str(value)  # money stays exact in JSON
    return value


def line_record(
    line: ReportLine, dimensions: list[str], benchmark: Benchmark | None
) -> dict[str, Any]:
    kpi, value = line.kpi, line.current
    record: dict[str, Any] = {"kpi": kpi.id, "name": kpi.name, "stage": kpi.stage.value}
    record.update(dict(zip(dimensions, line.key, strict=False)))
    record.update(
        value=_json_number(value.value),
        display=format_value(kpi, value.value),
        unit=kpi.unit.value,
        aggregation=value.aggregation,
        denominator=kpi.denominator,
        alternate=value.alternate,
        alternate_aggregation=value.alternate_aggregation,
        coverage_used=value.coverage.used if value.coverage else None,
        coverage_total=value.coverage.total if value.coverage else None,
        base=_json_number(line.base.value) if line.base else None,
        delta=_json_number(line.delta.absolute),
        delta_relative=line.delta.relative,
        benchmark=benchmark.value if benchmark else None,
        benchmark_label=benchmark.label if benchmark else None,
    )
    return record


def records(
    report: Report, benchmarks: dict[tuple[str, str | None], Benchmark]
) -> list[dict[str, Any]]:
    dims = list(report.slice_.dimensions)
    found = []
    for line in report.lines:
        platform = dict(zip(dims, line.key, strict=False)).get("platform")
        mark = benchmarks.get((line.kpi.id, platform)) or benchmarks.get((line.kpi.id, None))
        found.append(line_record(line, dims, mark))
    return found


def to_csv(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return ""
    header = list(rows[0])
    return csv_text(
        header,
        (
            [NA if row.get(k) is None and k in ("value", "display") else row.get(k) for k in header]
            for row in rows
        ),
    )
