"""The demo's adaptive gallery has a log: decisions, impressions and clicks in the visitors'
sessions (demo/gallery_log.py). Checked against hand-written SQL over the warehouse (an
independent recount), against a replay of the bandit over the stored log (every logged
propensity is the one the policy gives from the log before it), and on the pages: the
gallery's policy shows learned weights, and attribution "by UGC" credits the items, in
headless Chromium and through `mercato attribution --by ugc`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from mercato.catalog.models import Gallery, UgcItem
from mercato.cli.main import app
from mercato.demo.accounts import DEMO_PASSWORD
from mercato.demo.locale import ENGLISH
from mercato.galleries.adaptive import (
    HOLDOUT_SHARE,
    config_of,
    decide,
    logging_propensity,
    outcomes,
)
from mercato.galleries.service import policy
from mercato.stats.bandit import PolicyState
from mercato.web.app import create_app
from tests.demo.conftest import Seeded
from tests.support.server import serve_app

LOGGED = """
WITH logged AS (
  SELECT session_id, ugc_id AS lead, count(*) AS rows_logged FROM events
  WHERE workspace_id = ? AND gallery_id = ? AND name = 'gallery_order'
    AND variant IN ('adaptive', 'holdout') AND session_id IS NOT NULL
  GROUP BY session_id, ugc_id),
seen AS (SELECT DISTINCT session_id, ugc_id FROM events
  WHERE workspace_id = ? AND gallery_id = ? AND name = 'ugc_impression'),
clicked AS (SELECT DISTINCT session_id, ugc_id FROM events
  WHERE workspace_id = ? AND gallery_id = ? AND name = 'ugc_click')
SELECT l.lead, count(*) AS exposures, count(c.session_id) AS clicks, max(l.rows_logged) AS most
FROM logged l
JOIN seen s ON s.session_id = l.session_id AND s.ugc_id = l.lead
LEFT JOIN clicked c ON c.session_id = l.session_id AND c.ugc_id = l.lead
GROUP BY l.lead
"""


def _gallery(seeded: Seeded) -> Gallery:
    name = seeded.summary.truth.audiences["adaptive_gallery"]["name"]
    with seeded.services.catalog.session() as session:
        found = session.scalars(
            select(Gallery).where(Gallery.workspace_id == seeded.workspace_id, Gallery.name == name)
        ).one()
        session.expunge(found)
        return found


def _external(seeded: Seeded, ids: list[str]) -> dict[str, str]:
    with seeded.services.catalog.session() as session:
        rows = session.scalars(select(UgcItem).where(UgcItem.id.in_(ids)))
        return {item.id: item.external_id for item in rows}


def _report(seeded: Seeded, gallery: Gallery) -> dict[str, Any]:
    with seeded.services.catalog.session() as session:
        scoped = seeded.services.warehouse.for_workspace(seeded.workspace_id)
        return policy(session, scoped, seeded.workspace_id, gallery.id).as_json()


def test_the_log_agrees_with_a_recount_and_the_truth(seeded: Seeded) -> None:
    gallery = _gallery(seeded)
    truth = seeded.summary.truth.audiences["adaptive_gallery"]
    ids = [seeded.workspace_id, gallery.id] * 3
    counted = seeded.sql(LOGGED, *ids)
    assert int(counted["most"].max()) == 1  # one decision per session
    external = _external(seeded, list(counted["lead"]))
    recount = {external[r.lead]: (int(r.exposures), int(r.clicks)) for r in counted.itertuples()}
    log = truth["log"]
    assert recount == {
        item: (log["lead_exposures"][item], log["lead_clicks"][item]) for item in recount
    }
    assert sum(n for n, _ in recount.values()) == log["sessions_shown"]
    report = _report(seeded, gallery)
    assert report["logged_exposures"] == log["sessions_shown"]
    # Every logged session is one of the warehouse's sessions, shown to a visitor who is not
    # held out of galleries by the workspace holdout while it ran.
    orphans = seeded.sql(
        "SELECT count(*) AS n FROM events e LEFT JOIN sessions s "
        "ON s.workspace_id = e.workspace_id AND s.session_id = e.session_id "
        "WHERE e.workspace_id = ? AND e.gallery_id = ? AND s.session_id IS NULL",
        seeded.workspace_id,
        gallery.id,
    )
    assert orphans.n[0] == 0
    start, end = (datetime.fromisoformat(t) for t in seeded.summary.truth.experiments["window"])
    held = seeded.sql(
        "SELECT count(*) AS n FROM events e JOIN events x ON x.workspace_id = e.workspace_id "
        "AND x.visitor_id = e.visitor_id AND x.name = 'experiment_exposure' "
        "AND x.variant = 'holdout' WHERE e.workspace_id = ? AND e.gallery_id = ? "
        "AND e.ts >= ? AND e.ts < ?",
        seeded.workspace_id,
        gallery.id,
        start,
        end,
    )
    assert held.n[0] == 0


def test_every_logged_propensity_replays_from_the_log_before_it(seeded: Seeded) -> None:
    gallery = _gallery(seeded)
    config = config_of(gallery.rule)
    assert config is not None
    report = _report(seeded, gallery)
    items = [row["ugc_id"] for row in report["items"]]
    frame = outcomes(
        seeded.services.warehouse.for_workspace(seeded.workspace_id), gallery.id, config.reward
    )
    assert len(frame) > 0
    checked = 0
    for update in sorted(frame["update"].unique()):
        decision = decide(frame[frame["update"] < update], items, config, int(update))
        rows = frame[frame["update"] == update]
        for row in rows.itertuples():
            assert row.default_lead == items[0]
            assert row.state == decision.state.value
            if row.arm == "holdout":
                assert row.lead == items[0]  # the holdout keeps the default order
            expected = logging_propensity(decision, items.index(row.lead))
            assert row.propensity == pytest.approx(expected, abs=1e-6)
            checked += 1
    assert checked == len(frame)
    holdout = float((frame["arm"] == "holdout").mean())
    assert abs(holdout - HOLDOUT_SHARE) < 0.05


def test_the_policy_has_learned_the_best_lead(seeded: Seeded) -> None:
    gallery = _gallery(seeded)
    truth = seeded.summary.truth.audiences["adaptive_gallery"]
    report = _report(seeded, gallery)
    assert report["state"] == PolicyState.ADAPTIVE.value  # past burn-in
    external = _external(seeded, [row["ugc_id"] for row in report["items"]])
    share = {external[row["ugc_id"]]: row["allocation"] for row in report["items"]}
    assert max(share, key=share.__getitem__) == truth["best_item"]
    assert max(share.values()) - min(share.values()) > 0.1  # not the burn-in's even split
    assert abs(sum(share.values()) - 1) < 1e-9
    # The item led most is the best one: the log followed the learning.
    exposures = truth["log"]["lead_exposures"]
    assert max(exposures, key=exposures.__getitem__) == truth["best_item"]


@pytest.fixture(scope="module")
def demo_server(seeded: Seeded) -> Iterator[str]:
    with serve_app(create_app(services=seeded.services)) as base:
        yield base


@pytest.fixture(scope="module")
def chromium(browser: Any) -> Any:
    """The suite's one Chromium (a second Playwright in the same process cannot start)."""
    return browser


