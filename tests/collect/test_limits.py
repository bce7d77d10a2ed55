"""Hostile bodies at the door of `/api/collect` and the CDP intake: 4xx, bounded, no reset."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mercato.collect.payload import MAX_BODY_BYTES
from mercato.core.scopes import Scope
from mercato.runtime import Services
from mercato.web.app import create_app
from tests.collect.conftest import CHROME, CollectServer
from tests.conftest import make_settings
from tests.support.brands import make_brand, make_token
from tests.support.server import serve_app

SHOP = "https://acme.example"


def _hit(key: str, **fields: Any) -> dict[str, Any]:
    return {"key": key, "name": "pageview", "url": f"{SHOP}/", **fields}


def test_bad_items_and_money_are_refused_at_the_door(collect_server: CollectServer) -> None:
    key = collect_server.brand.site_public_key
    purchase = {"name": "purchase", "order_id": "p1", "revenue": "10.00"}
    cases: list[tuple[bytes, str]] = [
        # The payload that once stalled the loader for every workspace.
        (json.dumps(_hit(key, **purchase, props={"items": 5})).encode(), "props"),
        (json.dumps(_hit(key, **purchase, props={"form": 1})).encode(), "props"),
        (json.dumps(_hit(key, **purchase, items=5)).encode(), "items"),
        (
            json.dumps(_hit(key, **purchase, items=[{"quantity": "two"}])).encode(),
            "items[0].quantity",
        ),
        (json.dumps(_hit(key, **purchase, items=[{"price": "abc"}])).encode(), "items[0].price"),
        (json.dumps(_hit(key, **purchase, items=["mug"])).encode(), "items[0]"),
        (
            b'{"key": "%s", "name": "x", "url": "%s/", "revenue": NaN}'
            % (key.encode(), SHOP.encode()),
            "body",
        ),
        (
            b'{"key": "%s", "name": "x", "url": "%s/", "props": {"v": -Infinity}}'
            % (key.encode(), SHOP.encode()),
            "body",
        ),
        (
            b'{"key": "%s", "name": "x", "url": "%s/", "props": {"v": 1e999}}'
            % (key.encode(), SHOP.encode()),
            "body",
        ),
        (b'{"key": "k", "events": ' + b"[" * 1000 + b"]" * 1000 + b"}", "body"),
        (b"[" * 100_000, "body"),
        # Nesting the parser takes is still refused by the schema, at the field.
        (json.dumps(_hit(key, props={"v": [[[[[[[[1]]]]]]]]})).encode(), "props.v"),
    ]
    with collect_server.client() as client:
        for body, location in cases:
            response = client.post(
                "/api/collect", content=body, headers={"content-type": "text/plain"}
            )
            assert response.status_code == 422, (body[:70], response.text)
            assert response.json()["error"]["location"] == location, (body[:70], response.text)
        # After every refusal the same keep-alive connection still serves a valid hit.
        fine = client.post("/api/collect", json=_hit(key, event_id="fine"))
    assert fine.status_code == 202
    collect_server.flush()
    assert [r["event_id"] for r in collect_server.rows("events")] == ["fine"]


def _chunks(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    sent = 0
    yield b'{"key": "k", "pad": "'
    while sent < total:
        yield b"x" * size
        sent += size
    yield b'"}'


class PeakMemory:
    """The process's resident memory sampled while a block runs (the server is in-process)."""

    def __enter__(self) -> PeakMemory:
        self.start = self.peak = _rss_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, _rss_mb())

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def growth_mb(self) -> float:
        return self.peak - self.start


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def test_oversize_streamed_body_is_413_in_bounded_memory(collect_server: CollectServer) -> None:
    """A chunked body (no Content-Length) is counted as it arrives, never held whole."""
    key = collect_server.brand.site_public_key
    token = make_token(collect_server.services, collect_server.brand, [Scope.EVENTS_WRITE])
    with collect_server.client() as client, PeakMemory() as memory:
        for path, headers in (
            ("/api/collect", {}),
            ("/api/v1/cdp/batch", {"Authorization": f"Bearer {token}"}),
        ):
            # 6 MB: over the limit, within the drain allowance, so the 413 arrives cleanly.
            response = client.post(path, content=_chunks(6 * 1024 * 1024), headers=headers)
            assert response.status_code == 413, response.text
            assert response.json()["error"]["location"] == "body"
        again = client.post("/api/collect", json=_hit(key))
    assert again.status_code == 202  # same connection: no reset after the 413
    assert memory.growth_mb < 30


