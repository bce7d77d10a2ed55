"""Instagram mention webhooks: handshake, signatures, mentions fetched into UGC candidates."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from mercato.catalog.models import UgcCandidate
from mercato.connectors import accounts, meta_webhooks
from mercato.runtime import Services
from tests.connectors.fake_platforms import GOOD_TOKEN, IG_USER, FakePlatforms, build_app
from tests.support.brands import Brand
from tests.support.server import serve_app

APP_SECRET = "meta-app-secret-0123456789"
VERIFY = "verify-me-please"


@pytest.fixture
def fake() -> Iterator[tuple[FakePlatforms, str]]:
    state = FakePlatforms()
    with serve_app(build_app(state)) as base:
        yield state, base


def _payload(value: dict[str, Any]) -> dict[str, Any]:
    return {
        "object": "instagram",
        "entry": [
            {
                "id": IG_USER,
                "time": int(time.time()) - 60,  # inside the replay window
                "changes": [{"field": "mentions", "value": value}],
            }
        ],
    }


def test_mention_webhook(
    services: Services, brand: Brand, live_server: str, fake: tuple[FakePlatforms, str]
) -> None:
    state, base = fake
    state.mentioned = {
        "m1": {
            "id": "m1",
            "caption": "my fit @acme",
            "media_type": "IMAGE",
            "permalink": "https://instagram.com/p/M1/",
            "username": "fan",
            "timestamp": "2024-09-21T10:00:00+0000",
            "like_count": 5,
        },
        "c1": {
            "id": "c1",
            "text": "@acme where is this from?",
            "username": "asker",
            "timestamp": "2024-09-21T11:00:00+0000",
            "media": {"id": "x", "permalink": "https://instagram.com/p/X/"},
        },
    }
    with services.catalog.session() as session:
        meta_webhooks.set_secrets(session, brand.workspace_id, APP_SECRET, VERIFY)
        accounts.add_account(
            session,
            brand.workspace_id,
            platform="instagram",
            handle="acme",
            external_id=IG_USER,
            token=GOOD_TOKEN,
            api_base_url=base,
        )
    url = f"/hooks/meta/{brand.slug}"
    with httpx.Client(base_url=live_server) as client:
        ok = client.get(
            url,
            params={
                "hub.mode": "subscribe",
                "hub.verify_token": VERIFY,
                "hub.challenge": "1158201444",
            },
        )
        assert ok.status_code == 200
        assert ok.text == "1158201444"
        wrong = client.get(
            url, params={"hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "1"}
        )
        assert wrong.status_code == 403
        for value in ({"media_id": "m1"}, {"comment_id": "c1", "media_id": "x"}):
            body = json.dumps(_payload(value)).encode()
            forged = client.post(
                url,
                content=body,
                headers={
                    "X-Hub-Signature-256": meta_webhooks.signature("wrong-secret-xxxxxxxx", body)
                },
            )
            assert forged.status_code == 401
            signed = client.post(
                url,
                content=body,
                headers={"X-Hub-Signature-256": meta_webhooks.signature(APP_SECRET, body)},
            )
            assert signed.status_code == 200, signed.text
    with services.catalog.session() as session:
        found = {c.external_id: c for c in session.scalars(select(UgcCandidate))}
    assert set(found) == {"m1", "comment:c1"}
    assert found["m1"].kind == "mention"
    assert found["m1"].author_handle == "fan"
    assert found["comment:c1"].caption == "@acme where is this from?"
