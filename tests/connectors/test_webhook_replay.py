"""Webhooks over the real server: replayed, late, old, malformed, oversized and too many
deliveries. Each check here failed before deliveries were deduplicated and bodies streamed."""

from __future__ import annotations

import json
import socket
import time
from typing import Any
from urllib.parse import urlsplit

import httpx
import pandas as pd
import pytest

from mercato.connectors import meta_webhooks
from mercato.runtime import Services
from tests.connectors.test_web import SECRET, _order_payload, _set_secret, shop_time
from tests.support.brands import Brand
from tests.support.streaming import stream_until_answer

APP_SECRET = "meta-app-secret-0123456789"


def _signed(
    client: httpx.Client,
    slug: str,
    topic: str,
    payload: dict[str, Any],
    webhook_id: str,
    **headers: str,
) -> httpx.Response:
    from mercato.connectors import shopify_webhooks

    body = json.dumps(payload).encode()
    return client.post(
        f"/hooks/shopify/{slug}",
        content=body,
        headers={
            "X-Shopify-Topic": topic,
            "X-Shopify-Webhook-Id": webhook_id,
            "Content-Type": "application/json",
            "X-Shopify-Hmac-Sha256": shopify_webhooks.signature(SECRET, body),
            **headers,
        },
    )


def _status(services: Services, brand: Brand) -> str:
    scoped = services.warehouse.for_workspace(brand.workspace_id)
    frame: pd.DataFrame = scoped.execute(scoped.table("orders"))
    assert len(frame) == 1
    return str(frame.iloc[0].status)


def test_a_late_or_replayed_update_never_reverts_a_cancelled_order(
    services: Services, brand: Brand, live_server: str
) -> None:
    _set_secret(services, brand)
    paid = _order_payload(updated_at=shop_time(2))
    cancelled = _order_payload(
        updated_at=shop_time(1), cancelled_at=shop_time(1), financial_status="voided"
    )
    with httpx.Client(base_url=live_server) as client:
        assert _signed(client, brand.slug, "orders/create", paid, "w-1").status_code == 200
        assert _signed(client, brand.slug, "orders/updated", cancelled, "w-3").status_code == 200
        assert _status(services, brand) == "cancelled"
        # The paid update was delayed: it arrives after the cancellation, with its own id.
        late = _signed(client, brand.slug, "orders/updated", paid, "w-2")
        assert late.status_code == 200
        assert "stale update" in json.dumps(late.json()["skipped"])
        assert _status(services, brand) == "cancelled"
        # An attacker replays the captured first delivery as it was.
        replay = _signed(client, brand.slug, "orders/create", paid, "w-1")
        assert replay.json() == {"ok": True, "duplicate": True, "delivery_id": "w-1"}
        assert _status(services, brand) == "cancelled"
        # A genuinely newer update still applies.
        reopened = _order_payload(updated_at=shop_time(0.5), financial_status="paid")
        assert _signed(client, brand.slug, "orders/updated", reopened, "w-4").status_code == 200
    assert _status(services, brand) == "paid"


def test_deliveries_older_than_the_replay_window_are_refused(
    services: Services, brand: Brand, live_server: str
) -> None:
    _set_secret(services, brand)
    window_h = services.settings.webhook_replay_window_minutes / 60
    old = _order_payload(created_at=shop_time(window_h + 3), updated_at=shop_time(window_h + 1))
    fresh = _order_payload()
    with httpx.Client(base_url=live_server) as client:
        refused = _signed(client, brand.slug, "orders/updated", old, "w-old")
        # The header is not signed: it can make a delivery older, never rescue an old one.
        rescued = _signed(
            client, brand.slug, "orders/updated", old, "w-old2",
            **{"X-Shopify-Triggered-At": shop_time(0)},
        )  # fmt: skip
        aged = _signed(
            client, brand.slug, "orders/updated", fresh, "w-aged",
            **{"X-Shopify-Triggered-At": shop_time(window_h + 1)},
        )  # fmt: skip
    for response in (refused, rescued, aged):
        assert response.status_code == 409, response.text
        assert response.json()["error"]["code"] == "outside_replay_window"
    scoped = services.warehouse.for_workspace(brand.workspace_id)
    assert scoped.execute(scoped.table("orders")).empty


