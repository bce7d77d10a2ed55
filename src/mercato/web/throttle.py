"""Slow down password guessing without locking the real user out.

Failed logins are counted twice: per **client address** (one client trying many emails) and
per **account** (many clients trying one email). Each key gets a few free failures, then every
further failure doubles its wait (1 s, 2 s, 4 s, ... up to 15 minutes); counts are forgotten
15 minutes after a key's last failure.

The account's back-off does not apply to a client address that logged in to that account
successfully before (within 30 days): an attacker's failures from elsewhere slow the attacker,
not the owner at their usual place. That client still has its own per-address back-off, so
being "known" for one account gives no free guesses at others.

State is bounded: every table is an LRU of at most `max_entries` keys, and keys are keyed
hashes (no address or email is held in the clear).
"""

from __future__ import annotations

import hashlib
import math
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

RESET_AFTER_S = 15 * 60.0
MAX_WAIT_S = 15 * 60.0
TRUST_FOR_S = 30 * 24 * 3600.0


@dataclass
class _Failures:
    count: int
    last_at: float
    blocked_until: float


class BackOff:
    """Failure counts per key with exponential back-off after `free` failures."""

    def __init__(self, free: int, max_entries: int, clock: Callable[[], float]) -> None:
        self.free = free
        self.max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[bytes, _Failures] = OrderedDict()

    def _live(self, key: bytes, now: float) -> _Failures | None:
        found = self._entries.get(key)
        if found is not None and now - found.last_at > RESET_AFTER_S:
            del self._entries[key]
            return None
        return found

    def wait(self, key: bytes) -> float:
        found = self._live(key, self._clock())
        return max(0.0, found.blocked_until - self._clock()) if found else 0.0

    def failed(self, key: bytes) -> None:
        now = self._clock()
        found = self._live(key, now) or _Failures(0, now, now)
        found.count += 1
        found.last_at = now
        if found.count > self.free:
            found.blocked_until = now + min(MAX_WAIT_S, 2.0 ** (found.count - self.free - 1))
        self._entries.pop(key, None)
        self._entries[key] = found
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


class LoginThrottle:
    def __init__(
        self,
        *,
        free_per_client: int = 10,
        free_per_account: int = 5,
        max_entries: int = 50_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._clock = clock
        self.clients = BackOff(free_per_client, max_entries, clock)
        self.accounts = BackOff(free_per_account, max_entries, clock)
        self._trusted: OrderedDict[bytes, float] = OrderedDict()
        self.max_entries = max_entries
        self._salt = secrets.token_bytes(16)
        self._lock = threading.Lock()

    def _key(self, *parts: str) -> bytes:
        text = "\x00".join(p.strip().lower() for p in parts).encode()
        return hashlib.blake2b(text, key=self._salt, digest_size=16).digest()

    def _is_trusted(self, email: str, client: str) -> bool:
        key = self._key(email, client)
        since = self._trusted.get(key)
        if since is not None and self._clock() - since > TRUST_FOR_S:
            del self._trusted[key]
            return False
        return since is not None

    def retry_after(self, email: str, client: str) -> int | None:
        """Seconds until `client` may try `email` again, or None if it may try now."""
        with self._lock:
            wait = self.clients.wait(self._key(client))
            if not self._is_trusted(email, client):
                wait = max(wait, self.accounts.wait(self._key(email)))
        return math.ceil(wait) if wait > 0 else None

    def failed(self, email: str, client: str) -> None:
        with self._lock:
            self.clients.failed(self._key(client))
            self.accounts.failed(self._key(email))

    def succeeded(self, email: str, client: str) -> None:
        """Remember the place; counts are not reset, so interleaving a success with one's
        own account gives an attacker no fresh allowance."""
        with self._lock:
            key = self._key(email, client)
            self._trusted.pop(key, None)
            self._trusted[key] = self._clock()
            while len(self._trusted) > self.max_entries:
                self._trusted.popitem(last=False)

    def size(self) -> int:
        with self._lock:
            return len(self.clients) + len(self.accounts) + len(self._trusted)
