"""The attribution report the API, CLI and page share: one call, every output.

`attribution_report` builds the journeys once, runs the chosen model and, for the comparison
table, every other model on the same journeys.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from mercato.attribution.journeys import (
    Conversion,
    Granularity,
    Identity,
    JourneyQuery,
    Journeys,
    build_journeys,
)
from mercato.attribution.models import ModelCredits, ModelName, ModelOptions, run_model
from mercato.attribution.models.markov import CREDIT_LABELS, MarkovCredit, allocate, fit
from mercato.attribution.models.paths import TouchPaths
from mercato.attribution.models.shapley import TooManyChannels
from mercato.attribution.outputs import (
    Distribution,
    PathRow,
    sessions_to_conversion,
    spend_by_label,
    time_to_conversion,
    top_paths,
)
from mercato.catalog.models import Site
from mercato.catalog.scoped import WorkspaceCatalog
from mercato.core.errors import ValidationFailed
from mercato.core.labels import N_
from mercato.core.money import round_money
from mercato.core.settings import IdentityMode
from mercato.core.timeutil import check_day_range, local_day_bounds_utc, zone
from mercato.warehouse.connection import ScopedWarehouse

COOKIELESS = IdentityMode.COOKIELESS
COOKIELESS_NOTICE = N_(
    "Every site of this workspace uses cookieless identity (a daily salted hash): a visitor "
    "cannot be followed across days, so only session-scoped last touch is valid. Multi-touch "
    "models below see each day's visits as separate people. Switch a site to first_party_id "
    "(with consent) or identified to get multi-session journeys."
)
UNSPLIT_META = "meta"  # Meta spend without a publisher platform (connectors/exports/meta_ads)
UNSPLIT_META_NOTICE = N_(
    "Part of the Meta spend has no delivery breakdown, so it cannot be split between "
    "Facebook and Instagram: it has its own row, Meta (Facebook + Instagram), without a ROAS, "
    "and the Facebook and Instagram rows' ROAS leave it out. Import the Meta Ads export with "
    "Breakdown → By delivery → Platform to split it."
)
Choice = TypeVar("Choice", ModelName, Granularity, MarkovCredit, Conversion, Identity)
WINDOW_UNITS = {"d": 1.0, "w": 7.0, "h": 1 / 24}


@dataclass(frozen=True)
class AttributionRequest:
    model: ModelName = ModelName.MARKOV
    by: Granularity = Granularity.CHANNEL
    window: timedelta = timedelta(days=30)
    start: datetime | None = None
    end: datetime | None = None
    options: ModelOptions = field(default_factory=ModelOptions)
    identity: Identity = Identity.CUSTOMER
    conversion: Conversion = Conversion.ANY


@dataclass(frozen=True)
class CreditRow:
    label: str
    conversions: float
    revenue: Decimal
    spend: Decimal | None
    roas: float | None  # attributed revenue ÷ spend


@dataclass(frozen=True)
class ComparisonRow:
    label: str
    conversions: dict[str, float]  # model key → attributed conversions


@dataclass(frozen=True)
class AttributionReport:
    request: AttributionRequest
    model_label: str  # names the model and, for Markov, its order and credit convention
    journeys: int
    conversions: int
    revenue: Decimal
    rows: list[CreditRow]
    comparison_models: list[str]
    comparison: list[ComparisonRow]
    top_paths: list[PathRow]
    time_to_conversion: Distribution
    sessions_to_conversion: Distribution
    removal_effects: dict[str, float] | None
    conversion_probability: float | None
    notices: list[str]


def parse_window(text: str) -> timedelta:
    """'30d', '2w', '12h' or a bare number of days."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([dwh]?)\s*", text.lower())
    if match is None or float(match.group(1)) <= 0:
        raise ValidationFailed(
            f"{text!r} is not a lookback window; use e.g. 30d, 2w or 12h", location="window"
        )
    return timedelta(days=float(match.group(1)) * WINDOW_UNITS[match.group(2) or "d"])


