"""Which origins a site's events come from, accepted or refused: the install check.

The collector notes every request; the catalog is written at most once per (site, origin,
outcome) every `FLUSH_S`, and each site keeps at most `MAX_ORIGINS_PER_OUTCOME` rows per
outcome (the stalest go), so forged Origin headers cannot grow the table or slow intake.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from mercato.catalog.db import Catalog
from mercato.catalog.models import Site, SiteOriginActivity
from mercato.core.timeutil import utcnow

log = logging.getLogger(__name__)
ACCEPTED = "accepted"
REFUSED = "refused"
FLUSH_S = 10.0
MAX_ORIGINS_PER_OUTCOME = 20
MAX_PENDING = 10_000
ORIGIN_CHARS = 200
NO_ORIGIN = ""

Key = tuple[str, str, str]  # site id, origin, outcome


@dataclass
class _Pending:
    count: int = 0
    last_at: datetime | None = None
    flushed_at: datetime | None = None


class ActivityRecorder:
    """Counts in memory, written through to the catalog in bounded, throttled batches."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._pending: dict[Key, _Pending] = {}
        self._lock = threading.Lock()
        # One write at a time: two flushes that both find no row would both insert it (the
        # owner of `serve --workers N` flushes for every worker, often at once).
        self._writing = threading.Lock()

    def note(self, site_id: str, origin: str | None, outcome: str, at: datetime) -> bool:
        """Count one request; True when this key is due to be written (call `flush`)."""
        return self.add(site_id, origin, outcome, 1, at)

    def add(self, site_id: str, origin: str | None, outcome: str, count: int, at: datetime) -> bool:
        """Count `count` requests (an intake worker's window, ADR 0604); True when due."""
        key = (site_id, (origin or NO_ORIGIN)[:ORIGIN_CHARS], outcome)
        with self._lock:
            if len(self._pending) > MAX_PENDING:
                self._pending.clear()
            pending = self._pending.setdefault(key, _Pending())
            pending.count += count
            pending.last_at = at if pending.last_at is None else max(pending.last_at, at)
            due = pending.flushed_at is None or at - pending.flushed_at >= timedelta(
                seconds=FLUSH_S
            )
            return due

    def take_window(self) -> list[tuple[Key, int, datetime | None]]:
        """Every key's count since its last write, and its latest time; counts restart."""
        with self._lock:
            batch = [(k, p.count, p.last_at) for k, p in self._pending.items() if p.count]
            for key, _count, at in batch:
                self._pending[key] = _Pending(flushed_at=at)
        return batch

    def flush(self) -> None:
        """Write every counted request; runs outside the event loop (a catalog write).

        Best effort: the install check must never fail event collection, so a busy or
        unavailable catalog loses this window's counts (logged), not the request."""
        with self._writing:
            self._write(self.take_window())

    def _write(self, batch: list[tuple[Key, int, datetime | None]]) -> None:
        if not batch:
            return
        try:
            with self.catalog.session() as session:
                for (site_id, origin, outcome), count, at in batch:
                    if at is not None and session.get(Site, site_id) is not None:
                        record(session, site_id, origin, outcome, count, at)
        except SQLAlchemyError as exc:
            log.warning("site activity not recorded (%d origins): %s", len(batch), exc)


def record(
    session: Session, site_id: str, origin: str, outcome: str, count: int, at: datetime
) -> None:
    row = session.get(SiteOriginActivity, (site_id, origin, outcome))
    if row is None:
        _make_room(session, site_id, outcome)
        row = SiteOriginActivity(
            site_id=site_id, origin=origin, outcome=outcome, count=0, first_at=at, last_at=at
        )
        session.add(row)
    row.count += count
    row.last_at = max(row.last_at, at)
    session.flush()


def _make_room(session: Session, site_id: str, outcome: str) -> None:
    rows = list(
        session.scalars(
            select(SiteOriginActivity)
            .where(SiteOriginActivity.site_id == site_id, SiteOriginActivity.outcome == outcome)
            .order_by(SiteOriginActivity.last_at.desc())
        )
    )
    for stale in rows[MAX_ORIGINS_PER_OUTCOME - 1 :]:
        session.delete(stale)
    session.flush()


@dataclass(frozen=True)
class OriginSeen:
    origin: str
    count: int
    last_at: datetime

    @property
    def shown(self) -> str:
        return self.origin or "requests without an Origin header"


@dataclass(frozen=True)
class InstallCheck:
    """`ok` (events arrive), `refused` (only refused ones) or `waiting` (nothing yet)."""

    state: str
    message: str
    accepted: list[OriginSeen]
    refused: list[OriginSeen]


def ago(delta: timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    for size, unit in ((86_400, "day"), (3_600, "hour"), (60, "minute")):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return "just now" if seconds < 5 else f"{seconds} seconds ago"


def install_check(session: Session, site: Site, now: datetime | None = None) -> InstallCheck:
    now = now or utcnow()
    rows = session.scalars(
        select(SiteOriginActivity)
        .where(SiteOriginActivity.site_id == site.id)
        .order_by(SiteOriginActivity.last_at.desc())
    )
    seen: dict[str, list[OriginSeen]] = {ACCEPTED: [], REFUSED: []}
    for row in rows:
        seen.setdefault(row.outcome, []).append(OriginSeen(row.origin, row.count, row.last_at))
    accepted, refused = seen[ACCEPTED], seen[REFUSED]
    refusal = "; ".join(
        f"events refused for origin {r.shown} ({r.count}, last {ago(now - r.last_at)}): "
        "add it to the allowed origins if it is yours"
        for r in refused[:3]
    )
    if accepted:
        latest = accepted[0]
        message = f"last event received {ago(now - latest.last_at)} from {latest.shown}"
        return InstallCheck("ok", message + (f"; {refusal}" if refusal else ""), accepted, refused)
    if refused:
        return InstallCheck("refused", refusal, accepted, refused)
    message = f"no events yet: add the snippet to the pages of {site.domain}"
    return InstallCheck("waiting", message, accepted, refused)