def _login(page: Any, base: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=email]", ENGLISH.email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


@pytest.mark.browser
def test_the_pages_show_learned_weights_and_ugc_touches(
    seeded: Seeded, demo_server: str, chromium: Any, artifacts_dir: Path
) -> None:
    gallery = _gallery(seeded)
    page = chromium.new_page(viewport={"width": 1440, "height": 900})
    try:
        _login(page, demo_server)
        page.goto(f"{demo_server}/galleries/{gallery.id}")
        state = page.locator("#order-policy [data-state]")
        assert state.get_attribute("data-state") == "adaptive"
        shares = page.eval_on_selector_all(
            "#order-policy tbody tr td:nth-child(2)", "cells => cells.map(c => c.textContent)"
        )
        assert len(shares) == 5
        assert len(set(shares)) > 1  # learned, not an even 20.0% each
        page.screenshot(path=str(artifacts_dir / "demo_adaptive_policy.png"), full_page=True)

        page.goto(f"{demo_server}/attribution?by=ugc&model=linear")
        links = page.locator("#credits a[href^='/ugc/items/']")
        assert links.count() >= 3
        text = links.first.inner_text()
        assert text.startswith("@")
        assert " · " in text
        assert "ugc:" not in page.locator("main").inner_text()
        assert "ugc_" not in page.locator("#credits").inner_text()
        page.screenshot(path=str(artifacts_dir / "demo_attribution_by_ugc.png"), full_page=True)
        href = links.first.get_attribute("href")
        links.first.click()
        page.wait_for_url(f"{demo_server}{href}")
        assert page.locator("h1").inner_text().startswith("@")
    finally:
        page.close()


def test_the_cli_credits_ugc_items(seeded: Seeded, monkeypatch: pytest.MonkeyPatch) -> None:
    data_dir = seeded.services.settings.data_dir
    monkeypatch.setenv("MERCATO_DATA_DIR", str(data_dir))
    monkeypatch.setenv("MERCATO_SECRET_KEY", seeded.services.settings.secret_key or "")
    monkeypatch.setenv("MERCATO_TIME_ZONE", "UTC")
    result = CliRunner().invoke(
        app, ["attribution", "--by", "ugc", "--model", "linear", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)["rows"]
    items = [row for row in rows if row["label"].startswith("ugc:")]
    assert len(items) >= 3
    assert sum(row["conversions"] for row in items) > 0
    table = CliRunner().invoke(app, ["attribution", "--by", "ugc", "--model", "linear"])
    assert table.exit_code == 0, table.output
    assert "@" in table.output
    assert "ugc:ugc_" not in table.output
