"""`POST /api/collect` over real HTTP: validation, limits, CORS, bots, DNT, durability."""

from __future__ import annotations

import json
from typing import Any

from mercato.catalog.models import Site
from mercato.collect.payload import MAX_BATCH_EVENTS, MAX_BODY_BYTES
from tests.collect.conftest import CollectServer

SHOP = "https://acme.example"


def hit(key: str, **fields: Any) -> dict[str, Any]:
    return {"key": key, "name": "pageview", "url": f"{SHOP}/", **fields}


def test_single_event_as_text_plain_is_stored_with_channel(collect_server: CollectServer) -> None:
    key = collect_server.brand.site_public_key
    body = json.dumps(
        hit(
            key,
            url=f"{SHOP}/products/mug?utm_source=instagram&utm_medium=paid_social",
            event_id="ev-1",
        )
    )
    with collect_server.client() as client:
        response = client.post("/api/collect", content=body, headers={"content-type": "text/plain"})
    assert response.status_code == 202
    assert response.json() == {"accepted": 1, "filtered": 0, "clamped": 0}
    collect_server.flush()
    (event,) = collect_server.rows("events")
    assert (event["event_id"], event["channel"], event["page_type"], event["device"]) == (
        "ev-1",
        "Paid Social",
        "product",
        "desktop",
    )
    assert event["visitor_id"].startswith("h_")
    assert event["identity_mode"] == "cookieless"
    assert "127.0.0.1" not in json.dumps(event, default=str)  # the IP is only ever hashed
    (session,) = collect_server.rows("sessions")
    assert (session["channel"], session["entry_page_type"], session["pageviews"]) == (
        "Paid Social",
        "product",
        1,
    )


def test_batches_and_duplicate_event_ids(collect_server: CollectServer) -> None:
    key = collect_server.brand.site_public_key
    events = [
        {"name": "pageview", "url": f"{SHOP}/p/{i}", "event_id": f"b-{i}"} for i in range(100)
    ]
    with collect_server.client() as client:
        first = client.post("/api/collect", json={"key": key, "events": events})
        again = client.post("/api/collect", json={"key": key, "events": events[:10]})
    assert first.status_code == again.status_code == 202
    assert first.json()["accepted"] == 100
    collect_server.flush()
    assert len(collect_server.rows("events")) == 100


def test_errors_name_the_field(collect_server: CollectServer) -> None:
    key = collect_server.brand.site_public_key
    cases = [
        (b"{", 422, "body"),
        (b"[]", 422, "body"),
        (json.dumps({"name": "pageview", "url": f"{SHOP}/"}).encode(), 422, "key"),
        (json.dumps(hit("pk_unknown")).encode(), 422, "key"),
        (json.dumps(hit(key, url="javascript:alert(1)")).encode(), 422, "url"),
        (json.dumps(hit(key, name="purchase", revenue="12.50")).encode(), 422, "order_id"),
        (json.dumps(hit(key, revenue="-1")).encode(), 422, "revenue"),
        (json.dumps(hit(key, currency="euro")).encode(), 422, "currency"),
        (json.dumps(hit(key, scroll_pct=101)).encode(), 422, "scroll_pct"),
        (json.dumps(hit(key, surprise=1)).encode(), 422, "surprise"),
        (
            json.dumps(
                {
                    "key": key,
                    "events": [
                        {"name": "pageview", "url": f"{SHOP}/"},
                        {"name": "x", "url": f"{SHOP}/", "revenue": "abc"},
                    ],
                }
            ).encode(),
            422,
            "events[1].revenue",
        ),
        (json.dumps({"key": key, "events": []}).encode(), 422, "events"),
        (
            json.dumps(
                {
                    "key": key,
                    "events": [{"name": "pageview", "url": f"{SHOP}/"}] * (MAX_BATCH_EVENTS + 1),
                }
            ).encode(),
            422,
            "events",
        ),
        (b"{" + b" " * MAX_BODY_BYTES + b"}", 413, "body"),
    ]
    with collect_server.client() as client:
        for body, status, location in cases:
            response = client.post(
                "/api/collect", content=body, headers={"content-type": "text/plain"}
            )
            assert response.status_code == status, (body[:80], response.text)
            assert response.json()["error"]["location"] == location, response.text
    collect_server.flush()
    assert collect_server.rows("events") == []


def test_cors_is_limited_to_the_site_origins(collect_server: CollectServer) -> None:
    key = collect_server.brand.site_public_key
    with collect_server.client() as client:
        allowed = client.post("/api/collect", json=hit(key), headers={"origin": SHOP})
        refused = client.post(
            "/api/collect", json=hit(key), headers={"origin": "https://evil.example"}
        )
        preflight = client.options(
            "/api/collect", headers={"origin": SHOP, "access-control-request-method": "POST"}
        )
    assert allowed.status_code == 202
    assert allowed.headers["access-control-allow-origin"] == SHOP
    assert refused.status_code == 403
    assert "access-control-allow-origin" not in refused.headers
    assert preflight.status_code == 204
    collect_server.flush()
    assert len(collect_server.rows("events")) == 1


def test_bots_and_do_not_track_are_filtered(collect_server: CollectServer) -> None:
    key = collect_server.brand.site_public_key
    with collect_server.client() as client:
        bot = client.post(
            "/api/collect",
            json=hit(key),
            headers={"user-agent": "Googlebot/2.1 (+http://www.google.com/bot.html)"},
        )
        gpc = client.post("/api/collect", json=hit(key), headers={"sec-gpc": "1"})
        flagged = client.post("/api/collect", json=hit(key, dnt=True))
    assert [r.json() for r in (bot, gpc, flagged)] == [
        {"accepted": 0, "filtered": 1, "clamped": 0}
    ] * 3
    with collect_server.services.catalog.session() as session:
        site = session.query(Site).filter(Site.public_key == key).one()
        site.respect_do_not_track = False
    collect_server.app.state.collect_sites.clear()
    with collect_server.client() as client:
        counted = client.post("/api/collect", json=hit(key, dnt=True))
    assert counted.json() == {"accepted": 1, "filtered": 0, "clamped": 0}


def test_consent_upgrades_cookieless_to_a_first_party_id(collect_server: CollectServer) -> None:
    key = collect_server.brand.site_public_key
    with collect_server.client() as client:
        client.post("/api/collect", json=hit(key, visitor_id="vid-not-consented", event_id="a"))
        client.post(
            "/api/collect",
            json=hit(key, visitor_id="vid-1", consent=True, event_id="b", customer_id="cust-1"),
        )
    collect_server.flush()
    rows = {r["event_id"]: r for r in collect_server.rows("events")}
    assert rows["a"]["visitor_id"].startswith("h_")
    assert rows["a"]["identity_mode"] == "cookieless"
    assert (rows["b"]["visitor_id"], rows["b"]["identity_mode"]) == ("vid-1", "first_party_id")
    assert rows["b"]["customer_id"] is None  # customer ids only in the site's identified mode


def test_tracker_script_is_served_and_small(collect_server: CollectServer) -> None:
    import gzip

    with collect_server.client() as client:
        response = client.get("/tracker.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/javascript")
    # The budget grew from 3 KB with link clicks, hash routes and the local/automation guard.
    assert len(gzip.compress(response.content, 9)) <= 4 * 1024
