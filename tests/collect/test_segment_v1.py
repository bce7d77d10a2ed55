"""Segment-compatible `/v1/*` intake, sent exactly as the SDKs send it (Basic auth write key)."""

from __future__ import annotations

import base64
import gzip
import json
import uuid
from datetime import UTC, datetime, timedelta

import httpx

from mercato.core.scopes import Scope
from tests.collect.conftest import CollectServer
from tests.support.brands import make_token


def _basic(write_key: str) -> str:
    return "Basic " + base64.b64encode(f"{write_key}:".encode()).decode()


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds")


def _python_sdk_batch(write_key: str, now: datetime) -> bytes:
    """The body analytics-python's `post()` builds: messages, `sentAt`, and `writeKey`."""
    library = {"name": "analytics-python", "version": "2.3.3"}
    messages = [
        {
            "integrations": {},
            "anonymousId": None,
            "properties": {"order_id": "py-1", "revenue": 30.5, "currency": "EUR"},
            "timestamp": _iso(now - timedelta(days=20, minutes=2)),
            "context": {"library": library},
            "type": "track",
            "userId": "cust-py",
            "event": "Order Completed",
            "messageId": str(uuid.uuid4()),
        },
        {
            "integrations": {},
            "anonymousId": "anon-py",
            "traits": {"email": "hidden@example.com"},
            "timestamp": _iso(now - timedelta(days=20)),
            "context": {"library": library},
            "type": "identify",
            "userId": "cust-py",
            "messageId": str(uuid.uuid4()),
        },
    ]
    body = {"batch": messages, "sentAt": _iso(now), "writeKey": write_key}
    return json.dumps(body).encode()


def test_analytics_python_gzip_batch_with_basic_auth(collect_server: CollectServer) -> None:
    key = make_token(collect_server.services, collect_server.brand, [Scope.EVENTS_WRITE])
    now = datetime.now(UTC)
    raw = _python_sdk_batch(key, now)
    headers = {
        "Authorization": _basic(key),
        "Content-Type": "application/json",
        "User-Agent": "analytics-python/2.3.3",
        "Content-Encoding": "gzip",
    }
    with httpx.Client(base_url=collect_server.base) as client:
        response = client.post("/v1/batch", content=gzip.compress(raw), headers=headers)
        plain = client.post(
            "/v1/batch",
            content=raw,
            headers={**headers, "Content-Encoding": "identity"},
        )
    assert response.status_code == 200, response.text
    assert response.json()["success"] is True
    assert response.json()["accepted"] == 2
    assert plain.status_code == 200  # the same message ids again: dropped by the loader
    collect_server.flush()
    events = {r["name"]: r for r in collect_server.rows("events")}
    assert len(collect_server.rows("events")) == 2
    purchase = events["purchase"]
    assert (purchase["customer_id"], purchase["order_id"]) == ("cust-py", "py-1")
    # A server-side SDK replaying a 20-day-old queue: its time is kept, not re-stamped.
    expected = (now - timedelta(days=20, minutes=2)).replace(tzinfo=None)
    assert abs(purchase["ts"] - expected) < timedelta(milliseconds=1)
    assert "hidden@example.com" not in str(events)


