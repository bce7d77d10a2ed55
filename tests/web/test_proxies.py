"""Behind a reverse proxy: client addresses from trusted proxies only, URLs from base_url."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from mercato.core.scopes import Scope
from mercato.runtime import Services
from mercato.web.app import create_app
from mercato.web.proxies import TrustedProxies
from tests.conftest import make_settings
from tests.support.brands import Brand, make_brand, make_token
from tests.support.server import serve_app

CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)


@dataclass
class Served:
    """The real app on a loopback port, served as `mercato serve` does."""

    base: str
    services: Services
    brand: Brand
    app: FastAPI

    def pageview(self, headers: dict[str, str]) -> None:
        body = {
            "key": self.brand.site_public_key,
            "name": "pageview",
            "url": "https://acme.example/",
        }
        response = httpx.post(
            f"{self.base}/api/collect",
            json=body,
            headers={"user-agent": CHROME, **headers},
            timeout=30,
        )
        assert response.status_code == 202, response.text

    def visitors(self) -> set[str]:
        """The distinct visitors of the events sent so far (once the collector loaded them)."""
        loader = self.app.state.collector.loader
        assert loader.wait_until_loaded(60), loader.last_error
        warehouse = self.services.warehouse
        with warehouse.lock:
            rows = warehouse.backend.to_pyarrow(warehouse.raw_table("events")).to_pylist()
        return {row["visitor_id"] for row in rows}


@contextmanager
def served(tmp_path: Path, **settings: object) -> Iterator[Served]:
    config = make_settings(tmp_path / "data").model_copy(update=settings)
    services = Services.open(config, upgrade=True)
    app = create_app(services=services)
    try:
        with serve_app(app, proxy_headers=False) as base:
            yield Served(base, services, make_brand(services), app)
    finally:
        services.close()


HEADERS = [
    {"x-forwarded-for": "198.51.100.7"},
    {"x-forwarded-for": "203.0.113.9"},
    {"forwarded": 'for="[2001:db8:cafe::17]:4711";proto=https'},
]


def test_visitors_behind_a_trusted_proxy_are_told_apart(tmp_path: Path) -> None:
    with served(tmp_path, trusted_proxies=["127.0.0.1/32"]) as server:
        for headers in HEADERS:
            server.pageview(headers)
        assert len(server.visitors()) == 3


def test_headers_from_an_untrusted_address_are_ignored(tmp_path: Path) -> None:
    with served(tmp_path, trusted_proxies=["10.0.0.0/8"]) as server:
        for headers in HEADERS:
            server.pageview(headers)
        assert len(server.visitors()) == 1  # all three are the one client at 127.0.0.1


def test_a_forged_leftmost_hop_does_not_change_the_visitor(tmp_path: Path) -> None:
    with served(tmp_path, trusted_proxies=["127.0.0.1", "10.0.0.0/8"]) as server:
        # The proxy (10.0.0.2) appended the real client; what the client claimed comes first.
        server.pageview({"x-forwarded-for": "1.1.1.1, 198.51.100.7, 10.0.0.2"})
        server.pageview({"x-forwarded-for": "8.8.8.8, 198.51.100.7, 10.0.0.2"})
        server.pageview({"x-forwarded-for": "198.51.100.8, 10.0.0.2"})
        assert len(server.visitors()) == 2


@pytest.mark.parametrize(
    ("header", "client"),
    [
        ({b"x-forwarded-for": b"198.51.100.7, 10.0.0.2"}, "198.51.100.7"),
        ({b"x-forwarded-for": b"10.0.0.3, 10.0.0.2"}, "10.0.0.3"),  # all trusted: leftmost
        ({b"x-forwarded-for": b"unknown, 10.0.0.2"}, "10.0.0.2"),  # unusable hop: last known
        ({b"forwarded": b"for=192.0.2.60;proto=http;by=203.0.113.43"}, "192.0.2.60"),
        ({b"forwarded": b'for="198.51.100.1:8080", for=10.0.0.2'}, "198.51.100.1"),
    ],
)
def test_the_rightmost_untrusted_hop_is_the_client(header: dict[bytes, bytes], client: str) -> None:
    from mercato.web.proxies import forwarded_hops

    proxies = TrustedProxies(app=None, networks=["10.0.0.0/8"])  # type: ignore[arg-type]
    hops, _proto = forwarded_hops(header)
    assert proxies.client_of("10.0.0.1", hops) == client


def test_a_forged_host_is_never_reflected_with_base_url(tmp_path: Path) -> None:
    public = "https://mercato.acme.example"
    with served(tmp_path, base_url=public) as server:
        token = make_token(server.services, server.brand, [Scope.UGC_WRITE, Scope.UGC_READ])
        response = httpx.post(
            f"{server.base}/api/v1/galleries",
            json={"name": "Home"},
            headers={"authorization": f"Bearer {token}", "host": "evil.example"},
            timeout=30,
        )
    assert response.status_code == 201, response.text
    embed = response.json()["embed"]
    assert f"{public}/gallery.js" in embed
    assert "evil.example" not in embed


def test_without_base_url_the_request_address_is_used(tmp_path: Path) -> None:
    with served(tmp_path) as server:
        token = make_token(server.services, server.brand, [Scope.UGC_WRITE, Scope.UGC_READ])
        response = httpx.post(
            f"{server.base}/api/v1/galleries",
            json={"name": "Home"},
            headers={"authorization": f"Bearer {token}"},
            timeout=30,
        )
    assert response.status_code == 201, response.text
    assert f"{server.base}/gallery.js" in response.json()["embed"]
