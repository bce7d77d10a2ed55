# ruff: noqa: RUF001 (Japanese text uses full-width parentheses)
"""The Japanese interface in real Chromium on a 390 px phone: every dashboard page shows no
message left in English (checked against the catalogs), and JPY amounts have no decimals."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from babel.messages.pofile import read_po

from mercato.catalog import users, workspaces
from mercato.core.scopes import Role
from mercato.i18n.locales import catalog_path
from mercato.runtime import Services
from mercato.warehouse.loader import load
from mercato.web.templating import ADMIN_NAVIGATION, NAVIGATION

pytestmark = pytest.mark.browser
PASSWORD = "a long enough password 1"
START = datetime(2025, 3, 1, 3, 15, 0, 250_000)
# The texts of every element and of the attributes people read, one entry each.
VISIBLE = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const parent = node.parentElement;
    if (!parent || parent.closest('code, script, style, pre, select[name=language]')) continue;
    const text = node.textContent.trim();
    if (text) out.push(text);
  }
  for (const el of document.querySelectorAll('[placeholder], [title], [aria-label], img[alt]')) {
    for (const name of ['placeholder', 'title', 'aria-label', 'alt']) {
      const value = el.getAttribute(name);
      if (value && value.trim()) out.push(value.trim());
    }
  }
  out.push(document.title);
  return out;
}"""


def _english_messages() -> set[str]:
    """Messages whose Japanese differs from the English: seeing one means a miss."""
    with catalog_path("ja").open("rb") as source:
        japanese = read_po(source, locale="ja")
    return {
        m.id.replace("%%", "%")
        for m in japanese
        if m.id and m.string != m.id and "%(" not in m.id and sum(c.isalpha() for c in m.id) > 1
    }


def _brand(services: Services) -> str:
    with services.catalog.session() as session:
        shop = workspaces.create_workspace(
            session, slug="kissa", name="喫茶さくら", time_zone="Asia/Tokyo", currency="JPY"
        )
        owner = users.create_user(session, email="owner@kissa.example", password=PASSWORD)
        users.grant_role(session, owner, shop, Role.OWNER)
        return shop.id


def _sales(services: Services, workspace_id: str) -> None:
    rows = 12
    channels = ["Organic Social", "Social in-app (LINE)", "Direct"]
    load(
        services.warehouse,
        "sessions",
        pa.table(
            {
                "workspace_id": [workspace_id] * rows,
                "session_id": [f"s{i}" for i in range(rows)],
                "started_at": [START + timedelta(hours=5 * i) for i in range(rows)],
                "channel": [channels[i % 3] for i in range(rows)],
            }
        ),
    )
    buyers = range(0, rows, 3)
    money = pa.array([Decimal("4980")] * len(buyers), pa.decimal128(18, 2))
    load(
        services.warehouse,
        "orders",
        pa.table(
            {
                "workspace_id": [workspace_id] * len(buyers),
                "order_id": [f"o{i}" for i in buyers],
                "session_id": [f"s{i}" for i in buyers],
                "placed_at": [START + timedelta(hours=5 * i, minutes=9) for i in buyers],
                "gross": money,
                "net": money,
                "currency": ["JPY"] * len(buyers),
            }
        ),
    )


def test_japanese_interface_on_a_phone(
    services: Services, live_server: str, browser: Any, artifacts_dir: Path
) -> None:
    workspace_id = _brand(services)
    _sales(services, workspace_id)
    english = _english_messages()
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="ja-JP")
    page = context.new_page()
    try:
        page.goto(f"{live_server}/login")
        assert page.locator("h1").inner_text() == "Mercato にログイン"  # Accept-Language: ja
        page.fill("input[name=email]", "owner@kissa.example")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server}/")
        page.goto(f"{live_server}/?start=2025-03-01&end=2025-03-31")
        revenue = page.locator("#kpi-revenue_gross").inner_text()
        assert revenue == "19,920"  # 4 orders of ¥4,980: no decimals
        assert "(JPY)" in page.locator(".tile", has=page.locator("#kpi-revenue_gross")).inner_text()
        cells = page.locator("#channels td.num").all_inner_texts()
        assert cells
        assert not any("." in cell for cell in cells[3::4])  # the revenue column
        table = page.locator("#channels").inner_text()
        assert table.count("オーガニックソーシャル") == 1
        assert "ソーシャルアプリ内（LINE）" in table  # the app's name stays as it is
        assert "Social in-app" not in page.locator("#sessions-chart").inner_text()
        page.screenshot(path=str(artifacts_dir / "overview-ja-390.png"), full_page=True)
        misses: dict[str, list[str]] = {}
        for path, _label in NAVIGATION + ADMIN_NAVIGATION:
            page.goto(f"{live_server}{path}")
            assert page.locator("html").get_attribute("lang") == "ja", path
            left = [t for t in page.evaluate(VISIBLE) if t in english]
            if left:
                misses[path] = left
        assert misses == {}, f"English left on Japanese pages: {misses}"
    finally:
        context.close()
