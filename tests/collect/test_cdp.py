"""Segment / RudderStack HTTP spec intake behind an `events:write` token."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx

from mercato.core.scopes import Scope
from tests.collect.conftest import CollectServer
from tests.support.brands import make_token

# A recent morning, so the public collector's clock-skew clamp never rewrites it.
DAY = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%d")

PAGE = {
    "url": "https://acme.example/products/mug?utm_source=tiktok&utm_medium=paid_social",
    "referrer": "https://www.tiktok.com/",
}


def test_track_page_identify_and_batch(collect_server: CollectServer) -> None:
    token = make_token(collect_server.services, collect_server.brand, [Scope.EVENTS_WRITE])
    auth = {"Authorization": f"Bearer {token}"}
    with collect_server.client() as client:
        page = client.post(
            "/api/v1/cdp/page",
            headers=auth,
            json={
                "anonymousId": "anon-1",
                "messageId": "m-1",
                "context": {"page": PAGE},
                "timestamp": f"{DAY}T10:00:00Z",
                "sentAt": f"{DAY}T10:00:05Z",
            },
        )
        batch = client.post(
            "/api/v1/cdp/batch",
            headers=auth,
            json={
                "batch": [
                    {
                        "type": "track",
                        "event": "Product Added",
                        "anonymousId": "anon-1",
                        "messageId": "m-2",
                        "properties": {"product_id": "mug", "price": 12.5},
                        "timestamp": f"{DAY}T10:01:00Z",
                        "context": {"page": {"url": "https://acme.example/products/mug"}},
                    },
                    {
                        "type": "identify",
                        "anonymousId": "anon-1",
                        "userId": "cust-9",
                        "messageId": "m-3",
                        "traits": {"email": "never-stored@example.com"},
                        "timestamp": f"{DAY}T10:02:00Z",
                    },
                    {
                        "type": "track",
                        "event": "Order Completed",
                        "anonymousId": "anon-1",
                        "userId": "cust-9",
                        "messageId": "m-4",
                        "timestamp": f"{DAY}T10:03:00Z",
                        "properties": {
                            "order_id": "o-77",
                            "revenue": 49.9,
                            "currency": "usd",
                            "products": [{"product_id": "mug", "quantity": 2, "price": 24.95}],
                        },
                    },
                ]
            },
        )
        track = client.post(
            "/api/v1/cdp/track",
            headers=auth,
            json={"anonymousId": "anon-2", "event": "Newsletter Signup!", "messageId": "m-5"},
        )
    assert page.status_code == batch.status_code == track.status_code == 200
    assert batch.json() == {"success": True, "accepted": 3, "filtered": 0}
    collect_server.flush()
    events = {r["event_id"]: r for r in collect_server.rows("events")}
    assert events["m-1"]["channel"] == "Paid Social"
    assert str(events["m-1"]["ts"]) == f"{DAY} 10:00:00"
    assert (events["m-2"]["name"], events["m-4"]["name"], events["m-5"]["name"]) == (
        "add_to_cart",
        "purchase",
        "Newsletter Signup_",
    )
    assert events["m-4"]["customer_id"] == "cust-9"
    assert events["m-4"]["identity_mode"] == "identified"
    assert events["m-4"]["revenue"] == Decimal("49.90")
    assert "never-stored" not in str(events)
    sessions = {r["visitor_id"]: r for r in collect_server.rows("sessions")}
    assert sessions["anon-1"]["channel"] == "Paid Social"  # fixed at the session's first event
    assert sessions["anon-1"]["orders"] == 1


def test_cdp_needs_the_events_write_scope(collect_server: CollectServer) -> None:
    reader = make_token(collect_server.services, collect_server.brand, [Scope.ANALYTICS_READ])
    with httpx.Client(base_url=collect_server.base) as client:
        anonymous = client.post("/api/v1/cdp/track", json={"anonymousId": "a", "event": "x"})
        wrong = client.post(
            "/api/v1/cdp/track",
            json={"anonymousId": "a", "event": "x"},
            headers={"Authorization": f"Bearer {reader}"},
        )
    assert (anonymous.status_code, wrong.status_code) == (401, 403)


def test_cdp_errors_name_the_field(collect_server: CollectServer) -> None:
    token = make_token(collect_server.services, collect_server.brand, [Scope.EVENTS_WRITE])
    auth = {"Authorization": f"Bearer {token}"}
    with collect_server.client() as client:
        no_id = client.post("/api/v1/cdp/track", headers=auth, json={"event": "x"})
        no_event = client.post("/api/v1/cdp/track", headers=auth, json={"anonymousId": "a"})
        bad_type = client.post(
            "/api/v1/cdp/batch",
            headers=auth,
            json={"batch": [{"type": "alias", "anonymousId": "a"}]},
        )
    assert no_id.json()["error"]["location"] == "anonymousId"
    assert no_event.json()["error"]["location"] == "event"
    assert bad_type.json()["error"]["location"] == "batch[0].type"