def model_label(model: ModelName, options: ModelOptions) -> str:
    if model is ModelName.MARKOV:
        return f"Markov chain, order {options.order}; credit {CREDIT_LABELS[options.credit]}"
    if model is ModelName.TIME_DECAY:
        return f"time decay, half-life {options.half_life_days:g} days (continuous)"
    if model is ModelName.POSITION_BASED:
        middle = 1 - options.first_share - options.last_share
        return f"position-based {options.first_share:.0%}/{middle:.0%}/{options.last_share:.0%}"
    if model is ModelName.SHAPLEY:
        return "Shapley (simplified, Zhao et al. 2018; exact enumeration)"
    return model.value.replace("_", " ")


def cookieless_notices(identity_modes: Collection[str]) -> list[str]:
    modes = set(identity_modes)
    return [COOKIELESS_NOTICE] if modes and modes <= {COOKIELESS} else []


def attribution_report(
    warehouse: ScopedWarehouse,
    request: AttributionRequest,
    identity_modes: Collection[str] = (),
    currency: str | None = None,
) -> AttributionReport:
    """The request's report; money in `currency`'s precision (the workspace's: JPY none)."""
    query = JourneyQuery(
        request.start,
        request.end,
        request.window,
        request.by,
        request.identity,
        request.conversion,
    )
    journeys = build_journeys(warehouse, query)
    paths, labels = journeys.paths, journeys.labels
    chosen = _run_chosen(request, journeys)
    spend = spend_by_label(warehouse, request.by, request.start, request.end, currency)
    rows = [
        _credit_row(label, float(chosen.conversions[i]), float(chosen.revenue[i]), spend, currency)
        for i, label in enumerate(labels)
    ]
    rows.sort(key=lambda row: (-row.conversions, -row.revenue, row.label))
    rows += spend_only_rows(spend, labels)
    models, comparison = _comparison(request, paths, labels)
    fitted = chosen.markov
    return AttributionReport(
        request=request,
        model_label=model_label(request.model, request.options),
        journeys=paths.n_journeys,
        conversions=journeys.n_conversions,
        revenue=round_money(float(journeys.revenue.sum()), currency),
        rows=rows,
        comparison_models=models,
        comparison=comparison,
        top_paths=top_paths(journeys, currency=currency),
        time_to_conversion=time_to_conversion(journeys),
        sessions_to_conversion=sessions_to_conversion(journeys),
        removal_effects=dict(zip(labels, fitted.removal_effects.tolist(), strict=True))
        if fitted
        else None,
        conversion_probability=fitted.conversion_probability if fitted else None,
        notices=cookieless_notices(identity_modes) + spend_notices(spend, labels),
    )


def spend_only_rows(spend: dict[str, Decimal], labels: list[str]) -> list[CreditRow]:
    """Spend no touch label takes (Meta's unsplit spend, a campaign no visit came from):
    shown on rows of its own, after the credited ones, rather than dropped; no ROAS, since
    no touch is credited with it."""
    taken = {label.lower() for label in labels}
    return [
        CreditRow(key, 0.0, Decimal(0), value, None)
        for key, value in sorted(spend.items(), key=lambda item: (-item[1], item[0]))
        if key not in taken
    ]


def spend_notices(spend: dict[str, Decimal], labels: list[str]) -> list[str]:
    taken = {label.lower() for label in labels}
    return [UNSPLIT_META_NOTICE] if UNSPLIT_META in spend and UNSPLIT_META not in taken else []


def _run_chosen(request: AttributionRequest, journeys: Journeys) -> ModelCredits:
    try:
        return run_model(request.model, journeys.paths, journeys.revenue, request.options)
    except TooManyChannels as exc:
        raise ValidationFailed(str(exc), location="model") from None


def _credit_row(
    label: str,
    conversions: float,
    revenue: float,
    spend: dict[str, Decimal],
    currency: str | None,
) -> CreditRow:
    attributed = round_money(revenue, currency)
    spent = spend.get(label.lower())
    roas = float(attributed / spent) if spent else None
    return CreditRow(label, conversions, attributed, spent, roas)


def comparison_keys(request: AttributionRequest) -> list[tuple[str, ModelName, ModelOptions]]:
    """Every model once; Markov in the request's order with all three credit conventions."""
    keys: list[tuple[str, ModelName, ModelOptions]] = [
        (model.value, model, request.options)
        for model in ModelName
        if model is not ModelName.MARKOV
    ]
    for credit in MarkovCredit:
        keys.append(
            (f"markov_{credit.value}", ModelName.MARKOV, replace(request.options, credit=credit))
        )
    return keys


