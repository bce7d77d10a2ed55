"""Slow down password guessing: too many failed logins for one email lock it for a while."""

from __future__ import annotations

import threading
import time
from collections import deque


class LoginThrottle:
    def __init__(self, max_failures: int = 10, window_s: float = 900.0) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        attempts = self._failures.setdefault(key, deque())
        while attempts and now - attempts[0] > self.window_s:
            attempts.popleft()
        return attempts

    def retry_after(self, email: str) -> int | None:
        """Seconds until another attempt is allowed, or None if allowed now."""
        now = time.monotonic()
        with self._lock:
            attempts = self._recent(email.strip().lower(), now)
            if len(attempts) < self.max_failures:
                return None
            return max(1, int(self.window_s - (now - attempts[0])))

    def failed(self, email: str) -> None:
        now = time.monotonic()
        with self._lock:
            self._recent(email.strip().lower(), now).append(now)

    def succeeded(self, email: str) -> None:
        with self._lock:
            self._failures.pop(email.strip().lower(), None)
