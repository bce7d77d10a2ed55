"""The SSRF guard: private, loopback, link-local targets are refused, also after a redirect.

The loopback test server is reachable only through an explicit allow-list; the real guard
still runs for every other address (and for redirects that leave the allowed network)."""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from mercato.core.outbound import OutboundGuard, is_public_address
from mercato.ugc.fetch import FetchError, SafeFetcher
from tests.ugc.support import image_bytes

LOOPBACK_ONLY = ("127.0.0.1/32",)
PHOTO = image_bytes(3)


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *_args: object) -> None:
        pass

    def do_GET(self) -> None:
        routes = {
            "/photo.png": (200, {"Content-Type": "image/png"}, PHOTO),
            "/to-metadata": (302, {"Location": "http://169.254.169.254/latest/meta-data"}, b""),
            "/to-internal": (302, {"Location": "http://internal.example/admin"}, b""),
            "/to-v6": (301, {"Location": "http://[::1]/x"}, b""),
            "/to-photo": (302, {"Location": "/photo.png"}, b""),
            "/loop": (302, {"Location": "/loop"}, b""),
            "/big": (200, {"Content-Type": "image/png"}, b"x" * 5000),
            "/missing": (404, {}, b"no"),
        }
        status, headers, body = routes.get(self.path, (404, {}, b""))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def origin() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def _resolver(host: str, _port: int) -> list[str]:
    return {
        "internal.example": ["10.1.2.3"],
        "mixed.example": ["93.184.216.34", "192.168.0.9"],
    }.get(host, ["127.0.0.1"])


def test_the_real_guard_refuses_private_targets() -> None:
    guard = SafeFetcher(OutboundGuard(resolver=_resolver))
    for url in (
        "http://127.0.0.1/x",
        "http://10.0.0.1/x",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/x",
        "http://[::ffff:127.0.0.1]/x",
        "http://0.0.0.0/x",
        "http://224.0.0.1/x",
        "http://internal.example/x",
        "http://mixed.example/x",  # one private answer is enough to refuse
        "http://localhost/x",
    ):
        with pytest.raises(FetchError, match="refused"):
            guard.fetch(url)


def test_only_http_urls_are_fetched() -> None:
    for url in ("file:///etc/passwd", "gopher://x/", "ftp://example.com/a"):
        with pytest.raises(FetchError, match="only http"):
            SafeFetcher(OutboundGuard()).fetch(url)


def test_public_addresses_are_allowed() -> None:
    assert is_public_address(ipaddress.ip_address("93.184.216.34"))
    assert not is_public_address(ipaddress.ip_address("fd00::1"))
    assert not is_public_address(ipaddress.ip_address("100.64.0.1"))  # carrier-grade NAT


def test_allowed_loopback_serves_and_redirects_are_rechecked(origin: str) -> None:
    fetcher = SafeFetcher(OutboundGuard(LOOPBACK_ONLY, _resolver))
    assert fetcher.fetch(origin + "/photo.png").content == PHOTO
    assert fetcher.fetch(origin + "/to-photo").content == PHOTO
    for path in ("/to-metadata", "/to-internal", "/to-v6"):
        with pytest.raises(FetchError, match="refused"):
            fetcher.fetch(origin + path)


def test_limits_and_http_errors_are_clear(origin: str) -> None:
    fetcher = SafeFetcher(OutboundGuard(LOOPBACK_ONLY, _resolver), max_bytes=1000)
    with pytest.raises(FetchError, match="larger than"):
        fetcher.fetch(origin + "/big")
    with pytest.raises(FetchError, match="HTTP 404"):
        fetcher.fetch(origin + "/missing")
    with pytest.raises(FetchError, match="too many redirects"):
        fetcher.fetch(origin + "/loop")


def test_unreachable_port_is_an_error_not_a_crash() -> None:
    from tests.support.postgres import free_port

    fetcher = SafeFetcher(OutboundGuard(LOOPBACK_ONLY), timeout_s=2)
    with pytest.raises(FetchError, match="unreachable"):
        fetcher.fetch(f"http://127.0.0.1:{free_port()}/x")