def _comparison(
    request: AttributionRequest, paths: TouchPaths, labels: list[str]
) -> tuple[list[str], list[ComparisonRow]]:
    """Attributed conversions per label under every model, side by side."""
    results: dict[str, list[float]] = {}
    fitted = fit(paths, request.options.order)
    for key, model, options in comparison_keys(request):
        if model is ModelName.MARKOV:
            credits = allocate(fitted, paths, paths.conversions(), options.credit)
        else:
            try:
                credits = run_model(model, paths, paths.conversions(), options).conversions
            except TooManyChannels:
                continue  # the report says which models are compared
        results[key] = [float(value) for value in credits]
    models = list(results)
    rows = [
        ComparisonRow(label, {key: results[key][i] for key in models})
        for i, label in enumerate(labels)
    ]
    rows.sort(key=lambda row: -max(row.conversions.values(), default=0.0))
    return models, rows


def make_request(
    *,
    model: str = ModelName.MARKOV.value,
    by: str = Granularity.CHANNEL.value,
    window: str = "30d",
    order: int = 1,
    credit: str = MarkovCredit.POOLED.value,
    half_life_days: float = 7.0,
    conversion: str = Conversion.ANY.value,
    identity: str = Identity.CUSTOMER.value,
    start: datetime | None = None,
    end: datetime | None = None,
) -> AttributionRequest:
    """Validate the surface's raw parameters (API query, CLI options, page form)."""
    chosen = _choice(ModelName, model, "model")
    level = _choice(Granularity, by, "by")
    convention = _choice(MarkovCredit, credit, "credit")
    if not 1 <= order <= 4:
        raise ValidationFailed(f"Markov order must be 1 to 4, got {order}", location="order")
    if half_life_days <= 0:
        raise ValidationFailed("half-life must be positive", location="half_life_days")
    if start is not None and end is not None and end <= start:
        raise ValidationFailed("'to' must be after 'from'", location="to")
    options = ModelOptions(order=order, credit=convention, half_life_days=half_life_days)
    goal = _choice(Conversion, conversion, "conversion")
    person = _choice(Identity, identity, "identity")
    return AttributionRequest(
        chosen, level, parse_window(window), start, end, options, person, goal
    )


def _choice(kind: type[Choice], text: str, where: str) -> Choice:
    try:
        return kind(text)
    except ValueError:
        known = ", ".join(member.value for member in kind)
        raise ValidationFailed(f"{text!r} is not one of {known}", location=where) from None


FIRST_DAY, LAST_DAY = date(1, 1, 2), date(9999, 12, 30)


def site_identity_modes(catalog: WorkspaceCatalog) -> list[str]:
    """How each of the workspace's sites identifies visitors (cookieless ones get a notice)."""
    with catalog.session() as scoped:
        return [site.identity_mode for site in scoped.scalars(scoped.select(Site))]


def report_for_days(
    warehouse: ScopedWarehouse,
    catalog: WorkspaceCatalog,
    time_zone: str,
    currency: str,
    first_day: date | None,
    last_day: date | None,
    **parameters: Any,
) -> AttributionReport:
    """Local days (inclusive) in `time_zone` → the report over `warehouse` (the tenant's, or
    narrowed to a segment's visitors); `parameters` are `make_request`'s texts."""
    check_day_range(first_day, last_day)
    start = end = None
    if first_day is not None or last_day is not None:
        tz = zone(time_zone)
        # A day away from the calendar's ends, so shifting by the zone (or the one-day end
        # bound) stays a datetime: the years 1 and 9999 are ranges, not 500s.
        first = min(max(first_day or date(1970, 1, 1), FIRST_DAY), LAST_DAY)
        last = min(max(last_day or LAST_DAY, FIRST_DAY), LAST_DAY)
        start, end = local_day_bounds_utc(first, last, tz)
    request = make_request(start=start, end=end, **parameters)
    return attribution_report(warehouse, request, site_identity_modes(catalog), currency)
