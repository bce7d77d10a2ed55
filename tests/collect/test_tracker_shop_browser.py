"""tracker.js on a shop that looks real to the browser: `http://shop.example:PORT` (mapped to
loopback inside Chromium, so the page is not "local"), served from another port than Mercato,
under a strict Content-Security-Policy. Outbound links, downloads, hash routes, History API
navigation, `data-domain`, and silence on local pages and in automated browsers by default."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest

from mercato.catalog.models import Site
from tests.collect.conftest import CHROME, CollectServer
from tests.conftest import CHROMIUM, CHROMIUM_FLAGS
from tests.support.postgres import free_port

pytestmark = pytest.mark.browser
PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Northwind</title>
<script defer src="{mercato}/tracker.js" {attributes}></script>
<script defer src="/shop.js"></script></head><body><h1>Northwind</h1>
<a id="outbound" href="http://partner.example:{port}/welcome?ref=northwind">Partner</a>
<a id="long" href="http://partner.example:{port}/welcome?utm_content={long}">Partner (long)</a>
<a id="download" href="/files/Lookbook-2026.PDF">Lookbook</a>
<a id="model" href="/files/mug.stl">3-D model</a>
<a id="archive" href="/files/press.zip">Press kit</a>
<a id="named" href="/files/price-list" download>Price list</a>
<a id="inside" href="/about">About</a>
<a id="route-product" href="#/products/mug">Mug</a>
<a id="route-cart" href="#!/cart">Cart</a>
<button id="push-product" data-push="/products/mug">Mug</button>
<button id="push-cart" data-push="/cart?step=1">Cart</button>
<button id="replace-cart" data-replace="/cart?step=1">Cart again</button>
<p id="ready"></p></body></html>"""
LONG = "spring-lookbook-" * 40  # a link longer than a prop value may be (500 characters)
# The shop's own script: only from 'self', as a strict CSP allows; no inline handlers.
SHOP_JS = """document.addEventListener("click", function (e) {
  var push = e.target.closest("[data-push]"), replace = e.target.closest("[data-replace]");
  if (push) history.pushState({}, "", push.getAttribute("data-push"));
  if (replace) history.replaceState({}, "", replace.getAttribute("data-replace"));
});
document.getElementById("ready").textContent = "ready";"""


@dataclass
class Shop:
    mercato: str
    port: int = 0
    attributes: str = ""
    csp_violations: list[str] = field(default_factory=list)
    collect_requests: list[str] = field(default_factory=list)

    @property
    def origin(self) -> str:
        return f"http://shop.example:{self.port}"

    def page(self) -> bytes:
        return PAGE.format(
            mercato=self.mercato, attributes=self.attributes, port=self.port, long=LONG
        ).encode()


def _handler(shop: Shop) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            headers = {"Content-Type": "text/html; charset=utf-8"}
            if path == "/shop.js":
                body, headers["Content-Type"] = SHOP_JS.encode(), "text/javascript"
            elif path == "/welcome":  # the partner's site: no Mercato there
                body = b"<!doctype html><h1>Partner</h1>"
            elif path.startswith("/files/"):
                body, headers["Content-Type"] = b"%PDF-1.4 lookbook", "application/octet-stream"
                headers["Content-Disposition"] = "attachment"
            else:
                body = shop.page()
                headers["Content-Security-Policy"] = (
                    f"script-src 'self' {shop.mercato}; connect-src {shop.mercato}"
                )
            self.send_response(200)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: Any) -> None:
            pass

    return Handler


@pytest.fixture
def shop(collect_server: CollectServer) -> Iterator[Shop]:
    running = Shop(collect_server.base)
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), _handler(running))
    running.port = server.server_address[1]
    with collect_server.services.catalog.session() as session:
        site = session.query(Site).filter(Site.public_key == collect_server.brand.site_public_key)
        site.one().domain = "shop.example"
        site.one().allowed_origins = [
            running.origin,
            f"http://127.0.0.1:{running.port}",
            f"http://localhost:{running.port}",
        ]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield running
    server.shutdown()
    server.server_close()


@pytest.fixture
def chromium(browser: Any) -> Iterator[Any]:
    """Chromium resolving the shop's and a partner's host names to loopback, with a shopper's
    user agent browser-wide (beacons sent while a page unloads carry it too)."""
    rules = "MAP shop.example 127.0.0.1, MAP partner.example 127.0.0.1"
    launched = browser.browser_type.launch(
        executable_path=CHROMIUM,
        args=[*CHROMIUM_FLAGS, f"--host-resolver-rules={rules}", f"--user-agent={CHROME}"],
    )
    yield launched
    launched.close()


