"""The collector service: validate -> enrich -> WAL (acknowledge) -> loader -> warehouse.

The web layer resolves the site from its public key and passes a `SiteConfig`; nothing here
knows about HTTP. `start()`/`stop()` run in the app's lifespan.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mercato.collect.enrich import Hit, SiteConfig, enrich, should_drop
from mercato.collect.identity import SaltStore
from mercato.collect.loader import BatchListener, EventLoader, RejectionListener
from mercato.collect.payload import TrackerEvent
from mercato.collect.store import EventStore
from mercato.collect.wal import Position, WorkerLog, WriteAheadLog
from mercato.core.errors import ValidationFailed
from mercato.warehouse.connection import Warehouse
from mercato.warehouse.rows import EventRecord


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


INTAKE_FOLDER = "intake"
# Lake batch names hold 12 digits of segment: each worker's log numbers from its own block.
WORKER_SEGMENT_SPAN = 10**9


def intake_dir(wal_dir: Path, worker: int) -> Path:
    """The log of intake worker `worker` (1-based) of `serve --workers N` (ADR 0604)."""
    return wal_dir / INTAKE_FOLDER / str(worker)


def intake_dirs(wal_dir: Path) -> list[Path]:
    """Every intake worker's log folder, this run's and any earlier run's (a run with more
    workers leaves folders the next run must still load)."""
    root = wal_dir / INTAKE_FOLDER
    if not root.is_dir():
        return []
    found = [d for d in root.iterdir() if d.is_dir() and d.name.isdigit()]
    return sorted(found, key=lambda d: int(d.name))


class Intake:
    """Validate -> enrich -> WAL -> acknowledge. An intake worker process has only this; the
    data dir's owner has the whole `Collector`."""

    def __init__(self, wal_dir: Path, salts_path: Path) -> None:
        self.wal = WriteAheadLog(wal_dir)
        self.salts = SaltStore(salts_path)
        self.running = False
        self._users = 0
        self._users_lock = threading.Lock()
        self._counts = {"accepted": 0, "filtered": 0, "clamped": 0}
        self._counts_lock = threading.Lock()

    def start(self) -> None:
        """Open the WAL (a new segment) and, in the owner, start the loaders.

        Counted: an app whose lifespan runs more than once (test clients) shares one log.
        """
        with self._users_lock:
            self._users += 1
            if self._users > 1:
                return
            self._open()
            self.running = True

    def _open(self) -> None:
        self.wal.directory.mkdir(parents=True, exist_ok=True)
        self.wal.start()

    def stop(self) -> None:
        with self._users_lock:
            self._users = max(0, self._users - 1)
            if self._users or not self.running:
                return
            self.running = False
            self._close()

    def _close(self) -> None:
        self.wal.stop()

    def prepare(
        self, events: list[tuple[TrackerEvent, SiteConfig, Hit]]
    ) -> tuple[bytes | None, Accepted]:
        """Enriched rows as one WAL record; raises ValidationFailed naming `events[i].field`."""
        rows: list[EventRecord] = []
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


class Collector(Intake):
    """The owner's collector: intake into `wal_dir`, and loaders that move that log and every
    intake worker's (`wal_dir/intake/<n>`) into the warehouse, one batch at a time."""

    def __init__(
        self,
        wal_dir: Path,
        warehouse: Warehouse,
        *,
        loader_interval_s: float = 0.25,
        on_rejected: RejectionListener | None = None,
        after_batch: BatchListener | None = None,
        worker_logs: int = 0,
    ) -> None:
        super().__init__(wal_dir, wal_dir / "salts.json")
        self.store = EventStore(warehouse)
        self._store_lock = threading.Lock()
        self._loader_interval_s = loader_interval_s
        self._on_rejected = on_rejected
        self._after_batch = after_batch
        self._worker_logs = worker_logs
        self.loader = EventLoader(
            self.wal,
            self.store,
            interval_s=loader_interval_s,
            on_rejected=on_rejected,
            after_batch=after_batch,
            store_lock=self._store_lock,
        )
        self.worker_loaders: list[EventLoader] = []

    def _open(self) -> None:
        super()._open()
        for worker in range(1, self._worker_logs + 1):
            intake_dir(self.wal.directory, worker).mkdir(parents=True, exist_ok=True)
        self.worker_loaders = [
            self._worker_loader(folder) for folder in intake_dirs(self.wal.directory)
        ]
        self.loader.start()
        for loader in self.worker_loaders:
            loader.start()

    def _worker_loader(self, folder: Path) -> EventLoader:
        worker = int(folder.name)
        after = self._after_batch
        return EventLoader(
            WorkerLog(folder),
            self.store,
            interval_s=self._loader_interval_s,
            on_rejected=self._on_rejected,
            after_batch=None if after is None else _shifted(after, worker),
            rejected=self.loader.rejected,  # one rejected log for the data dir
            store_lock=self._store_lock,
            name=f"mercato-loader-{worker}",
        )

    def _close(self) -> None:
        super()._close()
        self.loader.stop()
        for loader in self.worker_loaders:
            loader.stop()

    @property
    def loaders(self) -> list[EventLoader]:
        return [self.loader, *self.worker_loaders]

    def wait_until_loaded(self, timeout_s: float = 30.0) -> bool:
        """Block until every log's events, durable now, are in the warehouse."""
        deadline = time.monotonic() + timeout_s
        return all(
            loader.wait_until_loaded(max(0.0, deadline - time.monotonic()))
            for loader in self.loaders
        )

    def stats(self) -> CollectorStats:
        """Counts and reasons for `/healthz` and the data-quality view."""
        with self._counts_lock:
            counts = dict(self._counts)
        loaders = self.loaders
        errors = [loader.last_error for loader in loaders if loader.last_error]
        return CollectorStats(
            accepted=counts["accepted"],
            filtered=counts["filtered"],
            clamped=counts["clamped"],
            loaded=sum(loader.loaded_events for loader in loaders),
            rejected=self.loader.rejected.count,
            last_rejection=self.loader.rejected.last_reason,
            loader_lag_s=round(max(loader.lag_s for loader in loaders), 3),
            loader_alive=all(loader.alive for loader in loaders),
            loader_error=errors[0] if errors else None,
        )


def _shifted(after: BatchListener, worker: int) -> BatchListener:
    """A worker log's batches named apart from the owner's in the lake (ADR 0504 names a
    batch by where it starts in its log; each worker's segments get their own block)."""

    def listener(start: Position, rows: list[dict[str, Any]]) -> None:
        after(Position(start.segment + worker * WORKER_SEGMENT_SPAN, start.offset), rows)

    return listener
