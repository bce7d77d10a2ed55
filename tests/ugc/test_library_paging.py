"""The library page pages through every item exactly once, and filters ignore case."""

from __future__ import annotations

import re

import httpx
import pytest

from mercato.core.scopes import Role, Scope
from mercato.runtime import Services
from mercato.ugc import search
from tests.support.brands import PASSWORD, Brand, make_token
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


def test_a_large_match_is_counted_up_to_a_cap_and_exactly_on_demand(
    services: Services, brand: Brand, live_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the cap the page says "100+", still pages to the last item, and "Count all" (the
    API's exact_count) gives the true number."""
    monkeypatch.setattr(search, "COUNT_CAP", 100)
    ctx = context(services, brand.workspace_id)
    with services.catalog.session() as s:
        made = {add(s, ctx, f"post-{n}", f"caption {n}").id for n in range(ITEMS)}
        capped = search.search(s, brand.workspace_id, search.UgcQuery())
        deep = search.search(s, brand.workspace_id, search.UgcQuery(offset=96, limit=48))
        exact = search.search(s, brand.workspace_id, search.UgcQuery(exact_count=True))
        few = search.search(s, brand.workspace_id, search.UgcQuery(text="caption 7"))
    assert (capped.total, capped.total_capped) == (100, True)
    assert (deep.total, deep.total_capped) == (144, True)  # the bound follows the page asked
    assert (exact.total, exact.total_capped) == (ITEMS, False)
    assert few.total_capped is False
    seen: list[str] = []
    with httpx.Client(base_url=live_server, timeout=30) as client:
        login(client, brand.email(Role.ANALYST), PASSWORD)
        first = client.get("/ugc")
        assert re.search(r'id="total">100\+ items', first.text)
        url: str | None = "/ugc"
        while url:
            page = client.get(url)
            seen += re.findall(r'href="/ugc/items/(ugc_[A-Za-z0-9_-]+)"', page.text)
            nxt = re.search(r'<a rel="next" href="([^"]+)"', page.text)
            url = nxt.group(1).replace("&amp;", "&") if nxt else None
        assert len(seen) == len(set(seen)) == ITEMS
        assert set(seen) == made
        link = re.search(
            r'id="count-exact" href="([^"]+)"|href="([^"]+)" id="count-exact"', first.text
        )
        assert link is not None
        counted = client.get((link.group(1) or link.group(2)).replace("&amp;", "&"))
        assert f'id="total">{ITEMS} items' in counted.text
    token = make_token(services, brand, [Scope.UGC_READ])
    with httpx.Client(
        base_url=live_server, timeout=30, headers={"Authorization": f"Bearer {token}"}
    ) as client:
        api = client.get("/api/v1/ugc/items", params={"limit": 10})
        exact_api = client.get("/api/v1/ugc/items", params={"limit": 10, "exact_count": "true"})
    assert (api.json()["total"], api.json()["total_capped"]) == (100, True)
    assert (exact_api.json()["total"], exact_api.json()["total_capped"]) == (ITEMS, False)
