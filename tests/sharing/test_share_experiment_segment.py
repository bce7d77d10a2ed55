"""Share links for one experiment's results and for a segment (alone, or beside another):
opened in a fresh Chromium context (no login) they show the logged-in pages' tables, open
nothing else, and die on revoke. A link must name an experiment or segment of its own
workspace."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from mercato.core.scopes import Role, Scope
from mercato.runtime import Services
from tests.experiments.test_delivery import BROWSER, _fetch, _site_key
from tests.galleries.support import make_shop
from tests.metrics import fixture
from tests.metrics.test_surfaces import RANGE, load_fixture_rows
from tests.support.brands import PASSWORD, make_brand, make_token
from tests.support.server import csrf_of, login

pytestmark = pytest.mark.browser

TABLE_JS = """
(id) => {
  const table = document.getElementById(id);
  const head = Array.from(table.tHead.rows[0].cells).map((c) => c.innerText.trim());
  const rows = Array.from(table.tBodies[0].rows).filter(
    (r) => !(r.cells.length === 1 && r.cells[0].colSpan > 1)).map(
      (r) => Array.from(r.cells).map((c) => c.innerText.trim()));  // the empty state is no row
  return {head, rows};
}
"""


def _as_records(table: dict[str, Any]) -> list[dict[str, str]]:
    return [dict(zip(table["head"], row, strict=True)) for row in table["rows"]]


def _wait_exposed(api: httpx.Client, experiment_id: str, units: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        results = api.get(f"/api/v1/experiments/{experiment_id}/results").json()
        if sum(c["exposed"] for c in results["counts"]) >= units:
            return
        time.sleep(0.2)
    pytest.fail("the exposures never reached the results")


def test_experiment_and_segment_share_links(
    services: Services, live_server: str, browser: Any
) -> None:
    shop = make_shop(services)
    load_fixture_rows(services, fixture.WORKSPACE, shop.brand.workspace_id)
    token = make_token(
        services, shop.brand, [Scope.ANALYTICS_READ, Scope.UGC_WRITE, Scope.CATALOG_WRITE]
    )
    api = httpx.Client(
        base_url=live_server, headers={"Authorization": f"Bearer {token}"}, timeout=120
    )
    owner = httpx.Client(base_url=live_server, timeout=120)
    login(owner, shop.brand.emails[Role.OWNER], PASSWORD)
    owner.headers["x-csrf-token"] = csrf_of(owner)

    created = api.post(
        "/api/v1/experiments",
        json={"name": "Galleries <b>holdout</b>", "kind": "holdout", "holdout_share": 0.5},
    )
    assert created.status_code == 201, created.text
    experiment_id = created.json()["id"]
    assert api.post(f"/api/v1/experiments/{experiment_id}/start").status_code == 200
    key = _site_key(services, shop)
    with httpx.Client(base_url=live_server, headers=BROWSER) as public:
        for i in range(40):
            assert _fetch(public, shop.home, key, f"shopper-{i}").status_code == 200
    _wait_exposed(api, experiment_id, 40)
    returning = api.post(
        "/api/v1/segments",
        json={"name": "Returning", "definition": {"kind": "flag", "flag": "returning"}},
    ).json()["id"]
    buyers = api.post(
        "/api/v1/segments",
        json={"name": "Buyers", "definition": {"kind": "flag", "flag": "purchaser"}},
    )
    assert buyers.status_code == 201, buyers.text
    buyers_id = buyers.json()["id"]

    # A link names its subject, of its own workspace, and nothing another view does not take.
    other = make_brand(services, slug="other")
    other_token = make_token(services, other, [Scope.CATALOG_WRITE])
    foreign = httpx.post(
        f"{live_server}/api/v1/segments",
        json={"name": "Theirs", "definition": {"kind": "flag", "flag": "returning"}},
        headers={"Authorization": f"Bearer {other_token}"},
    )
    assert foreign.status_code == 201, foreign.text
    for bad in (
        {"view": "experiment", "parameters": {}},
        {"view": "segment", "parameters": {"segment_id": foreign.json()["id"]}},
        {"view": "segment", "parameters": {"segment_id": "seg_nope"}},
        {"view": "overview", "parameters": {"experiment_id": experiment_id}},
        {"view": "experiment", "parameters": {"segment_id": returning}},
    ):
        refused = owner.post("/api/v1/share-links", json=bad)
        assert refused.status_code == 422, (bad, refused.text)
        assert refused.json()["error"]["code"] == "share_bad_subject", bad

    experiment_link = owner.post(
        "/api/v1/share-links",
        json={"view": "experiment", "parameters": {"experiment_id": experiment_id}},
    ).json()
    segment_link = owner.post(
        "/api/v1/share-links",
        json={
            "view": "segment",
            "parameters": {**RANGE, "segment_id": returning, "compare_segment_id": buyers_id},
        },
    ).json()
    page_exposures = owner.get(
        f"/experiments/{experiment_id}", params={"format": "json", "table": "exposures"}
    ).json()
    page_lift = owner.get(
        f"/experiments/{experiment_id}", params={"format": "json", "table": "comparisons"}
    ).json()
    verdict = owner.get(f"/experiments/{experiment_id}").text
    compared = {"a": returning, "b": buyers_id, **RANGE, "format": "json", "table": "comparison"}
    page_comparison = owner.get("/segments", params=compared).json()
    page_segments = owner.get("/segments", params={"format": "json", "table": "segments"}).json()
    assert sum(int(r["Exposed visitors"]) for r in page_exposures) == 40
    assert page_comparison

    fresh = browser.new_context()
    shared = fresh.new_page()
    shared.goto(experiment_link["url"])
    assert _as_records(shared.evaluate(TABLE_JS, "exposures")) == page_exposures
    lift = shared.evaluate(TABLE_JS, "comparisons")
    assert [row[:7] for row in lift["rows"]] == [list(r.values())[:7] for r in page_lift]
    shown_verdict = shared.locator("#verdict").inner_text()
    assert shown_verdict
    assert shown_verdict in verdict
    assert "Galleries &lt;b&gt;holdout&lt;/b&gt;" in shared.content()  # escaped, not markup
    hrefs = shared.eval_on_selector_all("a", "els => els.map(e => e.href)")
    assert all(h.startswith(experiment_link["url"] + "?format=") for h in hrefs), hrefs

    shared.goto(segment_link["url"])
    summary = _as_records(shared.evaluate(TABLE_JS, "segment"))
    listed = next(r for r in page_segments if r["Name"] == "Returning")
    assert summary == [listed]
    assert _as_records(shared.evaluate(TABLE_JS, "comparison")) == page_comparison
    kpis = shared.evaluate(TABLE_JS, "kpis")
    by_kpi = {row[1]: row[2] for row in kpis["rows"]}
    assert {r["KPI"]: r["Returning"] for r in page_comparison} == by_kpi
    as_csv = httpx.get(segment_link["url"], params={"format": "csv", "table": "comparison"})
    assert as_csv.status_code == 200
    assert "Buyers" in as_csv.text.splitlines()[0]

    # The links open nothing else, and a revoked one dies at once.
    shared.goto(f"{live_server}/experiments/{experiment_id}")
    assert "/login" in shared.url
    shared.goto(f"{live_server}/segments")
    assert "/login" in shared.url
    assert owner.post(f"/api/v1/share-links/{experiment_link['id']}/revoke").status_code == 200
    gone = shared.goto(experiment_link["url"])
    assert gone is not None
    assert gone.status == 404
    fresh.close()
    api.close()
    owner.close()
