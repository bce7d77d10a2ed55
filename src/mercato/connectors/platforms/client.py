"""The HTTP client every connector uses: httpx with timeouts, a configurable base URL,
platform-specific error classification, and waiting out short throttles.

A throttle longer than `max_wait_s` is not slept through: it stops the sync, which keeps its
saved cursor and resumes there on the next run. Every request passes the outbound guard
(`core.outbound`): an `api_base_url` on a private or loopback address is refused unless the
`outbound_allow_private` setting lists it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from mercato.connectors.platforms.errors import PlatformError, RateLimited
from mercato.core.outbound import GuardedTransport, OutboundGuard, OutboundRefused, installed_guard

Classifier = Callable[[httpx.Response, Any], PlatformError | None]


@dataclass
class ClientPolicy:
    timeout_s: float = 30.0
    max_retries: int = 3
    max_wait_s: float = 120.0
    sleep: Callable[[float], None] = time.sleep
    guard: OutboundGuard = field(default_factory=installed_guard)


@dataclass
class ApiClient:
    base_url: str
    headers: Mapping[str, str]
    classify: Classifier
    policy: ClientPolicy = field(default_factory=ClientPolicy)
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
        self, method: str, path: str, *, params: Mapping[str, Any] | None = None, json: Any = None
    ) -> Any:
        """The decoded JSON body; retries throttles up to `max_wait_s`, raises the rest."""
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self._http.request(method, path, params=params, json=json)
            except OutboundRefused as exc:
                raise PlatformError(f"{method} {path}: {exc.message}", code=exc.code) from None
            except httpx.TransportError as exc:
                if attempt > self.policy.max_retries:
                    raise PlatformError(
                        f"{method} {path}: {exc.__class__.__name__}: {exc}"
                    ) from None
                self.policy.sleep(min(2.0**attempt, self.policy.max_wait_s))
                continue
            self.calls += 1
            self.last_headers = response.headers
            body = _json(response)
            error = self.classify(response, body)
            if error is None:
                return body
            if (
                isinstance(error, RateLimited)
                and attempt <= self.policy.max_retries
                and error.retry_after_s <= self.policy.max_wait_s
            ):
                self.policy.sleep(error.retry_after_s)
                continue
            raise error


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return {"raw": response.text[:500]}
