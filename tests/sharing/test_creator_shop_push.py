"""The Creators page pushes a creator's reward code to the connected Shopify shop (a local
fake of the Admin API over loopback) as a discount code. From an empty data dir: first-run
setup, a creator's upload with consent (which issues the code), then the page's button.
Without a shop, or when the shop refuses, the page says so (never a 5xx)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from mercato.catalog.models import Creator
from mercato.core import outbound
from mercato.runtime import Services
from tests.conftest import make_settings
from tests.connectors.conftest import LOOPBACK
from tests.connectors.fake_shopify import TOKEN, FakeShop, build_shop_app
from tests.sharing.support import set_up
from tests.sharing.test_creator_rewards import _upload
from tests.support.server import csrf_in, serve_app


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    """The fake shop listens on loopback: allowed as an operator would allow a test shop."""
    settings = make_settings(tmp_path / "data").model_copy(
        update={"outbound_allow_private": LOOPBACK}
    )
    opened = Services.open(settings, upgrade=True)
    yield opened
    opened.close()
    outbound.install(())  # the next test starts from the strict default


@pytest.fixture
def shop() -> Iterator[tuple[FakeShop, str]]:
    fake = FakeShop()
    with serve_app(build_shop_app(fake)) as base:
        yield fake, base


def _push_form(html: str, creator_id: str) -> bool:
    return f'action="/ugc/creators/{creator_id}/shop"' in html


def test_push_to_shopify_from_the_creators_page(
    services: Services, live_server: str, shop: tuple[FakeShop, str]
) -> None:
    fake, base = shop
    owner = set_up(services, live_server)
    done = _upload(live_server, owner.slug, "mika.styles", "mika@example.org")
    assert done.status_code == 200, done.text
    code = re.search(r'<code id="reward-code">([^<]+)</code>', done.text).group(1)  # type: ignore[union-attr]
    with services.catalog.session() as session:
        creator = session.scalars(select(Creator).where(Creator.handle == "mika.styles")).one()
        creator_id, percent = creator.id, creator.coupon_discount_pct
    page = owner.client.get("/ugc/creators")
    assert _push_form(page.text, creator_id)
    csrf = csrf_in(page.text)

    # No shop yet: a clear notice, nothing sent anywhere.
    missing = owner.client.post(f"/ugc/creators/{creator_id}/shop", data={"csrf_token": csrf})
    assert missing.status_code == 409
    assert "No Shopify shop is connected" in missing.text
    assert fake.calls == 0

    connected = owner.client.put(
        "/api/v1/shop/shopify",
        json={"shop_domain": "acme.myshopify.com", "access_token": TOKEN, "api_base_url": base},
        headers={"x-csrf-token": owner.csrf},
    )
    assert connected.status_code == 204, connected.text

    # The form without its CSRF token, and an unknown creator, are refused.
    assert owner.client.post(f"/ugc/creators/{creator_id}/shop").status_code == 403
    unknown = owner.client.post("/ugc/creators/nope/shop", data={"csrf_token": csrf})
    assert unknown.status_code == 404
    assert fake.discount_codes == []

    # The shop refuses the token once: the page says so and nothing is recorded as pushed.
    fake.failures = {fake.calls + 1: "401"}
    refused = owner.client.post(f"/ugc/creators/{creator_id}/shop", data={"csrf_token": csrf})
    assert refused.status_code == 424
    assert "Shopify refused the code of @mika.styles" in refused.text
    assert _push_form(refused.text, creator_id)
    assert fake.discount_codes == []

    pushed = owner.client.post(f"/ugc/creators/{creator_id}/shop", data={"csrf_token": csrf})
    assert pushed.status_code == 200, pushed.text
    assert f"Code {code} of @mika.styles is a discount code in the shop." in pushed.text
    (discount,) = fake.discount_codes
    assert discount["code"] == code
    rule = next(r for r in fake.price_rules if r["id"] == discount["price_rule_id"])
    assert rule["title"] == code
    assert rule["value_type"] == "percentage"
    assert percent is not None
    assert rule["value"] == f"-{percent.normalize():f}"
    assert rule["once_per_customer"] is True
    # Once in the shop the page shows it instead of the button; pushing again adds nothing.
    after = owner.client.get("/ugc/creators")
    assert not _push_form(after.text, creator_id)
    assert "In Shopify" in after.text
    again = owner.client.post(f"/ugc/creators/{creator_id}/shop", data={"csrf_token": csrf})
    assert again.status_code == 200
    assert len(fake.discount_codes) == 1


def test_a_creator_without_a_code_gets_one_when_pushed(
    services: Services, live_server: str, shop: tuple[FakeShop, str]
) -> None:
    fake, base = shop
    owner = set_up(services, live_server)
    with services.catalog.session() as session:
        creator = Creator(
            workspace_id=owner.workspace_id, platform="tiktok", handle="<b>ren</b>", email=None
        )
        session.add(creator)
        session.flush()
        creator_id = creator.id
    assert (
        owner.client.put(
            "/api/v1/shop/shopify",
            json={"shop_domain": "acme.myshopify.com", "access_token": TOKEN, "api_base_url": base},
            headers={"x-csrf-token": owner.csrf},
        ).status_code
        == 204
    )
    page = owner.client.get("/ugc/creators")
    assert "<b>ren</b>" not in page.text  # hostile handles are escaped
    pushed = owner.client.post(
        f"/ugc/creators/{creator_id}/shop", data={"csrf_token": csrf_in(page.text)}
    )
    assert pushed.status_code == 200, pushed.text
    with services.catalog.session() as session:
        code = session.scalars(select(Creator.coupon_code).where(Creator.id == creator_id)).one()
    assert code
    assert code.startswith("BRENB-")  # the handle's letters and digits
    assert [c["code"] for c in fake.discount_codes] == [code]
    assert "&lt;b&gt;ren&lt;/b&gt;" in pushed.text