def test_rudderstack_js_shape_page_and_track(collect_server: CollectServer) -> None:
    """RudderStack's JS SDK: Basic auth per call, `originalTimestamp` + `sentAt`, context."""
    key = make_token(collect_server.services, collect_server.brand, [Scope.EVENTS_WRITE])
    device_now = datetime.now(UTC) + timedelta(hours=2)  # a device clock two hours fast
    context = {
        "library": {"name": "RudderLabs JavaScript SDK", "version": "3.0.0"},
        "page": {
            "url": "https://acme.example/products/mug?utm_source=instagram&utm_medium=social",
            "referrer": "https://l.instagram.com/",
            "path": "/products/mug",
        },
        "userAgent": (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
        ),
        "locale": "en-US",
    }
    page = {
        "channel": "web",
        "type": "page",
        "name": "Mug",
        "anonymousId": "rs-anon",
        "messageId": "rs-page-1",
        "context": context,
        "originalTimestamp": _iso(device_now - timedelta(seconds=30)),
        "sentAt": _iso(device_now),
        "integrations": {"All": True},
    }
    track = {**page, "type": "track", "event": "Product Added", "messageId": "rs-track-1"}
    track["properties"] = {"product_id": "mug", "price": "12.50", "quantity": 1}
    headers = {
        "Authorization": _basic(key),
        "Content-Type": "application/json;charset=UTF-8",
        "AnonymousId": base64.b64encode(b"rs-anon").decode(),
    }
    with httpx.Client(base_url=collect_server.base) as client:
        answers = [
            client.post("/v1/page", content=json.dumps(page), headers=headers),
            client.post("/v1/track", content=json.dumps(track), headers=headers),
        ]
    assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
    collect_server.flush()
    events = {r["event_id"]: r for r in collect_server.rows("events")}
    assert events["rs-page-1"]["channel"] == "Organic Social"
    assert events["rs-track-1"]["name"] == "add_to_cart"
    # The device clock is corrected by its own sentAt: 30 s before receipt, not 2 h ahead.
    received = datetime.now(UTC).replace(tzinfo=None)
    assert received - timedelta(minutes=2) < events["rs-page-1"]["ts"] <= received


def test_v1_every_type_and_auth_failures(collect_server: CollectServer) -> None:
    key = make_token(collect_server.services, collect_server.brand, [Scope.EVENTS_WRITE])
    reader = make_token(collect_server.services, collect_server.brand, [Scope.ANALYTICS_READ])
    message = {"userId": "u-1", "previousId": "anon-x", "event": "Signed Up", "groupId": "g"}
    with httpx.Client(base_url=collect_server.base) as client:
        statuses = {
            kind: client.post(
                f"/v1/{kind}",
                json={**message, "messageId": f"v1-{kind}"},
                headers={"Authorization": _basic(key)},
            )
            for kind in ("track", "page", "screen", "identify", "group", "alias")
        }
        nobody = client.post("/v1/track", json=message)
        wrong_key = client.post("/v1/track", json=message, headers={"Authorization": _basic("x")})
        garbage = client.post("/v1/track", json=message, headers={"Authorization": "Basic %%%"})
        no_scope = client.post("/v1/track", json=message, headers={"Authorization": _basic(reader)})
        bearer = client.post(
            "/v1/track",
            json={**message, "messageId": "v1-bearer"},
            headers={"Authorization": f"Bearer {key}"},
        )
    assert {k: r.status_code for k, r in statuses.items()} == dict.fromkeys(statuses, 200)
    assert statuses["group"].json()["skipped"][0]["messageId"] == "v1-group"
    assert (nobody.status_code, wrong_key.status_code, garbage.status_code) == (401, 401, 401)
    assert (no_scope.status_code, bearer.status_code) == (403, 200)
    collect_server.flush()
    stored = {r["event_id"] for r in collect_server.rows("events")}
    assert stored == {"v1-track", "v1-page", "v1-screen", "v1-identify", "v1-alias", "v1-bearer"}


def test_v1_gzip_bomb_and_bad_encoding_are_refused(collect_server: CollectServer) -> None:
    key = make_token(collect_server.services, collect_server.brand, [Scope.EVENTS_WRITE])
    bomb = gzip.compress(b'{"batch": [' + b" " * (64 * 1024 * 1024) + b"]}")
    auth = {"Authorization": _basic(key), "Content-Type": "application/json"}
    with httpx.Client(base_url=collect_server.base) as client:
        inflated = client.post(
            "/v1/batch", content=bomb, headers={**auth, "Content-Encoding": "gzip"}
        )
        brotli = client.post("/v1/batch", content=b"{}", headers={**auth, "Content-Encoding": "br"})
        broken = client.post(
            "/v1/batch", content=b"not gzip", headers={**auth, "Content-Encoding": "gzip"}
        )
        after = client.post(
            "/v1/track",
            json={"anonymousId": "a", "event": "still fine", "messageId": "after"},
            headers=auth,
        )
    assert len(bomb) < 512 * 1024
    assert (inflated.status_code, brotli.status_code, broken.status_code) == (413, 415, 422)
    assert after.status_code == 200
