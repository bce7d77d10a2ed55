"""Connect for real in Chromium, from an empty data dir: first-run setup, the Meta and X
apps entered in Settings, Connect → approve on the fake platform → back → pick the Instagram
account → Sync now; then X's token expires in the fake and Sync now still works (refreshed
without the user), and once the refresh token is revoked Sources says "reconnect needed"."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mercato.runtime import Services
from tests.connectors.fake_oauth import CLIENT_ID, CLIENT_SECRET, FakeOAuth, build_oauth_app
from tests.connectors.fake_platforms import FakePlatforms
from tests.support.server import serve_app

pytestmark = pytest.mark.browser


@pytest.fixture
def fake() -> Iterator[tuple[FakeOAuth, str]]:
    oauth = FakeOAuth(FakePlatforms())
    oauth.meta_pages = [
        {
            "id": "1234567890",
            "name": "Acme Page",
            "instagram_business_account": {"id": "17841400000000001", "username": "acme.ig"},
        },
    ]
    with serve_app(build_oauth_app(oauth)) as base:
        yield oauth, base


def _save_app(page: Any, login: str, fake_base: str) -> None:
    form = page.locator(f"#app-{login}")
    form.locator("input[name=client_id]").fill(CLIENT_ID)
    form.locator("input[name=client_secret]").fill(CLIENT_SECRET)
    form.locator("input[name=endpoint_override]").fill(fake_base)
    form.locator("button").click()
    page.wait_for_selector("#app-saved")


def _status(page: Any, handle: str) -> str:
    row = page.locator("#accounts tbody tr", has_text=handle)
    return str(row.locator("td.status").inner_text())


def test_connect_pick_sync_refresh_and_reconnect_in_chromium(
    services: Services,
    live_server: str,
    browser: Any,
    fake: tuple[FakeOAuth, str],
    artifacts_dir: Path,
) -> None:
    oauth, fake_base = fake
    page = browser.new_page()
    try:
        page.goto(f"{live_server}/setup")
        page.fill("input[name=workspace_name]", "Acme")
        page.fill("input[name=email]", "owner@acme.example")
        page.fill("input[name=password]", "correct horse battery staple")
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server}/setup/site")

        page.goto(f"{live_server}/settings/apps")
        _save_app(page, "meta", fake_base)
        _save_app(page, "x", fake_base)
        assert CLIENT_SECRET not in page.content()

        page.goto(f"{live_server}/sources")
        page.click("#connect-instagram")
        page.wait_for_url(f"{fake_base}/v23.0/dialog/oauth*")
        page.click("#approve")
        page.wait_for_url(f"{live_server}/sources/connect/pick/*")
        page.check("input[value='instagram:17841400000000001']")
        page.click("#pick-submit")
        page.wait_for_selector("#connected")
        assert _status(page, "acme.ig") == "Active"
        page.locator("#accounts tbody tr", has_text="acme.ig").locator(".sync-now").click()
        page.wait_for_selector("#sync-result")
        assert "Instagram acme.ig: Done" in page.locator("#sync-result").inner_text()

        page.click("#connect-x")
        page.wait_for_url(f"{fake_base}/i/oauth2/authorize*")
        page.click("#approve")
        page.wait_for_selector("#connected")
        oauth.expire_access_tokens()
        page.click("#sync-all")
        page.wait_for_selector("#sync-result")
        result = page.locator("#sync-result").inner_text()
        assert "X acme: Done" in result, result
        assert oauth.refreshes == 1

        oauth.expire_access_tokens()
        oauth.revoke_refresh_tokens()
        page.click("#sync-all")
        page.wait_for_selector("#sync-result")
        row = page.locator("#accounts tbody tr").filter(has_text="revoked by the user")
        assert row.locator("td.status").inner_text() == "Reconnect needed"
        page.screenshot(path=str(artifacts_dir / "sources-connect.png"), full_page=True)
        for token in oauth.issued:
            assert token not in page.content()
    finally:
        page.close()
