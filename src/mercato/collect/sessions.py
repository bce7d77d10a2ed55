"""Sessionization: 30 minutes of inactivity ends a visit; the source is fixed at its start.

Events are assigned to a visitor's current session while they fall within the inactivity
window; otherwise a new session starts, with the next `session_number`. Session rows are then
recomputed from their events (idempotent, so a replayed batch changes nothing), taking the
entry page and source/medium/campaign/channel from the session's first event: a later
payment-gateway referrer never steals the credit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from mercato.warehouse.connection import Warehouse
from mercato.warehouse.rows import EventRow

INACTIVITY = timedelta(minutes=30)
WINDOW_MARGIN = timedelta(seconds=1)
ENGAGED_MS = 10_000
KEY_EVENTS = ("generate_lead", "purchase")
FIRST_TOUCH = (
    "site_id",
    "visitor_id",
    "url",
    "path",
    "page_type",
    "referrer_host",
    "source",
    "medium",
    "campaign",
    "content",
    "term",
    "click_id_type",
    "channel",
    "channel_signal",
    "social_platform",
    "in_app_browser",
    "device",
    "browser",
    "os",
    "country",
)
ENTRY_NAMES = {"url": "entry_url", "path": "entry_path", "page_type": "entry_page_type"}


@dataclass(frozen=True)
class SessionState:
    session_id: str
    started_at: datetime
    last_ts: datetime
    number: int


VisitorKey = tuple[str, str]  # (workspace_id, visitor_id)


def session_id_for(workspace_id: str, visitor_id: str, first_event_id: str) -> str:
    digest = hashlib.blake2b(
        f"{workspace_id}\x1f{visitor_id}\x1f{first_event_id}".encode(), digest_size=12
    )
    return "ses_" + digest.hexdigest()


def latest_sessions(
    warehouse: Warehouse, visitors: Iterable[VisitorKey]
) -> dict[VisitorKey, SessionState]:
    """The newest stored session of each visitor, for visitors the loader has not cached."""
    keys = list(visitors)
    if not keys:
        return {}
    wanted = ibis.memtable(
        {"workspace_id": [k[0] for k in keys], "visitor_id": [k[1] for k in keys]}
    )
    sessions = warehouse.raw_table("sessions")
    mine = sessions.semi_join(wanted, ["workspace_id", "visitor_id"])
    newest = mine.group_by(["workspace_id", "visitor_id"]).aggregate(
        session_id=mine.session_id.argmax(mine.started_at),
        started_at=mine.started_at.max(),
        ended_at=mine.ended_at.argmax(mine.started_at),
        number=mine.session_number.max(),
    )
    table = warehouse.backend.to_pyarrow(newest)
    return {
        (row["workspace_id"], row["visitor_id"]): SessionState(
            row["session_id"], row["started_at"], row["ended_at"], int(row["number"] or 0)
        )
        for row in table.to_pylist()
    }


def assign(
    rows: list[EventRow], known: dict[VisitorKey, SessionState]
) -> tuple[dict[VisitorKey, SessionState], dict[str, int]]:
    """Set `session_id` on each row (sorted by time); return new states and session numbers."""
    states = dict(known)
    numbers: dict[str, int] = {}
    for row in sorted(rows, key=lambda r: (r["ts"], r["event_id"])):
        key = (row["workspace_id"], row["visitor_id"])
        ts: datetime = row["ts"]
        state = states.get(key)
        fits = state is not None and (
            state.started_at - INACTIVITY <= ts <= state.last_ts + INACTIVITY
        )
        if state is not None and fits:
            state = SessionState(
                state.session_id, min(state.started_at, ts), max(state.last_ts, ts), state.number
            )
        else:
            number = (state.number if state else 0) + 1
            state = SessionState(session_id_for(key[0], key[1], row["event_id"]), ts, ts, number)
        states[key] = state
        numbers[state.session_id] = state.number
        row["session_id"] = state.session_id
    return states, numbers


def _first(events: ir.Table, column: str) -> ir.Value:
    return events[column].argmin(events.ts)


def _count(condition: ir.BooleanValue) -> ir.IntegerValue:
    return condition.ifelse(1, 0).sum()


def session_window(
    rows: list[EventRow], known: dict[VisitorKey, SessionState]
) -> tuple[datetime, datetime]:
    """The times between which every event of the sessions `rows` touch lies.

    A session `assign` gives these rows is either new (its events are all in `rows`) or the
    visitor's known session, whose stored events lie between its start and its last event:
    reading the events table between the earliest and the latest of those times finds every
    event of those sessions, and its zone maps skip the rest of the table (ADR 0603)."""
    times = [row["ts"] for row in rows]
    for key in {(row["workspace_id"], row["visitor_id"]) for row in rows}:
        state = known.get(key)
        if state is not None:
            times += [state.started_at, state.last_ts]
    # A second either side: the bound reaches the engine as a literal with fractional
    # seconds, and a wider window only reads more, never less.
    return min(times) - WINDOW_MARGIN, max(times) + WINDOW_MARGIN


def session_rows(
    warehouse: Warehouse,
    numbers: dict[str, int],
    workspace_ids: list[str],
    window: tuple[datetime, datetime] | None = None,
) -> pa.Table:
    """Recompute the given sessions from all their events (the events are already stored);
    `window` (from `session_window`) bounds the events read, else the whole table is."""
    wanted = ibis.memtable(
        {
            "session_id": list(numbers),
            "session_number": list(numbers.values()),
            "workspace_id": workspace_ids,
        },
        schema={"session_id": "string", "session_number": "int32", "workspace_id": "string"},
    )
    events = warehouse.raw_table("events")
    if window is not None:
        events = events.filter(events.ts.between(*window))
    events = events.semi_join(wanted, ["workspace_id", "session_id"])
    name = events.name
    totals = events.group_by(["workspace_id", "session_id"]).aggregate(
        **{ENTRY_NAMES.get(column, column): _first(events, column) for column in FIRST_TOUCH},
        customer_id=events.customer_id.max(),
        started_at=events.ts.min(),
        ended_at=events.ts.max(),
        pageviews=_count(name == "pageview"),
        events=events.count(),
        engaged_ms=events.engaged_ms.sum(),  # NULL: no event measured engagement (not 0 s)
        max_scroll_pct=events.scroll_pct.max(),
        leads=_count(name == "generate_lead"),
        add_to_carts=_count(name == "add_to_cart"),
        checkouts=_count(name == "begin_checkout"),
        ugc_interactions=_count(events.ugc_id.notnull()),
    )
    purchases = events.filter((name == "purchase") & events.order_id.notnull())
    per_order = purchases.group_by(["workspace_id", "session_id", "order_id"]).aggregate(
        revenue=purchases.revenue.max(), currency=purchases.currency.max()
    )
    orders = per_order.group_by(["workspace_id", "session_id"]).aggregate(
        orders=per_order.count(),
        revenue=per_order.revenue.sum(),
        currency=per_order.currency.max(),
    )
    joined = totals.left_join(orders, ["workspace_id", "session_id"]).left_join(
        wanted, ["workspace_id", "session_id"]
    )
    result = joined.select(
        *list(totals.columns),
        orders=joined.orders.coalesce(0),
        revenue=joined.revenue,
        currency=joined.currency,
        session_number=joined.session_number,
    )
    result = result.mutate(
        is_engaged=(result.engaged_ms > ENGAGED_MS).fill_null(False)
        | (result.pageviews >= 2)
        | (result.leads > 0)
        | (result.orders > 0)
    )
    return warehouse.backend.to_pyarrow(result)
