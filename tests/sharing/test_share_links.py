"""Share links over the real server: same numbers as the logged-in page, nothing else
reachable with the token, revoke/expiry at once, password, embed framing headers."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import httpx

from mercato.runtime import Services
from tests.sharing.support import RANGE, set_up, tiles


def _link(owner, **body):  # type: ignore[no-untyped-def]
    made = owner.post("/api/v1/share-links", json={"view": "overview", **body})
    assert made.status_code == 201, made.text
    return made.json()


def test_shared_view_matches_the_page_and_nothing_else(
    services: Services, live_server: str
) -> None:
    owner = set_up(services, live_server)
    page = owner.client.get("/", params=RANGE)
    assert page.status_code == 200
    shown = tiles(page.text)
    assert set(shown) == {
        "kpi-sessions",
        "kpi-transactions",
        "kpi-conversion_rate",
        "kpi-revenue_gross",
    }
    link = _link(owner, parameters=RANGE, label="board")
    assert link["url"].startswith(live_server + "/shared/mcs_")
    token = link["token"]
    with httpx.Client(base_url=live_server, follow_redirects=False) as anonymous:
        shared = anonymous.get(f"/shared/{token}")
        assert shared.status_code == 200, shared.text
        assert tiles(shared.text) == shown
        assert 'class="topbar"' not in shared.text
        assert 'href="/funnel' not in shared.text
        assert "frame-ancestors 'none'" in shared.headers["content-security-policy"]
        assert shared.headers["referrer-policy"] == "no-referrer"
        # the range is the link's: query parameters cannot widen it
        assert (
            tiles(anonymous.get(f"/shared/{token}?start=2000-01-01&end=2030-01-01").text) == shown
        )
        csv_reply = anonymous.get(f"/shared/{token}", params={"format": "csv", "table": "channels"})
        assert csv_reply.headers["content-type"].startswith("text/csv")
        assert (
            anonymous.get(f"/shared/{token}", params={"format": "csv", "table": "x"}).status_code
            == 422
        )
        bearer = {"Authorization": f"Bearer {token}"}
        for path in ("/api/v1/kpis", "/api/v1/share-links", "/api/v1/views/overview", "/api/v1/me"):
            assert anonymous.get(path, headers=bearer).status_code == 401, path
        for path in ("/", "/funnel", "/settings/sharing", f"/?token={token}"):
            assert anonymous.get(path).status_code == 303, path  # to the login form
        assert anonymous.get(f"/shared/{token}x").status_code == 404
        assert anonymous.get("/shared/<script>").status_code == 404
    listed = owner.client.get("/api/v1/share-links").json()
    assert listed[0]["last_used_at"] is not None
    assert "token" not in listed[0]
    settings_page = owner.client.get("/settings/sharing").text
    assert link["id"] in settings_page
    assert token not in settings_page
    revoked = owner.post(f"/api/v1/share-links/{link['id']}/revoke")
    assert revoked.json()["revoked_at"] is not None
    assert httpx.get(f"{live_server}/shared/{token}").status_code == 404  # at once


def test_expiry_password_and_embed(services: Services, live_server: str) -> None:
    owner = set_up(services, live_server)
    soon = (datetime.now(UTC) + timedelta(seconds=2)).isoformat()
    expiring = _link(owner, parameters=RANGE, expires_at=soon)
    assert httpx.get(expiring["url"]).status_code == 200
    time.sleep(2.2)
    assert httpx.get(expiring["url"]).status_code == 404
    past = owner.post(
        "/api/v1/share-links", json={"view": "overview", "expires_at": "2000-01-01T00:00:00Z"}
    )
    assert past.status_code == 422
    locked = _link(
        owner, parameters=RANGE, password="open sesame 1", embed_origins=["http://127.0.0.1:9/"]
    )
    assert locked["embed_origins"] == ["http://127.0.0.1:9"]
    with httpx.Client(base_url=live_server, follow_redirects=False) as anonymous:
        form = anonymous.get(f"/shared/{locked['token']}")
        assert form.status_code == 401
        assert "kpi-sessions" not in form.text
        wrong = anonymous.post(f"/shared/{locked['token']}", data={"password": "nope"})
        assert wrong.status_code == 401
        assert "Wrong password" in wrong.text
        right = anonymous.post(f"/embed/{locked['token']}", data={"password": "open sesame 1"})
        assert right.status_code == 303
        opened = anonymous.get(right.headers["location"])
        assert opened.status_code == 200
        assert "kpi-sessions" in opened.text
        policy = opened.headers["content-security-policy"]
        assert "frame-ancestors 'self' http://127.0.0.1:9" in policy
        assert "x-frame-options" not in opened.headers
        forged = anonymous.get(f"/shared/{locked['token']}?grant=forged")
        assert forged.status_code == 401
    bad = owner.post(
        "/api/v1/share-links", json={"view": "overview", "embed_origins": ["javascript:alert(1)"]}
    )
    assert bad.status_code == 422
    assert "embed_origins[0]" in bad.text
    assert owner.post("/api/v1/share-links", json={"view": "nope"}).status_code == 422
