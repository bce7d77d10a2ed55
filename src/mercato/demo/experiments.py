"""The demo brand's experiments: a finished gallery A/B test and a finished workspace holdout,
both over the demo's own visitors of the last 28 days, with known true effects.

- A/B test on the home gallery: `grid` (as defined) vs `carousel`. Each unit views the
  gallery 1 + Poisson(1) times and clicks each view with probability CTR_GRID or
  CTR_CAROUSEL, so the true relative lift in click-through is CTR_CAROUSEL / CTR_GRID - 1.
- Holdout (10 % see no gallery): the demo's purchases were simulated before and without any
  assignment, so the true lift of galleries on conversion and revenue is exactly 0 — while
  buyers click BUYER_CLICK_FACTOR times as often per view (in both A/B arms, so the CTR ratio
  stays exact), so the vendor-style "interacted vs did not" figure shows a large, purely
  correlational lift.

Assignments use the product's own hashing and are stored as first assignments; exposure,
gallery view and click events carry no session (they do not change any session's counts).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pyarrow as pa
from sqlalchemy.orm import Session

from mercato.catalog.models import ExperimentAssignment, Gallery
from mercato.demo.timeline import END_DAY
from mercato.demo.writer import WarehouseWriter
from mercato.experiments.assignment import hashed_variant
from mercato.experiments.schemas import (
    EXPOSURE,
    ExperimentCreate,
    GalleryConfig,
    Kind,
    Metric,
    Status,
    VariantCreate,
    VariantKind,
)
from mercato.experiments.service import create_experiment
from mercato.warehouse.connection import ScopedWarehouse
from mercato.warehouse.schemas import EVENTS

DAYS = 28
CTR_GRID, CTR_CAROUSEL = 0.06, 0.078
HOLDOUT_SHARE = 0.1
BUYER_CLICK_FACTOR = 3.0  # buyers click every view this much more often, in both arms
END = datetime.combine(END_DAY, datetime.min.time()) + timedelta(days=1)
START = END - timedelta(days=DAYS)


def _units(scoped: ScopedWarehouse) -> tuple[list[str], list[datetime], set[str]]:
    """Visitors with a session in the window, their first session start, and the buyers."""
    sessions = scoped.table("sessions")
    recent = sessions.filter((sessions.started_at >= START) & (sessions.started_at < END))
    first = recent.group_by("visitor_id").aggregate(at=recent.started_at.min())
    frame = scoped.execute(first.order_by("visitor_id"))
    orders = scoped.table("orders")
    bought = orders.filter((orders.placed_at >= START) & (orders.placed_at < END))
    buyers = set(scoped.execute(bought.select("visitor_id").distinct()).visitor_id)
    at = [t.to_pydatetime() for t in frame["at"]]
    return [str(v) for v in frame.visitor_id], at, buyers


def _experiments(
    session: Session, workspace_id: str, seed: int, brand: str
) -> tuple[str, str, str]:
    home = (
        session.query(Gallery)
        .filter(Gallery.workspace_id == workspace_id)
        .order_by(Gallery.name)
        .first()
    )
    assert home is not None  # the library stage made the galleries
    ab = create_experiment(
        session,
        workspace_id,
        ExperimentCreate(
            name="Home gallery: carousel vs grid",
            gallery_id=home.id,
            primary_metric=Metric.GALLERY_CTR,
            guardrails=[Metric.CONVERSION_RATE],
            variants=[
                VariantCreate(key="grid"),
                VariantCreate(
                    key="carousel",
                    kind=VariantKind.CONFIGURED,
                    config=GalleryConfig(layout="carousel"),
                ),
            ],
        ),
        experiment_id=f"exp_{brand}{seed}_ab",
    )
    holdout = create_experiment(
        session,
        workspace_id,
        ExperimentCreate(
            name="Galleries holdout",
            kind=Kind.HOLDOUT,
            holdout_share=HOLDOUT_SHARE,
        ),
        experiment_id=f"exp_{brand}{seed}_holdout",
    )
    for experiment in (ab, holdout):
        experiment.status, experiment.started_at, experiment.stopped_at = Status.STOPPED, START, END
    return ab.id, holdout.id, home.id


def _event(n: int, visitor: str, name: str, ts: datetime, **extra: Any) -> dict[str, Any]:
    return {
        "event_id": f"ev-demo-exp-{n:08d}",
        "ts": ts,
        "name": name,
        "visitor_id": visitor,
        "identity_mode": "first_party_id",
        **extra,
    }


class _Log:
    """The rows the demo writes: first assignments (catalog) and events (warehouse)."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.assignments: list[ExperimentAssignment] = []

    def event(self, visitor: str, name: str, ts: datetime, **extra: Any) -> None:
        self.events.append(_event(len(self.events), visitor, name, ts, **extra))

    def expose(
        self, experiment_id: str, visitor: str, at: datetime, variant: str, gid: str
    ) -> None:
        self.assignments.append(
            ExperimentAssignment(
                experiment_id=experiment_id,
                unit=visitor,
                variant=variant,
                identity_mode="first_party_id",
                assigned_at=at,
            )
        )
        self.event(
            visitor, EXPOSURE, at, experiment_id=experiment_id, variant=variant, gallery_id=gid
        )

    def views_and_clicks(
        self, rng: np.random.Generator, visitor: str, at: datetime, gid: str, label: str, ctr: float
    ) -> None:
        """1 + Poisson(1) gallery views (naming the experiment: activation), each clicked
        with probability `ctr`."""
        for view in range(1 + int(rng.poisson(1.0))):
            ts = at + timedelta(seconds=2 + 30 * view)
            self.event(visitor, "gallery_view", ts, gallery_id=gid, properties=label)
            if rng.random() < ctr:
                self.event(visitor, "ugc_click", ts + timedelta(seconds=5), gallery_id=gid)


