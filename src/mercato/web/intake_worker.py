"""An intake worker of `serve --workers N` (ADR 0604): collector intake on the shared port.

The worker answers `POST/OPTIONS /api/collect` and `/tracker.js` itself: it validates and
enriches a hit exactly as the owner would (the same routes, the catalog read for site keys),
writes it to its own write-ahead log (`wal/intake/<n>/`) and acknowledges after the fsync.
The owner's loader moves that log into the warehouse. Every other request is passed to the
owner over its private Unix socket (`owner_link`), streamed both ways, so every route
answers through any worker. The worker never opens the warehouse.

Started by the supervisor (`cli.workers`) as `python -m mercato.web.intake_worker`, with its
instructions as one JSON object on stdin (settings, worker number, the listening socket's
file descriptor, the owner's socket and the run's token). It stops when the owner dies.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib
import importlib.util
import json
import logging
import math
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from mercato.catalog.db import Catalog
from mercato.catalog.site_activity import ActivityRecorder
from mercato.collect.pipeline import Intake, intake_dir
from mercato.core.settings import Settings
from mercato.web.owner_link import (
    ACTIVITY_PATH,
    CLIENT_HEADER,
    INTERNAL_PREFIX,
    TOKEN_HEADER,
    worker_headers,
)
from mercato.web.proxies import TrustedProxies
from mercato.web.security_headers import SecurityHeaders

log = logging.getLogger("mercato.workers")
INTAKE_PATHS = frozenset({"/api/collect", "/tracker.js"})
# Hop-by-hop headers (RFC 9110 7.6.1) and the ones each Uvicorn adds itself.
_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-connection",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
    }
)
_OWN = frozenset({b"server", b"date"})


@dataclass(frozen=True)
class WorkerOrders:
    """What the supervisor tells a worker on its stdin."""

    settings: Settings
    worker: int
    workers: int
    listen_fd: int
    owner_socket: Path
    token: str

    def to_json(self) -> str:
        return json.dumps(
            {
                "settings": self.settings.model_dump(mode="json"),
                "worker": self.worker,
                "workers": self.workers,
                "listen_fd": self.listen_fd,
                "owner_socket": str(self.owner_socket),
                "token": self.token,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> WorkerOrders:
        raw = json.loads(text)
        return cls(
            settings=Settings.model_validate(raw["settings"]),
            worker=int(raw["worker"]),
            workers=int(raw["workers"]),
            listen_fd=int(raw["listen_fd"]),
            owner_socket=Path(raw["owner_socket"]),
            token=str(raw["token"]),
        )


@dataclass
class IntakeServices:
    """The part of `Services` the intake routes use: settings and the catalog (site keys)."""

    settings: Settings
    catalog: Catalog


class OwnerActivity(ActivityRecorder):
    """Counts the install check's requests like the owner's recorder, but hands each window
    to the owner, the one writer of those counts."""

    def __init__(self, catalog: Catalog, owner: OwnerClient) -> None:
        super().__init__(catalog)
        self.owner = owner

    def flush(self) -> None:
        counted = [
            {
                "site_id": site_id,
                "origin": origin,
                "outcome": outcome,
                "count": count,
                "at": at.isoformat(),
            }
            for (site_id, origin, outcome), count, at in self.take_window()
            if at is not None
        ]
        if counted:
            self.owner.post_activity(counted)


class OwnerClient:
    """Blocking calls to the owner (the recorder's flush runs in the thread pool)."""

    def __init__(self, owner_socket: Path, token: str) -> None:
        self.owner_socket = owner_socket
        self.token = token

    def post_activity(self, counted: list[dict[str, Any]]) -> None:
        headers = {k.decode(): v.decode() for k, v in worker_headers(self.token, None)}
        transport = httpx.HTTPTransport(uds=str(self.owner_socket))
        try:
            with httpx.Client(transport=transport, timeout=10, trust_env=False) as client:
                client.post(f"http://owner{ACTIVITY_PATH}", json=counted, headers=headers)
        except httpx.HTTPError as exc:  # best effort, like a busy catalog for the owner
            log.warning("site activity not passed to the owner (%d origins): %s", len(counted), exc)


class OwnerProxy:
    """ASGI app passing a request to the owner and streaming its answer back."""

    def __init__(self, owner_socket: Path, token: str) -> None:
        self.token = token
        # The transport itself, not a client: a client keeps a cookie jar, which would carry
        # one visitor's session cookie into another's request. No proxy, no redirects either.
        self.transport = httpx.AsyncHTTPTransport(uds=str(owner_socket))
        self._timeout = httpx.Timeout(None, connect=10.0).as_dict()

    async def aclose(self) -> None:
        await self.transport.aclose()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return  # no websockets in Mercato
        headers = [
            (name, value)
            for name, value in scope["headers"]
            if name not in _HOP and name not in (TOKEN_HEADER, CLIENT_HEADER)
        ]
        headers += worker_headers(self.token, scope.get("client"))
        raw_path = scope.get("raw_path") or scope["path"].encode()
        url = "http://owner" + raw_path.decode("latin-1")
        if scope["query_string"]:
            url += "?" + scope["query_string"].decode("latin-1")
        has_body = any(
            name in (b"content-length", b"transfer-encoding") for name, _ in scope["headers"]
        )
        request = httpx.Request(
            scope["method"],
            url,
            headers=headers,
            content=_body(receive) if has_body else None,
            extensions={"timeout": self._timeout},
        )
        try:
            response = await self.transport.handle_async_request(request)
        except httpx.HTTPError as exc:
            await _unavailable(send, f"the data dir's owner process does not answer: {exc}")
            return
        answer = [
            (name.lower(), value)
            for name, value in response.headers.raw
            if name.lower() not in _HOP and name.lower() not in _OWN
        ]
        if response.headers.get("connection", "").lower() == "close":
            # The owner stopped reading the body (413): the client's connection ends too.
            answer.append((b"connection", b"close"))
        try:
            await send(
                {"type": "http.response.start", "status": response.status_code, "headers": answer}
            )
            async for chunk in response.stream:  # type: ignore[union-attr]
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        finally:
            await response.stream.aclose()  # type: ignore[union-attr]


async def _body(receive: Receive) -> AsyncIterator[bytes]:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        chunk = message.get("body", b"")
        if chunk:
            yield chunk
        if not message.get("more_body", False):
            return


async def _unavailable(send: Send, message: str) -> None:
    body = json.dumps({"error": {"code": "unavailable", "message": message}}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", b"5"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _not_found(send: Send) -> None:
    body = b'{"detail":"Not Found"}'
    await send(
        {
            "type": "http.response.start",
            "status": 404,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class IntakeWorkerApp:
    """Intake paths to the collector routes, the owner's internal paths nowhere, the rest to
    the owner."""

    def __init__(self, intake: ASGIApp, owner: OwnerProxy) -> None:
        self.intake = intake
        self.owner = owner

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan" or scope.get("path") in INTAKE_PATHS:
            await self.intake(scope, receive, send)
        elif scope.get("path", "").startswith(INTERNAL_PREFIX):
            await _not_found(send)  # only a worker itself may reach those, never a client
        else:
            await self.owner(scope, receive, send)


def worker_settings(settings: Settings, workers: int) -> Settings:
    """A worker's settings: its share of the per-client collector budget, so all workers'
    budgets add up to the configured one (ADR 0604)."""
    share = math.ceil(settings.collect_rate_limit_per_minute / max(1, workers))
    return settings.model_copy(update={"collect_rate_limit_per_minute": share})


def intake_worker_app(orders: WorkerOrders) -> IntakeWorkerApp:
    settings = orders.settings
    catalog = Catalog.from_url(settings.resolved_catalog_url)
    intake = Intake(intake_dir(settings.wal_dir, orders.worker), settings.wal_dir / "salts.json")
    proxy = OwnerProxy(orders.owner_socket, orders.token)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        intake.start()
        try:
            yield
        finally:
            intake.stop()
            await proxy.aclose()
            catalog.dispose()

    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None, lifespan=lifespan)
    app.state.services = IntakeServices(worker_settings(settings, orders.workers), catalog)
    app.state.collector = intake
    app.state.collect_sites = {}
    app.state.site_activity = OwnerActivity(catalog, OwnerClient(orders.owner_socket, orders.token))
    from mercato.web.routes import collect_public  # see _collector_routes

    app.include_router(collect_public.router)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(TrustedProxies, networks=settings.trusted_proxies)
    return IntakeWorkerApp(app, proxy)


def _die_with_parent() -> None:
    """SIGTERM this worker when the supervisor dies, even by `kill -9` (Linux)."""
    parent = os.getppid()
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    if os.getppid() != parent or parent == 1:
        os.kill(os.getpid(), signal.SIGTERM)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


def _watch_parent(parent: int) -> None:
    """Belt and braces where PDEATHSIG is missing: a worker whose parent changed stops."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os.kill(os.getpid(), signal.SIGTERM)


@contextlib.contextmanager
def _listening(fd: int) -> Iterator[socket.socket]:
    sock = socket.socket(fileno=fd)
    try:
        yield sock
    finally:
        sock.detach()


def _collector_routes() -> None:
    """Load the collector's routes without `web/routes/__init__`, which imports every router
    of the app (most of a worker's start-up: 13 of 19 s on a loaded 2-core machine). Only in
    a worker's own process: the package stays hollow there."""
    name = "mercato.web.routes"
    if name not in sys.modules:
        spec = importlib.util.find_spec(name)
        if spec is None:
            return
        sys.modules[name] = importlib.util.module_from_spec(spec)  # never executed
    importlib.import_module(f"{name}.collect_public")


def main() -> None:
    orders = WorkerOrders.from_json(sys.stdin.read())
    _die_with_parent()
    _collector_routes()
    logging.basicConfig(level=logging.INFO, format=f"worker {orders.worker}: %(message)s")
    for quiet in ("httpx", "httpcore"):  # a line per passed request otherwise
        logging.getLogger(quiet).setLevel(logging.WARNING)
    app = intake_worker_app(orders)
    config = uvicorn.Config(
        app,
        log_level="warning",
        proxy_headers=False,  # the app's TrustedProxies rule reads proxy headers
        access_log=orders.settings.access_log,
        lifespan="on",
    )
    with _listening(orders.listen_fd) as sock:
        uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    main()
