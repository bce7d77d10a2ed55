"""The loader's duplicate detection is exact (ADR 0603): no acknowledged event is dropped as a
false duplicate, none is stored twice, and the sessions it recomputes from a time window equal
the sessions recomputed from every stored event.

A duplicate can carry another time: the public collector moves a browser's clock onto the
server's, so a retried event (the tracker's retry queue) gets the receive time of the retry.
Tests here load such retries, far apart and microseconds apart."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from mercato.collect.enrich import Hit, SiteConfig, event_row
from mercato.collect.identity import SaltStore
from mercato.collect.payload import TrackerEvent
from mercato.collect.store import EventStore
from mercato.warehouse.connection import Warehouse

CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"
SITE = SiteConfig("site_a", "ws_a", "shop.example", identity_mode="first_party_id")
OTHER = SiteConfig("site_b", "ws_b", "shop.example", identity_mode="first_party_id")
SALTS = SaltStore(None)
START = datetime(2011, 3, 13, 9, 59, 59, 999999)  # far in the past; microseconds


def _row(
    event_id: str, at: datetime, visitor: str = "v1", site: SiteConfig = SITE
) -> dict[str, Any]:
    event = TrackerEvent(
        name="pageview",
        url="https://shop.example/p/1?utm_source=instagram&utm_medium=social",
        event_id=event_id,
        visitor_id=visitor,
    )
    # An authenticated replay keeps its times (the public clamp would move 2011 to today).
    hit = Hit("", CHROME, at, keep_history=True)
    row: dict[str, Any] = json.loads(json.dumps(event_row(event, site, hit, SALTS)))
    return row  # as the WAL holds it


@pytest.fixture
def warehouse(tmp_path: Path) -> Warehouse:
    return Warehouse.open_duckdb(tmp_path / "warehouse.duckdb")


def _stored(warehouse: Warehouse) -> dict[tuple[str, str], list[datetime]]:
    rows = warehouse.backend.con.execute(
        "SELECT workspace_id, event_id, ts FROM events ORDER BY ts"
    ).fetchall()
    found: dict[tuple[str, str], list[datetime]] = {}
    for workspace, event_id, ts in rows:
        found.setdefault((workspace, event_id), []).append(ts)
    return found


def _sessions_match_their_events(warehouse: Warehouse) -> None:
    """Every session row equals one computed from all its stored events, once per session."""
    con = warehouse.backend.con
    stored = con.execute(
        "SELECT session_id, count(*), min(started_at), min(ended_at), min(events), "
        "min(pageviews) FROM sessions GROUP BY session_id ORDER BY session_id"
    ).fetchall()
    reference = con.execute(
        "SELECT session_id, 1, min(ts), max(ts), count(*), count(*) FILTER (name = 'pageview') "
        "FROM events GROUP BY session_id ORDER BY session_id"
    ).fetchall()
    assert stored == reference


def test_a_retry_with_a_later_time_is_dropped_and_the_first_copy_wins(
    warehouse: Warehouse,
) -> None:
    store = EventStore(warehouse)
    first = store.store([_row("e1", START), _row("e2", START + timedelta(minutes=1))])
    assert (first.inserted, first.duplicates) == (2, 0)
    # The same events retried two days later (another receive time) with a new one.
    later = START + timedelta(days=2)
    again = store.store([_row("e2", later), _row("e1", later), _row("e3", later)])
    assert (again.received, again.inserted, again.duplicates) == (3, 1, 2)
    assert _stored(warehouse) == {
        ("ws_a", "e1"): [START],
        ("ws_a", "e2"): [START + timedelta(minutes=1)],
        ("ws_a", "e3"): [later],
    }
    _sessions_match_their_events(warehouse)


def test_a_retry_one_microsecond_apart_is_a_duplicate(warehouse: Warehouse) -> None:
    store = EventStore(warehouse)
    store.store([_row("e1", START)])
    result = store.store([_row("e1", START + timedelta(microseconds=1))])
    assert (result.inserted, result.duplicates) == (0, 1)
    assert _stored(warehouse) == {("ws_a", "e1"): [START]}


def test_same_time_different_ids_are_all_kept(warehouse: Warehouse) -> None:
    store = EventStore(warehouse)
    store.store([_row(f"a{i}", START) for i in range(3)])
    result = store.store([_row(f"b{i}", START) for i in range(3)] + [_row("a1", START)])
    assert (result.inserted, result.duplicates) == (3, 1)
    assert len(_stored(warehouse)) == 6
    _sessions_match_their_events(warehouse)


def test_a_replayed_batch_stores_nothing_and_leaves_sessions_alone(warehouse: Warehouse) -> None:
    store = EventStore(warehouse)
    batch = [_row(f"e{i}", START + timedelta(seconds=7 * i)) for i in range(50)]
    store.store([dict(r) for r in batch])
    before = warehouse.backend.con.execute("SELECT * FROM sessions ORDER BY row_key").fetchall()
    replay = store.store([dict(r) for r in batch])
    assert (replay.inserted, replay.duplicates, replay.sessions) == (0, 50, 0)
    after = warehouse.backend.con.execute("SELECT * FROM sessions ORDER BY row_key").fetchall()
    assert after == before
    assert all(len(times) == 1 for times in _stored(warehouse).values())


def test_the_same_id_in_another_workspace_is_another_event(warehouse: Warehouse) -> None:
    store = EventStore(warehouse)
    store.store([_row("e1", START)])
    result = store.store([_row("e1", START, site=OTHER)])
    assert (result.inserted, result.duplicates) == (1, 0)
    assert set(_stored(warehouse)) == {("ws_a", "e1"), ("ws_b", "e1")}


def test_a_session_continued_across_batches_counts_every_event(warehouse: Warehouse) -> None:
    """The session recompute reads only a time window: events at its edges (microseconds
    from the last one, 29 minutes apart) and late arrivals are all counted, once."""
    store = EventStore(warehouse)
    store.store([_row("e1", START), _row("e2", START + timedelta(minutes=29))])
    edge = START + timedelta(minutes=58, microseconds=1)
    store.store([_row("e3", edge)])
    late = START + timedelta(minutes=10, microseconds=-1)  # arrives after, happened between
    store.store([_row("e4", late), _row("e1", edge)])  # with a retried e1
    fresh = EventStore(warehouse)  # a restarted loader: the states come from the warehouse
    fresh.store([_row("e5", edge + timedelta(minutes=29, microseconds=999999))])
    con = warehouse.backend.con
    assert con.execute("SELECT count(*), count(DISTINCT session_id) FROM events").fetchone() == (
        5,
        1,
    )
    assert con.execute("SELECT events, started_at FROM sessions").fetchall() == [(5, START)]
    _sessions_match_their_events(warehouse)


def test_many_visitors_and_retries_match_a_reference(warehouse: Warehouse) -> None:
    """Batches mixing new events and retries of old ones at new times:
    the stored events are exactly the distinct ids, each with its first time."""
    store = EventStore(warehouse)
    first_seen: dict[str, datetime] = {}
    for batch_number in range(6):
        rows = []
        for i in range(120):
            n = (batch_number * 97 + i * 13) % 400  # ids recur across and within batches
            at = START + timedelta(hours=batch_number, seconds=i, microseconds=n)
            rows.append(_row(f"e{n}", at, visitor=f"v{n % 17}"))
        for row in rows:
            first_seen.setdefault(row["event_id"], datetime.fromisoformat(row["ts"]))
        store.store(rows)
    stored = _stored(warehouse)
    assert stored == {("ws_a", event_id): [ts] for event_id, ts in first_seen.items()}
    _sessions_match_their_events(warehouse)
