"""Only approved items with valid rights are ever published: every public route is tried
with every hidden item's ids and must not reveal it."""

from __future__ import annotations

import httpx

from mercato.core.timeutil import utcnow
from mercato.runtime import Services
from mercato.ugc.publishable import is_publishable, publishable_items
from mercato.web.app import create_app
from tests.support.brands import Brand
from tests.support.routes import walk
from tests.ugc.conftest import Library


def test_publishable_query_and_predicate_agree(
    services: Services, brand: Brand, library: Library
) -> None:
    from sqlalchemy import select

    from mercato.catalog.models import UgcItem

    with services.catalog.session() as s:
        listed = [i.id for i in s.scalars(publishable_items(brand.workspace_id))]
        assert listed == [library.publishable]
        everything = s.scalars(select(UgcItem)).all()
        assert [i.id for i in everything if is_publishable(i, utcnow())] == listed


def _fill(path: str, value: str, slug: str) -> str:
    import re

    return re.sub(r"\{[^}]+\}", lambda m: slug if m.group(0) == "{slug}" else value, path)


def test_no_public_route_reveals_a_hidden_item(
    services: Services, brand: Brand, library: Library, live_server: str
) -> None:
    public = [r for r in walk(create_app(services=services)) if r.public and r.method == "GET"]
    assert any(r.path == "/m/{media_id}" for r in public)
    hidden_values = list(library.hidden.values()) + list(library.hidden_media.values())
    with httpx.Client(base_url=live_server, timeout=10) as client:
        for route in public:
            for value in hidden_values:
                response = client.get(_fill(route.path, value, brand.slug))
                if "{" in route.path and "{slug}" not in route.path:
                    # Not found, or refused outright (a webhook's verify handshake): never shown.
                    assert response.status_code in (403, 404), (route.path, value)
                # A 404 may echo the id the caller sent; it must reveal no other hidden item.
                echoed = response.text.replace(value, "")
                for reason, item_id in library.hidden.items():
                    assert item_id not in echoed, (route.path, reason)
                    assert library.hidden_media[reason] not in echoed, (route.path, reason)
                    assert f"#{reason}" not in response.text, (route.path, reason)
        shown = client.get(f"/m/{library.publishable_media}")
        assert shown.status_code == 200
        assert shown.headers["content-type"] == "image/png"
        assert shown.headers["x-content-type-options"] == "nosniff"
        assert (
            client.get(f"/m/{library.publishable_media}?thumb=true").headers["content-type"]
            == "image/jpeg"
        )
