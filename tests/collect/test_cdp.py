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
    assert batch.json() == {
        "success": True,
        "accepted": 3,
        "filtered": 0,
        "skipped": [],
        "rejected": [],
    }
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
        alias_without_ids = client.post(
            "/api/v1/cdp/batch",
            headers=auth,
            json={"batch": [{"type": "alias", "anonymousId": "a"}]},
        )
    assert no_id.status_code == no_event.status_code == alias_without_ids.status_code == 422
    assert no_id.json()["error"]["location"] == "anonymousId"
    assert no_event.json()["error"]["location"] == "event"
    # Every message of the batch was rejected: nothing stored, the first reason answered.
    assert alias_without_ids.json()["error"]["location"] == "batch[0].previousId"


def _auth(server: CollectServer) -> dict[str, str]:
    token = make_token(server.services, server.brand, [Scope.EVENTS_WRITE])
    return {"Authorization": f"Bearer {token}"}


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


def test_every_spec_type_is_stored_or_skipped_with_a_reason(collect_server: CollectServer) -> None:
    when = _iso(datetime.now(UTC) - timedelta(hours=3))
    common = {"anonymousId": "anon-7", "timestamp": when, "context": {"page": PAGE}}
    batch = [
        {**common, "type": "track", "event": "Product Viewed", "messageId": "t-1"},
        {**common, "type": "page", "name": "Mug", "messageId": "t-2"},
        {**common, "type": "screen", "name": "Cart", "messageId": "t-3"},
        {**common, "type": "identify", "userId": "cust-7", "messageId": "t-4"},
        {"type": "alias", "previousId": "anon-7", "userId": "cust-7", "messageId": "t-5"},
        {**common, "type": "group", "groupId": "acme-inc", "messageId": "t-6"},
        {**common, "type": "frobnicate", "messageId": "t-7"},
        "not a message",
        {**common, "type": "track", "event": "Order Completed", "messageId": "t-9"},
    ]
    with collect_server.client() as client:
        response = client.post(
            "/api/v1/cdp/batch", headers=_auth(collect_server), json={"batch": batch}
        )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["accepted"] == 5
    skipped = {entry["messageId"]: entry["reason"] for entry in body["skipped"]}
    assert set(skipped) == {"t-6", "t-7"}
    assert "group" in skipped["t-6"]
    assert "frobnicate" in skipped["t-7"]
    rejected = {entry["index"]: entry for entry in body["rejected"]}
    assert set(rejected) == {7, 8}
    assert rejected[8]["location"] == "order_id"  # a purchase needs its order id
    collect_server.flush()
    events = {r["event_id"]: r for r in collect_server.rows("events")}
    assert set(events) == {"t-1", "t-2", "t-3", "t-4", "t-5"}
    assert (events["t-5"]["name"], events["t-5"]["visitor_id"]) == ("alias", "anon-7")
    assert events["t-5"]["customer_id"] == "cust-7"
    assert events["t-3"]["name"] == "pageview"


def test_single_group_call_is_answered_not_refused(collect_server: CollectServer) -> None:
    with collect_server.client() as client:
        response = client.post(
            "/api/v1/cdp/group",
            headers=_auth(collect_server),
            json={"userId": "cust-1", "groupId": "g-1", "messageId": "g-1"},
        )
    assert response.status_code == 200, response.text
    assert response.json()["skipped"][0]["messageId"] == "g-1"


