"""Share links in real Chromium: a fresh context (no login) sees the logged-in page's numbers
and nothing else; revoke and the password work at once; the embed renders in a frame on an
allowed origin (a page on another loopback port) and is refused on any other."""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from mercato.runtime import Services
from tests.sharing.support import EMAIL, PASSWORD, RANGE, set_up

pytestmark = pytest.mark.browser
TILES = ("kpi-sessions", "kpi-transactions", "kpi-conversion_rate", "kpi-revenue_gross")


@contextmanager
def intranet_page(frame: dict[str, str]) -> Iterator[str]:
    """Another origin (a loopback port of its own) whose page frames `frame["src"]`."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = (
                "<!doctype html><title>intranet</title>"
                f'<iframe id="report" src="{frame["src"]}" width="900" height="700"></iframe>'
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _tile_values(page: Any) -> dict[str, str]:
    return {tile: page.locator(f"#{tile}").inner_text() for tile in TILES}


def test_share_links_in_chromium(services: Services, live_server: str, browser: Any) -> None:
    owner = set_up(services, live_server)
    logged_in = browser.new_context()
    page = logged_in.new_page()
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/")
    page.goto(f"{live_server}/?start={RANGE['start']}&end={RANGE['end']}")
    expected = _tile_values(page)
    logged_in.close()
    assert all(expected.values())

    link = owner.post("/api/v1/share-links", json={"view": "overview", "parameters": RANGE}).json()
    fresh = browser.new_context()
    shared = fresh.new_page()
    shared.goto(link["url"])
    assert _tile_values(shared) == expected
    assert shared.locator("header.topbar, nav").count() == 0
    # The only links are the view's own exports, on the same shared address: no way out.
    hrefs = shared.eval_on_selector_all("a", "els => els.map(e => e.href)")
    assert hrefs
    assert all(h.startswith(link["url"] + "?format=") for h in hrefs), hrefs
    with shared.expect_download() as downloaded:
        shared.click("[data-table=channels] a:text('CSV')")
    rows = list(csv.reader(io.StringIO(Path(downloaded.value.path()).read_text("utf-8-sig"))))
    shown = shared.eval_on_selector_all(
        "#channels tbody tr", "rows => rows.map(r => [...r.cells].map(c => c.innerText))"
    )
    assert rows[1:] == shown
    shared.goto(f"{live_server}/funnel")
    assert "/login" in shared.url  # the visit gave no access to anything else
    owner.post(f"/api/v1/share-links/{link['id']}/revoke")
    response = shared.goto(link["url"])
    assert response is not None
    assert response.status == 404
    assert "revoked" in shared.locator("#share-error").inner_text()

    locked = owner.post(
        "/api/v1/share-links",
        json={"view": "overview", "parameters": RANGE, "password": "open sesame 1"},
    ).json()
    shared.goto(locked["url"])
    assert shared.locator("#kpi-sessions").count() == 0
    shared.fill("input[name=password]", "open sesame 1")
    shared.click("#share-password button")
    shared.wait_for_selector("#kpi-sessions")
    assert _tile_values(shared) == expected
    unlocked = shared.eval_on_selector_all("a", "els => els.map(e => e.href)")
    assert all("grant=" in h for h in unlocked), unlocked  # exports keep the unlocked grant
    fresh.close()

    frame = {"src": "about:blank"}
    with intranet_page(frame) as allowed_origin, intranet_page(frame) as other_origin:
        embed = owner.post(
            "/api/v1/share-links",
            json={"view": "overview", "parameters": RANGE, "embed_origins": [allowed_origin]},
        ).json()
        frame["src"] = embed["embed_url"]
        context = browser.new_context()
        page = context.new_page()
        page.goto(allowed_origin)
        framed = page.frame_locator("#report")
        framed.locator("#kpi-sessions").wait_for(timeout=15_000)
        assert framed.locator("#kpi-sessions").inner_text() == expected["kpi-sessions"]
        with page.expect_response(lambda r: "/embed/" in r.url) as answered:
            page.goto(other_origin)
        assert answered.value.status == 200  # served, but the browser will not frame it here
        page.wait_for_load_state("load")
        page.wait_for_timeout(1000)
        assert page.frame_locator("#report").locator("#kpi-sessions").count() == 0  # refused
        context.close()
