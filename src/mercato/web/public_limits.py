"""Limits for public routes (webhooks, the UGC upload form): a body is read only up to its
limit, and each client gets a budget of requests per minute.

A body's size is checked while it streams: a `Content-Length` above the limit is refused before
a byte is read, and a chunked body is dropped the moment it passes the limit, so a hostile
client cannot make the server hold more than `limit` bytes per request.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from fastapi import Request
from fastapi.responses import JSONResponse


class BodyTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"the body is larger than {limit} bytes")
        self.limit = limit


def too_large(limit: int) -> JSONResponse:
    # Connection: close, since the rest of the body is never read.
    return JSONResponse(
        {
            "error": {
                "code": "body_too_large",
                "message": f"the body may have at most {limit} bytes",
            }
        },
        status_code=413,
        headers={"Connection": "close"},
    )


def declared_length_over(request: Request, limit: int) -> bool:
    raw = request.headers.get("content-length")
    return raw is not None and raw.strip().isdigit() and int(raw) > limit


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, or BodyTooLarge as soon as more than `limit` bytes arrived."""
    if declared_length_over(request, limit):
        raise BodyTooLarge(limit)
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise BodyTooLarge(limit)
    return bytes(body)


class ClientRateLimit:
    """A token bucket per client: `per_minute` requests, refilled continuously.

    Clients are keyed by a keyed hash of their address (the address itself is never kept),
    and at most `max_clients` buckets are held: the least recently seen are dropped first, so
    the state cannot grow without bound (a dropped client simply starts with a full bucket).
    """

    def __init__(
        self,
        per_minute: int,
        *,
        max_clients: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.capacity = float(max(1, per_minute))
        self.refill_per_s = self.capacity / 60.0
        self.max_clients = max_clients
        self._clock = clock
        self._salt = secrets.token_bytes(16)
        self._buckets: OrderedDict[bytes, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def _key(self, client: str) -> bytes:
        return hashlib.blake2b(client.encode(), key=self._salt, digest_size=16).digest()

    def retry_after(self, client: str) -> int | None:
        """Take one request from `client`'s budget: None if allowed, else seconds to wait."""
        key, now = self._key(client), self._clock()
        with self._lock:
            tokens, seen = self._buckets.pop(key, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - seen) * self.refill_per_s)
            allowed = tokens >= 1.0
            if allowed:
                tokens -= 1.0
            self._buckets[key] = (tokens, now)
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
        if allowed:
            return None
        return max(1, math.ceil((1.0 - tokens) / self.refill_per_s))

    def __len__(self) -> int:
        return len(self._buckets)


def limiter(request: Request, name: str, per_minute: int) -> ClientRateLimit:
    """The app's limiter called `name`, made on first use (one per app, so per server)."""
    limits: dict[str, ClientRateLimit] | None = getattr(request.app.state, "rate_limits", None)
    if limits is None:
        limits = request.app.state.rate_limits = {}
    if name not in limits:
        limits[name] = ClientRateLimit(per_minute)
    return limits[name]


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def rate_limited(limit: ClientRateLimit, request: Request) -> JSONResponse | None:
    """A 429 with Retry-After when the caller is over its budget, else None."""
    wait = limit.retry_after(client_address(request))
    if wait is None:
        return None
    return JSONResponse(
        {
            "error": {
                "code": "rate_limited",
                "message": f"too many requests from this client; retry in {wait} s",
            }
        },
        status_code=429,
        headers={"Retry-After": str(wait)},
    )


async def hook_body(request: Request, per_minute: int, limit: int) -> bytes | JSONResponse:
    """A webhook's body within the client's budget and the size limit, or the 429/413 answer.
    Run before the signature is checked, so unsigned floods cost a bucket lookup, no more."""
    busy = rate_limited(limiter(request, "hooks", per_minute), request)
    if busy is not None:
        return busy
    try:
        return await read_body(request, limit)
    except BodyTooLarge:
        return too_large(limit)
