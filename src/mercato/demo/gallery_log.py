"""The demo's adaptive gallery at work: its logged decisions, impressions and clicks.

"Trending now" (audiences.py) orders its items with the guarded bandit (ADR 1702). Here the
demo plays the server over the sessions of the last `WINDOW_DAYS` days of data, in time
order, with the product's own policy code:

- once per update (hour) the decision is recomputed from the log so far, as
  `galleries.adaptive.AdaptiveOrders` does from the warehouse;
- each session that sees the gallery gets the order `adaptive.place` gives the visitor
  (holdout arm included) and one `gallery_order` event with the lead, the arm and the
  properties the server logs (update, propensity, state, default lead);
- the items on screen are impressed (`ugc_impression`: the first three, each one below
  with a chance, as a visitor scrolls), and the lead is clicked
  (`ugc_click`) with its true click-through rate (`audiences.LEAD_CTR`), so the learned
  weights lean towards the item the ground truth names best.

Visitors held out of galleries by the workspace holdout see no gallery while it runs. Every
event carries its session (the sessions are the site stage's), so the UGC items are touches
of those sessions: attribution `--by ugc` credits them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.orm import Session

from mercato.catalog.models import Gallery
from mercato.core.timeutil import utcnow
from mercato.experiments.assignment import hashed_variant
from mercato.galleries.adaptive import (
    ORDER_EVENT,
    AdaptiveConfig,
    config_of,
    decide,
    place,
    update_number,
    visitor_digest,
)
from mercato.galleries.selection import PageContext, select_items
from mercato.warehouse.connection import ScopedWarehouse
from mercato.warehouse.schemas import EVENTS

IMPRESSION, CLICK = "ugc_impression", "ugc_click"
# Share of the window's sessions whose pages show the gallery.
VIEW_SHARE = 0.8
WINDOW_DAYS = 56  # the log's span, ending with the demo's data
# Items on screen without scrolling; each one below is seen (impressed) with SCROLL_SHARE.
ABOVE_FOLD, SCROLL_SHARE = 3, 0.4
LOG_COLUMNS = (
    "session_id",
    "lead",
    "first_ts",
    "seen",
    "rewarded",
    "orders",
    "revenue",
    "update",
    "propensity",
    "arm",
    "state",
    "default_lead",
    "day",
)


@dataclass(frozen=True)
class Holdout:
    """The workspace holdout: visitors it holds out see no gallery while it runs."""

    experiment_id: str
    share: float
    start: datetime
    end: datetime

    def running(self, at: datetime) -> bool:
        return self.start <= at < self.end


def _sessions(scoped: ScopedWarehouse, start: datetime, end: datetime) -> pd.DataFrame:
    sessions = scoped.table("sessions")
    window = sessions.filter((sessions.started_at >= start) & (sessions.started_at < end))
    expr = window.select(
        "session_id",
        "visitor_id",
        "site_id",
        "started_at",
        orders=window.orders.fill_null(0),
        revenue=window.revenue.fill_null(0).cast("float64"),
    ).order_by(["started_at", "session_id"])
    frame: pd.DataFrame = scoped.execute(expr)
    return frame


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(LOG_COLUMNS))
    if len(frame):
        frame["seen"] = frame["seen"].astype(bool)
        frame["rewarded"] = frame["rewarded"].astype(bool)
    return frame


class _Events:
    def __init__(self, gallery_id: str) -> None:
        self.gallery_id = gallery_id
        self.rows: list[dict[str, Any]] = []

    def add(self, visit: Any, name: str, ts: datetime, ugc_id: str, **extra: Any) -> None:
        self.rows.append(
            {
                "event_id": f"ev-demo-gal-{len(self.rows):08d}",
                "ts": ts,
                "name": name,
                "visitor_id": str(visit.visitor_id),
                "session_id": str(visit.session_id),
                "site_id": visit.site_id,
                "identity_mode": "first_party_id",
                "gallery_id": self.gallery_id,
                "ugc_id": ugc_id,
                **extra,
            }
        )


def simulate(
    visits: pd.DataFrame,
    item_ids: Sequence[str],
    ctr: dict[str, float],
    config: AdaptiveConfig,
    rng: np.random.Generator,
    gallery_id: str,
    held_out: set[str],
    held_out_at: Callable[[datetime], bool] = lambda at: True,
) -> tuple[list[dict[str, Any]], pd.DataFrame]:
    """The events of the gallery over `visits` (time order) and the log as the bandit read
    it (`adaptive.outcomes` columns), deciding once per update from the log so far."""
    events, log = _Events(gallery_id), list[dict[str, Any]]()
    decision, number = None, None
    so_far, read = _frame([]), 0  # the log as of the last update, and how many rows it holds
    for visit in visits.itertuples(index=False):
        if rng.random() >= VIEW_SHARE:
            continue
        at = pd.Timestamp(visit.started_at).to_pydatetime() + timedelta(seconds=3)
        if str(visit.visitor_id) in held_out and held_out_at(at):
            continue
        if decision is None or update_number(at) != number:
            number = update_number(at)
            if read < len(log):
                so_far = pd.concat([so_far, _frame(log[read:])], ignore_index=True)
                read = len(log)
            decision = decide(so_far, item_ids, config, number)
        placement = place(decision, item_ids, visitor_digest(str(visit.visitor_id)))
        properties = placement.log_properties()
        events.add(
            visit,
            ORDER_EVENT,
            at,
            placement.lead,
            variant=placement.arm.value,
            properties=json.dumps(properties, separators=(",", ":")),
        )
        for position, item in enumerate(placement.order):
            if position >= ABOVE_FOLD and rng.random() >= SCROLL_SHARE:
                continue
            events.add(visit, IMPRESSION, at + timedelta(seconds=1, milliseconds=position), item)
        clicked = bool(rng.random() < ctr[placement.lead])
        if clicked:
            events.add(visit, CLICK, at + timedelta(seconds=8), placement.lead)
        log.append(
            {
                "session_id": str(visit.session_id),
                "lead": placement.lead,
                "first_ts": at,
                "seen": True,
                "rewarded": clicked,
                "orders": int(visit.orders),
                "revenue": float(visit.revenue),
                "day": pd.Timestamp(at).floor("D"),
                **properties,
            }
        )
    return events.rows, _frame(log)


def seed_gallery_log(
    scoped: ScopedWarehouse,
    rng: np.random.Generator,
    gallery_id: str,
    item_ids: Sequence[str],
    ctr: dict[str, float],
    config: AdaptiveConfig,
    window: tuple[datetime, datetime],
    holdout: Holdout | None,
) -> tuple[pa.Table, dict[str, Any], pa.Table]:
    """The gallery's events as a warehouse table, their ground truth, and the sessions they
    fall in, recounted with them. `ctr` is keyed by item id; `holdout` the workspace holdout
    experiment, if any."""
    visits = _sessions(scoped, *window)
    held_out: set[str] = set()
    if holdout is not None:
        experiment_id, share = holdout.experiment_id, holdout.share
        held_out = {
            str(v)
            for v in visits["visitor_id"].unique()
            if hashed_variant(experiment_id, str(v), [1 - share, share], 1) == 1
        }
    during = holdout.running if holdout is not None else (lambda at: False)
    rows, log = simulate(visits, item_ids, ctr, config, rng, gallery_id, held_out, during)
    leads = log["lead"].value_counts() if len(log) else pd.Series(dtype=int)
    clicks = log[log["rewarded"]]["lead"].value_counts() if len(log) else pd.Series(dtype=int)
    truth = {
        "sessions_shown": len(log),
        "lead_exposures": {item: int(leads.get(item, 0)) for item in item_ids},
        "lead_clicks": {item: int(clicks.get(item, 0)) for item in item_ids},
        "holdout_sessions": int((log["arm"] == "holdout").sum()) if len(log) else 0,
    }
    return events_table(scoped.workspace_id, rows), truth, sessions_with_events(scoped, rows)


def seed_adaptive_gallery(
    session: Session,
    scoped: ScopedWarehouse,
    rng: np.random.Generator,
    gallery_name: str,
    lead_ctr: Sequence[float],
    end: datetime,
    holdout: Holdout | None,
) -> tuple[pa.Table, dict[str, Any], pa.Table]:
    """`seed_gallery_log` for the audiences stage's adaptive gallery, named `gallery_name`:
    its items in their default order get `lead_ctr` in that order."""
    gallery = session.scalars(
        select(Gallery).where(
            Gallery.workspace_id == scoped.workspace_id, Gallery.name == gallery_name
        )
    ).first()
    config = config_of(gallery.rule or {}) if gallery is not None else None
    if gallery is None or config is None:
        return events_table(scoped.workspace_id, []), {}, pa.table({})
    items = select_items(session, gallery, PageContext(), utcnow()).items
    item_ids = [item.id for item in items]
    ctr = dict(zip(item_ids, lead_ctr, strict=False))
    item_ids = [item for item in item_ids if item in ctr]
    if len(item_ids) < 2:  # the server keeps a gallery of fewer items in its default order
        return events_table(scoped.workspace_id, []), {}, pa.table({})
    window = (end - timedelta(days=WINDOW_DAYS), end)
    table, truth, sessions = seed_gallery_log(
        scoped, rng, gallery.id, item_ids, ctr, config, window, holdout
    )
    external = {item.id: item.external_id for item in items}
    # The truth names items by their seeded external id (ids are drawn fresh each seeding).
    return table, named_truth(truth, external), sessions


def named_truth(truth: dict[str, Any], external: dict[str, str]) -> dict[str, Any]:
    return {
        key: {external[i]: n for i, n in value.items()} if isinstance(value, dict) else value
        for key, value in truth.items()
    }


def sessions_with_events(scoped: ScopedWarehouse, rows: list[dict[str, Any]]) -> pa.Table:
    """The sessions the gallery's events fall in, as the loader would count them with these
    events: `events` grown by their number, `ended_at` moved to the last of them."""
    added: dict[str, int] = {}
    last: dict[str, datetime] = {}
    for row in rows:
        key = str(row["session_id"])
        added[key] = added.get(key, 0) + 1
        last[key] = max(last.get(key, row["ts"]), row["ts"])
    if not added:
        return pa.table({})
    sessions = scoped.table("sessions")
    stored = scoped.to_arrow(sessions.filter(sessions.session_id.isin(sorted(added))))
    stored = stored.drop_columns([c for c in ("row_key",) if c in stored.column_names])
    ids = stored.column("session_id").to_pylist()
    counts = [
        int(n or 0) + added[i]
        for i, n in zip(ids, stored.column("events").to_pylist(), strict=True)
    ]
    ended = [
        max(end, last[i]) if end is not None else last[i]
        for i, end in zip(ids, stored.column("ended_at").to_pylist(), strict=True)
    ]
    stored = stored.set_column(
        stored.column_names.index("events"), "events", pa.array(counts, pa.int32())
    )
    index = stored.column_names.index("ended_at")
    return stored.set_column(index, "ended_at", pa.array(ended, stored.schema.field(index).type))


def events_table(workspace_id: str, rows: list[dict[str, Any]]) -> pa.Table:
    schema = EVENTS.schema.to_pyarrow()
    columns = {name: [row.get(name) for row in rows] for name in schema.names}
    columns["workspace_id"] = [workspace_id] * len(rows)
    return pa.table(columns, schema=schema)
