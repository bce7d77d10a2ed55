"""The HTTP client every connector uses: httpx with timeouts, a configurable base URL,
platform-specific error classification, retries with back-off, and waiting out short
throttles.

What is retried, and how long it waits:
- a throttle (the platform's classifier says `RateLimited`, or any 429): the wait the platform
  asks for (`Retry-After`, or its documented reset headers), when at most `max_wait_s`;
- a 5xx answer, a timeout or a dropped connection: exponential back-off with full jitter
  (`uniform(0, backoff_base_s * 2**attempt)`, capped at `max_wait_s`), so many accounts
  failing together do not retry in lock-step;
- a 401: once, after `reauthorize` (the account's refresh flow) returns fresh headers.

A throttle longer than `max_wait_s` is not slept through: it stops the sync, which keeps its
saved cursor and resumes there on the next run. Every request passes the outbound guard
(`core.outbound`): an `api_base_url` on a private or loopback address is refused unless the
`outbound_allow_private` setting lists it.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from mercato.catalog.models import AccountStatus
from mercato.connectors.platforms.errors import PlatformError, RateLimited, TokenRejected
from mercato.core.outbound import GuardedTransport, OutboundGuard, OutboundRefused, installed_guard

Classifier = Callable[[httpx.Response, Any], PlatformError | None]
Reauthorize = Callable[[], Mapping[str, str]]


@dataclass
class ClientPolicy:
    timeout_s: float = 30.0
    max_retries: int = 3
    max_wait_s: float = 120.0
    backoff_base_s: float = 1.0
    sleep: Callable[[float], None] = time.sleep
    jitter: Callable[[float, float], float] = random.uniform
    guard: OutboundGuard = field(default_factory=installed_guard)

    def backoff(self, attempt: int) -> float:
        ceiling = min(self.backoff_base_s * 2.0**attempt, self.max_wait_s)
        return self.jitter(0.0, ceiling)


@dataclass
class ApiClient:
    base_url: str
    headers: Mapping[str, str]
    classify: Classifier
    policy: ClientPolicy = field(default_factory=ClientPolicy)
    reauthorize: Reauthorize | None = None
    calls: int = 0
    last_headers: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._http = httpx.Client(
            base_url=self.base_url.rstrip("/"),
            headers=dict(self.headers),
            timeout=httpx.Timeout(self.policy.timeout_s, connect=min(10.0, self.policy.timeout_s)),
            transport=GuardedTransport(self.policy.guard),
        )

    def close(self) -> None:
        self._http.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
    ) -> Any:
        """The decoded JSON body; retries what is worth retrying, raises the rest."""
        return self.exchange(method, path, params=params, json=json, data=data)[0]

    def exchange(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
    ) -> tuple[Any, httpx.Response]:
        """The decoded body and the response (for its paging headers)."""
        attempt = 0
        reauthorized = False
        while True:
            attempt += 1
            try:
                response = self._http.request(method, path, params=params, json=json, data=data)
            except OutboundRefused as exc:
                raise PlatformError(f"{method} {path}: {exc.message}", code=exc.code) from None
            except httpx.TransportError as exc:
                if attempt > self.policy.max_retries:
                    raise PlatformError(
                        f"{method} {path}: {exc.__class__.__name__} after {attempt} tries"
                    ) from None
                self.policy.sleep(self.policy.backoff(attempt))
                continue
            self.calls += 1
            self.last_headers = response.headers
            body = _json(response)
            error = self.classify(response, body) or _generic(response, body)
            if error is None:
                return body, response
            if self._reauthorize_once(error, reauthorized):
                reauthorized = True
                continue
            wait = self._retry_wait(error, response, attempt)
            if wait is None:
                raise error
            self.policy.sleep(wait)

    def _reauthorize_once(self, error: PlatformError, done: bool) -> bool:
        if done or self.reauthorize is None or not isinstance(error, TokenRejected):
            return False
        if error.status != 401 and error.account_status != AccountStatus.TOKEN_EXPIRED:
            return False
        self._http.headers.update(self.reauthorize())
        return True

    def _retry_wait(
        self, error: PlatformError, response: httpx.Response, attempt: int
    ) -> float | None:
        if attempt > self.policy.max_retries:
            return None
        if isinstance(error, RateLimited):
            asked = retry_after_s(response.headers)
            wait = asked if asked is not None else error.retry_after_s
            return wait if wait <= self.policy.max_wait_s else None
        if response.status_code >= 500:
            return self.policy.backoff(attempt)
        return None


def retry_after_s(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """`Retry-After` in seconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    raw = headers.get("retry-after")
    if not raw:
        return None
    raw = raw.strip()
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(raw).timestamp()
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when - (time.time() if now is None else now))


def _generic(response: httpx.Response, body: Any) -> PlatformError | None:
    """What every platform's answers share when its classifier has nothing to say."""
    status = response.status_code
    if status == 429:
        wait = retry_after_s(response.headers)
        return RateLimited(
            "throttled (429)", retry_after_s=60.0 if wait is None else wait, status=429
        )
    if status >= 500:
        return PlatformError(f"server error {status}", status=status)
    return None


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return {"raw": response.text[:500]}
