"""Declarative KPI specs: measures over semantic sources, and KPIs built from measures.

As in MetricFlow, a measure is an aggregation over one semantic source (sessions, orders,
posts, ...) and a KPI combines measures. The compiler turns every measure of one source into a
single Ibis aggregate, so a whole report costs one query per source on any engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Stage(StrEnum):
    AWARENESS = "awareness"
    CONSIDERATION = "consideration"
    PURCHASE = "purchase"


class Unit(StrEnum):
    COUNT = "count"
    MONEY = "money"
    PERCENT = "percent"  # stored as a fraction (0.05), shown x100 with "%"
    RATIO = "ratio"  # a plain multiple (frequency 1.8x, ROAS 3.2x)
    SECONDS = "seconds"
    SESSIONS = "sessions"


class Better(StrEnum):
    HIGHER = "higher"
    LOWER = "lower"


class Agg(StrEnum):
    SUM = "sum"
    COUNT = "count"
    COUNT_DISTINCT = "count_distinct"
    MEDIAN = "median"
    MEAN = "mean"


class Op(StrEnum):
    EQ = "=="
    NE = "!="
    GT = ">"
    IN = "in"
    NOT_NULL = "not_null"
    STARTS_WITH = "starts_with"


@dataclass(frozen=True)
class Condition:
    """A filter on one column of the measure's source: `column op value`."""

    column: str
    op: Op
    value: str | int | float | tuple[str, ...] | None = None


@dataclass(frozen=True)
class Measure:
    name: str
    source: str
    agg: Agg
    column: str | None = None  # None only for COUNT (rows)
    where: tuple[Condition, ...] = ()
    any_of: tuple[Condition, ...] = ()  # OR-ed on top of `where` (e.g. social channels)


@dataclass(frozen=True)
class Ratio:
    """numerator ÷ denominator (ratio of sums), optionally xscale or as 1 - ratio.

    `denominator_total`: the denominator ignores the slice's dimensions (shares of a whole).
    """

    numerator: str
    denominator: str
    minus: str | None = None  # numerator - minus (growth: end - start)
    complement: bool = False
    scale: float = 1.0
    denominator_total: bool = False


@dataclass(frozen=True)
class Value:
    """One measure as the KPI (a sum, a count or a median)."""

    measure: str
    minus: str | None = None  # e.g. follows - unfollows


@dataclass(frozen=True)
class EntityRate:
    """A per-entity rate (per post or per account-day) over a pivoted long-format source.

    Entities whose numerator or denominator is NULL (missing) are left out of both; a zero
    denominator leaves the entity out too. Reported as the ratio of sums and the median of
    per-entity ratios, with coverage (entities used ÷ entities).
    """

    source: str
    numerator: str  # a column of the pivoted source
    denominator: str
    primary: Agg = Agg.SUM  # SUM = ratio of sums; MEDIAN = median per-entity ratio
    complement: bool = False


@dataclass(frozen=True)
class Scaled:
    """Another KPI's value x a workspace parameter (e.g. share x revenue forecast)."""

    kpi: str
    parameter: str


Formula = Ratio | Value | EntityRate | Scaled


@dataclass(frozen=True)
class Kpi:
    id: str
    name: str
    stage: Stage
    formula: Formula
    unit: Unit
    better: Better
    description: str
    formula_text: str
    denominator: str | None = None  # followers | reach | views | sessions | orders | carts | ...
    benchmark: str | None = None  # id of a benchmark family in benchmarks.DEFAULTS
    additive: bool = False  # sums over time: goals forecast it linearly to period end
    notes: tuple[str, ...] = field(default=())
