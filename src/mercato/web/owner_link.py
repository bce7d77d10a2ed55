"""The owner's end of `serve --workers N` (ADR 0604): requests the intake workers pass on.

With N > 1 the owner (catalog + DuckDB, the loaders, every non-intake route) listens only on
a private Unix socket in the data dir; the intake workers share the public port, answer
`/api/collect` themselves and pass every other request here. A passed request carries the
run's worker token and the client's address: this middleware checks the token, sets the
scope's client from it (then `TrustedProxies` reads any proxy headers as it would on the
port), and takes the workers' install-check counts (`site_activity.ActivityRecorder`), so the
catalog has one writer of those counts.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from mercato.catalog.site_activity import ActivityRecorder

TOKEN_HEADER = b"x-mercato-worker"
CLIENT_HEADER = b"x-mercato-client"
INTERNAL_PREFIX = "/_worker/"
ACTIVITY_PATH = "/_worker/site-activity"
OWNER_SOCKET = "owner.sock"
MAX_ACTIVITY_BYTES = 4 * 1024 * 1024


def worker_headers(token: str, client: tuple[str, int] | None) -> list[tuple[bytes, bytes]]:
    """What a worker adds to a request it passes on (after dropping any client's copies)."""
    headers = [(TOKEN_HEADER, token.encode())]
    if client is not None:
        headers.append((CLIENT_HEADER, f"{client[1]} {client[0]}".encode()))
    return headers


def _client(raw: bytes) -> tuple[str, int] | None:
    port, _, host = raw.decode("latin-1").partition(" ")
    if not host or not port.isdigit():
        return None
    return host, int(port)


class FromIntakeWorkers:
    """ASGI middleware of the owner's app on its Unix socket: only the run's workers get in."""

    def __init__(
        self, app: ASGIApp, token: str, recorder: Callable[[], ActivityRecorder | None]
    ) -> None:
        self.app = app
        self.token = token.encode()
        self.recorder = recorder

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = client = None
        headers = []
        for name, value in scope["headers"]:
            if name == TOKEN_HEADER:
                token = value
            elif name == CLIENT_HEADER:
                client = _client(value)
            else:
                headers.append((name, value))
        if token is None or not hmac.compare_digest(token, self.token):
            await _answer(send, 403, {"code": "permission_denied", "message": "not a worker"})
            return
        if scope["path"] == ACTIVITY_PATH and scope["method"] == "POST":
            await self._activity(receive, send)
            return
        await self.app({**scope, "headers": headers, "client": client}, receive, send)

    async def _activity(self, receive: Receive, send: Send) -> None:
        body = bytearray()
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > MAX_ACTIVITY_BYTES:
                await _answer(send, 413, {"code": "body_too_large", "message": "too large"})
                return
        recorder = self.recorder()
        try:
            counted = [_counted(item) for item in json.loads(body)]
        except (ValueError, TypeError, KeyError) as exc:
            await _answer(send, 422, {"code": "validation_failed", "message": str(exc)})
            return
        if recorder is not None:
            due = [recorder.add(*item) for item in counted]
            if any(due):
                await run_in_threadpool(recorder.flush)
        await _answer(send, 204, None)


def _counted(item: Any) -> tuple[str, str, str, int, datetime]:
    count = item["count"]
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise TypeError("count must be a whole number")
    return (
        str(item["site_id"]),
        str(item["origin"]),
        str(item["outcome"]),
        count,
        datetime.fromisoformat(item["at"]),
    )


async def _answer(send: Send, status: int, error: dict[str, str] | None) -> None:
    body = b"" if error is None else json.dumps({"error": error}).encode()
    headers = [(b"content-length", str(len(body)).encode())]
    if body:
        headers.append((b"content-type", b"application/json"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
