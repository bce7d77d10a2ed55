"""Curation score: photo quality, platform engagement and on-site CTR and conversion, each
rate shrunk towards the workspace average (empirical Bayes) so a new item with 3 views and
1 click is not ranked above one with 10,000 views and 400 clicks, nor buried below it.

On-site numbers come from warehouse events carrying `ugc_id`: impressions are events named
`ugc_impression`, clicks `ugc_click`, conversions `ugc_conversion` (or any event with an
`order_id` and that `ugc_id`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from mercato.catalog.models import ProductTag, TagStatus, UgcItem
from mercato.ugc.publishable import publishable_items
from mercato.warehouse.connection import ScopedWarehouse

# Prior strength in pseudo-observations: how much evidence outweighs the average.
PRIOR_EXPOSURES = 200.0
PRIOR_CLICKS = 20.0
WEIGHTS = {"quality": 0.3, "engagement": 0.3, "ctr": 0.25, "conversion": 0.15}
PLACEMENTS: dict[str, dict[str, float]] = {
    "pdp": {"quality": 0.3, "engagement": 0.1, "ctr": 0.3, "conversion": 0.3},
    "homepage": {"quality": 0.5, "engagement": 0.3, "ctr": 0.2, "conversion": 0.0},
    "email": {"quality": 0.6, "engagement": 0.2, "ctr": 0.2, "conversion": 0.0},
    "social_ads": {"quality": 0.2, "engagement": 0.6, "ctr": 0.2, "conversion": 0.0},
}


@dataclass(frozen=True)
class SiteCounts:
    impressions: int = 0
    clicks: int = 0
    conversions: int = 0


def shrunk_rate(successes: float, trials: float, prior_mean: float, strength: float) -> float:
    """Posterior mean of a Beta prior with mean `prior_mean` and `strength` pseudo-trials."""
    return (successes + prior_mean * strength) / (trials + strength)


def site_counts(warehouse: ScopedWarehouse) -> dict[str, SiteCounts]:
    events = warehouse.table("events")
    tagged = events.filter(events.ugc_id.notnull())
    expr = tagged.group_by("ugc_id").aggregate(
        impressions=(tagged.name == "ugc_impression").sum(),
        clicks=(tagged.name == "ugc_click").sum(),
        conversions=((tagged.name == "ugc_conversion") | tagged.order_id.notnull()).sum(),
    )
    frame = warehouse.execute(expr)
    return {
        str(row.ugc_id): SiteCounts(int(row.impressions), int(row.clicks), int(row.conversions))
        for row in frame.itertuples()
    }


def _exposures(item: UgcItem) -> float:
    for name in ("impressions", "reach", "views", "plays"):
        value = item.metrics.get(name)
        if isinstance(value, int | float) and value > 0:
            return float(value)
    return 0.0


def _normalise(value: float, reference: float) -> float:
    return min(1.0, value / (2 * reference)) if reference > 0 else 0.0


def components(
    items: Sequence[UgcItem], counts: dict[str, SiteCounts]
) -> dict[str, dict[str, float]]:
    """Per item: quality, engagement, ctr, conversion, each in 0..1 (0.5 = workspace average)."""
    exposed = [(i.engagement, _exposures(i)) for i in items if _exposures(i) > 0]
    eng_mean = sum(e for e, _ in exposed) / max(1.0, sum(x for _, x in exposed)) if exposed else 0.0
    site = [counts.get(i.id, SiteCounts()) for i in items]
    ctr_mean = sum(s.clicks for s in site) / max(1, sum(s.impressions for s in site))
    conv_mean = sum(s.conversions for s in site) / max(1, sum(s.clicks for s in site))
    found = {}
    for item, own in zip(items, site, strict=True):
        engagement = shrunk_rate(item.engagement, _exposures(item), eng_mean, PRIOR_EXPOSURES)
        ctr = shrunk_rate(own.clicks, own.impressions, ctr_mean, PRIOR_EXPOSURES)
        conversion = shrunk_rate(own.conversions, own.clicks, conv_mean, PRIOR_CLICKS)
        found[item.id] = {
            "quality": item.quality_score if item.quality_score is not None else 0.5,
            "engagement": _normalise(engagement, eng_mean),
            "ctr": _normalise(ctr, ctr_mean),
            "conversion": _normalise(conversion, conv_mean),
            "site_ctr": ctr,
        }
    return found


def score(parts: dict[str, float], weights: dict[str, float] = WEIGHTS) -> float:
    return round(sum(weights[name] * parts[name] for name in weights), 4)


def rescore(session: Session, warehouse: ScopedWarehouse, workspace_id: str) -> int:
    """Recompute curation score and site performance for every item of the workspace."""
    items = list(session.scalars(select(UgcItem).where(UgcItem.workspace_id == workspace_id)))
    parts = components(items, site_counts(warehouse))
    for item in items:
        item.curation_score = score(parts[item.id])
        item.site_performance = round(parts[item.id]["site_ctr"], 6)
    return len(items)


def best_for_product(
    session: Session, workspace_id: str, product_id: str, limit: int = 12
) -> list[UgcItem]:
    """Publishable items tagged with the product, best curation score first."""
    statement = (
        publishable_items(workspace_id)
        .join(ProductTag, ProductTag.item_id == UgcItem.id)
        .where(ProductTag.product_id == product_id, ProductTag.status == TagStatus.ACCEPTED.value)
        .order_by(UgcItem.curation_score.desc().nulls_last())
        .limit(limit)
    )
    return list(session.scalars(statement))


def best_for_placement(
    session: Session, warehouse: ScopedWarehouse, workspace_id: str, placement: str, limit: int = 12
) -> list[UgcItem]:
    """Publishable items ranked with the placement's weights (a PDP values conversion more)."""
    if placement not in PLACEMENTS:
        from mercato.core.errors import ValidationFailed

        raise ValidationFailed(
            f"placement must be one of {', '.join(PLACEMENTS)}", location="placement"
        )
    items = list(session.scalars(publishable_items(workspace_id)))
    parts = components(items, site_counts(warehouse))
    ranked = sorted(items, key=lambda i: score(parts[i.id], PLACEMENTS[placement]), reverse=True)
    return ranked[:limit]
