"""Which variant a visitor sees when a gallery is delivered, and the exposures to log.

The unit is the visitor id the collector itself would store for this request: the consented
first-party id gallery.js sends, or else the collector's cookieless id (a salted daily hash
of the request, so a cookieless visitor is its own, short-lived unit). Exposures therefore
join the visitor's events without any mapping.

Order: holdouts first (the workspace's, then the gallery's). A unit in a holdout arm sees no
gallery and is exposed to nothing else; otherwise a running A/B test picks the configuration.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from mercato.catalog.db import Catalog
from mercato.catalog.models import Experiment, ExperimentAssignment
from mercato.collect.enrich import Hit, SiteConfig, enrich, should_drop
from mercato.collect.identity import SaltStore
from mercato.collect.payload import TrackerEvent
from mercato.core.ids import new_id
from mercato.core.timeutil import utcnow
from mercato.experiments.assignment import assign
from mercato.experiments.schemas import EXPOSURE, Kind, Status, VariantKind
from mercato.experiments.service import variants_of
from mercato.galleries.cache import Delivery, DeliveryCache
from mercato.galleries.delivery import Variant
from mercato.warehouse.rows import EventRecord


@dataclass(frozen=True)
class LiveVariant:
    key: str
    kind: str
    weight: float
    config: dict[str, Any] | None


@dataclass(frozen=True)
class LiveExperiment:
    id: str
    kind: str
    seed: str
    coverage: float
    variants: list[LiveVariant]


@dataclass
class Decision:
    variant: Variant | None = None  # what the response serves; None: the gallery as defined
    exposures: list[tuple[str, str]] = field(default_factory=list)  # (experiment, variant)


def live_experiments(
    catalog: Catalog, cache: DeliveryCache, workspace_id: str, gallery_id: str
) -> list[LiveExperiment]:
    """Running experiments that apply to the gallery, holdouts first; cached like deliveries."""

    def build() -> tuple[Delivery, datetime | None]:
        with catalog.session() as session:
            found = session.scalars(
                select(Experiment).where(
                    Experiment.workspace_id == workspace_id,
                    Experiment.status == Status.RUNNING,
                    (Experiment.gallery_id == gallery_id) | Experiment.gallery_id.is_(None),
                )
            )
            rank: dict[str | None, int] = {None: 0}
            ordered = sorted(
                found, key=lambda e: (e.kind != Kind.HOLDOUT, rank.get(e.gallery_id, 1), e.id)
            )
            document = [
                {
                    "id": e.id,
                    "kind": e.kind,
                    "seed": e.seed,
                    "coverage": e.coverage,
                    "variants": [
                        {"key": v.key, "kind": v.kind, "weight": v.weight, "config": v.config}
                        for v in variants_of(session, e.id)
                    ],
                }
                for e in ordered
            ]
        return Delivery(json.dumps(document).encode(), "", "application/json"), None

    body = cache.get_or_build(workspace_id, ("experiments", gallery_id), build).body
    return [
        LiveExperiment(
            d["id"], d["kind"], d["seed"], d["coverage"], [LiveVariant(**v) for v in d["variants"]]
        )
        for d in json.loads(body)
    ]


class CatalogAssignments:
    """First assignments in the catalog; a concurrent first visit keeps whichever won."""

    def __init__(self, catalog: Catalog, experiment_id: str, identity_mode: str) -> None:
        self._catalog, self._experiment, self._mode = catalog, experiment_id, identity_mode

    def get(self, unit: str) -> str | None:
        with self._catalog.session() as session:
            row = session.get(ExperimentAssignment, (self._experiment, unit))
            return row.variant if row is not None else None

    def put(self, unit: str, variant: str) -> None:
        try:
            with self._catalog.session() as session:
                session.add(
                    ExperimentAssignment(
                        experiment_id=self._experiment,
                        unit=unit,
                        variant=variant,
                        identity_mode=self._mode,
                        assigned_at=utcnow(),
                    )
                )
        except IntegrityError:
            pass  # another request stored this unit first; `get` answers from now on


def _variant_of(experiment: LiveExperiment, key: str) -> Variant:
    found = next((v for v in experiment.variants if v.key == key), None)
    if found is None:  # a variant removed after assignment: the gallery as defined
        return Variant(experiment.id, key)
    if found.kind == VariantKind.HOLDOUT:
        return Variant(experiment.id, key, holdout=True)
    config = json.dumps(found.config, sort_keys=True) if found.config else None
    return Variant(experiment.id, key, config=config)


def decide(
    catalog: Catalog, experiments: list[LiveExperiment], unit: str, identity_mode: str
) -> Decision:
    decision = Decision()
    for experiment in experiments:
        keys = [v.key for v in experiment.variants]
        weights = [v.weight for v in experiment.variants]
        store = CatalogAssignments(catalog, experiment.id, identity_mode)
        key = assign(store, experiment.seed, unit, keys, weights, experiment.coverage)
        if key is None:
            continue
        decision.exposures.append((experiment.id, key))
        variant = _variant_of(experiment, key)
        if variant.holdout:
            decision.variant = variant
            return decision
        if experiment.kind == Kind.AB or decision.variant is None:
            decision.variant = variant
    return decision


@dataclass(frozen=True)
class Visit:
    """The request as the collector would see it."""

    site: SiteConfig
    hit: Hit
    url: str
    visitor_id: str | None
    fallback_url: str  # when the page URL is unusable: this server's own address


def unit_row(visit: Visit, gallery_id: str, salts: SaltStore) -> EventRecord | None:
    """The exposure event row for this visit (unit = its `visitor_id`), or None when the
    collector would drop the visitor (a bot, Do-Not-Track where the site honours it)."""
    try:
        event = TrackerEvent(
            name=EXPOSURE,
            url=visit.url,
            visitor_id=visit.visitor_id,
            consent=visit.visitor_id is not None,
            gallery_id=gallery_id,
        )
    except ValueError:  # an odd visitor id or URL: treat the visit as cookieless, on no page
        event = TrackerEvent(name=EXPOSURE, url=visit.fallback_url, gallery_id=gallery_id)
    if should_drop(event, visit.site, visit.hit):
        return None
    return enrich(event, visit.site, visit.hit, salts)[0]


def exposure_rows(row: EventRecord, decision: Decision) -> list[EventRecord]:
    return [
        {**row, "event_id": new_id("ev"), "experiment_id": experiment_id, "variant": variant}
        for experiment_id, variant in decision.exposures
    ]
