"""Every table on every page has CSV and JSON buttons that work. From an empty data dir
(first-run setup, the KPI fixture's rows, then a segment, a gallery, an experiment, a token,
an invitation, a share link and an uploaded UGC item made through the product), Chromium
opens every logged-in page; each table it shows must carry export buttons, and the files
behind them (downloaded and parsed) hold the table's rows as the page shows them."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import httpx
import pytest

from mercato.runtime import Services
from mercato.web.app import create_app
from tests.sharing.support import EMAIL, PASSWORD, RANGE, Owner, set_up
from tests.sharing.test_creator_rewards import _upload
from tests.support.routes import walk

pytestmark = pytest.mark.browser

# Cells as Chromium shows them: text without the controls' (buttons, selects), whitespace
# collapsed; columns with no header (forms, buttons) and rows that are one cell across the
# whole table (the empty-state sentence) are not data.
TABLES_JS = """
() => {
  const skip = new Set(["BUTTON", "SELECT", "SCRIPT", "STYLE", "TEMPLATE", "TEXTAREA"]);
  const text = (node) => {
    if (node.nodeType === Node.TEXT_NODE) return node.nodeValue;
    if (node.nodeType !== Node.ELEMENT_NODE || skip.has(node.tagName)) return "";
    if (node.tagName === "BR") return " ";
    return Array.from(node.childNodes).map(text).join("");
  };
  const clean = (cell) => text(cell).replace(/\\s+/g, " ").trim();
  return Array.from(document.querySelectorAll("main table")).map((table) => {
    const id = table.dataset.export || null;
    const links = id
      ? Array.from(document.querySelectorAll(`.exports[data-table="${id}"] a`)).map(
          (a) => a.getAttribute("href"))
      : [];
    const all = Array.from(table.rows);
    const headRow = table.tHead ? table.tHead.rows[0] : all[0];
    const head = headRow ? Array.from(headRow.cells).map(clean) : [];
    const body = all.filter((row) => row !== headRow && row.parentElement.tagName !== "THEAD");
    const rows = body
      .filter((row) => !(row.cells.length === 1 && row.cells[0].colSpan >= head.length
                         && head.length > 1))
      .map((row) => Array.from(row.cells).map(clean));
    return {id, links, head, rows};
  });
}
"""


def _pages(services: Services, owner: Owner, made: dict[str, str]) -> list[str]:
    """Every logged-in page the app serves (GET, no path parameter), then the pages of one
    item, one gallery and one experiment."""
    paths = sorted(
        {
            route.path
            for route in walk(create_app(services=services))
            if route.method == "GET" and route.page and "{" not in route.path
        }
    )
    return [
        *paths,
        f"/ugc/items/{made['item']}",
        f"/galleries/{made['gallery']}",
        f"/experiments/{made['experiment']}",
        # Report pages narrowed beyond their view: the files follow the page.
        f"/traffic?segment={made['segment']}",
        f"/funnel?segment={made['segment']}&drill=channel",
        f"/attribution?segment={made['segment']}&model=linear",
    ]


def _make_things(owner: Owner, base: str) -> dict[str, str]:
    def ok(path: str, body: dict[str, Any]) -> dict[str, Any]:
        reply = owner.post(path, json=body)
        assert reply.status_code in (200, 201), (path, reply.text)
        found: dict[str, Any] = reply.json()
        return found

    returning = {"kind": "flag", "flag": "returning"}
    segment = ok("/api/v1/segments", {"name": "Returning <i>buyers</i>", "definition": returning})
    gallery = ok("/api/v1/galleries", {"name": "Summer", "rule": {"product_line": "Summer"}})
    holdout = {"name": "Gallery holdout", "kind": "holdout", "holdout_share": 0.1}
    experiment = ok("/api/v1/experiments", holdout)
    ok("/api/v1/tokens", {"name": "BI export", "scopes": ["analytics:read"]})
    ok("/api/v1/team/invitations", {"email": "pat@shop.example"})
    ok("/api/v1/share-links", {"view": "overview", "parameters": RANGE, "label": "Board"})
    done = _upload(base, owner.slug, "mika.styles", "mika@example.org")
    assert done.status_code == 200, done.text
    items = owner.client.get("/api/v1/ugc/items").json()
    listed = items["items"] if isinstance(items, dict) else items
    return {
        "gallery": gallery["id"],
        "experiment": experiment["id"],
        "item": listed[0]["id"],
        "segment": segment["id"],
    }


def test_every_table_on_every_page_exports_as_csv_and_json(
    services: Services, live_server: str, browser: Any
) -> None:
    owner = set_up(services, live_server)
    made = _make_things(owner, live_server)
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/")
    checked: list[tuple[str, str]] = []
    for path in _pages(services, owner, made):
        joiner = "&" if "?" in path else "?"
        response = page.goto(
            f"{live_server}{path}{joiner}start={RANGE['start']}&end={RANGE['end']}"
        )
        assert response is not None
        assert response.status == 200, path
        for table in page.evaluate(TABLES_JS):
            where = (path, table["id"])
            assert table["id"], f"a table on {path} has no export buttons ({table['head']})"
            hrefs = table["links"]
            assert len(hrefs) == 2, where
            assert "format=csv" in hrefs[0], where
            assert "format=json" in hrefs[1], where
            as_csv = owner.client.get(hrefs[0])
            assert as_csv.status_code == 200, (where, as_csv.text[:300])
            assert as_csv.headers["content-type"].startswith("text/csv"), where
            assert "attachment" in as_csv.headers["content-disposition"], where
            as_json = owner.client.get(hrefs[1])
            assert as_json.status_code == 200, (where, as_json.text[:300])
            records = as_json.json()
            lines = list(csv.reader(io.StringIO(as_csv.text)))
            header, rows = (lines[0], lines[1:]) if lines else ([], [])
            shown = [c for c in table["head"] if c]
            kept = [i for i, c in enumerate(table["head"]) if c]
            shown_rows = [[r[i] if i < len(r) else "" for i in kept] for r in table["rows"]]
            assert len(rows) == len(shown_rows), (where, rows, shown_rows)
            assert len(records) == len(rows), where
            assert header == shown, (where, header, shown)
            for exported, seen, record in zip(rows, shown_rows, records, strict=True):
                assert [_unguard(c) for c in exported] == seen, where
                assert [str(v) for v in record.values()] == seen, where
            checked.append(where)
    context.close()
    ids = {table for _path, table in checked}
    # The pages made above have tables of their own: they were all reached.
    assert {"experiments", "segments", "galleries", "creators", "tokens", "members"} <= ids
    assert {"exposures", "tags", "share-links", "quality-days", "channels"} <= ids
    assert len(checked) >= 40, checked
    unknown = owner.client.get("/segments", params={"format": "csv", "table": "nope"})
    assert unknown.status_code == 422
    assert "segments" in unknown.json()["error"]["message"]  # names the tables there are
    with httpx.Client(base_url=live_server) as stranger:  # the page's own login check holds
        refused = stranger.get("/ugc/creators", params={"format": "json", "table": "creators"})
        assert refused.status_code == 303
        assert "mika" not in refused.text


def _unguard(cell: str) -> str:
    """CSV cells that a spreadsheet would run as a formula are written with a leading `'`."""
    return cell[1:] if re.match(r"^'[=+\-@\t\r]", cell) else cell
