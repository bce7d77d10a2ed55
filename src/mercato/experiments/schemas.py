"""Public/Create/Update models of the experiments domain, shared by the API and the CLI."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

# The warehouse event a delivery logs for each experiment the visitor is assigned in.
EXPOSURE = "experiment_exposure"


class Status(StrEnum):
    DRAFT = "draft"
    RUNNING = "running"
    STOPPED = "stopped"


class Kind(StrEnum):
    AB = "ab"  # variants of one gallery
    HOLDOUT = "holdout"  # galleries vs no gallery, for one gallery or the whole workspace


class VariantKind(StrEnum):
    CURRENT = "current"  # the gallery as it is defined
    CONFIGURED = "configured"  # a gallery configuration of its own (`config`)
    HOLDOUT = "holdout"  # no gallery


class Metric(StrEnum):
    GALLERY_CTR = "gallery_ctr"  # gallery clicks per gallery view (ratio)
    ADD_TO_CART_RATE = "add_to_cart_rate"
    CONVERSION_RATE = "conversion_rate"
    REVENUE_PER_VISITOR = "revenue_per_visitor"
    AOV = "aov"  # revenue per order (ratio)
    BOUNCE_RATE = "bounce_rate"


class Verdict(StrEnum):
    WINNER = "winner"  # a variant beats the baseline on the primary metric
    LOSER = "loser"
    INCONCLUSIVE = "inconclusive"
    SRM = "blocked_by_srm"  # the split is broken: no verdict
    NO_DATA = "no_data"


class GalleryConfig(BaseModel):
    """A gallery configuration, in the words of a gallery definition (galleries.md)."""

    layout: str = "grid"
    placement: str | None = None  # None: the experimented gallery's placement
    selection: str = "rule"
    rule: dict[str, Any] = Field(default_factory=dict)
    item_ids: list[str] = Field(default_factory=list)
    max_items: int = 12


class VariantCreate(BaseModel):
    key: str = Field(min_length=1, max_length=64)
    kind: VariantKind = VariantKind.CURRENT
    weight: float = Field(default=1.0, ge=0)
    config: GalleryConfig | None = None


class ExperimentCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    kind: Kind = Kind.AB
    gallery_id: str | None = None
    variants: list[VariantCreate] = Field(default_factory=list)
    holdout_share: float | None = Field(default=None, gt=0, lt=1)
    primary_metric: Metric = Metric.CONVERSION_RATE
    guardrails: list[Metric] = Field(default_factory=list)
    coverage: float = Field(default=1.0, gt=0, le=1)


class ExperimentUpdate(BaseModel):
    """Weights may change and variants be added while running: nobody assigned moves."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    weights: dict[str, float] = Field(default_factory=dict)
    add_variants: list[VariantCreate] = Field(default_factory=list)
    guardrails: list[Metric] | None = None


class VariantPublic(BaseModel):
    key: str
    kind: VariantKind
    weight: float
    config: GalleryConfig | None


class ExperimentPublic(BaseModel):
    id: str
    name: str
    kind: Kind
    gallery_id: str | None
    status: Status
    seed: str
    coverage: float
    primary_metric: Metric
    guardrails: list[Metric]
    variants: list[VariantPublic]
    assigned: int
    started_at: datetime | None
    stopped_at: datetime | None
    created_at: datetime


class ComparisonPublic(BaseModel):
    metric: Metric
    variant: str
    baseline: str
    baseline_mean: float
    variant_mean: float
    relative_lift: float
    ci_low: float
    ci_high: float
    p_value: float | None
    adjusted_p_value: float | None
    chance_to_win: float | None
    significant: bool
    method: str


class VariantCount(BaseModel):
    variant: str
    exposed: int
    activated: int
    expected_share: float
    first_party: int
    cookieless: int


class SrmPublic(BaseModel):
    chi2: float
    p_value: float
    flagged: bool


class ResultsPublic(BaseModel):
    experiment: ExperimentPublic
    counts: list[VariantCount]
    srm: SrmPublic | None
    verdict: Verdict
    verdict_text: str
    comparisons: list[ComparisonPublic]
    correlational: list[ComparisonPublic]  # holdout only: interacted vs did not (not causal)
    method: str
    note: str