def seed_experiments(
    session: Session,
    scoped: ScopedWarehouse,
    writer: WarehouseWriter,
    rng: np.random.Generator,
    seed: int,
    brand: str = "demo",
) -> dict[str, Any]:
    """Create, run (as data) and stop both experiments; return their ground truth. Experiment
    ids are global, so each demo brand (its workspace slug) names its own."""
    ab_id, holdout_id, gid = _experiments(session, scoped.workspace_id, seed, brand)
    units, firsts, buyers = _units(scoped)
    log = _Log()
    for visitor, at in zip(units, firsts, strict=True):
        held = hashed_variant(holdout_id, visitor, [1 - HOLDOUT_SHARE, HOLDOUT_SHARE], 1) == 1
        log.expose(holdout_id, visitor, at, "holdout" if held else "galleries", gid)
        if held:
            continue
        variant = ["grid", "carousel"][hashed_variant(ab_id, visitor, [1, 1], 1)]
        log.expose(ab_id, visitor, at, variant, gid)
        ctr = CTR_CAROUSEL if variant == "carousel" else CTR_GRID
        ctr *= BUYER_CLICK_FACTOR if visitor in buyers else 1.0
        label = json.dumps({"experiment_id": ab_id, "variant": variant})
        log.views_and_clicks(rng, visitor, at, gid, label, ctr)
    session.add_all(log.assignments)
    writer.write("events", _table(scoped.workspace_id, log.events))
    return {
        "ab": {
            "id": ab_id,
            "metric": Metric.GALLERY_CTR.value,
            "ctr": {"grid": CTR_GRID, "carousel": CTR_CAROUSEL},
            "buyer_click_factor": BUYER_CLICK_FACTOR,
            "true_relative_lift": CTR_CAROUSEL / CTR_GRID - 1,
        },
        "holdout": {
            "id": holdout_id,
            "share": HOLDOUT_SHARE,
            "true_conversion_lift": 0.0,
            "true_revenue_per_visitor_lift": 0.0,
        },
        "window": [START.isoformat(), END.isoformat()],
    }


def _table(workspace_id: str, rows: list[dict[str, Any]]) -> pa.Table:
    schema = EVENTS.schema.to_pyarrow()
    columns = {name: [row.get(name) for row in rows] for name in schema.names}
    columns["workspace_id"] = [workspace_id] * len(rows)
    return pa.table(columns, schema=schema)
