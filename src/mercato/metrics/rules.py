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


# How an aggregation reads in a formula text ("Σ views of posts", "median of ...").
_AGG_WORDS = {
    Agg.SUM: "Σ",
    Agg.COUNT: "count",
    Agg.COUNT_DISTINCT: "count",
    Agg.MEDIAN: "median",
    Agg.MEAN: "mean",
}


def _formula_words(kpi: Kpi, by_name: dict[str, Measure]) -> list[str]:
    """What `formula_text` must say for it to describe `kpi.formula`: the operators the
    formula applies, in the registry's notation (÷, -, 1 -, x)."""
    formula = kpi.formula
    words: list[str] = []
    if isinstance(formula, Ratio | EntityRate):
        words.append("÷")
        if formula.complement:
            words.append("1 - ")
    if isinstance(formula, Ratio) and formula.scale not in (1.0, 100.0):
        words.append(f"÷ {round(1 / formula.scale)}" if formula.scale < 1 else f"x {formula.scale}")
    if isinstance(formula, EntityRate) and formula.primary is Agg.MEDIAN:
        words.append("median")
    if isinstance(formula, Ratio | Value) and formula.minus is not None:
        words.append(" - ")
    if isinstance(formula, Value) and (measure := by_name.get(formula.measure)) is not None:
        words.append(_AGG_WORDS[measure.agg])
    if isinstance(formula, Scaled):
        words += ["x", formula.parameter.replace("_", " ")]
    return words


def formula_text_matches_formula(
    kpis: tuple[Kpi, ...], measures: tuple[Measure, ...]
) -> Iterable[Issue]:
    """The hand-written formula text shown on tiles and in docs/metrics.md says what the
    formula computes: a ratio reads as a division, a difference as a minus, and so on."""
    by_name = {m.name: m for m in measures}
    for kpi in kpis:
        missing = [w for w in _formula_words(kpi, by_name) if w not in kpi.formula_text]
        if isinstance(kpi.formula, Value) and "÷" in kpi.formula_text:
            missing.append("no ÷ (a value is not a ratio)")
        if missing:
            yield Issue(kpi.id, f"formula text {kpi.formula_text!r} lacks {missing}")


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
    formula_text_matches_formula,
    benchmarks_exist,
)


def validate(kpis: tuple[Kpi, ...], measures: tuple[Measure, ...]) -> list[Issue]:
    return [issue for rule in RULES for issue in rule(kpis, measures)]
