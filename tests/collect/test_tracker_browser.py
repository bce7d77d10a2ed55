"""Real Chromium runs tracker.js on a test shop: channels, SPA pageviews, engaged time, orders.
The shop is a loopback page driven by Playwright, so its snippet opts in to both
(`data-allow-local`, `data-allow-automation`); test_tracker_shop_browser.py covers the default."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from mercato.catalog.models import Site
from tests.collect.conftest import CHROME, CollectServer
from tests.conftest import CHROMIUM, CHROMIUM_FLAGS
from tests.support.postgres import free_port

pytestmark = pytest.mark.browser
INSTAGRAM_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Mobile/15E148 Instagram 300.0.0.14.111 (iPhone14,2; iOS 17_0; en_US; scale=3.00)"
)
PAGE = """<!doctype html><html><head><title>{title}</title>
<script>window.mercato=window.mercato||function(){{(mercato.q=mercato.q||[]).push(arguments)}};</script>
<script defer src="{collector}/tracker.js" data-key="{key}"
 data-allow-local data-allow-automation></script></head>
<body style="margin:0"><h1>{title}</h1>
<a id="to-product" href="/products/mug">Mug</a>
<button id="add"
 onclick="mercato('add_to_cart', {{id: 'mug', name: 'Mug', quantity: 2, price: '12.50'}})">
Add</button>
<form id="newsletter" onsubmit="event.preventDefault(); mercato('lead', {{form: 'newsletter'}})">
<input name="email"><button id="subscribe">Subscribe</button></form>
<button id="checkout" onclick="mercato('checkout_start', {{revenue: '25.00', currency: 'EUR'}});
 history.pushState({{}}, '', '/checkout'); ">Checkout</button>
<button id="pay" onclick="history.pushState({{}}, '', '/checkout/thanks');
 mercato('purchase', {{order_id: 'order-1001', revenue: '25.00', currency: 'EUR',
 items: [{{id: 'mug', quantity: 2, price: '12.50'}}]}})">Pay</button>
