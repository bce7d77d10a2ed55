"""The loader thread: WAL batches -> warehouse (via Arrow) -> checkpoint -> old segments deleted.

A batch that fails to load is never retried forever: unless the failure is the environment's
(disk, I/O, memory: retried, with the lag growing until `/healthz` says so), the batch is
halved until the events that fail on their own are found; those go to the rejected log with
the reason and everything else loads.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import duckdb

from mercato.collect.rejected import RejectedLog
from mercato.collect.store import EventStore, row_problem
from mercato.collect.wal import (
    Checkpoint,
    DurableLog,
    Position,
    read_frames,
    segment_path,
    segments_in,
)

log = logging.getLogger("mercato.collect")
MAX_ROWS_PER_LOAD = 20_000
RETRY_AFTER_S = 2.0
# Failures of the machine, not of the rows: the batch stays in the WAL and is retried.
ENVIRONMENT_FAULTS: tuple[type[BaseException], ...] = (
    OSError,
    MemoryError,
    duckdb.IOException,
    duckdb.OutOfMemoryException,
)


def _reason(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


RejectionListener = Callable[[list[dict[str, Any]], str], None]
# Told (batch start, rows) once a batch is stored, before the checkpoint moves (the lake feed).
BatchListener = Callable[[Position, list[dict[str, Any]]], None]


class EventLoader:
    def __init__(
        self,
        wal: DurableLog,
        store: EventStore,
        interval_s: float = 0.25,
        on_rejected: RejectionListener | None = None,
        after_batch: BatchListener | None = None,
        *,
        rejected: RejectedLog | None = None,
        store_lock: threading.Lock | None = None,
        name: str = "mercato-loader",
    ) -> None:
        """`store_lock` is held while a batch loads: loaders of several logs (one per intake
        worker, ADR 0604) share one store and its session cache, one batch at a time."""
        self.wal = wal
        self.after_batch = after_batch
        self.on_rejected = on_rejected  # e.g. the data-quality view's recorder (web layer)
        self.store = store
        self.checkpoint = Checkpoint(wal.directory)
        self.interval_s = interval_s
        self.loaded_events = 0
        self.last_error: str | None = None
        self.rejected = rejected or RejectedLog(wal.directory)
        self._store_lock = store_lock or threading.Lock()
        self._name = name
        self._caught_up_at = time.monotonic()
        self._stop = threading.Event()
        self._idle = threading.Condition()
        self._thread: threading.Thread | None = None
        self._position = self.checkpoint.load()

    @property
    def position(self) -> Position:
        return self._position

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop after moving everything durable into the warehouse."""
        self._stop.set()
        self.wal.data_ready.set()
        if self._thread is not None:
            self._thread.join(timeout=120)
            self._thread = None

    def _run(self) -> None:
        while True:
            stopping = self._stop.is_set()
            self.wal.data_ready.wait(self.interval_s)
            self.wal.data_ready.clear()
            try:
                while self.load_once():
                    pass
            except Exception as exc:  # the environment failed: keep the WAL, retry, never drop
                self.last_error = _reason(exc)
                log.exception("event loader failed; will retry from the checkpoint")
                with self._store_lock:
                    self.store.forget()
                time.sleep(RETRY_AFTER_S)
            with self._idle:
                self._idle.notify_all()
            if stopping:
                return

    def _pending_segments(self, durable: Position) -> list[int]:
        return [
            s
            for s in segments_in(self.wal.directory)
            if self._position.segment <= s <= durable.segment
        ]

    @property
    def lag_s(self) -> float:
        """Seconds the oldest acknowledged event not yet in the warehouse has waited (at most)."""
        if self._position >= self.wal.durable:
            return 0.0
        return time.monotonic() - self._caught_up_at

    def _collect(self) -> tuple[list[dict[str, Any]], Position]:
        durable = self.wal.durable
        rows: list[dict[str, Any]] = []
        position = self._position
        for segment in self._pending_segments(durable):
            start = position.offset if segment == position.segment else 0
            end = durable.offset if segment == durable.segment else None
            position = Position(segment, start)
            for payload, after in read_frames(
                segment_path(self.wal.directory, segment), start, end
            ):
                rows.extend(self._rows_of(payload))
                position = Position(segment, after)
                if len(rows) >= MAX_ROWS_PER_LOAD:
                    return rows, position
            if segment < durable.segment:
                position = Position(segment + 1, 0)
        return rows, position

    def _rows_of(self, payload: bytes) -> list[dict[str, Any]]:
        """A WAL record's rows; a record that is not a list of objects is set aside whole."""
        try:
            rows = json.loads(payload)
        except ValueError as exc:
            rows, reason = None, _reason(exc)
        else:
            reason = "a WAL record must be a list of event objects"
        if isinstance(rows, list) and all(isinstance(row, dict) for row in rows):
            return rows
        self._reject([{"wal_record": payload.decode("utf-8", "replace")}], reason)
        return []

    def load_once(self) -> bool:
        """Load one WAL batch; True if there may be more."""
        with self._store_lock:
            return self._load_once()

    def _load_once(self) -> bool:
        started = time.monotonic()
        rows, position = self._collect()
        more = len(rows) >= MAX_ROWS_PER_LOAD
        if position == self._position:
            self._caught_up_at = started
            return False
        if rows:
            self.loaded_events += self._store_batch(rows)
            if self.after_batch is not None:  # a failure retries the batch, lake included
                self.after_batch(self._position, rows)
        self.checkpoint.save(position)
        self._position = position
        self.last_error = None
        if not more:
            self._caught_up_at = started
        self._purge()
        return more

    def _store_batch(self, rows: list[dict[str, Any]]) -> int:
        """Store `rows`; after a failure of the rows, set aside the ones that are malformed on
        their own (cheap, no warehouse round trip), then halve what still fails."""
        try:
            return self.store.store(rows).inserted
        except ENVIRONMENT_FAULTS:
            raise
        except Exception:  # the rows' fault: find which
            self.store.forget()
        sound = []
        for row in rows:
            problem = row_problem(row)
            if problem is None:
                sound.append(row)
            else:
                self._reject([row], problem)
        return self._store_isolating(sound) if sound else 0

    def _store_isolating(self, rows: list[dict[str, Any]]) -> int:
        """Store `rows`; on a failure of the rows themselves, find and set aside the bad ones."""
        try:
            return self.store.store(rows).inserted
        except ENVIRONMENT_FAULTS:
            raise
        except Exception as exc:  # any fault of the data: isolate it, never stall on it
            self.store.forget()
            if len(rows) == 1:
                self._reject(rows, _reason(exc))
                return 0
            middle = len(rows) // 2
            return self._store_isolating(rows[:middle]) + self._store_isolating(rows[middle:])

    def _reject(self, rows: list[dict[str, Any]], reason: str) -> None:
        log.error("%d event(s) set aside in %s: %s", len(rows), self.rejected.path, reason)
        self.rejected.append(rows, reason)
        if self.on_rejected is None:
            return
        try:
            self.on_rejected(rows, reason)
        except Exception:  # the log has the rows; a listener's failure must not stall loading
            log.exception("could not report rejected events to the listener")

    def _purge(self) -> None:
        for segment in segments_in(self.wal.directory):
            if segment < self._position.segment:
                segment_path(self.wal.directory, segment).unlink(missing_ok=True)

    def wait_until_loaded(self, timeout_s: float = 30.0) -> bool:
        """Block until everything durable now is in the warehouse (tests, shutdown, CLI)."""
        target = self.wal.durable
        deadline = time.monotonic() + timeout_s
        while self._position < target:
            self.wal.data_ready.set()
            with self._idle:
                self._idle.wait(0.05)
            if time.monotonic() > deadline:
                return False
        return True
