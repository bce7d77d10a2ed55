"""Connectors go through the one outbound guard: an account whose `api_base_url` points at
loopback (or a redirect into a private network) is refused unless a setting allows it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from mercato.catalog.models import SyncRun
from mercato.connectors import accounts
from mercato.connectors.platforms.client import ApiClient, ClientPolicy
from mercato.connectors.platforms.errors import PlatformError
from mercato.connectors.platforms.graph import classify
from mercato.connectors.sync import sync_account
from mercato.core.outbound import OutboundGuard
from mercato.runtime import Services
from tests.connectors.fake_platforms import GOOD_TOKEN, IG_USER, FakePlatforms, build_app, ig_media
from tests.support.brands import Brand
from tests.support.server import serve_app


@pytest.fixture
def fake() -> Iterator[tuple[FakePlatforms, str]]:
    state = FakePlatforms()
    state.ig_media = ig_media(2, datetime.now(UTC).replace(tzinfo=None) - timedelta(days=1))
    with serve_app(build_app(state)) as base:
        yield state, base


def _instagram(services: Services, brand: Brand, base: str) -> str:
    with services.catalog.session() as session:
        return accounts.add_account(
            session,
            brand.workspace_id,
            platform="instagram",
            handle="acme",
            external_id=IG_USER,
            token=GOOD_TOKEN,
            api_base_url=base,
        ).id


def _quiet(seconds: float) -> None:
    del seconds


def test_loopback_api_base_url_is_refused_without_the_setting(
    services: Services, brand: Brand, fake: tuple[FakePlatforms, str]
) -> None:
    state, base = fake
    account_id = _instagram(services, brand, base)
    strict = ClientPolicy(timeout_s=5, sleep=_quiet, guard=OutboundGuard())
    outcome = sync_account(services.catalog, services.warehouse, account_id, policy=strict)
    assert outcome.status == "failed"
    assert "refused '127.0.0.1'" in (outcome.error or "")
    assert state.calls == []  # nothing reached the loopback server
    with services.catalog.session() as session:
        run = session.query(SyncRun).one()
        assert run.status == "failed"
        assert "outbound_allow_private" in (run.error or "")


def test_the_setting_allows_the_listed_address_only(
    services: Services, brand: Brand, fake: tuple[FakePlatforms, str]
) -> None:
    state, base = fake
    account_id = _instagram(services, brand, base)
    # `services` was opened with outbound_allow_private = ["127.0.0.1"] (tests/connectors).
    outcome = sync_account(services.catalog, services.warehouse, account_id)
    assert outcome.status == "ok", outcome.error
    assert state.calls
    other = ClientPolicy(timeout_s=5, sleep=_quiet, guard=OutboundGuard(("10.0.0.0/8",)))
    assert sync_account(services.catalog, services.warehouse, account_id, policy=other).error


class _Redirector(BaseHTTPRequestHandler):
    def log_message(self, *_args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.send_response(302)
        self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
        self.send_header("Content-Length", "0")
        self.end_headers()


def test_a_redirect_into_a_private_network_is_refused() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Redirector)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        policy = ClientPolicy(timeout_s=5, sleep=_quiet, guard=OutboundGuard(("127.0.0.1",)))
        client = ApiClient(f"http://127.0.0.1:{server.server_address[1]}", {}, classify, policy)
        client._http.follow_redirects = True  # even a client that follows redirects
        with pytest.raises(PlatformError, match=r"refused '169\.254\.169\.254'"):
            client.request("GET", "/v23.0/me")
        client.close()
    finally:
        server.shutdown()