<div style="height:4000px"></div><p id="bottom">end</p></body></html>"""


class Shop:
    def __init__(self, collector: str, key: str) -> None:
        self.collector, self.key = collector, key
        shop = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = PAGE.format(
                    title=self.path.split("?")[0], collector=shop.collector, key=shop.key
                )
                data = body.encode()
                self.send_response(200)
                self.send_header("content-type", "text/html; charset=utf-8")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def shop(collect_server: CollectServer) -> Iterator[Shop]:
    running = Shop(collect_server.base, collect_server.brand.site_public_key)
    with collect_server.services.catalog.session() as session:
        site = session.query(Site).filter(Site.public_key == running.key).one()
        site.allowed_origins = [running.origin]
    thread = threading.Thread(target=running.server.serve_forever, daemon=True)
    thread.start()
    yield running
    running.server.shutdown()


@contextmanager
def shopper_browser(browser: Any, user_agent: str) -> Iterator[Any]:
    """A Chromium whose every request carries `user_agent`.

    Playwright's per-context user agent does not reach the beacons a page sends while it
    unloads (they go out as HeadlessChrome, which the collector rightly filters as a bot), so
    the test launches the same Debian Chromium with the agent set browser-wide.
    """
    launched = browser.browser_type.launch(
        executable_path=CHROMIUM, args=[*CHROMIUM_FLAGS, f"--user-agent={user_agent}"]
    )
    try:
        yield launched
    finally:
        launched.close()


def _wait_for_events(
    server: CollectServer, count: int, timeout: float = 30
) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while True:
        server.flush()
        rows = server.rows("events")
        if len(rows) >= count or time.monotonic() > deadline:
            return rows
        time.sleep(0.2)


def _browse_and_buy(chromium: Any, shop: Shop) -> None:
    context = chromium.new_context(user_agent=CHROME, viewport={"width": 1200, "height": 800})
    page = context.new_page()
    page.goto(f"{shop.origin}/?utm_source=instagram&utm_medium=paid_social&utm_campaign=spring")
    page.wait_for_timeout(2500)
    page.evaluate("window.scrollTo(0, 2000)")
    page.wait_for_timeout(500)
    page.click("#to-product")  # a full navigation: engagement is sent on pagehide
    page.wait_for_load_state("load")
    page.wait_for_timeout(1500)
    page.click("#add")
    page.fill("#newsletter input", "not-sent@example.com")
    page.click("#subscribe")
    page.click("#checkout")  # SPA navigation: a pageview of /checkout
    page.wait_for_timeout(300)
    page.click("#pay")
    page.wait_for_timeout(800)
    context.close()  # closing sends the last engagement beacon


def test_paid_social_visit_browses_and_buys(
    browser: Any, shop: Shop, collect_server: CollectServer
) -> None:
    with shopper_browser(browser, CHROME) as chromium:
        _browse_and_buy(chromium, shop)
    rows = _wait_for_events(collect_server, 10)
    names = [r["name"] for r in sorted(rows, key=lambda r: r["ts"])]
    assert names.count("pageview") == 4, names  # /, /products/mug, /checkout, /checkout/thanks
    for name in ("add_to_cart", "generate_lead", "begin_checkout", "purchase", "engagement"):
        assert name in names, names
    assert {r["session_id"] for r in rows}
    assert len({r["session_id"] for r in rows}) == 1
    assert all("not-sent@example.com" not in str(r) for r in rows)  # a lead carries no PII
    (session,) = collect_server.rows("sessions")
    assert (session["channel"], session["source"], session["medium"], session["campaign"]) == (
        "Paid Social",
        "instagram",
        "paid_social",
        "spring",
    )
    assert (session["entry_path"], session["entry_page_type"], session["social_platform"]) == (
        "/",
        "home",
        "instagram",
    )
    assert session["pageviews"] == 4
    assert session["is_engaged"]
    assert (session["leads"], session["add_to_carts"], session["checkouts"], session["orders"]) == (
        1,
        1,
        1,
        1,
    )
    assert session["revenue"] == Decimal("25.00")
    assert session["currency"] == "EUR"
    # Engaged time: at least the focused waits on the two pages, never more than the visit.
    visit_ms = (session["ended_at"] - session["started_at"]).total_seconds() * 1000 + 2000
    assert 3000 <= session["engaged_ms"] <= visit_ms, session["engaged_ms"]
    assert session["max_scroll_pct"] >= 50
    (order,) = collect_server.rows("orders")
    assert (order["order_id"], order["gross"], order["session_id"]) == (
        "order-1001",
        Decimal("25.00"),
        session["session_id"],
    )
    (item,) = collect_server.rows("order_items")
    assert (item["product_id"], item["quantity"], item["unit_price"]) == (
        "mug",
        2,
        Decimal("12.50"),
    )


def test_instagram_in_app_visit_from_the_link_shim(
    browser: Any, shop: Shop, collect_server: CollectServer
) -> None:
    with shopper_browser(browser, INSTAGRAM_UA) as chromium:
        context = chromium.new_context(
            user_agent=INSTAGRAM_UA,
            viewport={"width": 390, "height": 800},
            is_mobile=True,
            has_touch=True,
        )
        page = context.new_page()
        page.goto(f"{shop.origin}/products/mug", referer="https://l.instagram.com/")
        page.wait_for_timeout(1200)
        page.click("#add")
        page.wait_for_timeout(300)
        context.close()
    rows = _wait_for_events(collect_server, 3)
    (session,) = collect_server.rows("sessions")
    assert (session["channel"], session["channel_signal"], session["source"]) == (
        "Organic Social",
        "referrer",
        "instagram",
    )
    assert (session["in_app_browser"], session["social_platform"], session["device"]) == (
        "Instagram",
        "instagram",
        "mobile",
    )
    assert session["referrer_host"] == "l.instagram.com"
    assert session["add_to_carts"] == 1
    assert session["entry_page_type"] == "product"
    assert {r["in_app_browser"] for r in rows} == {"Instagram"}
