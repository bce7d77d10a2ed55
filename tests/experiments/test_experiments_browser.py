"""Experiments in a real Chromium, from an empty data dir: a real `mercato serve`, a shop on
another loopback origin embedding an experimented gallery. Two visitors keep their own
variants across reloads, a holdout visitor sees no gallery, and the Experiments page shows
the exposures and results."""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from mercato.experiments.assignment import hashed_variant
from tests.sites.support import SHOPPER_AGENT, mercato_serve
from tests.sites.test_go_live_browser import (
    SHOP_PAGE,
    _add_site,
    _first_run,
    _gallery,
    _token,
    _until,
    _upload_ugc,
)
from tests.support.shop import shop_server

pytestmark = pytest.mark.browser


def _start(api: httpx.Client, body: dict[str, Any]) -> dict[str, Any]:
    created = api.post("/api/v1/experiments", json=body)
    assert created.status_code == 201, created.text
    started = api.post(f"/api/v1/experiments/{created.json()['id']}/start")
    assert started.status_code == 200, started.text
    found: dict[str, Any] = started.json()
    return found


def _visitor_in(wanted: Callable[[str], bool]) -> str:
    """A first-party visitor id that hashing puts where the test needs it (none is stored
    yet, so the first delivery stores exactly this)."""
    return next(f"shopper{i}" for i in range(10_000) if wanted(f"shopper{i}"))


def _arm(experiment: dict[str, Any], vid: str) -> str:
    weights = [v["weight"] for v in experiment["variants"]]
    index = hashed_variant(experiment["seed"], vid, weights, experiment["coverage"])
    key: str = experiment["variants"][index]["key"]
    return key


def _shown(browser: Any, shop: str, vid: str) -> list[tuple[str | None, str | None, int]]:
    """(variant, layout class, tiles) on two loads of the shop page by one visitor."""
    context = browser.new_context(user_agent=SHOPPER_AGENT)
    # The visitor has consented: tracker.js keeps its first-party id in localStorage.
    context.add_init_script(
        f"localStorage.setItem('mercato_consent', 'true');"
        f"localStorage.setItem('mercato_vid', {json.dumps(json.dumps(vid))});"
    )
    context.set_default_timeout(60_000)
    seen = []
    try:
        page = context.new_page()
        for _ in range(2):
            page.goto(shop + "/")
            page.wait_for_selector("#home .mg", state="attached")
            root = page.locator("#home .mg")
            seen.append(
                (
                    root.get_attribute("data-variant"),
                    root.get_attribute("class"),
                    page.locator("#home .mg-tile").count(),
                )
            )
    finally:
        context.close()
    return seen


def test_variants_stick_holdout_sees_nothing_and_results_show(
    tmp_path: Path, browser: Any, artifacts_dir: Path
) -> None:
    pages: dict[str, str] = {}
    log = artifacts_dir / "experiments_serve.log"
    with mercato_serve(tmp_path / "data", log) as mercato, shop_server(pages) as shop:
        admin = browser.new_context(viewport={"width": 1280, "height": 1000})
        admin.grant_permissions(["clipboard-read", "clipboard-write"], origin=mercato)
        uploader = browser.new_context(user_agent=SHOPPER_AGENT)
        for context in (admin, uploader):  # uploads and first pages are slow on a busy machine
            context.set_default_timeout(120_000)
        try:
            page = admin.new_page()
            _first_run(page, mercato)
            snippet, key = _add_site(page, mercato, shop)
            secret = _token(page, mercato)
            api = httpx.Client(base_url=mercato, headers={"Authorization": f"Bearer {secret}"})
            _upload_ugc(uploader.new_page(), mercato)
            gallery_id = _gallery(api)
            snippet = snippet.replace(
                "<script defer ", "<script defer data-allow-local data-allow-automation ", 1
            )
            embed = (
                f'<div id="home" data-mercato-gallery="{html.escape(gallery_id)}"></div>'
                f'<script async src="{mercato}/gallery.js" data-key="{key}"></script>'
            )
            pages["/"] = SHOP_PAGE.format(snippet=snippet, gallery=embed)

            holdout = _start(
                api, {"name": "Galleries holdout", "kind": "holdout", "holdout_share": 0.2}
            )
            test = _start(
                api,
                {
                    "name": "Carousel vs grid",
                    "gallery_id": gallery_id,
                    "primary_metric": "gallery_ctr",
                    "guardrails": ["conversion_rate"],
                    "variants": [
                        {"key": "grid"},
                        {"key": "carousel", "kind": "configured", "config": {"layout": "carousel"}},
                    ],
                },
            )
            shown = {
                arm: _visitor_in(
                    lambda v, arm=arm: _arm(holdout, v) == "galleries" and _arm(test, v) == arm
                )
                for arm in ("grid", "carousel")
            }
            held = _visitor_in(lambda v: _arm(holdout, v) == "holdout")
            for arm, vid in shown.items():
                seen = _shown(browser, shop, vid)
                assert seen[0] == seen[1], seen  # the same variant on reload
                variant, classes, tiles = seen[0]
                assert variant == arm
                assert f"mg-{arm}" in (classes or "")
                assert tiles == 1
            held_seen = _shown(browser, shop, held)
            assert held_seen == [("holdout", "mg mg-grid", 0)] * 2

            def exposures() -> bool:
                page.goto(f"{mercato}/experiments/{test['id']}")
                rows = page.locator("#exposures tbody tr")
                counts = {
                    r.get_attribute("data-variant"): r.locator("td").nth(1).inner_text()
                    for r in rows.all()
                }
                return counts == {"grid": "1", "carousel": "1"}

            _until("the exposures on the Experiments page", exposures)
            assert page.locator("#verdict").get_attribute("data-verdict") == "inconclusive"
            # one visitor per arm: nothing to compare yet, and the page says why and how
            assert "not compared" in page.locator("#comparisons-note").inner_text()
            assert "first time a gallery was delivered" in page.locator("#method").inner_text()
            page.screenshot(path=str(artifacts_dir / "experiments_results.png"), full_page=True)

            page.goto(f"{mercato}/experiments/holdout")
            assert (
                page.locator("#exposures tr[data-variant='holdout'] td").nth(1).inner_text() == "1"
            )
            assert "correlational" in page.locator("#correlational h3").inner_text()
            page.click("header nav >> text=Experiments")
            assert page.locator("#experiment-list tbody tr").count() == 2
            api.close()
        finally:
            admin.close()
            uploader.close()