def test_bad_values_are_answered_4xx_never_5xx(collect_server: CollectServer) -> None:
    def order(**product: object) -> dict[str, object]:
        return {
            "anonymousId": "anon-1",
            "event": "Order Completed",
            "properties": {"order_id": "o-1", "revenue": 10, "products": [product]},
        }

    cases = [
        (order(product_id="mug", quantity="two"), "properties.products[0].quantity"),
        (order(product_id="mug", price="abc"), "properties.products[0].price"),
        (order(product_id="mug", price=[1]), "properties.products[0].price"),
        (order(product_id="mug", price=True), "properties.products[0].price"),
        ({**order(), "properties": {"order_id": "o-1", "products": 5}}, "properties.products"),
        ({**order(), "properties": {"order_id": "o-1", "revenue": "-3"}}, "properties.revenue"),
        ({"anonymousId": "a", "event": "x", "timestamp": "yesterday"}, "timestamp"),
    ]
    auth = _auth(collect_server)
    with collect_server.client() as client:
        for body, location in cases:
            response = client.post("/api/v1/cdp/track", headers=auth, json=body)
            assert response.status_code == 422, (body, response.text)
            assert response.json()["error"]["location"] == location, response.text
        raw_cases = [
            b'{"anonymousId": "a", "event": "x", "properties": {"v": NaN}}',
            b'{"anonymousId": "a", "event": "x", "properties": {"v": 1e999}}',
            b'{"anonymousId": "a", "event": "x", "properties": {"v": '
            + b"[" * 5000
            + b"]" * 5000
            + b"}}",
            b'{"batch": ' + b"[" * 1000 + b"]" * 1000 + b"}",
        ]
        for raw in raw_cases:
            response = client.post(
                "/api/v1/cdp/batch" if raw.startswith(b'{"batch') else "/api/v1/cdp/track",
                headers={**auth, "content-type": "application/json"},
                content=raw,
            )
            assert response.status_code == 422, (raw[:60], response.text)
            assert response.json()["error"]["location"] == "body"
        mixed = client.post(
            "/api/v1/cdp/batch",
            headers=auth,
            json={
                "batch": [
                    {**order(product_id="mug", quantity="two"), "type": "track"},
                    {"type": "track", "anonymousId": "a", "event": "ok", "messageId": "fine"},
                ]
            },
        )
    assert mixed.status_code == 200
    assert mixed.json()["rejected"][0]["location"] == "properties.products[0].quantity"
    collect_server.flush()
    assert [r["event_id"] for r in collect_server.rows("events")] == ["fine"]


def test_server_side_history_keeps_its_timestamp(collect_server: CollectServer) -> None:
    """A source replaying a month-old queue keeps its time; the public collector clamps."""
    old = (datetime.now(UTC) - timedelta(days=30)).replace(microsecond=123000)
    device = datetime.now(UTC) - timedelta(days=12)
    with collect_server.client() as client:
        kept = client.post(
            "/api/v1/cdp/track",
            headers=_auth(collect_server),
            json={
                "anonymousId": "a",
                "event": "Replayed",
                "messageId": "old",
                "timestamp": _iso(old),
            },
        )
        # A device clock with no `timestamp`: moved by its own sentAt, 5 minutes before send.
        moved = client.post(
            "/api/v1/cdp/track",
            headers=_auth(collect_server),
            json={
                "anonymousId": "a",
                "event": "Device",
                "messageId": "device",
                "originalTimestamp": _iso(device - timedelta(minutes=5)),
                "sentAt": _iso(device),
            },
        )
        public = client.post(
            "/api/collect",
            json={
                "key": collect_server.brand.site_public_key,
                "name": "pageview",
                "url": "https://acme.example/",
                "event_id": "browser",
                "ts": int(old.timestamp() * 1000),
                "sent_at": int(datetime.now(UTC).timestamp() * 1000),
            },
        )
    assert kept.status_code == moved.status_code == 200
    assert public.json()["clamped"] == 1
    assert collect_server.collector.stats().clamped == 1
    collect_server.flush()
    events = {r["event_id"]: r for r in collect_server.rows("events")}
    assert events["old"]["ts"] == old.replace(tzinfo=None)
    five_minutes_ago = datetime.now(UTC).replace(tzinfo=None) - timedelta(minutes=5)
    assert abs(events["device"]["ts"] - five_minutes_ago) < timedelta(minutes=1)
    week_ago = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=7)
    assert abs(events["browser"]["ts"] - week_ago) < timedelta(minutes=1)