def test_malformed_signed_payloads_are_4xx_not_500(
    services: Services, brand: Brand, live_server: str
) -> None:
    _set_secret(services, brand)
    with httpx.Client(base_url=live_server) as client:
        refunds = _signed(client, brand.slug, "orders/create", _order_payload(refunds="x"), "m1")
        lines = _signed(client, brand.slug, "orders/create", _order_payload(line_items=["x"]), "m2")
        transactions = _signed(
            client,
            brand.slug,
            "refunds/create",
            {"id": 1, "order_id": 2, "created_at": shop_time(0), "transactions": "x"},
            "m3",
        )
        listed = _signed(client, brand.slug, "orders/create", [1, 2], "m4")  # type: ignore[arg-type]
        again = _signed(client, brand.slug, "orders/create", _order_payload(), "m5")
    assert refunds.status_code == 422
    assert refunds.json()["error"]["location"] == "body.refunds"
    assert lines.status_code == 422
    assert transactions.status_code == 422
    assert listed.status_code == 400
    assert again.status_code == 200  # the keep-alive connection survived every refusal


def _mention_body() -> bytes:
    entry = {"id": "178414", "time": int(time.time()) - 30, "changes": []}
    return json.dumps({"object": "instagram", "entry": [entry]}).encode()


def test_meta_replays_are_applied_once_and_old_ones_refused(
    services: Services, brand: Brand, live_server: str
) -> None:
    with services.catalog.session() as session:
        meta_webhooks.set_secrets(session, brand.workspace_id, APP_SECRET, "verify-token")
    body = _mention_body()
    old = json.dumps(
        {"object": "instagram", "entry": [{"id": "1", "time": 1_600_000_000, "changes": []}]}
    ).encode()
    url = f"/hooks/meta/{brand.slug}"
    with httpx.Client(base_url=live_server) as client:

        def post(raw: bytes) -> httpx.Response:
            sign = {"X-Hub-Signature-256": meta_webhooks.signature(APP_SECRET, raw)}
            return client.post(url, content=raw, headers=sign)

        first, second, ancient = post(body), post(body), post(old)
        broken = post(b'{"entry": "x"}')
    assert first.status_code == 200
    assert "duplicate" not in first.json()
    assert second.json() == {"ok": True, "duplicate": True}
    assert ancient.status_code == 409
    assert broken.status_code == 422


@pytest.mark.slow
def test_oversized_bodies_are_refused_while_streaming(
    services: Services, brand: Brand, live_server: str
) -> None:
    _set_secret(services, brand)
    total = 96 * 1024 * 1024
    for path, limit in (
        (f"/hooks/shopify/{brand.slug}", 5 << 20),
        (f"/hooks/meta/{brand.slug}", 1 << 20),
    ):
        headers = {"Content-Type": "application/json", "X-Shopify-Topic": "orders/create"}
        sent, answer = stream_until_answer(live_server, path, headers, b"[", b"[" * 65536, total)
        assert answer.startswith(b"HTTP/1.1 413"), answer
        # The answer came while the client was still sending: far less than the whole body.
        assert sent < limit + 24 * 1024 * 1024, (path, sent)
    # A declared length over the limit is refused before a byte of the body is sent.
    parts = urlsplit(live_server)
    with socket.create_connection((parts.hostname or "", parts.port or 80)) as sock:
        sock.sendall(
            f"POST /hooks/shopify/{brand.slug} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            f"Content-Length: {100 * 1024 * 1024}\r\n\r\n".encode()
        )
        sock.settimeout(30)
        assert sock.recv(200).startswith(b"HTTP/1.1 413")


def test_hooks_are_rate_limited_per_client(
    services: Services, brand: Brand, live_server: str
) -> None:
    services.settings = services.settings.model_copy(update={"hooks_rate_limit_per_minute": 3})
    with httpx.Client(base_url=live_server) as client:
        answers = [client.post(f"/hooks/shopify/{brand.slug}", content=b"{}") for _ in range(4)]
        # One budget per client across the hooks, the Meta handshake included.
        answers.append(client.get(f"/hooks/meta/{brand.slug}", params={"hub.mode": "subscribe"}))
        answers.append(client.post(f"/hooks/meta/{brand.slug}", content=b"{}"))
    assert [a.status_code for a in answers] == [401, 401, 401, 429, 429, 429]
    assert 1 <= int(answers[-1].headers["Retry-After"]) <= 60
