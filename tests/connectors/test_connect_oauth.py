"""OAuth connect flows against the fake platforms over loopback: state and PKCE checked,
tokens stored sealed, refreshed silently when they expire, "reconnect needed" when the
refresh token is revoked, and no token anywhere in the catalog file in clear text."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from mercato.catalog.models import AccountConnection, SocialAccount
from mercato.connectors.connect import service
from mercato.connectors.platforms.client import ClientPolicy
from mercato.connectors.sync import sync_account
from mercato.core.errors import ValidationFailed
from mercato.core.timeutil import utcnow
from mercato.runtime import Services
from tests.connectors.fake_oauth import CLIENT_ID, CLIENT_SECRET, FakeOAuth, build_oauth_app
from tests.connectors.fake_platforms import FakePlatforms
from tests.support.brands import Brand, make_brand
from tests.support.server import serve_app

REDIRECT = "https://mercato.example/sources/connect/{}/callback"
BINDING = "b" * 64


@pytest.fixture
def brand(services: Services) -> Brand:
    return make_brand(services)


@pytest.fixture
def fake() -> Iterator[tuple[FakeOAuth, str]]:
    oauth = FakeOAuth(FakePlatforms())
    with serve_app(build_oauth_app(oauth)) as base:
        yield oauth, base


def _policy() -> ClientPolicy:
    return ClientPolicy(timeout_s=5, max_retries=2, max_wait_s=1, sleep=lambda _s: None)


def _register(services: Services, brand: Brand, base: str, platform: str) -> None:
    with services.catalog.session() as session:
        service.set_app(
            session,
            brand.workspace_id,
            platform,
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            endpoint_override=base,
        )


def _approve(url: str, base: str, verdict: str = "approve") -> dict[str, str]:
    """What a user's browser does on the fake consent page: the callback's query."""
    with httpx.Client(base_url=base) as browser:
        page = browser.get(url)
        assert page.status_code == 200, page.text
        marker = 'href="/fake/decide?tx='
        start = page.text.index(marker) + len('href="')
        tx_link = page.text[start : page.text.index('"', start)].replace(
            "verdict=approve", f"verdict={verdict}"
        )
        answer = browser.get(tx_link)
    assert answer.status_code == 302
    return {k: v[0] for k, v in parse_qs(urlsplit(answer.headers["location"]).query).items()}


def _connect(services: Services, brand: Brand, platform: str, base: str) -> service.Completed:
    _register(services, brand, base, platform)
    url = service.start(
        services.catalog,
        brand.workspace_id,
        platform,
        redirect_uri=REDIRECT.format(platform),
        binding=BINDING,
    )
    query = _approve(url, base)
    return service.complete(
        services.catalog,
        brand.workspace_id,
        platform,
        state=query["state"],
        code=query.get("code"),
        error=query.get("error"),
        error_description=None,
        binding=BINDING,
        policy=_policy(),
    )


def test_x_connect_uses_pkce_and_stores_the_account_sealed(
    services: Services, brand: Brand, fake: tuple[FakeOAuth, str]
) -> None:
    _oauth, base = fake
    _register(services, brand, base, "x")
    url = service.start(
        services.catalog,
        brand.workspace_id,
        "x",
        redirect_uri=REDIRECT.format("x"),
        binding=BINDING,
    )
    sent = parse_qs(urlsplit(url).query)
    assert sent["code_challenge_method"] == ["S256"]
    assert "offline.access" in sent["scope"][0].split(" ")
    query = _approve(url, base)
    # Another session cannot complete it.
    with pytest.raises(ValidationFailed, match="another session"):
        service.complete(
            services.catalog,
            brand.workspace_id,
            "x",
            state=query["state"],
            code=query["code"],
            error=None,
            error_description=None,
            binding="c" * 64,
            policy=_policy(),
        )
    # The refused attempt used the state up: single use.
    with pytest.raises(ValidationFailed, match="already completed"):
        service.complete(
            services.catalog,
            brand.workspace_id,
            "x",
            state=query["state"],
            code=query["code"],
            error=None,
            error_description=None,
            binding=BINDING,
            policy=_policy(),
        )


def test_x_connect_then_silent_refresh_then_revoked_means_reconnect(
    services: Services, brand: Brand, fake: tuple[FakeOAuth, str]
) -> None:
    oauth, base = fake
    oauth.platforms.tweets = [
        {
            "id": "1",
            "text": "hi",
            "created_at": "2026-01-01T00:00:00.000Z",
            "public_metrics": {"like_count": 1},
        }
    ]
    done = _connect(services, brand, "x", base)
    assert len(done.account_ids) == 1
    account_id = done.account_ids[0]
    with services.catalog.session() as session:
        account = session.get(SocialAccount, account_id)
        connection = session.get(AccountConnection, account_id)
        assert account is not None
        assert connection is not None
        assert (account.handle, account.external_id) == ("acme", "2244994945")
        assert account.access_token in oauth.issued
        assert connection.refresh_token in oauth.refresh_tokens
        assert connection.token_expires_at is not None
    first = sync_account(services.catalog, services.warehouse, account_id, policy=_policy())
    assert first.status == "ok", first.error

    # The platform expires the token: the next sync refreshes on the 401 and carries on.
    oauth.expire_access_tokens()
    second = sync_account(services.catalog, services.warehouse, account_id, policy=_policy())
    assert second.status == "ok", second.error
    assert oauth.refreshes == 1

    # Close to expiry: refreshed before any API call.
    with services.catalog.session() as session:
        connection = session.get(AccountConnection, account_id)
        assert connection is not None
        connection.token_expires_at = utcnow() + timedelta(minutes=1)
    third = sync_account(services.catalog, services.warehouse, account_id, policy=_policy())
    assert third.status == "ok", third.error
    assert oauth.refreshes == 2

    oauth.expire_access_tokens()
    oauth.revoke_refresh_tokens()
    fourth = sync_account(services.catalog, services.warehouse, account_id, policy=_policy())
    assert fourth.status == "failed"
    with services.catalog.session() as session:
        account = session.get(SocialAccount, account_id)
        assert account is not None
        assert account.status == "reconnect_needed"
        assert "revoked by the user" in (account.last_error or "")


def test_meta_login_offers_pages_and_instagram_accounts_to_pick(
    services: Services, brand: Brand, fake: tuple[FakeOAuth, str]
) -> None:
    oauth, base = fake
    oauth.meta_pages = [
        {
            "id": "1234567890",
            "name": "Acme Page",
            "instagram_business_account": {"id": "17841400000000001", "username": "acme.ig"},
        },
        {"id": "999", "name": "Other <b>Page</b>"},
    ]
    done = _connect(services, brand, "instagram", base)
    assert done.account_ids == []
    assert done.pending_grant_id
    choices = service.pending_choices(services.catalog, brand.workspace_id, done.pending_grant_id)
    assert {(c.platform, c.handle) for c in choices} == {
        ("facebook", "Acme Page"),
        ("instagram", "acme.ig"),
        ("facebook", "Other <b>Page</b>"),
    }
    stored = service.pick(
        services.catalog, brand.workspace_id, done.pending_grant_id, ["instagram:17841400000000001"]
    )
    with services.catalog.session() as session:
        account = session.get(SocialAccount, stored[0])
        assert account is not None
        assert account.platform == "instagram"
        assert account.access_token
        assert account.access_token.startswith("page-1234567890")
    with pytest.raises(Exception, match="expired or does not exist"):
        service.pending_choices(services.catalog, brand.workspace_id, done.pending_grant_id)


@pytest.mark.parametrize("platform", ["tiktok", "pinterest", "snapchat"])
def test_other_logins_store_their_account(
    services: Services, brand: Brand, fake: tuple[FakeOAuth, str], platform: str
) -> None:
    oauth, base = fake
    done = _connect(services, brand, platform, base)
    assert len(done.account_ids) == 1
    with services.catalog.session() as session:
        account = session.get(SocialAccount, done.account_ids[0])
        assert account is not None
        assert account.platform == platform
        assert account.access_token in oauth.issued


def test_denied_and_expired_sign_ins_are_refused(
    services: Services, brand: Brand, fake: tuple[FakeOAuth, str]
) -> None:
    _, base = fake
    _register(services, brand, base, "tiktok")
    url = service.start(
        services.catalog,
        brand.workspace_id,
        "tiktok",
        redirect_uri=REDIRECT.format("tiktok"),
        binding=BINDING,
    )
    query = _approve(url, base, verdict="deny")
    with pytest.raises(ValidationFailed, match="access_denied"):
        service.complete(
            services.catalog,
            brand.workspace_id,
            "tiktok",
            state=query["state"],
            code=None,
            error=query["error"],
            error_description=query["error_description"],
            binding=BINDING,
        )
    late = utcnow() - timedelta(minutes=11)
    url = service.start(
        services.catalog,
        brand.workspace_id,
        "tiktok",
        redirect_uri=REDIRECT.format("tiktok"),
        binding=BINDING,
        now=late,
    )
    query = _approve(url, base)
    with pytest.raises(ValidationFailed, match="too long"):
        service.complete(
            services.catalog,
            brand.workspace_id,
            "tiktok",
            state=query["state"],
            code=query["code"],
            error=None,
            error_description=None,
            binding=BINDING,
        )


def test_no_token_or_secret_is_in_the_catalog_file_in_clear_text(
    services: Services, brand: Brand, fake: tuple[FakeOAuth, str]
) -> None:
    oauth, base = fake
    _connect(services, brand, "x", base)
    _connect(services, brand, "tiktok", base)
    services.catalog.dispose()  # everything written through to the file
    raw = Path(services.settings.resolved_catalog_url.removeprefix("sqlite:///")).read_bytes()
    secrets_seen = [*oauth.issued, *oauth.refresh_tokens, CLIENT_SECRET]
    assert len(secrets_seen) >= 5
    for secret in secrets_seen:
        assert secret.encode() not in raw, secret
    assert b"sealed:v1:" in raw


def test_plaintext_tokens_from_before_are_sealed_when_the_stores_open(tmp_path: Path) -> None:
    from mercato.connectors import accounts
    from tests.conftest import make_settings

    settings = make_settings(tmp_path / "data")
    opened = Services.open(settings, upgrade=True)
    brand = make_brand(opened)
    with opened.catalog.session() as session:
        account_id = accounts.add_account(
            session, brand.workspace_id, platform="x", handle="old"
        ).id
    legacy = "legacy-plaintext-token-abc123"
    with opened.catalog.engine.begin() as connection:
        connection.exec_driver_sql(
            "UPDATE social_accounts SET access_token = ? WHERE id = ?", (legacy, account_id)
        )
    opened.close()
    reopened = Services.open(settings)
    with reopened.catalog.session() as session:
        account = session.get(SocialAccount, account_id)
        assert account is not None
        assert account.access_token == legacy
    reopened.close()
    raw = (tmp_path / "data").glob("*.sqlite*")
    assert all(legacy.encode() not in path.read_bytes() for path in raw)


def test_no_token_reaches_the_logs(
    services: Services,
    brand: Brand,
    fake: tuple[FakeOAuth, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    import logging

    oauth, base = fake
    oauth.meta_pages = [{"id": "1234567890", "name": "Acme Page"}]
    caplog.set_level(logging.DEBUG)
    done = _connect(services, brand, "x", base)
    _connect(services, brand, "facebook", base)
    oauth.expire_access_tokens()
    sync_account(services.catalog, services.warehouse, done.account_ids[0], policy=_policy())
    assert oauth.refreshes == 1
    for secret in [*oauth.issued, *oauth.refresh_tokens, CLIENT_SECRET]:
        assert secret not in caplog.text
