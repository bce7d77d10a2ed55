"""Small validation rules over the registry, each returning issues (MetricFlow style)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from mercato.metrics.benchmarks import DEFAULT_BENCHMARKS
from mercato.metrics.sources import SOURCES
from mercato.metrics.spec import Agg, EntityRate, Kpi, Measure, Ratio, Scaled, Unit, Value


@dataclass(frozen=True)
class Issue:
    subject: str  # the KPI or measure id
    message: str

    def __str__(self) -> str:
        return f"{self.subject}: {self.message}"


Rule = Callable[[tuple[Kpi, ...], tuple[Measure, ...]], Iterable[Issue]]


def ids_are_unique(kpis: tuple[Kpi, ...], measures: tuple[Measure, ...]) -> Iterable[Issue]:
    for kind, names in (("KPI", [k.id for k in kpis]), ("measure", [m.name for m in measures])):
        for name, count in Counter(names).items():
            if count > 1:
                yield Issue(name, f"{kind} id is declared {count} times")


def measures_are_well_formed(
    kpis: tuple[Kpi, ...], measures: tuple[Measure, ...]
) -> Iterable[Issue]:
    for measure in measures:
        if measure.source not in SOURCES:
            yield Issue(measure.name, f"unknown source {measure.source!r}")
        if measure.agg is not Agg.COUNT and measure.column is None:
            yield Issue(measure.name, f"{measure.agg.value} needs a column")


def references_resolve(kpis: tuple[Kpi, ...], measures: tuple[Measure, ...]) -> Iterable[Issue]:
    names = {m.name for m in measures}
    kpi_ids = {k.id for k in kpis}
    for kpi in kpis:
        formula = kpi.formula
        wanted: list[str | None] = []
        if isinstance(formula, Ratio):
            wanted = [formula.numerator, formula.denominator, formula.minus]
        elif isinstance(formula, Value):
            wanted = [formula.measure, formula.minus]
        elif isinstance(formula, Scaled) and (formula.kpi not in kpi_ids or formula.kpi == kpi.id):
            yield Issue(kpi.id, f"scales unknown or self KPI {formula.kpi!r}")
        elif isinstance(formula, EntityRate) and formula.source not in ("posts", "account_days"):
            yield Issue(
                kpi.id, f"entity rates need a pivoted social source, not {formula.source!r}"
            )
        for name in wanted:
            if name is not None and name not in names:
                yield Issue(kpi.id, f"unknown measure {name!r}")


def rates_state_their_denominator(
    kpis: tuple[Kpi, ...], measures: tuple[Measure, ...]
) -> Iterable[Issue]:
    for kpi in kpis:
        if isinstance(kpi.formula, Ratio | EntityRate) and not kpi.denominator:
            yield Issue(kpi.id, "a rate must record its denominator (followers, reach, ...)")
        if isinstance(kpi.formula, Ratio | EntityRate) and kpi.unit is Unit.COUNT:
            yield Issue(kpi.id, "a ratio cannot have the unit 'count'")


def only_sums_are_additive(kpis: tuple[Kpi, ...], measures: tuple[Measure, ...]) -> Iterable[Issue]:
    by_name = {m.name: m for m in measures}
    for kpi in kpis:
        if not kpi.additive:
            continue
        formula = kpi.formula
        measure = by_name.get(formula.measure) if isinstance(formula, Value) else None
        if measure is None or measure.agg not in (Agg.SUM, Agg.COUNT):
            yield Issue(kpi.id, "only sums and counts add up over time (additive=True)")


def kpis_are_documented(kpis: tuple[Kpi, ...], measures: tuple[Measure, ...]) -> Iterable[Issue]:
    for kpi in kpis:
        if not kpi.description.strip() or not kpi.formula_text.strip() or not kpi.name.strip():
            yield Issue(kpi.id, "needs a name, a description and a formula text")


def benchmarks_exist(kpis: tuple[Kpi, ...], measures: tuple[Measure, ...]) -> Iterable[Issue]:
    shipped = {b.kpi_id for b in DEFAULT_BENCHMARKS}
    for kpi in kpis:
        if kpi.benchmark is not None and kpi.benchmark not in shipped:
            yield Issue(kpi.id, f"benchmark {kpi.benchmark!r} has no shipped default")


RULES: tuple[Rule, ...] = (
    ids_are_unique,
    measures_are_well_formed,
    references_resolve,
    rates_state_their_denominator,
    only_sums_are_additive,
    kpis_are_documented,
    benchmarks_exist,
)


def validate(kpis: tuple[Kpi, ...], measures: tuple[Measure, ...]) -> list[Issue]:
    return [issue for rule in RULES for issue in rule(kpis, measures)]
