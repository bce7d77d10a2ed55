"""Visitor identity: the cookieless daily salted hash (docs/collect.md, "Identity modes";
Plausible's scheme).

A random salt per UTC day lives in memory and in `<data_dir>/wal/salts.json` (so a restart
does not split today's visitors, and the intake workers of `serve --workers N` share it: the
day's salt is made under a file lock after re-reading the file); salts older than 48 hours
are deleted, after which nobody — not even the operator — can link a visitor id
back to an IP address. Raw IPs are never stored.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import secrets
import threading
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

from mercato.core.timeutil import utcnow

SALT_LIFETIME = timedelta(hours=48)


class SaltStore:
    def __init__(self, path: Path | None) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._salts: dict[str, tuple[str, datetime]] = {}
        self._today: tuple[str, str] | None = None  # (day, salt): the per-event fast path
        if path is not None and path.exists():
            self._read(path)

    def _read(self, path: Path) -> None:
        try:
            stored = json.loads(path.read_text())
            for day, (salt, created) in stored.items():
                self._salts[day] = (salt, datetime.fromisoformat(created))
        except (ValueError, TypeError, OSError):
            self._salts = {}  # a damaged salt file only costs today's visitor continuity

    def _write(self) -> None:
        if self._path is None:
            return
        payload = {day: [salt, created.isoformat()] for day, (salt, created) in self._salts.items()}
        self._path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self._path.with_suffix(".tmp")
        tmp.write_text(json.dumps(payload))
        tmp.chmod(0o600)
        os.replace(tmp, self._path)

    def salt_for(self, day: date, now: datetime | None = None) -> str:
        key = day.isoformat()
        today = self._today
        if today is not None and today[0] == key:
            return today[1]
        now = now or utcnow()
        with self._lock, self._shared():
            yesterday = (day - timedelta(days=1)).isoformat()
            expired = [
                d
                for d, (_, created) in self._salts.items()
                if now - created > SALT_LIFETIME or d < yesterday
            ]
            for old in expired:
                del self._salts[old]
            if key not in self._salts:
                self._salts[key] = (secrets.token_hex(32), now)
                self._write()
            elif expired:
                self._write()
            # Only today's and yesterday's salts survive a change of day: none lives past 48 h.
            self._today = (key, self._salts[key][0])
            return self._salts[key][0]

    @contextlib.contextmanager
    def _shared(self) -> Iterator[None]:
        """Hold the file lock other processes of this data dir take, and see their salts."""
        if self._path is None:
            yield
            return
        self._path.parent.mkdir(parents=True, exist_ok=True)
        with open(self._path.with_suffix(".lock"), "ab") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if self._path.exists():
                self._read(self._path)
            yield

    def known_days(self) -> list[str]:
        with self._lock:
            return sorted(self._salts)


@lru_cache(maxsize=8192)
def cookieless_visitor_id(salt: str, site_id: str, ip: str, user_agent: str) -> str:
    digest = hashlib.blake2b(digest_size=16)
    for part in (salt, site_id, ip, user_agent):
        digest.update(part.encode("utf-8", "replace"))
        digest.update(b"\x00")
    return "h_" + digest.hexdigest()
