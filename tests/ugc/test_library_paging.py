"""The library page pages through every item exactly once, and filters ignore case."""

from __future__ import annotations

import re

import httpx
import pytest

from mercato.core.scopes import Role
from mercato.web.services import Services
from tests.support.brands import PASSWORD, Brand
from tests.support.server import login
from tests.ugc.support import add, context

pytestmark = pytest.mark.usefixtures("without_model")

ITEMS = 250


def test_pages_agree_with_the_count_and_filters_ignore_case(
    services: Services, brand: Brand, live_server: str
) -> None:
    ctx = context(services, brand.workspace_id)
    with services.catalog.session() as s:
        made = {
            add(s, ctx, f"post-{n}", f"caption {n} <b>&</b>", handle=f"fan{n % 17}").id
            for n in range(ITEMS)
        }
    seen: list[str] = []
    with httpx.Client(base_url=live_server, timeout=30) as client:
        login(client, brand.email(Role.ANALYST), PASSWORD)
        url: str | None = "/ugc"
        while url:
            page = client.get(url)
            assert page.status_code == 200
            assert f"/ {ITEMS}" in page.text
            seen += re.findall(r'href="/ugc/items/(ugc_[A-Za-z0-9_-]+)"', page.text)
            nxt = re.search(r'<a rel="next" href="([^"]+)"', page.text)
            url = nxt.group(1).replace("&amp;", "&") if nxt else None
        assert len(seen) == len(set(seen)) == ITEMS
        assert set(seen) == made
        upper = client.get("/ugc", params={"creator": "@FAN3"})
        lower = client.get("/ugc", params={"creator": "fan3"})
        expected = sum(1 for n in range(ITEMS) if n % 17 == 3)
        assert upper.text.count('class="tile-ugc"') == expected
        assert lower.text.count('class="tile-ugc"') == expected
        none = client.get("/ugc", params={"platform": "nowhere"})
        assert "No items match these filters." in none.text
