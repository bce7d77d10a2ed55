"""The Traffic report, page and API, against numbers written out by hand."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx

from mercato.collect.enrich import Hit, SiteConfig, event_row
from mercato.collect.identity import SaltStore
from mercato.collect.payload import TrackerEvent
from mercato.collect.store import EventStore
from mercato.runtime import Services
from mercato.warehouse.rows import EventRecord
from tests.support.brands import PASSWORD, Brand
from tests.support.server import login

CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"
DAY = datetime(2024, 11, 12, 12, 0, 0)


def _seed(services: Services, brand: Brand) -> None:
    site = SiteConfig("site_x", brand.workspace_id, "acme.example", identity_mode="first_party_id")
    salts = SaltStore(None)

    def hit(visitor: str, minutes: int, name: str = "pageview", **fields: Any) -> EventRecord:
        fields.setdefault("url", "https://acme.example/")
        event = TrackerEvent(
            name=name, visitor_id=visitor, event_id=f"{visitor}-{minutes}-{name}", **fields
        )
        return event_row(event, site, Hit("", CHROME, DAY + timedelta(minutes=minutes)), salts)

    rows = [
        # v1: Paid Social from Instagram, 2 pageviews (engaged), 4 s engaged time
        hit(
            "v1",
            0,
            url="https://acme.example/products/mug?utm_source=instagram&utm_medium=paid_social",
        ),
        hit("v1", 1, url="https://acme.example/cart"),
        hit("v1", 2, "engagement", engaged_ms=4000),
        # v2: Organic Social from TikTok, one pageview, 12 s engaged (engaged)
        hit("v2", 0, url="https://acme.example/products/mug", referrer="https://www.tiktok.com/"),
        hit("v2", 1, "engagement", engaged_ms=12000),
        # v3: Direct, one pageview, 3 s (not engaged)
        hit("v3", 0),
        hit("v3", 1, "engagement", engaged_ms=3000),
    ]
    EventStore(services.warehouse).store(rows)


def test_traffic_api_and_page(services: Services, brand: Brand, live_server: str) -> None:
    _seed(services, brand)
    with httpx.Client(base_url=live_server) as client:
        login(client, brand.email(), PASSWORD)
        report = client.get(
            "/api/v1/traffic", params={"start": "2024-11-12", "end": "2024-11-12"}
        ).json()
        page = client.get("/traffic", params={"start": "2024-11-12", "end": "2024-11-12"})
        outside = client.get(
            "/api/v1/traffic", params={"start": "2024-11-13", "end": "2024-11-14"}
        ).json()
    assert report["total"]["sessions"] == 3
    assert report["total"]["engaged_sessions"] == 2
    assert report["total"]["engaged_ms"] == 19000
    channels = {
        r["label"]: (r["sessions"], r["engaged_sessions"], r["engaged_ms"])
        for r in report["by_channel"]
    }
    assert channels == {
        "Paid Social": (1, 1, 4000),
        "Organic Social": (1, 1, 12000),
        "Direct": (1, 0, 3000),
    }
    platforms = {r["label"]: r["sessions"] for r in report["by_social_platform"]}
    assert platforms == {"instagram": 1, "tiktok": 1}
    pages = {r["label"]: r["sessions"] for r in report["landing_pages"]}
    assert pages == {"/products/mug": 2, "/": 1}
    assert page.status_code == 200
    assert 'id="kpi-sessions">3<' in page.text
    assert "Organic Social" in page.text
    assert outside["total"]["sessions"] == 0
    assert outside["by_channel"] == []
