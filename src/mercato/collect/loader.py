"""The loader thread: WAL batches -> warehouse (via Arrow) -> checkpoint -> old segments deleted."""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any

from mercato.collect.store import EventStore
from mercato.collect.wal import (
    Checkpoint,
    Position,
    WriteAheadLog,
    read_frames,
    segment_path,
    segments_in,
)
from mercato.core.errors import MercatoError

log = logging.getLogger("mercato.collect")
MAX_ROWS_PER_LOAD = 20_000
RETRY_AFTER_S = 2.0


class EventLoader:
    def __init__(self, wal: WriteAheadLog, store: EventStore, interval_s: float = 0.25) -> None:
        self.wal = wal
        self.store = store
        self.checkpoint = Checkpoint(wal.directory)
        self.interval_s = interval_s
        self.loaded_events = 0
        self.last_error: str | None = None
        self._stop = threading.Event()
        self._idle = threading.Condition()
        self._thread: threading.Thread | None = None
        self._position = self.checkpoint.load()

    @property
    def position(self) -> Position:
        return self._position

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="mercato-loader", daemon=True)
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
            except Exception as exc:  # keep the data in the WAL and retry; never drop it
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.exception("event loader failed; will retry from the checkpoint")
                self.store.forget()
                time.sleep(RETRY_AFTER_S)
            with self._idle:
                self._idle.notify_all()
            if stopping:
                return

    def _pending_segments(self) -> list[int]:
        durable = self.wal.durable
        return [
            s
            for s in segments_in(self.wal.directory)
            if self._position.segment <= s <= durable.segment
        ]

    def _collect(self) -> tuple[list[dict[str, Any]], Position, list[bytes]]:
        durable = self.wal.durable
        rows: list[dict[str, Any]] = []
        payloads: list[bytes] = []
        position = self._position
        for segment in self._pending_segments():
            start = position.offset if segment == position.segment else 0
            end = durable.offset if segment == durable.segment else None
            position = Position(segment, start)
            for payload, after in read_frames(
                segment_path(self.wal.directory, segment), start, end
            ):
                rows.extend(json.loads(payload))
                payloads.append(payload)
                position = Position(segment, after)
                if len(rows) >= MAX_ROWS_PER_LOAD:
                    return rows, position, payloads
            if segment < durable.segment:
                position = Position(segment + 1, 0)
        return rows, position, payloads

    def load_once(self) -> bool:
        """Load one WAL batch; True if there may be more."""
        rows, position, payloads = self._collect()
        if position == self._position:
            return False
        if rows:
            try:
                self.loaded_events += self.store.store(rows).inserted
            except MercatoError as exc:  # rows the warehouse refuses: set aside, not lost
                self._reject(payloads, str(exc))
        self.checkpoint.save(position)
        self._position = position
        self.last_error = None
        self._purge()
        return len(rows) >= MAX_ROWS_PER_LOAD

    def _reject(self, payloads: list[bytes], reason: str) -> None:
        log.error("event batch refused by the warehouse (%s); kept in wal/rejected.ndjson", reason)
        with open(self.wal.directory / "rejected.ndjson", "ab") as handle:
            for payload in payloads:
                handle.write(payload + b"\n")

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