def _open(chromium: Any, shop: Shop, url: str) -> Any:
    context = chromium.new_context(user_agent=CHROME)
    context.on(
        "request",
        lambda request: (
            shop.collect_requests.append(request.url) if "/api/collect" in request.url else None
        ),
    )
    page = context.new_page()
    page.on(
        "console",
        lambda message: (
            shop.csp_violations.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    page.goto(url)
    page.wait_for_selector("#ready:has-text('ready')")
    return page


def _events_until(
    server: CollectServer, done: Callable[[list[dict[str, Any]]], bool], timeout: float = 30
) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while True:
        server.flush()
        rows = sorted(server.rows("events"), key=lambda r: r["ts"])
        if done(rows) or time.monotonic() > deadline:
            return rows
        time.sleep(0.2)


def _named(rows: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [r for r in rows if r["name"] == name]


def _props(row: dict[str, Any]) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(row["properties"])
    return loaded


def test_outbound_links_and_downloads_are_tracked(
    chromium: Any, shop: Shop, collect_server: CollectServer
) -> None:
    key = collect_server.brand.site_public_key
    shop.attributes = f'data-key="{key}" data-allow-automation'
    page = _open(chromium, shop, shop.origin + "/")
    page.click("#inside")  # same host, not a file: only the next pageview
    page.wait_for_selector("#ready:has-text('ready')")
    with page.expect_download():
        page.click("#download")  # .PDF: the extension is matched without case
    with page.expect_download():
        page.click("#archive")
    with page.expect_download():
        page.click("#named")  # no extension, but the link says it downloads
    page.click("#long", button="middle")  # a new tab: auxclick, and the URL is cut to fit
    page.click("#outbound")  # leaves the shop: the beacon must outlive the page
    page.wait_for_url("http://partner.example:*/welcome?ref=northwind")
    page.context.close()
    rows = _events_until(collect_server, lambda rows: len(_named(rows, "outbound_link")) >= 2)
    assert [r["path"] for r in _named(rows, "pageview")] == ["/", "/about"]
    downloads = _named(rows, "file_download")
    assert [_props(r)["url"] for r in downloads] == [
        f"{shop.origin}/files/Lookbook-2026.PDF",
        f"{shop.origin}/files/press.zip",
        f"{shop.origin}/files/price-list",
    ]
    assert {r["path"] for r in downloads} == {"/about"}  # the page the link was on
    long_link, outbound = _named(rows, "outbound_link")
    expected = f"http://partner.example:{shop.port}/welcome?utm_content={LONG}"
    assert _props(long_link)["url"] == expected[:500]
    assert _props(outbound)["url"] == f"http://partner.example:{shop.port}/welcome?ref=northwind"
    assert outbound["path"] == "/about"
    assert len({r["session_id"] for r in rows}) == 1
    (session,) = collect_server.rows("sessions")  # clicks are events, not pages or orders
    assert (session["pageviews"], session["orders"], session["events"]) == (2, 0, len(rows))
    assert session["channel"] == "Direct"
    assert shop.csp_violations == []


def test_file_types_attribute_replaces_the_list(
    chromium: Any, shop: Shop, collect_server: CollectServer
) -> None:
    key = collect_server.brand.site_public_key
    shop.attributes = f'data-key="{key}" data-allow-automation data-file-types="stl, pdf"'
    page = _open(chromium, shop, shop.origin + "/")
    for link in ("#archive", "#model"):  # zip is no longer a file type; stl is
        with page.expect_download():
            page.click(link)
    page.context.close()
    rows = _events_until(collect_server, lambda rows: bool(_named(rows, "file_download")))
    time.sleep(1)  # a zip download event, if any, would have been sent before the stl one
    rows = _events_until(collect_server, lambda rows: False, timeout=0)
    assert [_props(r)["url"] for r in _named(rows, "file_download")] == [
        f"{shop.origin}/files/mug.stl"
    ]


def test_hash_routes_count_as_pages_only_with_data_hash(
    chromium: Any, shop: Shop, collect_server: CollectServer
) -> None:
    key = collect_server.brand.site_public_key
    shop.attributes = f'data-key="{key}" data-allow-automation'
    plain = _open(chromium, shop, shop.origin + "/")
    plain.click("#route-product")  # without data-hash a fragment is an anchor, not a page
    plain.wait_for_timeout(300)
    plain.context.close()
    _events_until(collect_server, lambda rows: len(_named(rows, "pageview")) >= 1)

    shop.attributes = f'data-key="{key}" data-allow-automation data-hash'
    page = _open(chromium, shop, shop.origin + "/?utm_source=newsletter&utm_medium=email")
    page.click("#route-product")
    page.wait_for_timeout(200)
    page.click("#route-cart")
    page.wait_for_timeout(200)
    page.go_back()  # popstate and hashchange both fire: still one pageview
    page.wait_for_timeout(300)
    page.context.close()
    rows = _events_until(collect_server, lambda rows: len(_named(rows, "pageview")) >= 5)
    pageviews = [(r["path"], r["page_type"]) for r in _named(rows, "pageview")]
    assert pageviews == [
        ("/", "home"),
        ("/", "home"),
        ("/products/mug", "product"),
        ("/cart", "cart"),
        ("/products/mug", "product"),
    ]
    hashed = _named(rows, "pageview")[1:]
    assert {r["channel"] for r in hashed} == {"Email"}  # the session's UTMs carry over
    assert _named(rows, "pageview")[3]["url"].endswith("#!/cart")
    assert shop.csp_violations == []


def test_history_navigation_sends_one_pageview_per_page(
    chromium: Any, shop: Shop, collect_server: CollectServer
) -> None:
    shop.attributes = f'data-key="{collect_server.brand.site_public_key}" data-allow-automation'
    page = _open(chromium, shop, shop.origin + "/")
    page.click("#push-product")
    page.wait_for_timeout(100)
    page.click("#push-product")  # the same address again: no new page
    page.click("#push-cart")
    page.wait_for_timeout(100)
    page.click("#replace-cart")  # replaced with itself: no new page
    page.wait_for_timeout(100)
    page.go_back()  # popstate: /products/mug again
    page.wait_for_timeout(300)
    page.context.close()
    rows = _events_until(collect_server, lambda rows: len(_named(rows, "pageview")) >= 4)
    time.sleep(0.5)
    rows = _events_until(collect_server, lambda rows: False, timeout=0)
    assert [r["path"] for r in _named(rows, "pageview")] == [
        "/",
        "/products/mug",
        "/cart",
        "/products/mug",
    ]
    assert shop.csp_violations == []


def test_local_pages_and_automated_browsers_send_nothing_unless_asked(
    chromium: Any, shop: Shop, collect_server: CollectServer
) -> None:
    key = collect_server.brand.site_public_key
    tried = [
        (f'data-key="{key}"', shop.origin),  # automated (navigator.webdriver)
        (f'data-key="{key}" data-allow-local', shop.origin),
        (f'data-key="{key}" data-allow-automation', f"http://127.0.0.1:{shop.port}"),
        (f'data-key="{key}" data-allow-automation', f"http://localhost:{shop.port}"),
    ]
    for attributes, origin in tried:
        shop.attributes = attributes
        page = _open(chromium, shop, origin + "/")
        assert page.evaluate("navigator.webdriver") is True
        page.click("#push-product")
        with page.expect_download():
            page.click("#download")
        page.click("#outbound")
        page.wait_for_url("http://partner.example:*/welcome?ref=northwind")
        page.context.close()
        assert shop.collect_requests == [], (attributes, origin)
    # Asked for, on the local address: the control that proves the earlier visits were heard.
    shop.attributes = f'data-key="{key}" data-allow-automation data-allow-local'
    control = _open(chromium, shop, f"http://localhost:{shop.port}/?control=1")
    control.context.close()
    rows = _events_until(collect_server, lambda rows: bool(rows))
    time.sleep(0.5)
    rows = _events_until(collect_server, lambda rows: False, timeout=0)
    assert {r["url"] for r in rows} == {f"http://localhost:{shop.port}/?control=1"}
    assert [r["name"] for r in _named(rows, "pageview")] == ["pageview"]
    assert shop.collect_requests  # the control was sent, by the same kind of request


def test_data_domain_snippet_reports_to_the_site_with_that_domain(
    chromium: Any, shop: Shop, collect_server: CollectServer
) -> None:
    shop.attributes = 'data-domain="Shop.Example" data-allow-automation'
    page = _open(chromium, shop, shop.origin + "/?utm_source=instagram&utm_medium=social")
    page.click("#push-product")
    page.wait_for_timeout(200)
    page.click("#outbound")
    page.wait_for_url("http://partner.example:*/welcome?ref=northwind")
    page.context.close()
    rows = _events_until(collect_server, lambda rows: bool(_named(rows, "outbound_link")))
    with collect_server.services.catalog.session() as session:
        site = session.query(Site).filter(Site.domain == "shop.example").one()
        site_id, workspace_id = site.id, site.workspace_id
    shopper_events = [r["name"] for r in rows if r["name"] != "engagement"]
    assert shopper_events == ["pageview", "pageview", "outbound_link"]
    assert {(r["site_id"], r["workspace_id"]) for r in rows} == {(site_id, workspace_id)}
    (session_row,) = collect_server.rows("sessions")
    assert (session_row["source"], session_row["channel"]) == ("instagram", "Organic Social")
    assert shop.csp_violations == []
