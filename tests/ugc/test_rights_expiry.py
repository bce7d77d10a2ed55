"""Expired grants are marked by the product itself: reading the library (API list or item)
runs `rights.expire_due` first, so the status shown and the `rights` filter match the gate."""

from __future__ import annotations

from datetime import timedelta

import httpx

from mercato.core.scopes import Scope
from mercato.core.timeutil import utcnow
from mercato.runtime import Services
from mercato.ugc import rights
from mercato.ugc.items import set_status
from tests.support.brands import make_brand, make_token
from tests.ugc.support import add, context


def test_reading_the_library_marks_expired_grants(services: Services, live_server: str) -> None:
    brand = make_brand(services)
    ws = brand.workspace_id
    granted_at = utcnow() - timedelta(days=30)
    with services.catalog.session() as s:
        lapsed = add(s, context(services, ws), "p1", "lapsed grant", handle="ana")
        current = add(s, context(services, ws), "p2", "current grant", handle="bo")
        set_status(s, ws, [lapsed.id, current.id], "approved")
        lapsed_until = granted_at + timedelta(days=29, hours=23, microseconds=5)
        rights.grant(
            s, lapsed, channel="dm", evidence="yes", at=granted_at, expires_at=lapsed_until
        )
        current_until = utcnow() + timedelta(days=1)
        rights.grant(
            s, current, channel="dm", evidence="yes", at=granted_at, expires_at=current_until
        )
        ids = lapsed.id, current.id
    secret = make_token(services, brand, [Scope.UGC_READ])
    headers = {"Authorization": f"Bearer {secret}"}
    with httpx.Client(base_url=live_server, headers=headers, timeout=20) as client:
        expired = client.get("/api/v1/ugc/items", params={"rights": "expired"})
        assert expired.status_code == 200, expired.text
        assert [i["id"] for i in expired.json()["items"]] == [ids[0]]
        granted = client.get("/api/v1/ugc/items", params={"rights": "granted"}).json()
        assert [i["id"] for i in granted["items"]] == [ids[1]]
        detail = client.get(f"/api/v1/ugc/items/{ids[0]}").json()
    assert detail["item"]["rights_status"] == "expired"
    assert [e["kind"] for e in detail["rights_log"]] == ["granted", "expired"]
    with services.catalog.session() as s:  # marked once: a second read adds nothing
        assert rights.expire_due(s, ws) == 0
        assert [e.kind for e in rights.rights_log(s, ids[1])] == ["granted"]
