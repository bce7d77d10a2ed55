"""The collector service: validate -> enrich -> WAL (acknowledge) -> loader -> warehouse.

The web layer resolves the site from its public key and passes a `SiteConfig`; nothing here
knows about HTTP. `start()`/`stop()` run in the app's lifespan.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mercato.collect.enrich import Hit, SiteConfig, enrich, should_drop
from mercato.collect.identity import SaltStore
from mercato.collect.loader import BatchListener, EventLoader, RejectionListener
from mercato.collect.payload import TrackerEvent
from mercato.collect.store import EventStore
from mercato.collect.wal import WriteAheadLog
from mercato.core.errors import ValidationFailed
from mercato.warehouse.connection import Warehouse


@dataclass(frozen=True)
class Accepted:
    accepted: int
    filtered: int
    event_ids: list[str]
    clamped: int = 0  # accepted events whose time was moved into the allowed window


@dataclass(frozen=True)
class CollectorStats:
    """What happened to every event since start (the rejected count spans earlier runs too)."""

    accepted: int
    filtered: int
    clamped: int
    loaded: int
    rejected: int
    last_rejection: str | None
    loader_lag_s: float
    loader_alive: bool
    loader_error: str | None


class Collector:
    def __init__(
        self,
        wal_dir: Path,
        warehouse: Warehouse,
        *,
        loader_interval_s: float = 0.25,
        on_rejected: RejectionListener | None = None,
        after_batch: BatchListener | None = None,
    ) -> None:
        self.wal = WriteAheadLog(wal_dir)
        self.salts = SaltStore(wal_dir / "salts.json")
        self.store = EventStore(warehouse)
        self.loader = EventLoader(
            self.wal,
            self.store,
            interval_s=loader_interval_s,
            on_rejected=on_rejected,
            after_batch=after_batch,
        )
        self.running = False
        self._users = 0
        self._users_lock = threading.Lock()
        self._counts = {"accepted": 0, "filtered": 0, "clamped": 0}
        self._counts_lock = threading.Lock()

    def start(self) -> None:
        """Open the WAL (a new segment) and start the loader, which first replays the rest.

        Counted: an app whose lifespan runs more than once (test clients) shares one log.
        """
        with self._users_lock:
            self._users += 1
            if self._users > 1:
                return
            self.wal.directory.mkdir(parents=True, exist_ok=True)
            self.wal.start()
            self.loader.start()
            self.running = True

    def stop(self) -> None:
        with self._users_lock:
            self._users = max(0, self._users - 1)
            if self._users or not self.running:
                return
            self.running = False
            self.wal.stop()
            self.loader.stop()

    def prepare(
        self, events: list[tuple[TrackerEvent, SiteConfig, Hit]]
    ) -> tuple[bytes | None, Accepted]:
        """Enriched rows as one WAL record; raises ValidationFailed naming `events[i].field`."""
        rows: list[dict[str, Any]] = []
        filtered = clamped = 0
        for index, (event, site, hit) in enumerate(events):
            if should_drop(event, site, hit):
                filtered += 1
                continue
            try:
                row, moved = enrich(event, site, hit, self.salts)
            except ValidationFailed as exc:
                where = f"events[{index}].{exc.location}" if len(events) > 1 else exc.location
                raise ValidationFailed(exc.reason, location=where) from None
            rows.append(row)
            clamped += moved
        accepted = Accepted(len(rows), filtered, [r["event_id"] for r in rows], clamped)
        if not rows:
            return None, accepted
        return json.dumps(rows, separators=(",", ":")).encode(), accepted

    async def collect(self, events: list[tuple[TrackerEvent, SiteConfig, Hit]]) -> Accepted:
        """Acknowledge only after the WAL has the rows on disk."""
        payload, accepted = self.prepare(events)
        if payload is not None:
            await self.wal.append(payload)
        self._count(accepted)
        return accepted

    def _count(self, accepted: Accepted) -> None:
        with self._counts_lock:
            self._counts["accepted"] += accepted.accepted
            self._counts["filtered"] += accepted.filtered
            self._counts["clamped"] += accepted.clamped

    def stats(self) -> CollectorStats:
        """Counts and reasons for `/healthz` and the data-quality view."""
        with self._counts_lock:
            counts = dict(self._counts)
        loader = self.loader
        return CollectorStats(
            accepted=counts["accepted"],
            filtered=counts["filtered"],
            clamped=counts["clamped"],
            loaded=loader.loaded_events,
            rejected=loader.rejected.count,
            last_rejection=loader.rejected.last_reason,
            loader_lag_s=round(loader.lag_s, 3),
            loader_alive=loader.alive,
            loader_error=loader.last_error,
        )