def test_a_huge_body_is_cut_off_early(collect_server: CollectServer) -> None:
    """200 MB streamed at the collector: answered 413 long before it has all been sent."""
    host, port = collect_server.base.removeprefix("http://").split(":")
    sent = 0
    with PeakMemory() as memory, socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(
            b"POST /api/collect HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
            b"Transfer-Encoding: chunked\r\nUser-Agent: " + CHROME.encode() + b"\r\n\r\n"
        )
        chunk = b"x" * 65536
        frame = b"%x\r\n%s\r\n" % (len(chunk), chunk)
        try:
            while sent < 200 * 1024 * 1024:
                sock.sendall(frame)
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        answer = sock.recv(65536)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert sent < 40 * 1024 * 1024
    assert memory.growth_mb < 30


def test_declared_oversize_length_is_refused_before_reading(collect_server: CollectServer) -> None:
    host, port = collect_server.base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(
            b"POST /api/collect HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
            b"Content-Length: 900000000\r\n\r\n{"
        )
        answer = sock.recv(65536)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"connection: close" in answer.lower()
    assert MAX_BODY_BYTES < 900_000_000


def test_preflight_answers_only_allowed_origins(collect_server: CollectServer) -> None:
    asks = {
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
    }
    with collect_server.client() as client:
        allowed = client.options("/api/collect", headers={"origin": SHOP, **asks})
        foreign = client.options("/api/collect", headers={"origin": "https://evil.example", **asks})
        none = client.options("/api/collect", headers=asks)
    assert allowed.status_code == 204
    assert allowed.headers["access-control-allow-origin"] == SHOP
    assert foreign.status_code == none.status_code == 403
    assert "access-control-allow-origin" not in foreign.headers


@pytest.fixture
def limited_server(tmp_path: Path) -> Iterator[tuple[str, str, str]]:
    """A server allowing 5 requests per minute per (site, client)."""
    settings = make_settings(tmp_path / "data").model_copy(
        update={"collect_rate_limit_per_minute": 5}
    )
    services = Services.open(settings, upgrade=True)
    brand = make_brand(services)
    other = make_brand(services, slug="other")
    try:
        with serve_app(create_app(services=services)) as base:
            yield base, brand.site_public_key, other.site_public_key
    finally:
        services.close()


def test_collect_is_rate_limited_per_site_and_client(limited_server: tuple[str, str, str]) -> None:
    base, key, other_key = limited_server
    with httpx.Client(base_url=base, headers={"user-agent": CHROME}) as client:
        answers = [client.post("/api/collect", json=_hit(key)) for _ in range(8)]
        other_site = client.post(
            "/api/collect", json={**_hit(other_key), "url": "https://other.example/"}
        )
        garbage = [client.post("/api/collect", content=b"{") for _ in range(8)]
    statuses = [a.status_code for a in answers]
    assert statuses[:5] == [202] * 5
    assert statuses[5:] == [429] * 3
    limited = answers[-1]
    assert 1 <= int(limited.headers["retry-after"]) <= 12
    assert limited.json()["error"]["code"] == "rate_limited"
    assert other_site.status_code == 202  # another site's budget is its own
    assert [g.status_code for g in garbage].count(429) == 3  # garbage spends a budget too
