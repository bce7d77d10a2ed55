"""The rejected log: event rows the loader could not store, kept with the reason, never lost.

`<data_dir>/wal/rejected.ndjson` holds one JSON object per rejected event:
`{"rejected_at": ISO time, "reason": "TypeError: ...", "row": {...the WAL row...}}`. The
loader keeps going after a rejection; the count is shown in `/healthz` and `Collector.stats()`.
"""

from __future__ import annotations

import json
import os
import threading
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mercato.core.timeutil import utcnow

FILE_NAME = "rejected.ndjson"
REASON_CHARS = 500


@dataclass(frozen=True)
class Rejection:
    rejected_at: str
    reason: str
    row: dict[str, Any]


def _count_lines(path: Path) -> int:
    try:
        with open(path, "rb") as handle:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
    except FileNotFoundError:
        return 0


class RejectedLog:
    def __init__(self, directory: Path) -> None:
        self.path = directory / FILE_NAME
        self._lock = threading.Lock()
        self._count: int | None = None
        self.last_reason: str | None = None

    @property
    def count(self) -> int:
        """Rejected events in the log, including those of earlier runs."""
        with self._lock:
            if self._count is None:
                self._count = _count_lines(self.path)
            return self._count

    def append(self, rows: list[dict[str, Any]], reason: str) -> None:
        """Write `rows` with `reason` and fsync, before the loader moves past them."""
        reason = reason[:REASON_CHARS]
        now = utcnow().isoformat()
        lines = b"".join(
            json.dumps(
                {"rejected_at": now, "reason": reason, "row": _plain(row)},
                default=str,
                separators=(",", ":"),
            ).encode()
            + b"\n"
            for row in rows
        )
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "ab") as handle:
                handle.write(lines)
                handle.flush()
                os.fsync(handle.fileno())
            if self._count is not None:
                self._count += len(rows)
            self.last_reason = reason

    def recent(self, limit: int = 100) -> list[Rejection]:
        """The last `limit` rejections, oldest first (a corrupt line is skipped)."""
        kept: deque[bytes] = deque(maxlen=limit)
        try:
            with open(self.path, "rb") as handle:
                kept.extend(handle)
        except FileNotFoundError:
            return []
        found = []
        for line in kept:
            try:
                entry = json.loads(line)
                found.append(Rejection(entry["rejected_at"], entry["reason"], entry["row"]))
            except (ValueError, KeyError, TypeError):
                continue
        return found


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    """The row as it was in the WAL: without what the failed load added to it."""
    return {key: value for key, value in row.items() if key != "session_id"}
