"""The Shopify Admin API connection against a fake shop over loopback: a 10,000-order
backfill over 40 pages equals the shop's own totals; a backfill killed mid-run resumes at the
saved cursor and stores nothing twice; any interleaving of 401s, 429s with Retry-After, 5xx
and timeouts ends, after reruns, with every page stored exactly once; reward codes become
discount codes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mercato.catalog.models import Creator
from mercato.connectors import shopify_admin
from mercato.connectors.platforms.client import ClientPolicy
from mercato.connectors.platforms.errors import PlatformError
from mercato.connectors.results import ImportSummary
from mercato.core.timeutil import utcnow
from mercato.runtime import Services
from tests.connectors.fake_shopify import TOKEN, FakeShop, build_shop_app, make_orders
from tests.support.brands import Brand
from tests.support.server import serve_app

START = utcnow() - timedelta(days=30)


@pytest.fixture
def shop() -> Iterator[tuple[FakeShop, str]]:
    fake = FakeShop(
        products=[
            {
                "id": 1,
                "title": "Tee",
                "product_type": "Shirts",
                "variants": [{"sku": "SKU-1", "price": "19.90", "title": "Default Title"}],
            }
        ]
    )
    with serve_app(build_shop_app(fake)) as base:
        yield fake, base


def _connect(services: Services, brand: Brand, base: str) -> None:
    with services.catalog.session() as session:
        shopify_admin.connect_shop(
            session,
            brand.workspace_id,
            shop_domain="acme.myshopify.com",
            access_token=TOKEN,
            api_base_url=base,
        )


def _policy(waits: list[float] | None = None, retries: int = 3) -> ClientPolicy:
    sink = waits if waits is not None else []
    return ClientPolicy(timeout_s=0.5, max_retries=retries, max_wait_s=5, sleep=sink.append)


def _stored(services: Services, brand: Brand) -> tuple[int, Decimal, Decimal]:
    scoped = services.warehouse.for_workspace(brand.workspace_id)
    frame = scoped.execute(scoped.table("orders"))
    return len(frame), Decimal(str(frame.gross.sum())), Decimal(str(frame.refunds.sum()))


def test_backfill_of_ten_thousand_orders_equals_the_shops_totals(
    services: Services, brand: Brand, shop: tuple[FakeShop, str]
) -> None:
    fake, base = shop
    fake.orders = make_orders(10_000, START)
    _connect(services, brand, base)
    summary = shopify_admin.sync_shop(
        services.catalog, services.warehouse, brand.workspace_id, policy=_policy()
    )
    assert summary.inserted["orders"] == 10_000
    count, gross, refunds = _stored(services, brand)
    expected = fake.totals()
    assert (count, round(gross, 2), round(refunds, 2)) == (expected[0], expected[1], expected[2])
    assert fake.calls == 1 + 1 + 40  # shop, products, 40 order pages of 250


def test_a_killed_backfill_resumes_and_stores_nothing_twice(
    services: Services, brand: Brand, shop: tuple[FakeShop, str]
) -> None:
    fake, base = shop
    fake.orders = make_orders(1_000, START)
    _connect(services, brand, base)
    fake.failures = dict.fromkeys(range(5, 100), "500")  # the shop goes down after page 2
    with pytest.raises(PlatformError):
        shopify_admin.sync_shop(
            services.catalog, services.warehouse, brand.workspace_id, policy=_policy(retries=1)
        )
    assert _stored(services, brand)[0] == 500
    fake.failures = {}
    fake.calls = 0
    second = shopify_admin.sync_shop(
        services.catalog, services.warehouse, brand.workspace_id, policy=_policy()
    )
    assert second.inserted["orders"] == 500
    assert second.updated["orders"] == 0
    assert second.unchanged["orders"] == 0
    assert _stored(services, brand)[0] == 1_000
    assert fake.calls == 2  # resumed at page 3 (shop currency was saved, products done)


FAILURE = st.sampled_from(["429", "500", "slow", "401"])


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(failures=st.dictionaries(st.integers(min_value=1, max_value=14), FAILURE, max_size=8))
def test_any_interleaving_of_failures_stores_every_page_exactly_once(
    services: Services, brand: Brand, shop: tuple[FakeShop, str], failures: dict[int, str]
) -> None:
    fake, base = shop
    fake.orders = make_orders(12, START)
    fake.page_size = 2
    fake.calls = 0
    fake.failures = failures
    workspace = f"prop-{len(fake.price_rules)}-{id(failures)}"
    from tests.support.brands import make_brand

    target = make_brand(services, slug=workspace[:30].lower().replace("_", "-"))
    _connect(services, target, base)
    totals = ImportSummary(kind="all runs")
    for _ in range(20):
        try:
            run = shopify_admin.sync_shop(
                services.catalog, services.warehouse, target.workspace_id, policy=_policy(retries=2)
            )
        except PlatformError:
            continue
        totals.inserted.update(run.inserted)
        totals.updated.update(run.updated)
        totals.unchanged.update(run.unchanged)
        break
    else:
        pytest.fail("never finished")
    count, gross, _ = _stored(services, target)
    assert count == 12
    assert round(gross, 2) == fake.totals()[1]
    # No page came back twice from a resumed run: nothing was updated or found unchanged.
    assert totals.updated["orders"] == 0
    assert totals.unchanged["orders"] == 0


def test_a_reward_code_is_pushed_as_a_discount_code(
    services: Services, brand: Brand, shop: tuple[FakeShop, str]
) -> None:
    from mercato.ugc.rewards import push_reward_to_shop

    fake, base = shop
    _connect(services, brand, base)
    with services.catalog.session() as session:
        creator = Creator(
            workspace_id=brand.workspace_id,
            platform="instagram",
            handle="fan9",
            coupon_code="FAN9-ABCDE",
            coupon_discount_pct=Decimal("15"),
        )
        session.add(creator)
        session.flush()
        creator_id = creator.id
    pushed = push_reward_to_shop(services.catalog, brand.workspace_id, creator_id, policy=_policy())
    assert fake.discount_codes[0]["code"] == "FAN9-ABCDE"
    assert pushed == str(fake.discount_codes[0]["id"])
    assert fake.price_rules[0]["value"] == "-15"
    assert fake.price_rules[0]["value_type"] == "percentage"
    assert fake.price_rules[0]["once_per_customer"] is True
    # Pushing again is a no-op: the code is already in the shop.
    assert (
        push_reward_to_shop(services.catalog, brand.workspace_id, creator_id, policy=_policy())
        == pushed
    )
    assert len(fake.discount_codes) == 1


def test_the_api_connects_and_syncs_the_shop_and_never_returns_the_token(
    services: Services, brand: Brand, shop: tuple[FakeShop, str], live_server: str
) -> None:
    from mercato.core.scopes import Scope
    from tests.support.brands import make_token

    fake, base = shop
    fake.orders = make_orders(30, START)
    admin = {"Authorization": f"Bearer {make_token(services, brand, [Scope.ADMIN])}"}
    with httpx.Client(base_url=live_server, headers=admin, timeout=60) as client:
        bad = client.put(
            "/api/v1/shop/shopify", json={"shop_domain": "evil.example", "access_token": TOKEN}
        )
        assert bad.status_code == 422
        assert (
            client.put(
                "/api/v1/shop/shopify",
                json={
                    "shop_domain": "acme.myshopify.com",
                    "access_token": TOKEN,
                    "api_base_url": base,
                },
            ).status_code
            == 204
        )
        synced = client.post("/api/v1/shop/shopify/sync")
        assert synced.status_code == 200, synced.text
        assert synced.json()["inserted"]["orders"] == 30
        state = client.get("/api/v1/shop/shopify")
        assert state.json()["shop_domain"] == "acme.myshopify.com"
        assert TOKEN not in state.text
        fake.failures = dict.fromkeys(range(1, 50), "500")
        down = client.post("/api/v1/shop/shopify/sync")
        assert down.status_code == 400
        assert "shopify_error" in down.text
